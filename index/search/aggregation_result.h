// AggregationResult: the partial result of one aggregation over some
// segments or shards, mergeable with another partial result of the same
// AggregationSpec, and rendered to Elasticsearch JSON once at the end.
//
// Partial results keep every terms bucket (not just the top `size`), so
// merging the results of 4 shards gives exactly what 1 shard gives: bucket
// counts add up, and the top `size` and sum_other_doc_count are computed only
// by Render (doc_count_error_upper_bound is therefore always 0). Sums are
// exact (integers in int64, doubles as ExactDoubleSum), so they do not depend
// on how docs were split or in which order parts were merged.
//
// Plain values: build on one thread, hand over, merge on another.
#pragma once

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "index/search/aggregation_spec.h"
#include "index/search/aggregation_top_hits.h"
#include "index/search/sketches.h"

namespace holdfast::search {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

struct AggregationResult;

// A sum of doubles kept exactly, as non-overlapping partials (Shewchuk's
// algorithm, as in Python's math.fsum); Value() rounds the exact sum once.
// Usually one or two partials: Add allocates only when a new partial appears.
class ExactDoubleSum {
 public:
  void Add(double x);
  void Merge(const ExactDoubleSum& other);
  double Value() const;
  // The exact sum's parts (to ship a partial result between processes).
  const std::vector<double>& partials() const { return partials_; }
  static ExactDoubleSum FromPartials(std::vector<double> partials) {
    ExactDoubleSum s;
    s.partials_ = std::move(partials);
    return s;
  }

 private:
  std::vector<double> partials_;  // increasing magnitude
};

struct StatsResult {
  AggValueKind kind = AggValueKind::kUnmapped;
  uint64_t count = 0;
  int64_t long_sum = 0;  // kLong
  ExactDoubleSum double_sum;  // kDouble
  int64_t long_min = std::numeric_limits<int64_t>::max();
  int64_t long_max = std::numeric_limits<int64_t>::min();
  double double_min = std::numeric_limits<double>::infinity();
  double double_max = -std::numeric_limits<double>::infinity();
  bool squares = false;          // extended_stats: also the sum of squares
  ExactDoubleSum sum_of_squares;

  void Add(int64_t value);  // kLong value, or kDouble bits
  void Merge(const StatsResult& other);
  // The values as doubles (Min, Max and Variance mean something when count > 0).
  double Sum() const { return kind == AggValueKind::kDouble ? double_sum.Value() : static_cast<double>(long_sum); }
  double Min() const { return kind == AggValueKind::kDouble ? double_min : static_cast<double>(long_min); }
  double Max() const { return kind == AggValueKind::kDouble ? double_max : static_cast<double>(long_max); }
  double Variance() const;  // the population's
  void Render(const AggregationSpec& spec, JsonWriter* writer) const;
};

struct TermsBucket {
  std::string text;     // kKeyword key
  int64_t number = 0;   // numeric key (a double as its bits)
  uint64_t doc_count = 0;
  std::vector<AggregationResult> children;  // parallel to spec.children
};

// terms, and the histograms (keys: kDouble bits for histogram, kLong ms for
// date_histogram).
struct TermsResult {
  AggValueKind kind = AggValueKind::kUnmapped;
  std::vector<TermsBucket> buckets;  // sorted by key ascending, unique keys

  void Merge(const TermsResult& other);
  void Render(const AggregationSpec& spec, JsonWriter* writer) const;
  // Buckets in key order, empty ones filled in when min_doc_count is 0.
  void RenderHistogram(const AggregationSpec& spec, JsonWriter* writer) const;
  // <0, 0, >0 comparing two bucket keys of this result's kind.
  int CompareKeys(const TermsBucket& a, const TermsBucket& b) const;
};

struct RangeBucket {
  uint64_t doc_count = 0;
  std::vector<AggregationResult> children;
};

// range, and missing (one bucket).
struct RangeResult {
  std::vector<RangeBucket> buckets;  // parallel to spec.ranges

  void Merge(const RangeResult& other);
  void Render(const AggregationSpec& spec, JsonWriter* writer) const;
};

// One aggregation's result; the member matching spec.type is used.
struct AggregationResult {
  AggregationType type = AggregationType::kTerms;
  TermsResult terms;
  RangeResult range;
  StatsResult stats;
  CardinalitySketch cardinality;  // kCardinality
  PercentileDigest digest;        // kPercentiles
  TopHitsResult top_hits;         // kTopHits

  // The result of an aggregation that saw no docs.
  static AggregationResult Empty(const AggregationSpec& spec);
  void Merge(const AggregationResult& other);
  void Render(const AggregationSpec& spec, JsonWriter* writer) const;
};

// Results of sibling aggregations, parallel to their specs.
using AggregationResults = std::vector<AggregationResult>;

void MergeAggregationResults(const AggregationResults& other, AggregationResults* into);
// Writes {"<name>": {...}, ...} for the aggregations of `specs`.
void RenderAggregations(const std::vector<AggregationSpec>& specs, const AggregationResults& results,
                        JsonWriter* writer);
// RenderAggregations into a string.
std::string AggregationsToJson(const std::vector<AggregationSpec>& specs, const AggregationResults& results);

}  // namespace holdfast::search
