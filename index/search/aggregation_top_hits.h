// top_hits: the best documents of each bucket (or of the whole search at the
// top level), with their ids and filtered sources, as Elasticsearch's
// `top_hits` aggregation gives them:
//
//   {"top_hits": {"size" (3), "from" (0), "sort" (a sort clause, sort_spec.h;
//                 default the score, best first), "_source" (true, false,
//                 patterns or {"includes", "excludes"}, source_filter.h),
//                 "track_scores" (false), "version" (false),
//                 "seq_no_primary_term" (false)}}
//
// A shard keeps, per bucket, its best `from + size` docs by the sort and then
// by `_id` (a total order that is the same on every shard, so merging the
// shards' lists gives what one shard with every doc gives); the shard fills
// in their sources (the fetch of ShardService) before the partial leaves it.
// Merge keeps the best `from + size` of two lists; Render writes
// [from, from + size). A top_hits aggregation has no sub-aggregations, and
// from + size is at most 100 (Elasticsearch's index.max_inner_result_window).
//
// Specs and results are plain values: build on one thread, read anywhere.
#pragma once

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "index/mapping/mapping.h"
#include "index/mapping/source_filter.h"
#include "index/search/aggregation_json.h"
#include "index/search/sort_spec.h"
#include "index/search/sort_value.h"

namespace holdfast::search {

struct AggregationSpec;
struct AggregationResult;

struct TopHitsSpec {
  uint32_t from = 0;
  uint32_t size = 3;
  SortSpec sort;        // the request's keys (the score, descending, by default)
  SortSpec merge_sort;  // `sort` then `_id` ascending: the order hits are kept in
  bool by_score = true;  // sorted by the score alone: hits carry no "sort" array
  bool track_scores = false;
  SourceFilter source;
  bool version = false;
  bool seq_no_primary_term = false;

  // The score is read (sorted by it, or tracked).
  bool NeedsScores() const { return by_score || track_scores || sort.NeedsScores(); }
  // The score is shown (`_score`, `max_score`), else null.
  bool ShowsScores() const { return by_score || track_scores; }
  uint32_t window() const { return from + size; }
};

struct TopHit {
  std::string index;  // filled by the shard
  std::string id;
  float score = 0;
  std::vector<SortValue> sort_values;  // parallel to merge_sort.keys (the last: `_id`)
  bool found = false;                  // the shard found its source
  std::string source;                  // filtered, JSON
  int64_t version = 0;
  int64_t seq_no = 0;
  int64_t primary_term = 0;
};

struct TopHitsResult {
  std::shared_ptr<const TopHitsSpec> spec;  // null in a partial read back from bytes
  uint64_t total = 0;                       // docs in the bucket
  float max_score = -std::numeric_limits<float>::infinity();  // of every doc, when scores are read
  std::vector<TopHit> hits;                 // best first, at most spec->window()

  void Merge(const TopHitsResult& other);
  void Render(const AggregationSpec& agg, rapidjson::Writer<rapidjson::StringBuffer>* writer) const;
};

// Parses the body of a top_hits aggregation into spec->top_hits.
Status ParseTopHits(od::value& body, const mapping::Mapping& mapping, AggregationSpec* spec);

// Whether any aggregation of the tree sorts by or tracks the score.
bool AggregationsNeedScores(const std::vector<AggregationSpec>& specs);

// Every top_hits hit of `results` (a tree parallel to `specs`), with the spec
// it belongs to: what the shard fetches sources for.
struct TopHitRef {
  const TopHitsSpec* spec;
  TopHit* hit;
};
void CollectTopHits(const std::vector<AggregationSpec>& specs, std::vector<AggregationResult>* results,
                    std::vector<TopHitRef>* out);

}  // namespace holdfast::search
