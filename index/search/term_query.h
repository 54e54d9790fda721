// TermQuery: docs whose `field` holds `term` exactly (text, keyword and
// boolean fields, via postings), scored with BM25 over the field. Terms are
// matched as given: analysis is the parser's job (match query).
//
// TermWeight holds the BM25 table of the term; it also serves the searcher's
// block-max fast path for term disjunctions (Weight::TermDisjunction).
#pragma once

#include <string>

#include "index/search/bm25.h"
#include "index/search/query.h"
#include "index/search/term_scorer.h"

namespace holdfast::search {

class TermQuery final : public Query {
 public:
  TermQuery(std::string field, std::string term) : field_(std::move(field)), term_(std::move(term)) {}
  const std::string& field() const { return field_; }
  const std::string& term() const { return term_; }
  void CollectTerms(std::string_view field, std::vector<std::string>* out) const override {
    if (field == field_) out->push_back(term_);
  }
  std::string ToString() const override;

 protected:
  Result<WeightPtr> DoCreateWeight(const CollectionStatistics& stats, bool needs_scores,
                                   float boost) const override;

 private:
  std::string field_;
  std::string term_;
};

// What a term's idf was computed from (n and N of its explanation).
struct IdfInputs {
  uint64_t doc_freq = 0;
  uint64_t doc_count = 0;
};

class TermWeight final : public Weight {
 public:
  // needs_scores false: every doc scores 0.
  // `infos`: the term's entries in segments, from the statistics (a segment
  // not listed is looked up when a scorer is made).
  TermWeight(std::string field, std::string term, const Bm25Weight& bm25, bool needs_scores,
             std::vector<SegmentTermInfo> infos = {}, IdfInputs idf = {})
      : field_(std::move(field)),
        term_(std::move(term)),
        bm25_(bm25),
        needs_scores_(needs_scores),
        infos_(std::move(infos)),
        idf_(idf) {}

  Result<ScorerPtr> MakeScorer(const SegmentView& segment) const override;
  std::vector<const TermWeight*> TermDisjunction() const override;
  int64_t CountWithoutIterating(const SegmentView& segment) const override;
  // Lucene's BM25 breakdown; "no matching term" when the doc lacks it.
  Result<Explanation> Explain(const SegmentView& segment, uint32_t doc) const override;

  // The typed scorer (nullptr when the segment lacks the term).
  Result<std::unique_ptr<TermScorer>> MakeTermScorer(const SegmentView& segment) const;
  bool needs_scores() const { return needs_scores_; }

 private:
  std::string field_;
  std::string term_;
  // The term's entry in the segment: OK with doc_freq 0 when it lacks it.
  Result<codec::TermInfo> Lookup(const SegmentView& segment, const segment::FieldReader& field) const;

  Bm25Weight bm25_;
  bool needs_scores_;
  std::vector<SegmentTermInfo> infos_;
  IdfInputs idf_;
};

// The BM25 table of (field, term) from the statistics, with `boost`;
// `infos` (optional) receives the term's entries in the statistics' segments,
// `idf` (optional) the numbers its idf was computed from.
Bm25Weight MakeBm25Weight(const CollectionStatistics& stats, std::string_view field,
                          std::string_view term, float boost, std::vector<SegmentTermInfo>* infos = nullptr,
                          IdfInputs* idf = nullptr);

}  // namespace holdfast::search
