#include "server/coordinator/scroll_registry.h"

#include "index/util/uuid.h"

namespace holdfast {

void ScrollRegistry::DropExpired(Clock::time_point now, std::vector<std::shared_ptr<ScrollContext>>* gone) {
  for (auto it = contexts_.begin(); it != contexts_.end();) {
    if (it->second.expires <= now) {
      gone->push_back(std::move(it->second.context));
      it = contexts_.erase(it);
    } else {
      ++it;
    }
  }
}

Result<std::string> ScrollRegistry::Open(std::shared_ptr<ScrollContext> context, std::chrono::milliseconds keep_alive) {
  std::string id = NewUuid();
  std::vector<std::shared_ptr<ScrollContext>> gone;  // freed after the lock
  std::lock_guard<std::mutex> lock(mu_);
  const Clock::time_point now = Clock::now();
  DropExpired(now, &gone);
  if (contexts_.size() >= kMaxOpenScrollContexts) {
    return Status::Rejected("Trying to create too many scroll contexts. Must be less than or equal to: [" +
                            std::to_string(kMaxOpenScrollContexts) +
                            "]. Clear unused scroll contexts with the clear scroll API.");
  }
  contexts_.emplace(id, Entry{std::move(context), now + keep_alive});
  return id;
}

Result<std::shared_ptr<ScrollContext>> ScrollRegistry::Acquire(const std::string& id,
                                                               std::chrono::milliseconds keep_alive) {
  std::vector<std::shared_ptr<ScrollContext>> gone;  // freed after the lock
  std::lock_guard<std::mutex> lock(mu_);
  const Clock::time_point now = Clock::now();
  DropExpired(now, &gone);
  auto it = contexts_.find(id);
  if (it == contexts_.end()) {
    return Status::SearchContextMissing("No search context found for id [" + id + "]");
  }
  it->second.expires = now + keep_alive;
  return it->second.context;
}

size_t ScrollRegistry::Clear(const std::vector<std::string>& ids) {
  std::vector<std::shared_ptr<ScrollContext>> gone;  // freed after the lock
  std::lock_guard<std::mutex> lock(mu_);
  DropExpired(Clock::now(), &gone);
  size_t freed = 0;
  for (const auto& id : ids) {
    auto it = contexts_.find(id);
    if (it == contexts_.end()) continue;
    gone.push_back(std::move(it->second.context));
    contexts_.erase(it);
    ++freed;
  }
  return freed;
}

size_t ScrollRegistry::ClearAll() {
  std::vector<std::shared_ptr<ScrollContext>> gone;  // freed after the lock
  std::lock_guard<std::mutex> lock(mu_);
  DropExpired(Clock::now(), &gone);
  size_t freed = contexts_.size();
  for (auto& [id, entry] : contexts_) gone.push_back(std::move(entry.context));
  contexts_.clear();
  return freed;
}

size_t ScrollRegistry::open_count() {
  std::vector<std::shared_ptr<ScrollContext>> gone;  // freed after the lock
  std::lock_guard<std::mutex> lock(mu_);
  DropExpired(Clock::now(), &gone);
  return contexts_.size();
}

}  // namespace holdfast
