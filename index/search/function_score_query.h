// FunctionScoreQuery: Elasticsearch's function_score with one
// field_value_factor function (no filter per function):
//   f(doc)  = modifier(factor * value)   value = the doc's first (smallest)
//             numeric doc value of `field`, else `missing`
//   score   = boost_mode(query score, f) * boost
// Modifiers as in ES: none, log (log10), log1p, log2p, ln, ln1p, ln2p,
// square, sqrt, reciprocal; computed in double. boost_mode: multiply
// (default), replace, sum, avg, max, min. max_boost caps f.
// Difference from ES: a doc without a value and no `missing` scores as if
// f = 1 (ES fails the whole search); a non-finite f (log of 0) is 0.
#pragma once

#include <limits>
#include <memory>
#include <optional>
#include <string>

#include "index/search/query.h"
#include "index/search/query_context.h"

namespace holdfast::search {

enum class FieldValueModifier { kNone, kLog, kLog1p, kLog2p, kLn, kLn1p, kLn2p, kSquare, kSqrt, kReciprocal };
enum class BoostMode { kMultiply, kReplace, kSum, kAvg, kMax, kMin };

// nullopt for unknown names.
std::optional<FieldValueModifier> FieldValueModifierFromName(std::string_view name);
std::optional<BoostMode> BoostModeFromName(std::string_view name);

// modifier(factor * value), as Elasticsearch's FieldValueFactorFunction.
double ApplyFieldValueFactor(double value, double factor, FieldValueModifier modifier);

struct FieldValueFactor {
  std::string field;
  // When set, values come from here instead of the field's doc values
  // (the `_popularity` virtual field).
  std::shared_ptr<const DocValueSource> source;
  double factor = 1.0;
  FieldValueModifier modifier = FieldValueModifier::kNone;
  std::optional<double> missing;
};

class FunctionScoreQuery final : public Query {
 public:
  FunctionScoreQuery(QueryPtr query, FieldValueFactor function, BoostMode mode,
                     float max_boost = std::numeric_limits<float>::max())
      : query_(std::move(query)), function_(std::move(function)), mode_(mode), max_boost_(max_boost) {}
  std::string ToString() const override;
  void CollectTerms(std::string_view field, std::vector<std::string>* out) const override {
    query_->CollectTerms(field, out);
  }

 protected:
  Result<WeightPtr> DoCreateWeight(const CollectionStatistics& stats, bool needs_scores,
                                   float boost) const override;

 private:
  QueryPtr query_;
  FieldValueFactor function_;
  BoostMode mode_;
  float max_boost_;
};

// The query of `popularity_boost` (a holdfast search option):
// function_score(query, field_value_factor {_popularity, factor: boost,
// modifier: ln2p}), boost_mode multiply.
QueryPtr WithPopularityBoost(QueryPtr query, double boost, std::shared_ptr<const DocValueSource> popularity);

}  // namespace holdfast::search
