// AggregationCollector: runs the aggregations of a search over the docs a
// query matches (a Collector that needs scores only for a top_hits
// aggregation that reads them), producing one partial
// AggregationResult per top-level aggregation (aggregation_result.h).
//
// Per doc it reads doc values and bumps counters: keyword terms count by
// segment ordinal (a table per segment, keyed by term only when an ordinal is
// first seen in that segment, because ordinals are per segment); numeric terms
// by value; range by bounds; stats by value. Sub-aggregations collect into
// the bucket their parent chose. No allocation per doc once the tables have
// grown to the number of buckets, and no indirect call beyond Collect.
//
// Holds a pointer to the specs, which must outlive it. Results own their
// data. One search, one thread (see Collector).
#pragma once

#include <memory>
#include <vector>

#include "index/search/aggregation_result.h"
#include "index/search/aggregation_spec.h"
#include "index/search/search_context.h"

namespace holdfast::search {

class AggregationCollector final : public Collector {
 public:
  explicit AggregationCollector(const std::vector<AggregationSpec>* specs);
  ~AggregationCollector() override;

  void SetSegment(const SegmentView& segment) override;
  void Collect(uint32_t doc, float score) override;
  bool NeedsScores() const override { return needs_scores_; }

  // Partial results, parallel to the specs; merge them with other parts
  // (MergeAggregationResults) and render once (RenderAggregations).
  AggregationResults Finish();

 private:
  class Aggregator;
  const std::vector<AggregationSpec>* specs_;
  const bool needs_scores_;
  float score_ = 0;  // of the doc being collected
  std::vector<std::unique_ptr<Aggregator>> roots_;
};

}  // namespace holdfast::search
