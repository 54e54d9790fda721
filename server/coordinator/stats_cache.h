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
// A request not seen before may still find every sum it needs: the cache
// also keeps, per set of shards searched together, the field and term sums
// of every statistics phase run on them (while no shard's stats_version
// changed). The coordinator lists the fields and terms the request looks up
// (its own parse, against no segments) and, when all are known, sends their
// sums as above; a shard that looks up one they lack (a prefix's expansion,
// say) answers stale_stats too, and the statistics phase runs.
//
// Bounded: request entries are evicted least recently used beyond
// `max_bytes`, and term tables likewise within another `max_bytes`.
// Thread-safe.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "holdfast/v1/shard.pb.h"
#include "index/search/distributed_statistics.h"

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

  // The sums of `fields` and `terms` over the shards of `shards_key` (one
  // GlobalStatistics per index of the plan: `indices`), with the versions
  // they hold for; null when the table lacks one of them.
  std::shared_ptr<const CachedStats> Assemble(const std::string& shards_key, size_t indices,
                                              const std::set<std::string>& fields,
                                              const std::set<std::pair<std::string, std::string>>& terms);
  // Adds the sums of a statistics phase over `shards_key` (a table held for
  // other versions starts again).
  void PutTerms(const std::string& shards_key, const std::vector<uint64_t>& versions, const pb::GlobalStatistics& sums);
  // Assembled sums were stale (a shard's version moved, or a term was
  // missing): counted. The statistics phase that follows puts its sums,
  // which start the table again when a version moved.
  void CountStaleTerms();
  // A search ran a statistics phase.
  void CountStatisticsPhase();

  struct Counters {
    uint64_t hits = 0, term_hits = 0, misses = 0, stale = 0, entries = 0, bytes = 0, term_tables = 0, term_bytes = 0;
  };
  Counters counters() const;

 private:
  struct Entry {
    std::string key;
    std::shared_ptr<const CachedStats> value;
    size_t bytes = 0;
  };
  void EraseLocked(std::list<Entry>::iterator it);

  struct TermTable {
    std::string key;
    std::vector<uint64_t> versions;
    search::GlobalStatistics sums;
    size_t bytes = 0;
  };
  void EraseTableLocked(std::list<TermTable>::iterator it);

  const size_t max_bytes_;
  mutable std::mutex mu_;
  std::list<Entry> lru_;  // most recently used first
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
  size_t bytes_ = 0;
  std::list<TermTable> tables_;  // most recently used first
  std::unordered_map<std::string, std::list<TermTable>::iterator> table_index_;
  size_t table_bytes_ = 0;
  Counters counters_;
};

}  // namespace holdfast
