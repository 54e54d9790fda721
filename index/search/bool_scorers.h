// The small scorers bool queries are assembled from:
//   ReqExclScorer    docs of `required` not matched by `excluded` (must_not)
//   ReqOptScorer     docs of `required`; `optional` only adds its score
//                    (should clauses next to a must, minimum_should_match 0)
//   ConstantScorer   docs of a child, every one scoring the same constant
//                    (constant_score, filters, bool without scoring clauses)
// Each owns its children; one thread.
#pragma once

#include "index/search/scorer.h"

namespace holdfast::search {

class ReqExclScorer final : public Scorer {
 public:
  ReqExclScorer(ScorerPtr required, ScorerPtr excluded) : req_(std::move(required)), excl_(std::move(excluded)) {}
  uint32_t Next() override { return Settle(req_->Next()); }
  uint32_t Advance(uint32_t target) override {
    if (AtOrPast(target)) return doc_;
    return Settle(req_->Advance(target));
  }
  float score() override { return req_->score(); }
  uint64_t cost() const override { return req_->cost(); }

 private:
  uint32_t Settle(uint32_t d) {
    while (d != kNoMoreDocs) {
      if (excl_->doc() == kUnpositioned || excl_->doc() < d) excl_->Advance(d);
      if (excl_->doc() != d) break;
      d = req_->Next();
    }
    return doc_ = d;
  }
  ScorerPtr req_, excl_;
};

class ReqOptScorer final : public Scorer {
 public:
  ReqOptScorer(ScorerPtr required, ScorerPtr optional) : req_(std::move(required)), opt_(std::move(optional)) {}
  uint32_t Next() override { return doc_ = req_->Next(); }
  uint32_t Advance(uint32_t target) override {
    if (AtOrPast(target)) return doc_;
    return doc_ = req_->Advance(target);
  }
  float score() override {
    float s = req_->score();
    if (opt_->doc() == kUnpositioned || opt_->doc() < doc_) opt_->Advance(doc_);
    if (opt_->doc() == doc_) s += opt_->score();
    return s;
  }
  uint64_t cost() const override { return req_->cost(); }

 private:
  ScorerPtr req_, opt_;
};

class ConstantScorer final : public Scorer {
 public:
  ConstantScorer(ScorerPtr child, float score) : child_(std::move(child)), score_(score) {}
  uint32_t Next() override { return doc_ = child_->Next(); }
  uint32_t Advance(uint32_t target) override {
    if (AtOrPast(target)) return doc_;
    return doc_ = child_->Advance(target);
  }
  float score() override { return score_; }
  uint64_t cost() const override { return child_->cost(); }
  uint32_t AdvanceShallow(uint32_t) override { return kNoMoreDocs; }
  float GetMaxScore(uint32_t) override { return score_; }

 private:
  ScorerPtr child_;
  float score_;
};

}  // namespace holdfast::search
