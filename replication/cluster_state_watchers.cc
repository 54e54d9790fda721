#include "replication/cluster_state_watchers.h"

#include <vector>

namespace holdfast {

class ClusterStateWatchers::Handle : public ClusterStateWatch {
 public:
  Handle(std::shared_ptr<ClusterStateWatchers> owner, uint64_t id) : owner_(std::move(owner)), id_(id) {}
  ~Handle() override { owner_->Remove(id_); }

 private:
  std::shared_ptr<ClusterStateWatchers> owner_;
  uint64_t id_;
};

std::shared_ptr<ClusterStateWatchers> ClusterStateWatchers::Create() {
  return std::shared_ptr<ClusterStateWatchers>(new ClusterStateWatchers());
}

std::unique_ptr<ClusterStateWatch> ClusterStateWatchers::Add(ClusterState::Watcher watcher, int64_t after_version) {
  auto entry = std::make_shared<Entry>();
  entry->fn = std::move(watcher);
  entry->after_version = after_version;
  std::lock_guard<std::mutex> lock(mu_);
  const uint64_t id = next_id_++;
  entries_.emplace(id, std::move(entry));
  return std::make_unique<Handle>(shared_from_this(), id);
}

void ClusterStateWatchers::Remove(uint64_t id) {
  std::unique_lock<std::mutex> lock(mu_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  std::shared_ptr<Entry> entry = std::move(it->second);
  entries_.erase(it);
  entry->removed = true;
  // The deliverer calls one watcher at a time, so when it is this thread the
  // call in progress (if any) is the one unregistering itself: do not wait.
  if (delivering_ && deliverer_ == std::this_thread::get_id()) return;
  call_done_.wait(lock, [&] { return !entry->calling; });
}

void ClusterStateWatchers::Enqueue(ClusterStatePtr state) {
  std::lock_guard<std::mutex> lock(mu_);
  queue_.push_back(std::move(state));
}

void ClusterStateWatchers::Deliver() {
  std::unique_lock<std::mutex> lock(mu_);
  if (delivering_) return;  // the deliverer will pick up what this thread queued
  delivering_ = true;
  deliverer_ = std::this_thread::get_id();
  while (!queue_.empty()) {
    ClusterStatePtr state = std::move(queue_.front());
    queue_.pop_front();
    std::vector<std::shared_ptr<Entry>> targets;
    targets.reserve(entries_.size());
    for (const auto& [id, entry] : entries_) {
      if (state->version > entry->after_version) targets.push_back(entry);
    }
    for (const auto& entry : targets) {
      if (entry->removed) continue;
      entry->calling = true;
      lock.unlock();
      entry->fn(state);
      lock.lock();
      entry->calling = false;
      call_done_.notify_all();
    }
  }
  delivering_ = false;
  deliverer_ = std::thread::id();
}

}  // namespace holdfast
