// SegmentSet: a shard's published segments (DESIGN.md §4) — what searches
// see — and refresh, which publishes the indexing buffers as new segments.
//
// Owns: the list of published segments (flushed ones backed by mmapped
// files, refreshed ones by bytes in memory) with their live docs; the
// numbering of new segments; which segments a merge is working on; and how
// far the last refresh reached (its max seq_no and local checkpoint).
// Promises: a searcher snapshot is immutable and keeps its segments (and
// their files) alive; a refresh publishes only ops the store holds, applies
// the deletes of older copies in the same publish, and never runs twice at
// once. A segment file is unlinked when it was merged away and the last
// snapshot holding it is gone.
// Threads: any thread. Lock order: refresh lock, then the indexing lanes'
// locks (inside Refresh), then the published-list lock (leaf).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "index/search/search_context.h"
#include "index/shard/indexing_lanes.h"
#include "index/shard/local_checkpoint_tracker.h"
#include "index/util/mmap_file.h"
#include "index/util/status.h"

namespace holdfast {

// A flushed segment's file. Unlinked when marked obsolete (merged away) and
// the last reader holding it is gone: searches in flight keep their files.
struct SegmentFile {
  std::shared_ptr<MmapFile> map;
  std::string path;
  std::atomic<bool> obsolete{false};
  ~SegmentFile();
};

// One published segment.
struct SegmentEntry {
  uint64_t number = 0;
  std::shared_ptr<const segment::SegmentReader> reader;
  std::shared_ptr<const segment::LiveDocs> live;  // null: nothing deleted
  std::shared_ptr<SegmentFile> file;              // null while only in memory
  std::shared_ptr<const std::string> memory;      // the bytes while only in memory
  std::shared_ptr<const segment::LiveDocs> live_written;  // what live_file holds
  std::string live_file;
  uint32_t live_gen = 0;
};

// Where the segments stand: every op <= local_checkpoint is in them, no op
// above max_seq_no is.
struct SegmentCoverage {
  int64_t local_checkpoint = kNoOpsPerformed;
  int64_t max_seq_no = kNoOpsPerformed;
};

struct SegmentSetStats {
  uint64_t docs = 0, deleted_docs = 0, segments = 0, bytes = 0;
  uint64_t memory_segments = 0, memory_bytes = 0;  // refreshed, not yet flushed
};

class SegmentSet {
 public:
  // Starts with the flushed segments of the manifest.
  void Load(std::vector<SegmentEntry> flushed, SegmentCoverage coverage, uint64_t next_segment);

  // Publishes what the lanes buffered. IOError when a store write of a
  // buffered op failed (nothing is published: the shard fails).
  Status Refresh(IndexingLanes& lanes, const LocalCheckpointTracker& tracker);
  // Waits until a refresh covers `seq_no`, up to `timeout`.
  bool WaitForRefresh(int64_t seq_no, std::chrono::milliseconds timeout);
  search::SearcherSnapshot Acquire() const;

  // The published list and its coverage, for a flush.
  std::vector<SegmentEntry> Snapshot(SegmentCoverage* coverage) const;
  // `written` (a Snapshot's entries, now written to files) replace the
  // bytes, readers and live-docs files of the same segments still published;
  // deletes published meanwhile stay (live_written tells the next flush).
  void AdoptWritten(const std::vector<SegmentEntry>& written);

  // Merges: chooses segments to merge (flushed ones not already merging) —
  // a force merge down to `max_segments`, or the tiered policy's pick when 0.
  std::vector<SegmentEntry> ChooseMerge(size_t max_segments, size_t merge_factor);
  void ReleaseMerge(const std::vector<SegmentEntry>& chosen);
  // Replaces `chosen` by `merged` (built from them with `doc_maps`), moving
  // over the deletes they received meanwhile. Returns the new published
  // list. The caller marks their files obsolete once a manifest without
  // them is durable.
  std::vector<SegmentEntry> InstallMerge(const std::vector<SegmentEntry>& chosen, SegmentEntry merged,
                                         const std::vector<std::vector<int32_t>>& doc_maps, uint32_t merged_docs);
  bool merging() const;

  uint64_t NewSegmentNumber() { return next_segment_++; }
  uint64_t next_segment() const { return next_segment_.load(); }
  SegmentSetStats Stats() const;

 private:
  std::mutex refresh_mu_;  // one refresh at a time
  mutable std::mutex mu_;  // the published list (leaf)
  std::condition_variable refreshed_cv_;
  std::vector<SegmentEntry> segments_;
  SegmentCoverage coverage_;
  std::set<uint64_t> merging_;
  std::atomic<uint64_t> next_segment_{1};
};

}  // namespace holdfast
