// PhraseQuery (match_phrase): docs whose field holds the terms at the given
// relative positions, within `slop` moves like Lucene:
//   slop 0   exact positions; the phrase freq is the number of occurrences;
//   slop > 0 Lucene's sloppy matching: each minimal window whose "match
//            length" (moves needed to line the terms up, reversed order
//            costing more) is <= slop adds 1 / (1 + match length) to the freq.
// Scored with BM25 whose idf is the sum of the terms' idfs (Lucene's
// PhraseWeight) and whose freq is the phrase freq. Repeated terms in a
// sloppy phrase are handled independently (Lucene pairs them up; we do not).
// The field must have been indexed with positions (text fields).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "index/search/query.h"

namespace holdfast::search {

struct PhraseTerm {
  std::string term;
  uint32_t position = 0;  // relative position in the query (after analysis)
};

class PhraseQuery final : public Query {
 public:
  PhraseQuery(std::string field, std::vector<PhraseTerm> terms, uint32_t slop)
      : field_(std::move(field)), terms_(std::move(terms)), slop_(slop) {}
  std::string ToString() const override;
  void CollectTerms(std::string_view field, std::vector<std::string>* out) const override {
    if (field != field_) return;
    for (const PhraseTerm& t : terms_) out->push_back(t.term);
  }

 protected:
  Result<WeightPtr> DoCreateWeight(const CollectionStatistics& stats, bool needs_scores,
                                   float boost) const override;

 private:
  std::string field_;
  std::vector<PhraseTerm> terms_;
  uint32_t slop_;
};

}  // namespace holdfast::search
