// HistoryComparer: does a copy's op history differ from a primary's above a
// point both are known to share (DESIGN.md §6)? An op (primary_term,
// seq_no) names one op everywhere: a primary of a term stamps each seq_no
// once. So the copy diverges when it holds an op at a seq_no where the
// primary holds none or one of another term — an op of an old primary the
// current one never had. Ops of the current term above the primary's
// highest are its live writes (they may reach a copy first), not a
// divergence.
//
// Used by a new primary's resync (replication/shard_service_replication.cc)
// and by an ops-based peer recovery (replication/peer_recovery.cc), which
// feeds the primary's ops a page at a time. Not thread-safe.
#pragma once

#include <memory>
#include <vector>

#include "index/shard/shard_engine.h"

namespace holdfast {

class HistoryComparer {
 public:
  // Compares `copy`'s ops from `from_seq_no` on with those of a primary
  // of `term`. kHistoryTrimmed when the copy no longer holds them.
  static Result<std::unique_ptr<HistoryComparer>> Open(const ShardEngine& copy, int64_t from_seq_no, int64_t term);

  // The primary's ops — every op it holds from the previous call's
  // `through` + 1 up to `through` (inclusive), in any order. False once the
  // copy holds an op in that range the primary does not.
  bool Next(const std::vector<ShardOp>& primary_ops, int64_t through);
  // After the primary's last op (`primary_max_seq_no`, its highest): false
  // when the copy holds an op of an older term above it.
  bool Finish(int64_t primary_max_seq_no);
  // A read error of the copy's op log (then Next/Finish answered false).
  const Status& status() const { return status_; }

 private:
  HistoryComparer(std::unique_ptr<OpLogSnapshot> mine, int64_t term) : mine_(std::move(mine)), term_(term) {}
  bool Advance();  // the copy's next op into next_; false at the end

  std::unique_ptr<OpLogSnapshot> mine_;
  int64_t term_;
  ShardOp next_;
  bool has_next_ = false;
  bool started_ = false;
  Status status_;
};

// The whole comparison at once: `ops` are every op the primary of `term`
// holds above `common` up to `max_seq_no`. A copy whose op log no longer
// reaches back to `common` + 1 counts as diverged (it cannot tell).
Result<bool> HistoryDiverged(const ShardEngine& copy, int64_t term, int64_t common, int64_t max_seq_no,
                             const std::vector<ShardOp>& ops);

// What a primary sends for the comparisons above: its ops from `from` on,
// up to `through` — its local checkpoint, read before the op log, so every
// op up to it is there. Above it a write of the current term may hold a
// seq_no it has not stored yet (a hole a copy could already have filled by
// replication: no divergence); those ops reach the copies by replication.
struct WholeHistory {
  std::vector<ShardOp> ops;  // seq_no order, none above `through`
  int64_t through = -1;      // with `more`: up to the last op in `ops`
  bool more = false;         // max_ops reached first
};
// `max_ops` 0: no limit. kHistoryTrimmed when the op log no longer reaches `from`.
Result<WholeHistory> ReadWholeHistory(const ShardEngine& primary, int64_t from, size_t max_ops = 0);

}  // namespace holdfast
