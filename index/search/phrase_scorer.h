// PhraseScorer: the conjunction of a phrase's postings (leapfrog from the
// rarest term) followed by a position check per candidate doc (exact or
// sloppy, see phrase_query.h). Owns its postings iterators and position
// buffers (reused from doc to doc); reads the BM25 table of its Weight,
// which must outlive it. One thread.
#pragma once

#include <memory>
#include <vector>

#include "index/codec/postings_iterator.h"
#include "index/search/bm25.h"
#include "index/search/scorer.h"
#include "index/segment/segment_reader.h"

namespace holdfast::search {

class PhraseScorer final : public Scorer {
 public:
  struct Term {
    codec::PostingsIterator postings;
    int64_t offset = 0;               // the term's position in the phrase
    std::vector<int64_t> positions;   // of the current doc, minus offset
  };

  // `weight` null: score 0. Terms in phrase order.
  PhraseScorer(std::vector<std::unique_ptr<Term>> terms, uint32_t slop, const segment::FieldReader* field,
               const Bm25Weight* weight);

  uint32_t Next() override { return Settle(lead_->postings.NextDoc()); }
  uint32_t Advance(uint32_t target) override {
    if (AtOrPast(target)) return doc_;
    return Settle(lead_->postings.Advance(target));
  }
  float score() override { return weight_ ? weight_->Score(freq_, field_->norm(doc_)) : 0.0f; }
  uint64_t cost() const override { return lead_->postings.cost(); }
  // The phrase freq of doc() and the norm byte score() uses (explanations).
  float freq() const { return freq_; }
  uint8_t norm() const { return field_->norm(doc_); }

 private:
  uint32_t Settle(uint32_t target);
  float PhraseFreq();
  float ExactFreq() const;
  float SloppyFreq();

  std::vector<std::unique_ptr<Term>> terms_;  // phrase order
  std::vector<Term*> by_cost_;
  Term* lead_;
  uint32_t slop_;
  const segment::FieldReader* field_;
  const Bm25Weight* weight_;
  float freq_ = 0;
  std::vector<size_t> cursor_;
  std::vector<int64_t> current_;
};

}  // namespace holdfast::search
