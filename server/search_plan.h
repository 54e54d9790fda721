// SearchPlan: one search request bound to the indices it targets — the
// query, sort and aggregations parsed against each index's mapping, a searcher
// snapshot of every shard, and term statistics summed over all of them (the
// DFS step, so that scores compare across shards and indices).
//
// RunQueryPhase fans the plan out over the shards (on the search pool) and
// merges the per-shard tops into one page:
//   - by score (no `sort`, no scroll): each shard's best from + size with
//     block-max pruning; merged by score, then shard order, segment, doc;
//   - by sort values (a `sort`, or any scroll): a TopFieldCollector per shard
//     whose keys are the request's plus a final `_doc`, so that a page ends
//     at an exact position (PagePosition) the next scroll page starts after.
// Ties across shards always go to the earlier shard (indices in name order,
// shards in number order), so the order is total and repeatable.
//
// A plan owns what its hits point into (snapshots) and is immutable after
// Build: run pages of one plan from any thread, one at a time or at once.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "index/search/aggregation_result.h"
#include "index/search/aggregation_spec.h"
#include "index/search/highlight_spec.h"
#include "index/search/sort_spec.h"
#include "index/search/sort_value.h"
#include "index/shard/local_index.h"
#include "index/util/thread_pool.h"
#include "server/search_request.h"

namespace holdfast {

struct PlanIndex {
  std::string name;
  std::shared_ptr<LocalIndex> index;
  std::shared_ptr<const mapping::Mapping> mapping;
  search::QueryPtr query;
  search::SortSpec sort;                          // the request's keys + `_doc`
  std::vector<search::AggregationSpec> aggs;
};

struct PlanShard {
  uint32_t index = 0;  // into SearchPlan::indices
  search::SearcherSnapshot snapshot;
};

// Where a page ended: the last hit's sort values (with `_doc`) and shard.
struct PagePosition {
  std::vector<search::SortValue> values;
  uint32_t shard = 0;
};

struct PlanHit {
  uint32_t shard = 0;  // into SearchPlan::shards
  uint32_t segment = 0;
  uint32_t doc = 0;
  float score = 0;
  std::vector<search::SortValue> sort_values;  // sorted pages only
};

struct QueryPhaseResult {
  uint64_t total = 0;
  std::string relation = "eq";
  std::optional<float> max_score;
  std::vector<PlanHit> hits;
  search::AggregationResults aggs;  // parallel to indices[0].aggs
};

class SearchPlan {
 public:
  // Parses the request's query, sort, search_after and aggregations for
  // each of `indices` and takes the snapshots. With no index the plan
  // finds nothing (a wildcard that matched no index).
  static Result<std::shared_ptr<SearchPlan>> Build(const SearchRequest& request,
                                                   std::vector<std::pair<std::string, std::shared_ptr<LocalIndex>>> indices);

  // One page: `size` hits after `from` (or after `after`, for scroll pages),
  // totals and — when `with_aggs` — aggregations.
  Result<QueryPhaseResult> RunQueryPhase(uint64_t from, uint64_t size, const std::optional<PagePosition>& after,
                                         bool with_aggs, ThreadPool* pool) const;

  // The position of a hit of a sorted page (for the next scroll page).
  PagePosition PositionOf(const PlanHit& hit) const { return {hit.sort_values, hit.shard}; }

  std::string_view IdOf(const PlanHit& hit) const;

  const std::vector<PlanIndex>& indices() const { return indices_; }
  const std::vector<PlanShard>& shards() const { return shards_; }
  // True when hits are ordered by a request `sort` (scores rendered only if it needs them).
  bool sorted_by_request() const { return sorted_by_request_; }
  size_t request_sort_keys() const { return request_sort_keys_; }
  bool scroll() const { return scroll_; }

 private:
  SearchPlan() = default;
  Result<QueryPhaseResult> ByScore(uint64_t from, uint64_t size, bool with_aggs, ThreadPool* pool) const;
  Result<QueryPhaseResult> BySortValues(uint64_t from, uint64_t size, const std::optional<PagePosition>& after,
                                        bool with_aggs, ThreadPool* pool) const;

  std::vector<PlanIndex> indices_;
  std::vector<PlanShard> shards_;
  std::unique_ptr<search::SegmentStatistics> stats_;  // over every shard's segments
  search::SortSpec merge_sort_;  // indices_[0]'s keys without `_doc`
  size_t request_sort_keys_ = 0;
  bool sorted_by_request_ = false;
  bool scroll_ = false;
  std::vector<search::SortValue> search_after_;  // the request's, without `_doc`
  uint64_t track_total_hits_ = 0;
  std::optional<float> min_score_;
};

}  // namespace holdfast
