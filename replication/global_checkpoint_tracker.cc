#include "replication/global_checkpoint_tracker.h"

#include <algorithm>

namespace holdfast {

void GlobalCheckpointTracker::MarkInSync(const std::string& allocation_id, int64_t local_checkpoint) {
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, inserted] = in_sync_.emplace(allocation_id, local_checkpoint);
  if (!inserted) it->second = std::max(it->second, local_checkpoint);
}

void GlobalCheckpointTracker::RetainOnly(const std::vector<std::string>& allocation_ids) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = in_sync_.begin(); it != in_sync_.end();) {
    const bool kept = std::find(allocation_ids.begin(), allocation_ids.end(), it->first) != allocation_ids.end();
    it = kept ? std::next(it) : in_sync_.erase(it);
  }
}

void GlobalCheckpointTracker::Remove(const std::string& allocation_id) {
  std::lock_guard<std::mutex> lock(mu_);
  in_sync_.erase(allocation_id);
}

void GlobalCheckpointTracker::UpdateLocalCheckpoint(const std::string& allocation_id,
                                                    int64_t local_checkpoint) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = in_sync_.find(allocation_id);
  if (it != in_sync_.end()) it->second = std::max(it->second, local_checkpoint);
}

bool GlobalCheckpointTracker::IsInSync(const std::string& allocation_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  return in_sync_.count(allocation_id) > 0;
}

size_t GlobalCheckpointTracker::in_sync_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return in_sync_.size();
}

int64_t GlobalCheckpointTracker::global_checkpoint() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (in_sync_.empty()) return kNoOpsPerformed;
  int64_t min = in_sync_.begin()->second;
  for (const auto& [id, cp] : in_sync_) min = std::min(min, cp);
  return min;
}

}  // namespace holdfast
