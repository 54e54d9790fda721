// IndexingLanes: the write path's in-memory state (DESIGN.md §4) — the
// indexing buffers (lanes), the version map and the pending deletes.
//
// Owns:
//   - one SegmentBuilder per lane. An id always maps to the same lane, so
//     every op on one id is buffered in seq_no order under that lane's lock,
//     while different lanes index in parallel; each lane becomes its own
//     segment at refresh;
//   - the version map: id → latest version and stamp of ops whose store
//     write may not be visible yet (the store answers for the rest); entries
//     go at the refresh after the local checkpoint passed them, so on a
//     replica with a gap those above it stay until the gap is filled;
//   - the pending deletes: ids whose older copies in published segments go
//     at the next refresh;
//   - the in-flight count: ops buffered whose store write has not finished.
// Promises: Take() hands over everything buffered so far, with the max
// seq_no and local checkpoint of that instant, atomically with respect to
// writers; WaitStored() then waits until every op it handed over is in the
// store (or the store write failed), so a refresh never publishes a
// document the store may not hold.
// Threads: any thread. Methods say which lock the caller holds: a lane's
// lock (LockLane), then the write lock (LockWrite), in that order.
#pragma once

#include <absl/container/flat_hash_map.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "index/shard/local_checkpoint_tracker.h"
#include "index/shard/op_stamp.h"

namespace holdfast {

namespace segment {
class SegmentBuilder;
struct AnalyzedDocument;
}  // namespace segment

struct VersionEntry {
  int64_t version = 0;
  OpStamp stamp;
  bool deleted = false;
};

class IndexingLanes {
 public:
  explicit IndexingLanes(size_t lanes);
  ~IndexingLanes();
  IndexingLanes(const IndexingLanes&) = delete;
  IndexingLanes& operator=(const IndexingLanes&) = delete;

  size_t size() const { return lanes_.size(); }
  size_t LaneOf(std::string_view id) const;

  std::unique_lock<std::mutex> LockLane(size_t lane) { return std::unique_lock<std::mutex>(lanes_[lane]->mu); }
  // Taken after the lane lock(s), never before.
  std::unique_lock<std::mutex> LockWrite() { return std::unique_lock<std::mutex>(write_mu_); }

  // Under the lane's lock: adds a doc (null: a delete) to the lane,
  // superseding the id's older buffered copy.
  void Buffer(size_t lane, const std::string& id, const segment::AnalyzedDocument* doc);

  // Under the write lock.
  const VersionEntry* FindVersion(const std::string& id) const;
  void SetVersion(const std::string& id, const VersionEntry& entry) { version_map_[id] = entry; }
  void AddPendingDelete(const std::string& id) { pending_deletes_.push_back(id); }
  // Under the write lock: the caller is about to buffer ops and then write
  // them to the store; it calls EndStore(ticket, ok) once that write is done.
  int BeginStore() {
    inflight_[epoch_].fetch_add(1, std::memory_order_relaxed);
    return epoch_;
  }
  // Without any lock.
  void EndStore(int ticket, bool stored);

  // What a refresh takes: the lanes' builders (with their superseded docs),
  // the pending deletes, and where the shard stood when they were taken.
  struct Taken {
    struct Buffer {
      std::unique_ptr<segment::SegmentBuilder> builder;
      std::vector<uint32_t> deleted;
    };
    std::vector<Buffer> buffers;  // non-empty lanes only
    std::vector<std::string> pending_deletes;
    int64_t max_seq_no = kNoOpsPerformed;        // no buffered op is above it
    int64_t local_checkpoint = kNoOpsPerformed;  // every op <= it is buffered or published
    int ticket = 0;                              // for WaitStored
  };
  // Takes every lane lock and the write lock: hands the buffers over and
  // drops version map entries the store answers for (<= the checkpoint).
  Taken Take(const LocalCheckpointTracker& tracker);
  // Waits until every store write begun before Take(`taken`) has finished.
  // False when one of them failed (the shard fails; do not publish).
  bool WaitStored(const Taken& taken);

  size_t BufferBytes() const;  // takes each lane lock in turn
  uint64_t BufferedDocs() const;

 private:
  struct Lane {
    std::mutex mu;
    std::unique_ptr<segment::SegmentBuilder> builder;
    absl::flat_hash_map<std::string, uint32_t> ids;  // id → local doc of its newest buffered copy
    std::vector<uint32_t> deleted;                    // superseded local docs
  };
  std::vector<std::unique_ptr<Lane>> lanes_;

  std::mutex write_mu_;
  absl::flat_hash_map<std::string, VersionEntry> version_map_;
  std::vector<std::string> pending_deletes_;
  // Store writes in flight, counted per refresh epoch: Take() flips the
  // epoch, so the writes it must wait for are exactly those of the old one.
  // Refreshes are serialized (SegmentSet), so an epoch is drained before
  // it is reused.
  int epoch_ = 0;  // under write_mu_
  std::atomic<int64_t> inflight_[2] = {0, 0};
  std::atomic<bool> store_failed_{false};
};

}  // namespace holdfast
