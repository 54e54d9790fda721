#include "index/shard/merge_scheduler.h"

#include <algorithm>

#include "index/segment/segment_merger.h"
#include "index/segment/segment_reader.h"

namespace holdfast {

void MergeScheduler::Start(std::function<void(const Status&)> on_error, std::function<bool()> hold) {
  on_error_ = std::move(on_error);
  hold_ = std::move(hold);
  thread_ = std::thread([this] { Loop(); });
}

void MergeScheduler::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void MergeScheduler::Wake() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    wanted_ = true;
  }
  cv_.notify_one();
}

Status MergeScheduler::MergeOnce(size_t max_segments, bool* merged) {
  *merged = false;
  if (failure_->failed()) return failure_->status();
  const std::vector<SegmentEntry> chosen = segments_->ChooseMerge(max_segments, merge_factor_);
  if (chosen.empty()) return Status::OK();
  std::vector<segment::MergeInput> inputs;
  for (const SegmentEntry& e : chosen) inputs.push_back({e.reader.get(), e.live.get()});
  auto out = segment::MergeSegments(inputs);
  if (!out.ok()) {
    segments_->ReleaseMerge(chosen);
    return out.status();
  }
  SegmentEntry merged_entry;
  merged_entry.number = segments_->NewSegmentNumber();
  auto written = flusher_->WriteSegmentFile(merged_entry.number, out->bytes, &limiter_);
  out->bytes.clear();
  out->bytes.shrink_to_fit();
  if (!written.ok()) {
    segments_->ReleaseMerge(chosen);
    return written.status();
  }
  merged_entry.file = written->first;
  merged_entry.reader = written->second;
  ShardFlusher::Lock lock = flusher_->LockFlush();
  if (failure_->failed()) {  // the merged file is unreferenced: removed at the next open
    segments_->ReleaseMerge(chosen);
    return failure_->status();
  }
  std::vector<SegmentEntry> published =
      segments_->InstallMerge(chosen, std::move(merged_entry), out->doc_maps, out->doc_count);
  // The merged segment holds the same ops as its inputs: the coverage stays.
  const ShardManifest& m = flusher_->manifest(lock);
  HOLDFAST_RETURN_IF_ERROR(flusher_->WriteManifest(lock, SegmentCoverage{m.local_checkpoint, m.max_seq_no},
                                                   segments_->next_segment(), &published));
  // Only now may the inputs' files go (when their last reader does): a
  // crash before this point reopens the old manifest, which names them.
  for (const SegmentEntry& e : chosen) e.file->obsolete = true;
  segments_->AdoptWritten(published);
  ++merges_done_;
  *merged = true;
  return Status::OK();
}

Status MergeScheduler::ForceMerge(size_t max_segments) {
  for (int round = 0; round < 64; ++round) {
    bool merged = false;
    HOLDFAST_RETURN_IF_ERROR(MergeOnce(std::max<size_t>(max_segments, 1), &merged));
    if (!merged) break;
  }
  return Status::OK();
}

Status MergeScheduler::FinishMerges() {
  // Run the tiered policy's merges here until it wants none and no
  // background merge is still running (whose output may want another).
  for (int round = 0; round < 100'000; ++round) {
    bool merged = false;
    HOLDFAST_RETURN_IF_ERROR(MergeOnce(0, &merged));
    if (merged) continue;
    if (!segments_->merging()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return Status::OK();
}

void MergeScheduler::Loop() {
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stop_ || wanted_; });
      if (stop_) return;
      wanted_ = false;
    }
    for (int i = 0; i < 16; ++i) {
      if (hold_ && hold_()) break;
      bool merged = false;
      Status s = MergeOnce(0, &merged);
      if (!s.ok()) {
        if (on_error_) on_error_(Status(s.code(), "background merge: " + s.message()));
        return;
      }
      if (!merged) break;
      std::lock_guard<std::mutex> lock(mu_);
      if (stop_) return;
    }
  }
}

}  // namespace holdfast
