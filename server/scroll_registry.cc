#include "server/scroll_registry.h"

#include "lifecycle/uuid.h"

namespace holdfast {

void ScrollRegistry::DropExpired(Clock::time_point now) {
  for (auto it = contexts_.begin(); it != contexts_.end();) {
    it = it->second.expires <= now ? contexts_.erase(it) : std::next(it);
  }
}

Result<std::string> ScrollRegistry::Open(std::shared_ptr<ScrollContext> context, std::chrono::milliseconds keep_alive) {
  std::string id = NewUuid();
  std::lock_guard<std::mutex> lock(mu_);
  const Clock::time_point now = Clock::now();
  DropExpired(now);
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
  std::lock_guard<std::mutex> lock(mu_);
  const Clock::time_point now = Clock::now();
  DropExpired(now);
  auto it = contexts_.find(id);
  if (it == contexts_.end()) {
    return Status::SearchContextMissing("No search context found for id [" + id + "]");
  }
  it->second.expires = now + keep_alive;
  return it->second.context;
}

size_t ScrollRegistry::Clear(const std::vector<std::string>& ids) {
  std::lock_guard<std::mutex> lock(mu_);
  DropExpired(Clock::now());
  size_t freed = 0;
  for (const auto& id : ids) freed += contexts_.erase(id);
  return freed;
}

size_t ScrollRegistry::ClearAll() {
  std::lock_guard<std::mutex> lock(mu_);
  DropExpired(Clock::now());
  size_t freed = contexts_.size();
  contexts_.clear();
  return freed;
}

size_t ScrollRegistry::open_count() {
  std::lock_guard<std::mutex> lock(mu_);
  DropExpired(Clock::now());
  return contexts_.size();
}

}  // namespace holdfast
