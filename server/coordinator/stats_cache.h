// StatsCache: the statistics sums of recent searches, kept by the
// coordinator so that a search like one it ran before skips the statistics
// phase — one round trip to every node holding a shard — when no shard's
// statistics changed since.
//
// An entry is keyed by what the sums depend on: the indices, the request
// as the shards see it (SearchSource) and the shards asked; it holds the
// per-index sums and, per shard, the stats_version the shard reported (its
// snapshot's segments). A search that uses an entry sends each shard its
// version (QueryRequest.expected_stats_version); a shard whose snapshot has
// another version answers stale_stats, and the search drops the entry and
// runs the statistics phase after all — so a refresh, flush or merge
// invalidates entries by itself, and scores are always those of the exact
// sums of the snapshot the shard searched.
//
// Bounded: entries are evicted least recently used beyond `max_bytes`.
// Thread-safe.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "holdfast/v1/shard.pb.h"

namespace holdfast {

namespace pb = ::holdfast::v1;

// What a node keeps (a few thousand entries of a few hundred bytes each).
inline constexpr size_t kStatsCacheBytes = 16 << 20;

struct CachedStats {
  std::vector<pb::GlobalStatistics> stats;  // per index of the plan
  std::vector<uint64_t> versions;           // per shard of the plan
};

class StatsCache {
 public:
  explicit StatsCache(size_t max_bytes) : max_bytes_(max_bytes) {}

  // Shared, not copied: a hit costs a lookup, not a copy of the sums.
  std::shared_ptr<const CachedStats> Get(const std::string& key);
  void Put(const std::string& key, CachedStats value);
  // A shard found the entry stale: counted and dropped.
  void DropStale(const std::string& key);

  struct Counters {
    uint64_t hits = 0, misses = 0, stale = 0, entries = 0, bytes = 0;
  };
  Counters counters() const;

 private:
  struct Entry {
    std::string key;
    std::shared_ptr<const CachedStats> value;
    size_t bytes = 0;
  };
  void EraseLocked(std::list<Entry>::iterator it);

  const size_t max_bytes_;
  mutable std::mutex mu_;
  std::list<Entry> lru_;  // most recently used first
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
  size_t bytes_ = 0;
  Counters counters_;
};

}  // namespace holdfast
