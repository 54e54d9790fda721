// TopHitsAggregator: the collecting side of a top_hits aggregation
// (aggregation_top_hits.h). Per parent bucket it keeps a TopFieldCollector
// over the spec's merge order (the sort, then `_id`) bounded to from + size
// docs, the bucket's doc count and, when scores are read, its best score.
// Buckets are made when their first doc arrives and follow every segment
// change from then on. One search, one thread (see Collector).
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <vector>

#include "index/search/aggregation_top_hits.h"
#include "index/search/search_context.h"
#include "index/search/top_field_collector.h"

namespace holdfast::search {

class TopHitsAggregator {
 public:
  explicit TopHitsAggregator(std::shared_ptr<const TopHitsSpec> spec) : spec_(std::move(spec)) {}

  void SetSegment(const SegmentView& view);
  void Collect(uint32_t doc, uint32_t owner, float score);
  // The partial of parent bucket `owner` (ids and sort values; no sources
  // yet). Once per owner: its collector is spent afterwards.
  TopHitsResult Build(uint32_t owner);

 private:
  struct Bucket {
    std::unique_ptr<TopFieldCollector> top;
    uint64_t total = 0;
    float max_score = -std::numeric_limits<float>::infinity();
  };

  std::shared_ptr<const TopHitsSpec> spec_;
  std::vector<Bucket> buckets_;  // by owner
  SegmentView view_;
  bool has_view_ = false;
};

}  // namespace holdfast::search
