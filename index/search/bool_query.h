// BoolQuery: Elasticsearch's bool — must (match, score), filter (match, no
// score), should (optional, score; at least minimum_should_match of them
// must match), must_not (exclude). Like Elasticsearch:
//   - minimum_should_match defaults to 1 when there are should clauses and
//     no must/filter clause, else 0;
//   - the score is the sum of the must and matching should scores; a bool
//     with only filter / must_not clauses scores 0 (only must_not: every
//     doc not excluded matches);
//   - minimum_should_match above the number of should clauses matches nothing.
// BoolQuery owns its clauses. A should-only bool of term queries exposes
// TermDisjunction() so the searcher can use block-max MaxScore.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "index/search/query.h"

namespace holdfast::search {

class BoolQuery final : public Query {
 public:
  std::vector<QueryPtr> must;
  std::vector<QueryPtr> filter;
  std::vector<QueryPtr> should;
  std::vector<QueryPtr> must_not;
  // Unset: the default above. Otherwise a spec for ResolveMinimumShouldMatch.
  std::optional<std::string> minimum_should_match;

  std::string ToString() const override;
  void CollectTerms(std::string_view field, std::vector<std::string>* out) const override {
    for (const auto* clauses : {&must, &filter, &should}) {
      for (const QueryPtr& q : *clauses) q->CollectTerms(field, out);
    }
  }

 protected:
  Result<WeightPtr> DoCreateWeight(const CollectionStatistics& stats, bool needs_scores,
                                   float boost) const override;
};

// dis_max (and multi_match best_fields): the best clause's score plus
// tie_breaker times the others'.
class DisMaxQuery final : public Query {
 public:
  std::vector<QueryPtr> queries;
  float tie_breaker = 0;

  std::string ToString() const override;
  void CollectTerms(std::string_view field, std::vector<std::string>* out) const override {
    for (const QueryPtr& q : queries) q->CollectTerms(field, out);
  }

 protected:
  Result<WeightPtr> DoCreateWeight(const CollectionStatistics& stats, bool needs_scores,
                                   float boost) const override;
};

}  // namespace holdfast::search
