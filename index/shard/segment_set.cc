#include "index/shard/segment_set.h"

#include <unistd.h>

#include <algorithm>

#include "index/segment/live_docs.h"
#include "index/segment/segment_builder.h"
#include "index/segment/segment_reader.h"
#include "index/shard/merge_policy.h"

namespace holdfast {

SegmentFile::~SegmentFile() {
  map.reset();
  if (obsolete.load()) ::unlink(path.c_str());
}

void SegmentSet::Load(std::vector<SegmentEntry> flushed, SegmentCoverage coverage, uint64_t next_segment) {
  std::lock_guard<std::mutex> lock(mu_);
  segments_ = std::move(flushed);
  coverage_ = coverage;
  next_segment_ = next_segment;
}

namespace {

// Copies `e`'s live docs with every copy of `ids` deleted (null: none was live).
std::shared_ptr<const segment::LiveDocs> DeleteIds(const SegmentEntry& e, const std::vector<std::string>& ids) {
  std::shared_ptr<segment::LiveDocs> copy;
  for (const std::string& id : ids) {
    const int64_t doc = e.reader->FindDoc(id);
    if (doc < 0) continue;
    const uint32_t d = static_cast<uint32_t>(doc);
    if (e.live && e.live->IsDeleted(d) && !copy) continue;
    if (!copy) {
      copy = e.live ? std::make_shared<segment::LiveDocs>(*e.live)
                    : std::make_shared<segment::LiveDocs>(e.reader->doc_count());
    }
    copy->Delete(d);
  }
  return copy;
}

}  // namespace

Status SegmentSet::Refresh(IndexingLanes& lanes, const LocalCheckpointTracker& tracker) {
  std::lock_guard<std::mutex> refresh_lock(refresh_mu_);
  IndexingLanes::Taken taken = lanes.Take(tracker);
  // Buffered ops reach the store just after the buffer: wait for those
  // writes, so that searches only ever see what the store holds.
  if (!lanes.WaitStored(taken)) return Status::IOError("refresh: a store write of a buffered op failed");
  std::vector<SegmentEntry> fresh_entries;
  for (IndexingLanes::Taken::Buffer& b : taken.buffers) {
    SegmentEntry fresh;
    auto bytes = std::make_shared<std::string>(b.builder->Build());
    b.builder.reset();
    fresh.number = NewSegmentNumber();
    auto reader = segment::SegmentReader::Open(bytes, *bytes, "in-memory segment " + std::to_string(fresh.number));
    if (!reader.ok()) return reader.status();
    fresh.reader = reader.value();
    fresh.memory = bytes;
    if (!b.deleted.empty()) {
      auto live = std::make_shared<segment::LiveDocs>(fresh.reader->doc_count());
      for (uint32_t d : b.deleted) live->Delete(d);
      fresh.live = live;
    }
    fresh_entries.push_back(std::move(fresh));
  }
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<SegmentEntry> next = segments_;
  if (!taken.pending_deletes.empty()) {
    for (SegmentEntry& e : next) {
      if (auto live = DeleteIds(e, taken.pending_deletes)) e.live = std::move(live);
    }
  }
  for (SegmentEntry& fresh : fresh_entries) next.push_back(std::move(fresh));
  segments_.swap(next);
  coverage_.max_seq_no = std::max(coverage_.max_seq_no, taken.max_seq_no);
  coverage_.local_checkpoint = std::max(coverage_.local_checkpoint, taken.local_checkpoint);
  refreshed_cv_.notify_all();
  return Status::OK();
}

bool SegmentSet::WaitForRefresh(int64_t seq_no, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return refreshed_cv_.wait_for(lock, timeout, [&] { return coverage_.max_seq_no >= seq_no; });
}

search::SearcherSnapshot SegmentSet::Acquire() const {
  search::SearcherSnapshot snap;
  std::lock_guard<std::mutex> lock(mu_);
  snap.readers.reserve(segments_.size());
  snap.live.reserve(segments_.size());
  for (const SegmentEntry& e : segments_) {
    snap.readers.push_back(e.reader);
    snap.live.push_back(e.live);
  }
  return snap;
}

std::vector<SegmentEntry> SegmentSet::Snapshot(SegmentCoverage* coverage) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (coverage != nullptr) *coverage = coverage_;
  return segments_;
}

void SegmentSet::AdoptWritten(const std::vector<SegmentEntry>& written) {
  std::lock_guard<std::mutex> lock(mu_);
  for (SegmentEntry& cur : segments_) {
    for (const SegmentEntry& done : written) {
      if (done.number != cur.number || !done.file) continue;
      cur.file = done.file;
      cur.reader = done.reader;
      cur.memory.reset();
      cur.live_file = done.live_file;
      cur.live_gen = done.live_gen;
      // Deletes published since the snapshot differ from live_written: the
      // next flush writes them.
      cur.live_written = done.live_written;
    }
  }
}

std::vector<SegmentEntry> SegmentSet::ChooseMerge(size_t max_segments, size_t merge_factor) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<MergeCandidate> candidates;
  for (size_t i = 0; i < segments_.size(); ++i) {
    const SegmentEntry& e = segments_[i];
    if (!e.file || merging_.count(e.number)) continue;  // only flushed segments merge
    candidates.push_back({i, e.reader->doc_count(), e.live ? e.live->deleted_count() : 0u, e.reader->size_bytes()});
  }
  std::vector<size_t> pick = max_segments > 0 ? SelectForceMerge(candidates, max_segments)
                                              : SelectTieredMerge(candidates, merge_factor);
  std::vector<SegmentEntry> chosen;
  for (size_t idx : pick) {
    chosen.push_back(segments_[idx]);
    merging_.insert(segments_[idx].number);
  }
  return chosen;
}

void SegmentSet::ReleaseMerge(const std::vector<SegmentEntry>& chosen) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const SegmentEntry& e : chosen) merging_.erase(e.number);
}

std::vector<SegmentEntry> SegmentSet::InstallMerge(const std::vector<SegmentEntry>& chosen, SegmentEntry merged,
                                                   const std::vector<std::vector<int32_t>>& doc_maps,
                                                   uint32_t merged_docs) {
  std::lock_guard<std::mutex> lock(mu_);
  // Deletes that arrived while merging move over to the merged segment.
  std::shared_ptr<segment::LiveDocs> live;
  std::vector<SegmentEntry> next;
  size_t merged_at = 0;
  bool placed = false;
  for (const SegmentEntry& cur : segments_) {
    size_t k = 0;
    while (k < chosen.size() && chosen[k].number != cur.number) ++k;
    if (k == chosen.size()) {
      next.push_back(cur);
      continue;
    }
    if (cur.live && cur.live != chosen[k].live) {
      for (uint32_t d = 0; d < cur.reader->doc_count(); ++d) {
        if (!cur.live->IsDeleted(d) || (chosen[k].live && chosen[k].live->IsDeleted(d))) continue;
        const int32_t nd = doc_maps[k][d];
        if (nd < 0) continue;
        if (!live) live = std::make_shared<segment::LiveDocs>(merged_docs);
        live->Delete(static_cast<uint32_t>(nd));
      }
    }
    if (!placed) {
      merged_at = next.size();
      next.push_back(merged);
      placed = true;
    }
  }
  if (placed && live) next[merged_at].live = live;
  segments_.swap(next);
  for (const SegmentEntry& e : chosen) merging_.erase(e.number);
  return segments_;
}

bool SegmentSet::merging() const {
  std::lock_guard<std::mutex> lock(mu_);
  return !merging_.empty();
}

SegmentSetStats SegmentSet::Stats() const {
  SegmentSetStats st;
  std::lock_guard<std::mutex> lock(mu_);
  for (const SegmentEntry& e : segments_) {
    const uint32_t deleted = e.live ? e.live->deleted_count() : 0;
    st.docs += e.reader->doc_count() - deleted;
    st.deleted_docs += deleted;
    st.bytes += e.reader->size_bytes();
    ++st.segments;
    if (e.memory) {
      st.memory_bytes += e.memory->size();
      ++st.memory_segments;
    }
  }
  return st;
}

}  // namespace holdfast
