#include "replication/reader_contexts.h"


namespace holdfast {

Result<std::string> ReaderContexts::Open(std::shared_ptr<const ReaderContext> context,
                                         std::chrono::milliseconds keep_alive) {
  const Clock::time_point now = Clock::now();
  std::lock_guard<std::mutex> lock(mu_);
  DropExpired(now);
  if (contexts_.size() >= max_contexts_) {
    return Status::Rejected("Trying to create too many reader contexts. Must be less than or equal to: [" +
                            std::to_string(max_contexts_) + "]");
  }
  std::string id = std::to_string(next_id_++);
  contexts_.emplace(id, Entry{std::move(context), now + keep_alive});
  return id;
}

Result<std::shared_ptr<const ReaderContext>> ReaderContexts::Acquire(const std::string& id,
                                                                     std::chrono::milliseconds keep_alive) {
  const Clock::time_point now = Clock::now();
  std::lock_guard<std::mutex> lock(mu_);
  DropExpired(now);
  auto it = contexts_.find(id);
  if (it == contexts_.end()) {
    return Status::SearchContextMissing("No search context found for id [" + id + "]");
  }
  if (keep_alive.count() > 0) it->second.expires = now + keep_alive;
  return it->second.context;
}

bool ReaderContexts::Free(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  return contexts_.erase(id) > 0;
}

size_t ReaderContexts::FreeShard(const ShardId& shard) {
  std::vector<std::shared_ptr<const ReaderContext>> freed;  // released outside the lock
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = contexts_.begin(); it != contexts_.end();) {
    if (it->second.context->copy && it->second.context->copy->id() == shard) {
      freed.push_back(std::move(it->second.context));
      it = contexts_.erase(it);
    } else {
      ++it;
    }
  }
  return freed.size();
}

size_t ReaderContexts::size() {
  std::lock_guard<std::mutex> lock(mu_);
  DropExpired(Clock::now());
  return contexts_.size();
}

void ReaderContexts::DropExpired(Clock::time_point now) {
  for (auto it = contexts_.begin(); it != contexts_.end();) {
    it = it->second.expires <= now ? contexts_.erase(it) : std::next(it);
  }
}

}  // namespace holdfast
