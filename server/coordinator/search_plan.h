// SearchPlan: one search request bound to the indices it targets and run
// over their shards through ShardClients — the coordinator of `_search`,
// `_count` and scroll pages.
//
// Build parses the request per index (query, sort, aggregations — the same
// JSON every shard parses again; errors come back before any shard is
// asked), reads more_like_this documents once, and picks a copy of every
// shard. RunQueryPhase then:
//   1. statistics (more than one shard): every shard reports the doc
//      frequencies and field statistics the query looks up; the sums go back
//      with the query, so scores do not depend on how documents were split
//      over shards and indices (a term one shard looked up and another did
//      not is asked of that shard in a second round). The snapshot each
//      shard used is kept (a reader context) for step 2;
//   2. query: every shard returns its best hits (ids, scores, sort values),
//      totals and partial aggregations;
//   3. merge: by score (no `sort`, no scroll) — then shard order, segment,
//      doc — or by sort values (a `sort`, or any scroll), whose keys end with
//      `_doc` so that a page ends at an exact position a scroll resumes after.
// A shard without a started copy, or whose copy fails to answer, is left
// out and reported (ShardFailure); the request fails only when every shard
// failed. Ties across shards go to the earlier shard (indices in name order, shards
// in number order), so the order is total and repeatable. Nothing here
// points into a shard's memory: a hit is an id and values.
//
// A plan is immutable after Build; a scroll keeps its per-shard reader
// contexts and first-page statistics in a ScrollCursor.
#pragma once

#include <set>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "index/search/aggregation_result.h"
#include "index/search/parsed_search.h"
#include "index/search/sort_value.h"
#include "server/coordinator/stats_cache.h"
#include "index/util/thread_pool.h"
#include "server/coordinator/coordinator_query_context.h"
#include "server/coordinator/index_handle.h"
#include "server/coordinator/search_request.h"

namespace holdfast {

struct PlanIndex {
  std::string name;
  std::shared_ptr<IndexHandle> index;
  std::shared_ptr<const mapping::Mapping> mapping;
  search::ParsedSearch parsed;  // the coordinator's parse (validation, highlight terms)
  pb::SearchSource source;      // what each of its shards parses
  double boost = 1;             // indices_boost: its hits' scores are multiplied by this
};

struct PlanShard {
  uint32_t index = 0;  // into SearchPlan::indices
  ShardId id;
  ShardTarget target;
  Status unavailable;  // no copy to ask (the shard fails; the others answer)
};

// A shard that did not answer: the search goes on without it (partial
// results, as Elasticsearch: `_shards.failed` and `failures`).
struct ShardFailure {
  uint32_t shard = 0;  // into SearchPlan::shards
  Status status;
};

// Where a page ended: the last hit's sort values (with `_doc`) and shard.
struct PagePosition {
  std::vector<search::SortValue> values;
  uint32_t shard = 0;
};

struct PlanHit {
  uint32_t shard = 0;  // into SearchPlan::shards
  uint32_t segment = 0;  // the shard's tie-break position (never dereferenced)
  uint32_t doc = 0;
  float score = 0;
  std::string id;
  std::vector<search::SortValue> sort_values;  // sorted pages only
  std::optional<pb::FetchedDoc> fetched;       // fetched with the query (QueryRequest.fetch)
  // `explain`: search::Explanation as JSON; its value is `score` (an
  // indices_boost shows as a product on top of the shard's explanation).
  std::string explanation_json;
};

// The largest page (from + size) whose documents a shard on another node
// fetches in the query phase (saving the fetch round trip to that node at
// the cost of fetching up to from + size documents there, not just those
// on the page).
inline constexpr uint64_t kFetchInQueryMaxPage = 50;

// How many of its best hits a node fetches in such a query phase when the
// search asks `nodes` nodes for a page of `page` hits (0: all it answers):
// the page's share of one node plus two standard deviations of it, as if
// the page's hits fell on the nodes at random (10 over 3 nodes: 7, so a
// node with more than 7 of the page, about 1 search in 300 per node, has
// the rest fetched in the fetch phase).
uint32_t NodePageFetch(uint64_t page, size_t nodes);

struct QueryPhaseResult {
  uint64_t total = 0;
  std::string relation = "eq";
  std::optional<float> max_score;
  std::vector<PlanHit> hits;
  bool terminated_early = false;    // a shard stopped at terminate_after
  search::AggregationResults aggs;  // parallel to indices[0]'s aggregations
  std::vector<ShardFailure> failures;
};

// What a scroll keeps between pages.
struct ScrollCursor {
  std::chrono::milliseconds keep_alive{0};
  std::vector<std::string> contexts;                 // per shard, after the first page
  std::vector<pb::GlobalStatistics> stats;           // per index (several shards only)
  std::optional<PagePosition> after;                 // unset before the first page
  std::vector<Status> failed;                        // per shard: failed on the first page
};

// SearchRequest::preference, parsed. kInvalidArgument for an unknown `_x`.
struct SearchPreference : ReadPreference {
  std::set<uint32_t> shards;  // empty: every shard
};
Result<SearchPreference> ParsePreference(const std::string& text);

class SearchPlan {
 public:
  // Parses the request for each of `indices`. With no index the plan finds
  // nothing (a wildcard that matched no index). A shard with a copy on a
  // node outside `pass_over` is read there (a search asked again after those
  // nodes' copies did not answer); one without reads the copy it would anyway.
  static Result<std::shared_ptr<SearchPlan>> Build(const SearchRequest& request, NamedIndices indices,
                                                   const std::set<std::string>& pass_over = {});

  // One page: `size` hits after `from` (or after cursor->after, for scroll
  // pages), totals and — when `with_aggs` — aggregations. `cursor` is null
  // for a search without scroll.
  // `stats_cache` (may be null): statistics sums kept from earlier searches
  // (server/coordinator/stats_cache.h), for searches without scroll.
  // `fetch` (may be null; per index of the plan, without target and ids):
  // when set, shards on other nodes fetch their hits in the query phase for
  // a page of at most kFetchInQueryMaxPage (PlanHit::fetched).
  Result<QueryPhaseResult> RunQueryPhase(uint64_t from, uint64_t size, bool with_aggs, ThreadPool* pool,
                                         ScrollCursor* cursor, StatsCache* stats_cache = nullptr,
                                         const std::vector<pb::FetchRequest>* fetch = nullptr) const;
  // The number of matching documents (the `_count` API); shards that did
  // not answer go to `failures`. An error only when no shard answered.
  Result<uint64_t> Count(ThreadPool* pool, std::vector<ShardFailure>* failures = nullptr,
                         bool* terminated_early = nullptr) const;
  // The `_explain` API: the one hit of shard `shard` (a shard number of the
  // plan's only index) for doc `id` — none when no live doc has that id —
  // explained with the statistics a search of this plan scores with (summed
  // over every shard), so its value is the doc's `_score` in that search.
  Result<pb::QueryResponse> ExplainDocument(const std::string& id, uint32_t shard, ThreadPool* pool) const;
  // Frees a scroll's reader contexts on its shards (clear scroll, expiry).
  void FreeContexts(const ScrollCursor& cursor) const;

  // The position of a hit of a sorted page (for the next scroll page).
  PagePosition PositionOf(const PlanHit& hit) const { return {hit.sort_values, hit.shard}; }

  const std::vector<PlanIndex>& indices() const { return indices_; }
  const std::vector<PlanShard>& shards() const { return shards_; }
  // True when hits are ordered by a request `sort` (scores rendered only if it needs them).
  bool sorted_by_request() const { return sorted_by_request_; }
  size_t request_sort_keys() const { return request_sort_keys_; }
  bool scroll() const { return scroll_; }

 private:
  SearchPlan() = default;
  // Step 1: per-index sums of every shard's statistics; `contexts` gets
  // each shard's reader context (kept `keep_alive`).
  // A shard that fails gets its error in `failed` and is left out.
  // `versions` gets each shard's stats_version.
  Result<std::vector<pb::GlobalStatistics>> Statistics(ThreadPool* pool, std::chrono::milliseconds keep_alive,
                                                       std::vector<std::string>* contexts,
                                                       std::vector<Status>* failed,
                                                       std::vector<uint64_t>* versions) const;
  // RunQueryPhase with the statistics of `cached` (a shard that finds them
  // stale sets *stale and the page is not used), or from a statistics phase
  // whose sums go to `fill` under `key` when they may be kept.
  Result<QueryPhaseResult> RunQueryPhase(uint64_t from, uint64_t size, bool with_aggs, ThreadPool* pool,
                                         ScrollCursor* cursor, const std::vector<pb::FetchRequest>* fetch,
                                         const CachedStats* cached, bool* stale, StatsCache* fill = nullptr,
                                         const std::string* key = nullptr) const;
  // The StatsCache key of this plan: index uuids, sources, shards.
  std::string StatsKey() const;
  // The StatsCache key of this plan's shards (its term table).
  std::string ShardsKey() const;
  // The sums the cache holds for every field and term this plan's requests
  // look up (as the coordinator parsed them), or null.
  std::shared_ptr<const CachedStats> AssembleStats(StatsCache* cache) const;
  // The first failure when every shard failed (the request fails), else OK.
  Status AllFailed(const std::vector<Status>& failed) const;
  void Merge(std::vector<pb::QueryResponse>& parts, uint64_t from, uint64_t size, bool with_aggs,
             QueryPhaseResult* out) const;

  std::vector<PlanIndex> indices_;
  std::vector<PlanShard> shards_;
  search::SortSpec merge_sort_;  // indices_[0]'s request keys (without `_doc`)
  size_t request_sort_keys_ = 0;
  bool sorted_by_request_ = false;
  bool scroll_ = false;
  bool boosted_ = false;
  bool track_scores_ = false;  // sorted by fields, scored anyway  // some index has an indices_boost (no node pages: scores differ by index)
  bool explain_ = false;       // hits carry their explanations (QueryRequest.explain)
  size_t nodes_asked_ = 0;     // distinct nodes (shard clients) of the available shards
  std::vector<search::SortValue> search_after_;  // the request's, without `_doc`
  uint64_t track_total_hits_ = 0;
};

}  // namespace holdfast
