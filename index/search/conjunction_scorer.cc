#include "index/search/conjunction_scorer.h"

#include <algorithm>
#include <numeric>

namespace holdfast::search {

ConjunctionScorer::ConjunctionScorer(std::vector<ScorerPtr> children, std::vector<bool> scoring) {
  for (size_t i = 0; i < children.size(); ++i) {
    if (scoring[i]) scoring_.push_back(children[i].get());
  }
  children_ = std::move(children);
  std::sort(children_.begin(), children_.end(),
            [](const ScorerPtr& a, const ScorerPtr& b) { return a->cost() < b->cost(); });
  lead_ = children_[0].get();
}

uint32_t ConjunctionScorer::DoNext(uint32_t target) {
  for (;;) {
    if (target == kNoMoreDocs) return doc_ = kNoMoreDocs;
    bool agreed = true;
    for (size_t i = 1; i < children_.size(); ++i) {
      Scorer* c = children_[i].get();
      uint32_t d = c->Advance(target);
      if (d > target) {
        target = lead_->Advance(d);
        agreed = false;
        break;
      }
    }
    if (agreed) return doc_ = target;
  }
}

float ConjunctionScorer::score() {
  float s = 0;
  for (Scorer* c : scoring_) s += c->score();
  return s;
}

}  // namespace holdfast::search
