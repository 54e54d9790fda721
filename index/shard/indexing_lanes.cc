#include "index/shard/indexing_lanes.h"

#include <absl/container/flat_hash_set.h>
#include <xxhash.h>

#include <algorithm>

#include "index/segment/analyzed_document.h"
#include "index/segment/segment_builder.h"

namespace holdfast {

IndexingLanes::IndexingLanes(size_t lanes) : lanes_(std::max<size_t>(lanes, 1)) {
  for (auto& lane : lanes_) {
    lane = std::make_unique<Lane>();
    lane->builder = std::make_unique<segment::SegmentBuilder>();
  }
}

IndexingLanes::~IndexingLanes() = default;

size_t IndexingLanes::LaneOf(std::string_view id) const {
  // Seeded differently from shard routing, so the ids of one shard spread over its lanes.
  return static_cast<size_t>(XXH3_64bits_withSeed(id.data(), id.size(), 0x9e3779b97f4a7c15ull) % lanes_.size());
}

void IndexingLanes::Buffer(size_t lane_index, const std::string& id, const segment::AnalyzedDocument* doc) {
  Lane& lane = *lanes_[lane_index];
  auto it = lane.ids.find(id);
  if (it != lane.ids.end()) {
    lane.deleted.push_back(it->second);
    lane.ids.erase(it);
  }
  if (doc != nullptr) {
    auto local = lane.builder->Add(*doc);
    if (local.ok()) lane.ids.emplace(id, local.value());
  }
}

const VersionEntry* IndexingLanes::FindVersion(const std::string& id) const {
  auto it = version_map_.find(id);
  return it == version_map_.end() ? nullptr : &it->second;
}

void IndexingLanes::EndStore(int ticket, bool stored) {
  if (!stored) store_failed_.store(true);
  std::atomic<int64_t>& count = inflight_[ticket];
  if (count.fetch_sub(1, std::memory_order_acq_rel) == 1) count.notify_all();
}

IndexingLanes::Taken IndexingLanes::Take(const LocalCheckpointTracker& tracker) {
  Taken taken;
  std::vector<std::unique_lock<std::mutex>> lane_locks;
  lane_locks.reserve(lanes_.size());
  for (auto& lane : lanes_) lane_locks.emplace_back(lane->mu);
  std::lock_guard<std::mutex> lock(write_mu_);
  taken.max_seq_no = tracker.max_seq_no();
  taken.local_checkpoint = tracker.checkpoint();
  for (auto& lane : lanes_) {
    if (lane->builder->doc_count() > 0) {
      Taken::Buffer b;
      b.builder = std::make_unique<segment::SegmentBuilder>();
      b.builder.swap(lane->builder);
      b.deleted.swap(lane->deleted);
      taken.buffers.push_back(std::move(b));
    }
    lane->deleted.clear();
    lane->ids.clear();
  }
  taken.pending_deletes.swap(pending_deletes_);
  const int64_t checkpoint = taken.local_checkpoint;
  absl::erase_if(version_map_, [&](const auto& kv) { return kv.second.stamp.seq_no <= checkpoint; });
  taken.ticket = epoch_;
  epoch_ ^= 1;
  return taken;
}

bool IndexingLanes::WaitStored(const Taken& taken) {
  std::atomic<int64_t>& count = inflight_[taken.ticket];
  for (int64_t n = count.load(std::memory_order_acquire); n != 0; n = count.load(std::memory_order_acquire)) {
    count.wait(n, std::memory_order_acquire);
  }
  return !store_failed_.load();
}

size_t IndexingLanes::BufferBytes() const {
  size_t total = 0;
  for (const auto& lane : lanes_) {
    std::lock_guard<std::mutex> lock(lane->mu);
    total += lane->builder->MemoryUsage();
  }
  return total;
}

uint64_t IndexingLanes::BufferedDocs() const {
  uint64_t total = 0;
  for (const auto& lane : lanes_) {
    std::lock_guard<std::mutex> lock(lane->mu);
    total += lane->builder->doc_count();
  }
  return total;
}

}  // namespace holdfast
