#include "index/search/disjunction_scorer.h"

#include <algorithm>

namespace holdfast::search {

DisjunctionScorer::DisjunctionScorer(std::vector<ScorerPtr> children, uint32_t min_should_match, Combine combine,
                                     float tie_breaker)
    : children_(std::move(children)),
      min_should_match_(std::max<uint32_t>(1, min_should_match)),
      combine_(combine),
      tie_breaker_(tie_breaker) {
  for (const auto& c : children_) cost_ += c->cost();
}

uint32_t DisjunctionScorer::Settle() {
  for (;;) {
    uint32_t min_doc = kNoMoreDocs;
    for (const auto& c : children_) min_doc = std::min(min_doc, c->doc());
    if (min_doc == kNoMoreDocs) return doc_ = kNoMoreDocs;
    uint32_t matches = 0;
    for (const auto& c : children_) matches += c->doc() == min_doc;
    if (matches >= min_should_match_) return doc_ = min_doc;
    for (const auto& c : children_) {
      if (c->doc() == min_doc) c->Next();
    }
  }
}

uint32_t DisjunctionScorer::Next() {
  if (!started_) {
    started_ = true;
    for (const auto& c : children_) c->Next();
  } else {
    for (const auto& c : children_) {
      if (c->doc() == doc_) c->Next();
    }
  }
  return Settle();
}

uint32_t DisjunctionScorer::Advance(uint32_t target) {
  if (AtOrPast(target)) return doc_;
  started_ = true;
  for (const auto& c : children_) {
    if (c->doc() == kUnpositioned || c->doc() < target) c->Advance(target);
  }
  return Settle();
}

float DisjunctionScorer::score() {
  float sum = 0, best = 0;
  for (const auto& c : children_) {
    if (c->doc() != doc_) continue;
    float s = c->score();
    sum += s;
    best = std::max(best, s);
  }
  if (combine_ == Combine::kSum) return sum;
  return best + tie_breaker_ * (sum - best);
}

}  // namespace holdfast::search
