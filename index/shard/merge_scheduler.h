// MergeScheduler: a shard's segment merges (DESIGN.md §4) — the tiered
// policy's merges on a background thread, force merges and "finish the
// merges" on the caller's thread.
//
// Owns: the merge thread, its wake-up signal, the merge rate limiter and
// the count of merges done.
// Promises: merges never block searches or writes — the merged segment is
// written outside every engine lock and only installed (with a new
// manifest) under the flush lock; deletes that arrive while a segment is
// being merged move over to the merged segment. A background merge that
// fails is reported through the error callback (the engine then fails the
// shard) and the thread stops merging.
// Threads: Wake() from any thread; ForceMerge/FinishMerges from any thread
// (they block); Start/Stop from the engine's owner.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

#include "index/shard/segment_set.h"
#include "index/shard/shard_failure.h"
#include "index/shard/shard_flusher.h"
#include "index/util/rate_limiter.h"
#include "index/util/status.h"

namespace holdfast {

class MergeScheduler {
 public:
  MergeScheduler(SegmentSet* segments, ShardFlusher* flusher, const ShardFailure* failure, size_t merge_factor,
                 uint64_t max_bytes_per_sec)
      : segments_(segments),
        flusher_(flusher),
        failure_(failure),
        merge_factor_(merge_factor),
        limiter_(max_bytes_per_sec) {}
  ~MergeScheduler() { Stop(); }

  // Starts the background thread; `on_error` gets a failed background merge.
  // While `hold` (if set) returns true, the thread starts no merge (a full
  // disk, ShardEngineOptions::hold_background_writes); the next Wake()
  // after it turns false merges again.
  void Start(std::function<void(const Status&)> on_error, std::function<bool()> hold = nullptr);
  void Stop();  // idempotent
  // Asks the background thread to look for merges (after a flush).
  void Wake();

  // One merge: force merge down to `max_segments`, or the tiered policy's
  // pick when 0. *merged is false when there was nothing to merge.
  Status MergeOnce(size_t max_segments, bool* merged);
  // Merges until at most `max_segments` remain (and none has deletions).
  Status ForceMerge(size_t max_segments);
  // Runs the tiered policy's merges until it wants none and no background
  // merge is still running.
  Status FinishMerges();

  uint64_t merges_done() const { return merges_done_.load(); }

 private:
  void Loop();

  SegmentSet* const segments_;
  ShardFlusher* const flusher_;
  const ShardFailure* const failure_;  // a failed shard installs no merge
  const size_t merge_factor_;
  RateLimiter limiter_;
  std::atomic<uint64_t> merges_done_{0};
  std::function<void(const Status&)> on_error_;
  std::function<bool()> hold_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;    // under mu_
  bool wanted_ = false;  // under mu_
  std::thread thread_;
};

}  // namespace holdfast
