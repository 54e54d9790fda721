// TermScorer: the docs of one term in one segment, scored with BM25 (or a
// constant), with block-max bounds read from the postings skip data.
//
// Owns its PostingsIterator; reads norms from the FieldReader and the BM25
// table from a Bm25Weight that must outlive it (held by the TermWeight, or
// owned by the scorer itself for multi-term expansions). One thread.
#pragma once

#include <algorithm>
#include <memory>
#include <string_view>

#include "index/codec/postings_iterator.h"
#include "index/search/bm25.h"
#include "index/search/scorer.h"
#include "index/segment/segment_reader.h"

namespace holdfast::search {

class TermScorer final : public Scorer {
 public:
  // `weight` null: every doc scores `constant`.
  TermScorer(const segment::FieldReader* field, const Bm25Weight* weight, float constant = 0)
      : field_(field), weight_(weight), constant_(constant), has_norms_(field->has_norms()) {}

  // Takes ownership of the BM25 table (multi-term expansions).
  void OwnWeight(std::unique_ptr<Bm25Weight> weight) {
    owned_ = std::move(weight);
    weight_ = owned_.get();
  }
  // Positions the scorer on a term of its field.
  Status Reset(const codec::TermInfo& info) { return field_->OpenPostings(info, &it_); }

  uint32_t Next() override { return doc_ = it_.NextDoc(); }
  uint32_t Advance(uint32_t target) override {
    if (AtOrPast(target)) return doc_;
    return doc_ = it_.Advance(target);
  }
  float score() override { return weight_ ? weight_->Score(static_cast<float>(it_.freq()), Norm(doc_)) : constant_; }
  uint64_t cost() const override { return it_.cost(); }

  // Bulk scoring: copies the docs from doc() up to `up_to` (inclusive) or to
  // the end of doc()'s block, whichever comes first, into docs[] and their
  // scores into scores[] (both of at least kBlockSize entries); doc() moves
  // past them. Returns how many (0 once doc() > up_to). Same scores as score().
  int32_t ScoreBlockUpTo(uint32_t up_to, uint32_t* docs, float* scores) {
    if (doc_ > up_to) return 0;  // also kNoMoreDocs and after the end
    const uint32_t* block = it_.BlockDocs();
    const int32_t from = it_.BlockIndex();
    const int32_t size = it_.BlockSize();
    int32_t end = size;
    if (block[size - 1] > up_to) {
      end = from + 1;
      while (block[end] <= up_to) ++end;
    }
    const int32_t m = end - from;
    std::copy(block + from, block + end, docs);
    if (weight_ != nullptr) {
      const uint32_t* freqs = it_.BlockFreqs() + from;
      float norm_factor[codec::kBlockSize];
      if (has_norms_) {
        for (int32_t i = 0; i < m; ++i) norm_factor[i] = weight_->NormFactor(field_->norm(docs[i]));
      } else {
        std::fill(norm_factor, norm_factor + m, weight_->NormFactor(1));
      }
      weight_->ScoreBlock(freqs, norm_factor, m, scores);
    } else {
      std::fill(scores, scores + m, constant_);
    }
    doc_ = end < size ? it_.MoveInBlock(end) : it_.NextBlock();
    return m;
  }

  uint32_t AdvanceShallow(uint32_t target) override { return it_.ShallowAdvance(target); }
  // The bound over every block from the one holding doc() (or the shallow
  // cursor) to the one holding up_to.
  float GetMaxScore(uint32_t up_to) override {
    if (!weight_) return constant_;
    uint32_t from = doc_ == kUnpositioned ? 0 : doc_;
    return MaxScoreIn(from, up_to);
  }
  // Bound over the docs in [from, up_to]; moves only the shallow cursor, forward.
  float MaxScoreIn(uint32_t from, uint32_t up_to) {
    if (!weight_) return constant_;
    uint32_t last = it_.ShallowAdvance(from);
    float best = BlockBound();
    while (last < up_to && last != kNoMoreDocs) {
      last = it_.ShallowAdvance(last + 1);
      best = std::max(best, BlockBound());
    }
    return best;
  }
  float MaxScore() const { return weight_ ? weight_->MaxScore() : constant_; }

  codec::PostingsIterator& postings() { return it_; }
  // The norm byte score() uses for doc() (1 when the field has no norms).
  uint8_t norm() const { return Norm(doc_); }
  const Status& status() const { return it_.status(); }

 private:
  uint8_t Norm(uint32_t doc) const { return has_norms_ ? field_->norm(doc) : 1; }
  float BlockBound() const {
    if (it_.BlockMaxFreq() == 0) return 0;
    return weight_->Score(static_cast<float>(it_.BlockMaxFreq()), has_norms_ ? it_.BlockMinNorm() : 1);
  }

  codec::PostingsIterator it_;
  const segment::FieldReader* field_;
  const Bm25Weight* weight_;
  std::unique_ptr<Bm25Weight> owned_;
  float constant_;
  bool has_norms_;
};

}  // namespace holdfast::search
