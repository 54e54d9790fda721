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
  std::shared_ptr<ClusterStateWatchers> watchers(new ClusterStateWatchers());
  // The thread keeps the object alive until it ends (after Stop()), so even a
  // Stop() from inside a watcher leaves it nothing destroyed to touch.
  std::lock_guard<std::mutex> lock(watchers->mu_);  // Run() waits until thread_ is set
  watchers->thread_ = std::thread([self = watchers] { self->Run(); });
  return watchers;
}

ClusterStateWatchers::~ClusterStateWatchers() {
  // Runs after the thread dropped its reference: it has ended or is ending.
  if (!thread_.joinable()) return;
  if (std::this_thread::get_id() == thread_.get_id()) {
    thread_.detach();  // the thread's own last reference: it returns right after this
  } else {
    thread_.join();
  }
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
  // The delivery thread calls one watcher at a time, so on that thread the
  // call in progress (if any) is the one unregistering itself: do not wait.
  if (std::this_thread::get_id() == thread_.get_id()) return;
  call_done_.wait(lock, [&] { return !entry->calling; });
}

void ClusterStateWatchers::Enqueue(ClusterStatePtr state) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stopping_) return;
  queue_.push_back(std::move(state));
  queued_.notify_one();
}

void ClusterStateWatchers::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    queue_.clear();
    queued_.notify_one();
  }
  // From inside a watcher the thread ends when the call returns.
  if (thread_.joinable() && std::this_thread::get_id() != thread_.get_id()) thread_.join();
}

void ClusterStateWatchers::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    queued_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    ClusterStatePtr state = std::move(queue_.front());
    queue_.pop_front();
    std::vector<std::shared_ptr<Entry>> targets;
    targets.reserve(entries_.size());
    for (const auto& [id, entry] : entries_) {
      if (state->version > entry->after_version) targets.push_back(entry);
    }
    for (const auto& entry : targets) {
      if (entry->removed || stopping_) continue;
      entry->calling = true;
      lock.unlock();
      entry->fn(state);
      lock.lock();
      entry->calling = false;
      call_done_.notify_all();
    }
  }
}

}  // namespace holdfast
