// IndexHandle: one index as a coordinator sees it — its metadata from a
// cluster state snapshot and its shards behind ShardClients. Documents are
// routed by their custom routing, else their id
// (replication/shard_routing.h), to their shard's primary;
// index-wide operations (refresh, flush, stats) go to every shard; events
// and recommendations are a scatter-gather over the shards
// (index/recommend/recommend_model.h).
//
// A handle is cheap (it holds the snapshot it was made from) and lives for
// one request: the next request makes a new one from the newest state.
// Thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "index/recommend/recommend_model.h"
#include "index/shard/shard_engine.h"
#include "index/util/thread_pool.h"
#include "replication/cluster_state.h"
#include "server/coordinator/shard_router.h"

namespace holdfast {

class IndexHandle {
 public:
  IndexHandle(ClusterStatePtr state, const IndexMetadata* metadata, const ShardRouter* router, ClusterState* cluster);

  const std::string& name() const { return metadata_->name; }
  // The filter of the aliases a search reached this index through (a query
  // as JSON; empty: none) — set by the resolver of the request's targets.
  const std::string& alias_filter() const { return alias_filter_; }
  const std::map<std::string, AliasMetadata>& aliases() const { return metadata_->aliases; }
  void set_alias_filter(std::string filter_json) { alias_filter_ = std::move(filter_json); }
  // The alias a write or get names this index by, when that alias has an
  // index routing (set by whoever resolved the name: FindIndex, IndexForWrite).
  void set_alias_index_routing(std::string alias, std::string routing) {
    alias_name_ = std::move(alias);
    alias_index_routing_ = std::move(routing);
  }
  // The search routing values of the aliases a search reached this index
  // through (empty: none; set by the resolver of the request's targets).
  void set_alias_search_routing(std::vector<std::string> values) { alias_search_routing_ = std::move(values); }
  const std::string& uuid() const { return metadata_->uuid; }
  const IndexSettings& settings() const { return metadata_->settings; }
  int64_t creation_date_ms() const { return metadata_->creation_date_ms; }
  bool closed() const { return metadata_->closed; }
  std::shared_ptr<const mapping::Mapping> mapping() const { return metadata_->mapping; }
  uint32_t num_shards() const { return metadata_->settings.number_of_shards; }
  // The shard of a document (`routing`: its custom routing; empty: none).
  uint32_t ShardOf(std::string_view id, std::string_view routing = {}) const;
  // The routing a write or get of `id` uses, as Elasticsearch resolves it:
  // the alias's index routing when the name was such an alias (a different
  // explicit `routing` is illegal_argument_exception), else `routing`;
  // routing_missing_exception when the mapping requires routing (_routing.
  // required) and there is none. Empty: route by id.
  Result<std::string> RoutingFor(std::string_view id, std::string_view routing) const;
  // The shards a search covers, given the request's routing values (empty:
  // none) and the aliases' search routing (as Elasticsearch combines them:
  // their intersection; an empty one searches everything). nullopt: every shard.
  std::optional<std::set<uint32_t>> SearchShards(const std::vector<std::string>& routing) const;
  ShardId shard_id(uint32_t shard) const { return ShardId{metadata_->uuid, shard}; }
  const ClusterStatePtr& state() const { return state_; }
  const ShardRouter& router() const { return *router_; }

  // Documents (each to its shard's primary; one batch per shard).
  std::vector<WriteResult> Write(const std::vector<WriteRequest>& requests) const;
  WriteResult Write(const WriteRequest& request) const;
  // `routing` routes the update and, when given, replaces the document's own.
  WriteResult Update(const std::string& id, const std::string& partial_doc, bool doc_as_upsert,
                     std::optional<int64_t> if_seq_no = {}, std::optional<int64_t> if_primary_term = {},
                     const std::string& routing = {}) const;
  // `preference`: null reads the primary first (as a write's own read must);
  // else the copy it picks first (this node's own by default), then the others.
  Result<GetResult> Get(const std::string& id, std::string_view routing = {},
                        const ReadPreference* preference = nullptr) const;
  // Realtime gets of several ids: one request per shard holding any.
  // `routings`: null, or each id's routing (parallel to `ids`).
  Status MultiGet(const std::vector<std::string_view>& ids, std::vector<GetResult>* out,
                  const std::vector<std::string_view>* routings = nullptr,
                  const ReadPreference* preference = nullptr) const;

  // One shard.
  Status RefreshShard(uint32_t shard) const;
  // Every shard.
  Status Refresh() const;
  Status Flush() const;
  Status ForceMerge(size_t max_segments) const;
  Status FinishMerges() const;
  // Waits until every (shard, seq_no) is covered by a refresh on every copy
  // a search may read; false when one did not say so in time.
  bool WaitForRefresh(const std::vector<std::pair<uint32_t, int64_t>>& shard_seq_nos,
                      std::chrono::milliseconds timeout) const;
  // Summed over shards.
  Result<ShardStats> Stats() const;
  // `with_store_bytes`: also the bytes of the copy's files (a directory walk).
  Result<pb::ShardStatsResponse> ShardStatsOf(uint32_t shard, bool with_store_bytes = false,
                                             const std::string& node_id = "") const;
  // Explicit new fields (PUT _mapping) through the cluster state.
  Status PutMapping(const mapping::MappingUpdate& update) const;

  // Events: each to its user's and its item's shard. One status per event;
  // `stamps` gets (shard, seq_no) of each op written.
  std::vector<Status> IngestEvents(const std::vector<recommend::Event>& events,
                                   std::vector<std::pair<uint32_t, int64_t>>* stamps) const;
  Result<recommend::RecommendResult> Recommend(const recommend::RecommendRequest& request) const;
  Result<std::optional<recommend::UserHistory>> History(std::string_view user) const;
  // An item's popularity at `now_ms` (nullopt: no events), from its shard.
  Result<std::optional<double>> Popularity(const std::string& item, int64_t now_ms) const;
  // Which of `ids` are live documents matching the query of `source` (a filter).
  Result<std::vector<bool>> MatchingIds(const pb::SearchSource& source, const std::vector<std::string>& ids) const;

 private:
  Result<ShardTarget> Primary(uint32_t shard) const;
  // Runs `call` on the shard's primary; a kFenced answer (not applied: the
  // primary moved) is sent again to the new primary once the cluster state
  // names it (a few times, within seconds).
  template <typename Call>
  Status OnPrimary(uint32_t shard, const Call& call) const;
  Status ShardMaintenance(uint32_t shard, pb::MaintenanceRequest::Action action, uint32_t max_segments) const;
  Status EveryShard(pb::MaintenanceRequest::Action action, uint32_t max_segments) const;

  ClusterStatePtr state_;
  const IndexMetadata* metadata_;
  const ShardRouter* router_;
  ClusterState* cluster_;
  std::string alias_filter_;
  std::string alias_name_;
  std::string alias_index_routing_;
  std::vector<std::string> alias_search_routing_;
};

}  // namespace holdfast
