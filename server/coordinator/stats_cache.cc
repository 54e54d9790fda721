#include "server/coordinator/stats_cache.h"

namespace holdfast {

std::shared_ptr<const CachedStats> StatsCache::Get(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = index_.find(key);
  if (it == index_.end()) {
    ++counters_.misses;
    return nullptr;
  }
  ++counters_.hits;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->value;
}

void StatsCache::Put(const std::string& key, CachedStats value) {
  size_t bytes = sizeof(Entry) + 2 * key.size() + value.versions.size() * sizeof(uint64_t);
  for (const pb::GlobalStatistics& s : value.stats) bytes += s.SpaceUsedLong();
  if (bytes > max_bytes_) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = index_.find(key); it != index_.end()) EraseLocked(it->second);
  lru_.push_front(Entry{key, std::make_shared<const CachedStats>(std::move(value)), bytes});
  index_.emplace(key, lru_.begin());
  bytes_ += bytes;
  while (bytes_ > max_bytes_ && !lru_.empty()) EraseLocked(std::prev(lru_.end()));
}

void StatsCache::DropStale(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  ++counters_.stale;
  if (auto it = index_.find(key); it != index_.end()) EraseLocked(it->second);
}

void StatsCache::EraseLocked(std::list<Entry>::iterator it) {
  bytes_ -= it->bytes;
  index_.erase(it->key);
  lru_.erase(it);
}

StatsCache::Counters StatsCache::counters() const {
  std::lock_guard<std::mutex> lock(mu_);
  Counters c = counters_;
  c.entries = lru_.size();
  c.bytes = bytes_;
  return c;
}

}  // namespace holdfast
