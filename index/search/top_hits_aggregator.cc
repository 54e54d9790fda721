#include "index/search/top_hits_aggregator.h"

#include <algorithm>
#include <utility>

namespace holdfast::search {

void TopHitsAggregator::SetSegment(const SegmentView& view) {
  view_ = view;
  has_view_ = true;
  for (Bucket& b : buckets_) {
    if (b.top) b.top->SetSegment(view);
  }
}

void TopHitsAggregator::Collect(uint32_t doc, uint32_t owner, float score) {
  if (owner >= buckets_.size()) buckets_.resize(std::max<size_t>(owner + 1, buckets_.size() * 2));
  Bucket& b = buckets_[owner];
  if (!b.top) {
    b.top = std::make_unique<TopFieldCollector>(spec_->merge_sort, 0, spec_->window());
    if (has_view_) b.top->SetSegment(view_);
  }
  ++b.total;
  if (spec_->NeedsScores()) b.max_score = std::max(b.max_score, score);
  b.top->Collect(doc, score);
}

TopHitsResult TopHitsAggregator::Build(uint32_t owner) {
  TopHitsResult out;
  out.spec = spec_;
  if (owner >= buckets_.size() || !buckets_[owner].top) return out;
  Bucket& b = buckets_[owner];
  out.total = b.total;
  out.max_score = b.max_score;
  TopFieldDocs docs = b.top->Finish();
  b.top.reset();
  out.hits.reserve(docs.hits.size());
  for (FieldHit& h : docs.hits) {
    TopHit hit;
    hit.id = h.sort_values.back().text;  // merge_sort ends with `_id`
    hit.score = h.score;
    hit.sort_values = std::move(h.sort_values);
    out.hits.push_back(std::move(hit));
  }
  return out;
}

}  // namespace holdfast::search
