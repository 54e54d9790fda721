// DisjunctionScorer: docs matched by at least `min_should_match` children
// (bool should, multi-term expansions, dis_max), doc at a time.
//
// Score: the sum of the matching children's scores, or with dis_max the
// largest plus tie_breaker times the others (Lucene's DisjunctionMaxQuery).
// The children are few (a query's clauses), so the current doc is found by a
// linear scan rather than a heap. The hot path of term disjunctions uses
// MaxScoreBulkScorer instead. Owns its children; one thread.
#pragma once

#include <vector>

#include "index/search/scorer.h"

namespace holdfast::search {

class DisjunctionScorer final : public Scorer {
 public:
  enum class Combine { kSum, kDisMax };

  DisjunctionScorer(std::vector<ScorerPtr> children, uint32_t min_should_match = 1,
                    Combine combine = Combine::kSum, float tie_breaker = 0);

  uint32_t Next() override;
  uint32_t Advance(uint32_t target) override;
  float score() override;
  uint64_t cost() const override { return cost_; }

 private:
  // Moves to the first doc >= the children's minimum with enough matches.
  uint32_t Settle();

  std::vector<ScorerPtr> children_;
  uint32_t min_should_match_;
  Combine combine_;
  float tie_breaker_;
  uint64_t cost_ = 0;
  bool started_ = false;
};

}  // namespace holdfast::search
