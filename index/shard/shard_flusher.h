// ShardFlusher: a shard's flushed state on disk (DESIGN.md §3, §4) — the
// segment files, live-docs files and the manifest in <shard>/segments, and
// the trimming of the op log those files make unnecessary.
//
// Owns: the flush lock, the current manifest and the segments directory.
// Promises: segment and live-docs files are written durably before the
// manifest that names them; the manifest is replaced atomically
// (WriteFileDurably), so a crash leaves the old or the new one; files the
// manifest does not name are removed at open; the op log is trimmed only
// after the manifest covering it is durable, and never above the bound the
// caller passes (retention, DESIGN.md §6).
// Threads: any thread. Methods taking a lock witness need the flush lock
// (Lock()) held by the caller: it serializes flushes, merge installs, trims
// and file snapshots. It is the first engine lock taken (after the event
// lock); see the lock order in shard_engine.h.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "index/shard/manifest.h"
#include "index/shard/segment_set.h"
#include "index/util/status.h"

namespace holdfast {

class RateLimiter;
class ShardStore;

class ShardFlusher {
 public:
  using Lock = std::unique_lock<std::mutex>;
  static constexpr char kManifestName[] = "MANIFEST";

  ShardFlusher(std::string segments_dir, ShardStore* store) : dir_(std::move(segments_dir)), store_(store) {}

  // Reads the manifest (none: an empty shard) and opens every segment it
  // names (checksums verified); Corruption naming the file otherwise.
  Status Open(std::vector<SegmentEntry>* segments);
  // Removes files in the segments directory the manifest does not name.
  void RemoveUnreferencedFiles();

  Lock LockFlush() { return Lock(mu_); }

  // Writes every in-memory segment of `segments` to its file (durably) and
  // points the entry at the file.
  Status WriteSegments(const Lock& lock, std::vector<SegmentEntry>* segments);
  // Writes `bytes` as segment file `number` and opens it through mmap.
  Result<std::pair<std::shared_ptr<SegmentFile>, std::shared_ptr<const segment::SegmentReader>>> WriteSegmentFile(
      uint64_t number, std::string_view bytes, RateLimiter* limiter);
  // Writes changed live docs of the flushed entries of `segments`, then a
  // manifest naming them with `coverage`.
  Status WriteManifest(const Lock& lock, SegmentCoverage coverage, uint64_t next_segment,
                       std::vector<SegmentEntry>* segments);
  // Drops op log entries <= `up_to` (the caller's retention bound, never
  // above the manifest's local checkpoint).
  Status TrimOpLog(const Lock& lock, int64_t up_to);

  const ShardManifest& manifest(const Lock& lock) const { return manifest_; }
  // The manifest's local checkpoint, without the lock.
  int64_t flushed_checkpoint() const { return flushed_checkpoint_.load(); }
  const std::string& dir() const { return dir_; }

 private:
  const std::string dir_;
  ShardStore* const store_;
  std::mutex mu_;
  ShardManifest manifest_;  // under mu_
  std::atomic<int64_t> flushed_checkpoint_{kNoOpsPerformed};
};

}  // namespace holdfast
