// LocalCheckpointTracker: which sequence numbers a shard copy has processed.
//
// Seq_nos are issued in order but may complete out of order (concurrent
// writers). The local checkpoint is the highest seq_no below which every op is
// processed: it is what a restart replays from and what replication compares.
// Thread-safe (one mutex; each call is O(log pending)).
#pragma once

#include <cstdint>
#include <mutex>
#include <set>

#include "index/shard/op_stamp.h"

namespace holdfast {

class LocalCheckpointTracker {
 public:
  // Starts with every seq_no up to `checkpoint` processed and `max_seq_no` issued.
  explicit LocalCheckpointTracker(int64_t checkpoint = kNoOpsPerformed,
                                  int64_t max_seq_no = kNoOpsPerformed);

  int64_t GenerateSeqNo();            // the next seq_no, for a primary
  void AdvanceMaxSeqNo(int64_t seq);  // a replica saw `seq` from its primary
  void MarkProcessed(int64_t seq);
  // Whether `seq` was marked processed (or is at or below the checkpoint).
  bool IsProcessed(int64_t seq) const;

  int64_t checkpoint() const;
  int64_t max_seq_no() const;

 private:
  mutable std::mutex mu_;
  int64_t checkpoint_;
  int64_t next_seq_no_;
  std::set<int64_t> processed_above_;  // processed seq_nos > checkpoint_ + 1
};

}  // namespace holdfast
