// constant_score: the docs of a filter, each scoring the query's boost.
// Owns the filter query.
#pragma once

#include "index/search/bool_scorers.h"
#include "index/search/query.h"

namespace holdfast::search {

class ConstantScoreQuery final : public Query {
 public:
  explicit ConstantScoreQuery(QueryPtr filter) : filter_(std::move(filter)) {}
  std::string ToString() const override { return "ConstantScore(" + filter_->ToString() + ")"; }
  void CollectTerms(std::string_view field, std::vector<std::string>* out) const override {
    filter_->CollectTerms(field, out);
  }

 protected:
  Result<WeightPtr> DoCreateWeight(const CollectionStatistics& stats, bool, float boost) const override {
    class ConstantWeight final : public Weight {
     public:
      ConstantWeight(WeightPtr inner, float score) : inner_(std::move(inner)), score_(score) {}
      Result<ScorerPtr> MakeScorer(const SegmentView& segment) const override {
        auto s = inner_->MakeScorer(segment);
        if (!s.ok() || s.value() == nullptr) return s;
        return ScorerPtr(std::make_unique<ConstantScorer>(std::move(s).value(), score_));
      }
      int64_t CountWithoutIterating(const SegmentView& segment) const override {
        return inner_->CountWithoutIterating(segment);
      }
      // Lucene's ConstantScoreWeight: the query, "^boost" when not 1.
      Result<Explanation> Explain(const SegmentView& segment, uint32_t doc) const override {
        auto e = Weight::Explain(segment, doc);
        if (e.ok() && e->match && e->value != 1.0) e->description += "^" + FormatFloat(static_cast<float>(e->value));
        return e;
      }

     private:
      WeightPtr inner_;
      float score_;
    };
    auto inner = filter_->CreateWeight(stats, false, 1.0f);
    if (!inner.ok()) return inner.status();
    return WeightPtr(std::make_unique<ConstantWeight>(std::move(inner).value(), boost));
  }

 private:
  QueryPtr filter_;
};

}  // namespace holdfast::search
