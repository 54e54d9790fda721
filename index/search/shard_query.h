// RunShardQuery: the query phase of a search on one shard's searcher
// snapshot — the hits the coordinator merges into a page, the total and the
// partial aggregations.
//
//   by score (no request sort, no scroll): the best `size` hits with
//     block-max pruning (Search); ties by (segment, doc);
//   by sort values (a request sort, or any scroll): a TopFieldCollector over
//     the sort (the request's keys + `_doc`) resuming after `after` (one value
//     per key, `_doc` included) when set, so a page ends at an exact position.
// Aggregations see every match (they turn pruning off). Totals follow
// track_total_hits (Search). One call, one thread; concurrent calls over one
// snapshot are fine.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "index/search/aggregation_result.h"
#include "index/search/explanation.h"
#include "index/search/parsed_search.h"
#include "index/search/search_context.h"
#include "index/search/searcher.h"
#include "index/search/sort_value.h"

namespace holdfast::search {

struct ShardQueryOptions {
  uint64_t size = 10;                 // from + size of the page
  bool by_sort_values = false;
  std::optional<std::vector<SortValue>> after;  // resume position (with `_doc`)
  bool with_aggs = false;
  uint64_t track_total_hits = kDefaultTrackTotalHits;
  std::optional<float> min_score;
  // By score only: SearchOptions::page_floor (ignored with by_sort_values).
  std::optional<float> page_floor;
  bool track_scores = false;  // by_sort_values: score the hits anyway
  uint64_t terminate_after = 0;  // Elasticsearch's (Search); 0: never
  // Every hit gets its explanation, and hits are scored doc at a time
  // (SearchOptions::doc_at_a_time) so that its value is the hit's score.
  bool explain = false;
};

struct ShardQueryHit {
  uint32_t segment = 0;
  uint32_t doc = 0;
  float score = 0;
  std::vector<SortValue> sort_values;  // by_sort_values only
  std::optional<Explanation> explanation;  // ShardQueryOptions::explain only
};

struct ShardQueryResult {
  uint64_t total = 0;
  bool total_is_lower_bound = false;  // relation "gte"
  std::optional<float> max_score;
  std::vector<ShardQueryHit> hits;    // best first
  AggregationResults aggs;            // with_aggs: parallel to the specs
  bool terminated_early = false;      // terminate_after stopped it
};

Result<ShardQueryResult> RunShardQuery(const SearcherSnapshot& snapshot, const ParsedSearch& search,
                                       const CollectionStatistics& stats, const ShardQueryOptions& options);

// The number of live docs matching the search's query (up to
// terminate_after, 0: all).
Result<CountResult> RunShardCount(const SearcherSnapshot& snapshot, const ParsedSearch& search,
                                  const CollectionStatistics& stats, uint64_t terminate_after = 0);

// Which of `ids` are live documents matching the query (no scores).
Result<std::vector<bool>> MatchingIds(const SearcherSnapshot& snapshot, const Query& query,
                                      const CollectionStatistics& stats, const std::vector<std::string>& ids);

// The `_explain` API on one shard: why the live doc `id` scores what it does
// for the search's query (its value is the score a search with `stats`
// gives it); nullopt when no live doc has that id.
Result<std::optional<Explanation>> ExplainId(const SearcherSnapshot& snapshot, const ParsedSearch& search,
                                             const CollectionStatistics& stats, std::string_view id);

// Runs CreateWeight and MakeScorer on every segment without collecting, so
// that `stats` sees every statistic the query would look up (the DFS phase).
Status VisitStatistics(const SearcherSnapshot& snapshot, const ParsedSearch& search,
                       const CollectionStatistics& stats);

}  // namespace holdfast::search
