// LocalIndex: an index whose shards all live on this node (DESIGN.md §4,
// "several shards per index on one node").
//
// Documents route to shard XXH3-64(_id) % number_of_shards, fixed at
// creation. Writes are split by shard and each shard's part is one batch.
// A search runs over every shard in parallel (on the given pool) with
// index-wide term statistics — the DFS step — so the shard count never
// changes a score; the per-shard top hits are merged by score.
//
// Layout: <dir>/INDEX (metadata, mapping) and <dir>/<shard number>/ per shard.
// The mapping is shared by the shards and persisted on every change.
// Thread-safe.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "index/search/query.h"
#include "index/search/searcher.h"
#include "index/shard/index_metadata.h"
#include "index/shard/shard_engine.h"
#include "index/util/thread_pool.h"

namespace holdfast::recommend {
class IndexRecommender;
}

namespace holdfast {

struct LocalIndexOptions {
  size_t indexing_buffer_bytes = 64u << 20;  // per shard
  bool background_merges = true;
  size_t flush_threshold_ops = 500'000;
  ThreadPool* search_pool = nullptr;  // null: shards are searched one after another
  std::shared_ptr<rocksdb::Cache> source_cache;  // shared by every shard; see ShardStoreOptions
};

// A hit of an index search: which shard, which segment of its snapshot.
struct IndexHit {
  uint32_t shard = 0;
  uint32_t segment = 0;
  uint32_t doc = 0;
  float score = 0;
};

struct IndexSearchResult {
  uint64_t total = 0;
  std::string total_relation = "eq";
  std::optional<float> max_score;
  std::vector<IndexHit> hits;
  // The snapshots the hits refer to (kept alive for fetching ids and sources).
  std::vector<search::SearcherSnapshot> snapshots;
};

class LocalIndex {
 public:
  // Creates `dir` with its metadata and empty shards. AlreadyExists when it exists.
  static Result<std::unique_ptr<LocalIndex>> Create(const std::string& dir, IndexMetadata metadata,
                                                    const LocalIndexOptions& options);
  // Opens an existing index (its shards replay their op logs).
  static Result<std::unique_ptr<LocalIndex>> Open(const std::string& dir, const LocalIndexOptions& options);
  ~LocalIndex();

  const std::string& name() const { return metadata_.name; }
  const std::string& uuid() const { return metadata_.uuid; }
  const IndexSettings& settings() const { return metadata_.settings; }
  int64_t creation_date_ms() const { return metadata_.creation_date_ms; }
  std::shared_ptr<const mapping::Mapping> mapping() const { return mappings_->Current(); }
  // Merges explicit new fields (PUT _mapping); conflicts refused.
  Status PutMapping(const mapping::MappingUpdate& update);

  uint32_t num_shards() const { return static_cast<uint32_t>(shards_.size()); }
  uint32_t ShardOf(std::string_view id) const;
  ShardEngine& shard(uint32_t i) { return *shards_[i]; }

  std::vector<WriteResult> Write(const std::vector<WriteRequest>& requests);
  WriteResult Write(const WriteRequest& request);
  WriteResult Update(const std::string& id, const std::string& partial_doc, bool doc_as_upsert,
                     std::optional<int64_t> if_seq_no = {}, std::optional<int64_t> if_primary_term = {});
  Result<GetResult> Get(const std::string& id) const;
  // Realtime gets of several ids: one batched read per shard holding any.
  Status MultiGet(const std::vector<std::string_view>& ids, std::vector<GetResult>* out) const;

  Status Refresh();
  // Waits until every shard holding one of `stamps`' ops has refreshed past it.
  bool WaitForRefresh(const std::vector<std::pair<uint32_t, int64_t>>& shard_seq_nos, std::chrono::milliseconds timeout);
  Status Flush();
  Status ForceMerge(size_t max_segments);
  Status FinishMerges();  // every shard (ShardEngine::FinishMerges)
  Status Close();  // flushes every shard
  // The index was deleted: when this object is destroyed (its last user is
  // done), its shards stop and its directory is removed.
  void RemoveFilesWhenClosed() { remove_files_ = true; }

  std::vector<search::SearcherSnapshot> AcquireSearchers() const;
  // Index-wide statistics over the given snapshots (one per shard).
  static search::SegmentStatistics StatisticsOf(const std::vector<search::SearcherSnapshot>& snapshots);

  Result<IndexSearchResult> Search(const search::Query& query, const search::SearchOptions& options) const;
  Result<uint64_t> Count(const search::Query& query) const;
  // Which of `ids` are live, searchable documents matching `query` (a filter:
  // scores are not computed). Parallel to `ids`.
  Result<std::vector<bool>> MatchingIds(const search::Query& query, const std::vector<std::string>& ids) const;

  // Events, popularity and recommendations of this index (index/recommend/).
  recommend::IndexRecommender& recommender() const { return *recommender_; }

  ShardStats Stats() const;  // summed over shards
  Status CheckConsistency() const;

 private:
  LocalIndex(std::string dir, IndexMetadata metadata, LocalIndexOptions options);
  Status OpenShards();
  Status PersistMetadata(const mapping::Mapping& mapping);

  const std::string dir_;
  IndexMetadata metadata_;
  const LocalIndexOptions options_;
  std::mutex metadata_mu_;
  std::shared_ptr<InMemoryMappingSource> mappings_;
  std::vector<std::unique_ptr<ShardEngine>> shards_;
  std::unique_ptr<recommend::IndexRecommender> recommender_;
  std::atomic<bool> remove_files_{false};
};

}  // namespace holdfast
