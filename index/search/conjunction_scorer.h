// ConjunctionScorer: docs matched by every child (bool must + filter,
// phrase candidates), by leapfrogging from the cheapest child: the lead
// proposes a doc, every other child Advances to it, and any child that
// overshoots becomes the new target.
//
// The score is the sum of the scoring children's scores (filters add
// nothing). Owns its children; one thread.
#pragma once

#include <vector>

#include "index/search/scorer.h"

namespace holdfast::search {

class ConjunctionScorer final : public Scorer {
 public:
  // `scoring[i]` says whether child i adds to the score. Needs >= 1 child.
  ConjunctionScorer(std::vector<ScorerPtr> children, std::vector<bool> scoring);

  uint32_t Next() override { return DoNext(lead_->Next()); }
  uint32_t Advance(uint32_t target) override {
    if (AtOrPast(target)) return doc_;
    return DoNext(lead_->Advance(target));
  }
  float score() override;
  uint64_t cost() const override { return lead_->cost(); }

 private:
  uint32_t DoNext(uint32_t target);

  std::vector<ScorerPtr> children_;  // sorted by cost; children_[0] is the lead
  std::vector<Scorer*> scoring_;
  Scorer* lead_;
};

}  // namespace holdfast::search
