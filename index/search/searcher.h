// Search and Count: run a Query over a SearcherSnapshot.
//
// Search scores every live match (deleted docs are skipped), keeps the top
// `from + size` in a TopKCollector and returns hits [from, from + size).
// Totals follow Elasticsearch's track_total_hits: matches are counted
// exactly up to `track_total_hits`; past it the total is reported as that
// number with relation "gte", and pure term disjunctions (match with
// operator or, term) switch to block-max MaxScore pruning, which may skip
// docs that cannot enter the top k. kExactTotalHits counts everything (the
// top k stays exact in both modes).
//
// `extra` (may be null) sees every live match with its score, segment by
// segment — the hook for sorting, aggregations and highlighting. With an
// extra collector nothing is pruned (it must see every match).
//
// min_score drops matches scoring below it (from hits and total).
//
// page_floor (by score only) says the caller already holds `from + size`
// hits that come before any hit of this search scoring at or below it — the
// page of another shard merged ahead of this one: such hits are not
// returned, and the scorers may skip them from the start (fewer postings
// scored). Totals are unchanged: they count matches, not hits.
//
// Thread-safety: one call runs on the calling thread; concurrent calls
// over the same snapshot are fine (readers are immutable).
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "index/search/query.h"
#include "index/search/search_context.h"
#include "index/search/top_k_collector.h"

namespace holdfast::search {

inline constexpr uint64_t kExactTotalHits = std::numeric_limits<uint64_t>::max();
inline constexpr uint64_t kDefaultTrackTotalHits = 10000;

struct SearchOptions {
  size_t size = 10;
  size_t from = 0;
  // true → kExactTotalHits; false → 0; a number → that threshold.
  uint64_t track_total_hits = kDefaultTrackTotalHits;
  std::optional<float> min_score;
  std::optional<float> page_floor;
  // Elasticsearch's terminate_after: stop once this many matches are
  // collected, in doc order, without pruning (0: never).
  uint64_t terminate_after = 0;
  // Score every hit with Weight::MakeScorer's scorers, doc at a time, never
  // with the bulk term-disjunction scorer (which adds a doc's term scores in
  // an order of its own, so a sum may differ in the last bit): what explain
  // needs for its values to equal the hits' scores.
  bool doc_at_a_time = false;
};

struct SearchResult {
  uint64_t total = 0;
  std::string total_relation = "eq";  // "eq" or "gte"
  std::optional<float> max_score;     // of the best hit; unset without hits
  std::vector<ScoredHit> hits;        // best first, after `from`
  bool terminated_early = false;      // terminate_after stopped the search
};

Result<SearchResult> Search(const SearcherSnapshot& snapshot, const Query& query, const CollectionStatistics& stats,
                            const SearchOptions& options, Collector* extra = nullptr);

// The number of live docs matching `query` (no scoring; a term query
// without deletions is answered from its doc freq).
Result<uint64_t> Count(const SearcherSnapshot& snapshot, const Query& query, const CollectionStatistics& stats);

// Count with Elasticsearch's terminate_after (0: never): at most that many,
// and whether more matched.
struct CountResult {
  uint64_t count = 0;
  bool terminated_early = false;
};
Result<CountResult> CountUpTo(const SearcherSnapshot& snapshot, const Query& query, const CollectionStatistics& stats,
                              uint64_t terminate_after);

}  // namespace holdfast::search
