#include "index/shard/local_checkpoint_tracker.h"

#include <algorithm>

namespace holdfast {

LocalCheckpointTracker::LocalCheckpointTracker(int64_t checkpoint, int64_t max_seq_no)
    : checkpoint_(checkpoint), next_seq_no_(std::max(checkpoint, max_seq_no) + 1) {}

int64_t LocalCheckpointTracker::GenerateSeqNo() {
  std::lock_guard<std::mutex> lock(mu_);
  return next_seq_no_++;
}

void LocalCheckpointTracker::AdvanceMaxSeqNo(int64_t seq) {
  std::lock_guard<std::mutex> lock(mu_);
  next_seq_no_ = std::max(next_seq_no_, seq + 1);
}

void LocalCheckpointTracker::MarkProcessed(int64_t seq) {
  std::lock_guard<std::mutex> lock(mu_);
  next_seq_no_ = std::max(next_seq_no_, seq + 1);
  if (seq <= checkpoint_) return;
  if (seq != checkpoint_ + 1) {
    processed_above_.insert(seq);
    return;
  }
  checkpoint_ = seq;
  auto it = processed_above_.begin();
  while (it != processed_above_.end() && *it == checkpoint_ + 1) {
    checkpoint_ = *it;
    it = processed_above_.erase(it);
  }
}

bool LocalCheckpointTracker::IsProcessed(int64_t seq) const {
  std::lock_guard<std::mutex> lock(mu_);
  return seq <= checkpoint_ || processed_above_.count(seq) > 0;
}

int64_t LocalCheckpointTracker::checkpoint() const {
  std::lock_guard<std::mutex> lock(mu_);
  return checkpoint_;
}

int64_t LocalCheckpointTracker::max_seq_no() const {
  std::lock_guard<std::mutex> lock(mu_);
  return next_seq_no_ - 1;
}

}  // namespace holdfast
