// Queries that match a set of terms of one field and score every match the
// same (the query's boost), like Elasticsearch's default constant_score
// rewrite of multi-term queries:
//   PrefixQuery     terms starting with a prefix, expanded per segment with
//                   TermIterator::SeekCeil; at most kMaxPrefixExpansions
//                   terms per segment (the first ones in term order)
//   TermRangeQuery  keyword ranges in term (byte) order, bounds optional
//   TermsQuery      any of a list of exact terms
// Per segment the matching postings are unioned into a bitset.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "index/codec/term_info.h"
#include "index/search/query.h"

namespace holdfast::search {

inline constexpr size_t kMaxPrefixExpansions = 1024;

class PrefixQuery final : public Query {
 public:
  PrefixQuery(std::string field, std::string prefix) : field_(std::move(field)), prefix_(std::move(prefix)) {}
  std::string ToString() const override { return field_ + ":" + prefix_ + "*"; }

 protected:
  Result<WeightPtr> DoCreateWeight(const CollectionStatistics& stats, bool needs_scores,
                                   float boost) const override;

 private:
  std::string field_;
  std::string prefix_;
};

class TermRangeQuery final : public Query {
 public:
  struct Bound {
    std::string term;
    bool inclusive = true;
  };
  TermRangeQuery(std::string field, std::optional<Bound> lower, std::optional<Bound> upper)
      : field_(std::move(field)), lower_(std::move(lower)), upper_(std::move(upper)) {}
  std::string ToString() const override;

 protected:
  Result<WeightPtr> DoCreateWeight(const CollectionStatistics& stats, bool needs_scores,
                                   float boost) const override;

 private:
  std::string field_;
  std::optional<Bound> lower_, upper_;
};

class TermsQuery final : public Query {
 public:
  TermsQuery(std::string field, std::vector<std::string> terms) : field_(std::move(field)), terms_(std::move(terms)) {}
  std::string ToString() const override;
  void CollectTerms(std::string_view field, std::vector<std::string>* out) const override {
    if (field == field_) out->insert(out->end(), terms_.begin(), terms_.end());
  }

 protected:
  Result<WeightPtr> DoCreateWeight(const CollectionStatistics& stats, bool needs_scores,
                                   float boost) const override;

 private:
  std::string field_;
  std::vector<std::string> terms_;
};

// The union of the postings of `terms` as a constant-score scorer (nullptr
// when `terms` is empty). Shared by the queries above and by fuzzy filters.
Result<ScorerPtr> UnionOfTerms(const segment::FieldReader& field, const std::vector<codec::TermInfo>& terms,
                               uint32_t max_doc, float score);

}  // namespace holdfast::search
