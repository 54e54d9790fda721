// Query and Weight: the first two steps of Query → Weight → Scorer.
//
// A Query is what the user asked, independent of any index (built by
// query_parser.h or in code). Query::CreateWeight binds it to a snapshot's
// statistics (BM25 idf and average length come from the CollectionStatistics
// passed in, never from one segment); the Weight then makes one Scorer per
// segment.
//
// Boosts: every query has a boost; CreateWeight multiplies the boosts on the
// way down (a bool with boost 2 doubles its clauses' scores), as Lucene does.
//
// Queries and Weights are immutable once built and may be shared between
// threads; Scorers belong to one thread. The CollectionStatistics must
// outlive the Weights made from them, and so must the Query (multi-term
// queries expand per segment
// and look their terms' statistics up when a scorer is made).
//
// Explain (the `explain` search option and the `_explain` API) asks a
// Weight why a doc scores what it does; it is never called by a search, so
// the search path pays nothing for it.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "index/search/explanation.h"
#include "index/search/scorer.h"
#include "index/search/search_context.h"
#include "index/util/status.h"

namespace holdfast::search {

class MaxScoreBulkScorer;
class Query;
class TermWeight;

class Weight {
 public:
  virtual ~Weight() = default;

  // nullptr when no doc of the segment can match.
  virtual Result<ScorerPtr> MakeScorer(const SegmentView& segment) const = 0;

  // The weights of a pure disjunction of term queries (a term query alone,
  // or a bool of should-only term clauses with minimum_should_match <= 1,
  // nested or not): the searcher then runs the block-max MaxScore bulk
  // scorer instead of MakeScorer. Empty for every other query.
  virtual std::vector<const TermWeight*> TermDisjunction() const { return {}; }

  // The number of matches in `segment` when known without iterating (a term
  // query without deletions), or -1.
  virtual int64_t CountWithoutIterating(const SegmentView& /*segment*/) const { return -1; }

  // Why `doc` of `segment` scores what it does. The root value is what a
  // scorer from MakeScorer gives the doc, computed by that scorer, so it
  // equals the doc's score in a doc-at-a-time search bit for bit. This
  // default is one node naming the query; weights that combine or compute
  // scores override it with the breakdown.
  virtual Result<Explanation> Explain(const SegmentView& segment, uint32_t doc) const;

  // The query this weight was made from (set by Query::CreateWeight; it
  // outlives the weight).
  const Query* query() const { return query_; }
  // The query's ToString(), for descriptions.
  std::string Describe() const;

 protected:
  // The score a fresh scorer of this weight gives `doc`; nullopt when the
  // doc does not match.
  Result<std::optional<float>> ScoreOf(const SegmentView& segment, uint32_t doc) const;

 private:
  friend class Query;
  const Query* query_ = nullptr;
};

using WeightPtr = std::unique_ptr<Weight>;

class Query {
 public:
  virtual ~Query() = default;

  float boost() const { return boost_; }
  void set_boost(float boost) { boost_ = boost; }

  Result<WeightPtr> CreateWeight(const CollectionStatistics& stats, bool needs_scores) const {
    return CreateWeight(stats, needs_scores, 1.0f);
  }
  // `parent_boost` is the product of the enclosing queries' boosts.
  Result<WeightPtr> CreateWeight(const CollectionStatistics& stats, bool needs_scores,
                                 float parent_boost) const {
    auto weight = DoCreateWeight(stats, needs_scores, parent_boost * boost_);
    if (weight.ok() && weight.value() != nullptr) weight.value()->query_ = this;
    return weight;
  }

  // A short description for tests and logs, e.g. "title:shoe^2".
  virtual std::string ToString() const = 0;

  // Appends the (analyzed) terms this query looks for in `field` — what a
  // highlighter marks. Queries that match no listed term (range, exists,
  // prefix) and must_not clauses add nothing.
  virtual void CollectTerms(std::string_view /*field*/, std::vector<std::string>* /*out*/) const {}

 protected:
  virtual Result<WeightPtr> DoCreateWeight(const CollectionStatistics& stats, bool needs_scores,
                                           float boost) const = 0;

 private:
  float boost_ = 1.0f;
};

using QueryPtr = std::unique_ptr<Query>;

}  // namespace holdfast::search
