// FuzzyQuery: terms within `max_edits` (<= 2) edits of a term, sharing its
// first `prefix_length` characters; transpositions count as one edit unless
// disabled (Elasticsearch's defaults: transpositions on, max_expansions 50).
//
// Expansion runs per segment over the term dictionary (from the prefix on),
// keeping the max_expansions best terms (fewest edits, then term order).
// Scoring follows Lucene's top-terms blended rewrite: each expanded term
// scores BM25 with the query's boost times 1 - edits / min(len(term),
// len(query)), and all of a segment's expanded terms share the idf of the
// largest doc freq among them (from the CollectionStatistics), so a rare
// misspelling does not outscore the word meant. A doc matching several
// expansions sums them. Because expansion is per segment, the shared idf
// can differ between segmentations when segments expand to different term
// sets (never when every candidate term fits in max_expansions).
//
// ES "AUTO" fuzziness: FuzzinessForLength(length in characters).
#pragma once

#include <string>

#include "index/search/query.h"

namespace holdfast::search {

// 0 for 1-2 characters, 1 for 3-5, 2 above (Elasticsearch's AUTO).
uint32_t AutoFuzziness(size_t code_points);

class FuzzyQuery final : public Query {
 public:
  struct Options {
    uint32_t max_edits = 2;
    uint32_t prefix_length = 0;
    uint32_t max_expansions = 50;
    bool transpositions = true;
  };
  FuzzyQuery(std::string field, std::string term, Options options)
      : field_(std::move(field)), term_(std::move(term)), options_(options) {}
  std::string ToString() const override { return field_ + ":" + term_ + "~" + std::to_string(options_.max_edits); }
  void CollectTerms(std::string_view field, std::vector<std::string>* out) const override {
    if (field == field_) out->push_back(term_);
  }

 protected:
  Result<WeightPtr> DoCreateWeight(const CollectionStatistics& stats, bool needs_scores,
                                   float boost) const override;

 private:
  std::string field_;
  std::string term_;
  Options options_;
};

}  // namespace holdfast::search
