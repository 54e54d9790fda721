// match_all (every doc, score = boost) and match_none (nothing; what a query
// on an unmapped field or an empty analyzed text becomes, as in Elasticsearch).
#pragma once

#include "index/search/doc_set_scorer.h"
#include "index/search/query.h"

namespace holdfast::search {

class MatchAllQuery final : public Query {
 public:
  std::string ToString() const override { return "*:*"; }

 protected:
  Result<WeightPtr> DoCreateWeight(const CollectionStatistics&, bool, float boost) const override {
    class AllWeight final : public Weight {
     public:
      explicit AllWeight(float score) : score_(score) {}
      Result<ScorerPtr> MakeScorer(const SegmentView& segment) const override {
        return MakePredicateScorer(segment.doc_count(), [](uint32_t) { return true; }, score_);
      }
      int64_t CountWithoutIterating(const SegmentView& segment) const override {
        return segment.live ? segment.live->live_count() : segment.doc_count();
      }

     private:
      float score_;
    };
    return WeightPtr(std::make_unique<AllWeight>(boost));
  }
};

class MatchNoneQuery final : public Query {
 public:
  std::string ToString() const override { return "match_none"; }

 protected:
  Result<WeightPtr> DoCreateWeight(const CollectionStatistics&, bool, float) const override {
    class NoneWeight final : public Weight {
     public:
      Result<ScorerPtr> MakeScorer(const SegmentView&) const override { return ScorerPtr(); }
      int64_t CountWithoutIterating(const SegmentView&) const override { return 0; }
    };
    return WeightPtr(std::make_unique<NoneWeight>());
  }
};

}  // namespace holdfast::search
