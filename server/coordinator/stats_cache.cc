#include "server/coordinator/stats_cache.h"

#include "replication/proto_convert.h"

namespace holdfast {

std::shared_ptr<const CachedStats> StatsCache::Get(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = index_.find(key);
  if (it == index_.end()) return nullptr;
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

void StatsCache::CountStatisticsPhase() {
  std::lock_guard<std::mutex> lock(mu_);
  ++counters_.misses;
}

namespace {
// What a kept field or term costs, about: its key, a hash slot, its value.
constexpr size_t kSlotBytes = 48;
}  // namespace

std::shared_ptr<const CachedStats> StatsCache::Assemble(const std::string& shards_key, size_t indices,
                                                        const std::set<std::string>& fields,
                                                        const std::set<std::pair<std::string, std::string>>& terms) {
  search::GlobalStatistics found;
  std::vector<uint64_t> versions;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = table_index_.find(shards_key);
    if (it == table_index_.end()) return nullptr;
    const TermTable& table = *it->second;
    for (const std::string& field : fields) {
      auto f = table.sums.fields.find(field);
      if (f == table.sums.fields.end()) return nullptr;
      found.fields.emplace(field, f->second);
    }
    for (const auto& [field, term] : terms) {
      std::string key = search::GlobalStatistics::TermKey(field, term);
      auto t = table.sums.doc_freqs.find(key);
      if (t == table.sums.doc_freqs.end()) return nullptr;
      found.doc_freqs.emplace(std::move(key), t->second);
    }
    versions = table.versions;
    tables_.splice(tables_.begin(), tables_, it->second);
    ++counters_.term_hits;
  }
  auto out = std::make_shared<CachedStats>();
  pb::GlobalStatistics common;
  ToProto(found, &common);
  out->stats.assign(indices, common);
  out->versions = std::move(versions);
  return out;
}

void StatsCache::PutTerms(const std::string& shards_key, const std::vector<uint64_t>& versions,
                          const pb::GlobalStatistics& sums) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = table_index_.find(shards_key);
  if (it != table_index_.end() && it->second->versions != versions) {
    EraseTableLocked(it->second);
    it = table_index_.end();
  }
  if (it == table_index_.end()) {
    tables_.push_front(TermTable{shards_key, versions, {}, 2 * shards_key.size() + sizeof(TermTable)});
    table_index_.emplace(shards_key, tables_.begin());
    table_bytes_ += tables_.front().bytes;
    it = table_index_.find(shards_key);
  } else {
    tables_.splice(tables_.begin(), tables_, it->second);
  }
  TermTable& table = *it->second;
  size_t added = 0;
  for (const pb::FieldStatistics& f : sums.fields()) {
    auto [slot, fresh] = table.sums.fields.try_emplace(f.field());
    slot->second = {static_cast<uint32_t>(f.doc_count()), f.sum_total_term_freq(), f.sum_doc_freq()};
    if (fresh) added += f.field().size() + kSlotBytes;
  }
  for (const pb::TermStatistics& t : sums.terms()) {
    std::string key = search::GlobalStatistics::TermKey(t.field(), t.term());
    const size_t size = key.size();
    auto [slot, fresh] = table.sums.doc_freqs.try_emplace(std::move(key));
    slot->second = t.doc_freq();
    if (fresh) added += size + kSlotBytes;
  }
  table.bytes += added;
  table_bytes_ += added;
  // The least recently used tables go first; one table alone over the bound
  // starts again.
  while (table_bytes_ > max_bytes_ && !tables_.empty()) EraseTableLocked(std::prev(tables_.end()));
}

void StatsCache::CountStaleTerms() {
  std::lock_guard<std::mutex> lock(mu_);
  ++counters_.stale;
}

void StatsCache::EraseTableLocked(std::list<TermTable>::iterator it) {
  table_bytes_ -= it->bytes;
  table_index_.erase(it->key);
  tables_.erase(it);
}

StatsCache::Counters StatsCache::counters() const {
  std::lock_guard<std::mutex> lock(mu_);
  Counters c = counters_;
  c.entries = lru_.size();
  c.bytes = bytes_;
  c.term_tables = tables_.size();
  c.term_bytes = table_bytes_;
  return c;
}

}  // namespace holdfast
