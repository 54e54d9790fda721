// Scorers over doc sets that are not a single postings list:
//   BitSetScorer       a bitset built per segment (prefix, keyword range and
//                      terms queries: the union of many postings), constant score
//   PredicateScorer    every doc of the segment for which a predicate holds
//                      (doc-values range, exists, match_all), constant score;
//                      templated so the predicate inlines
// One thread; a PredicateScorer's predicate must not outlive what it reads.
#pragma once

#include <bit>
#include <cstdint>
#include <vector>

#include "index/search/scorer.h"

namespace holdfast::search {

class BitSetScorer final : public Scorer {
 public:
  BitSetScorer(std::vector<uint64_t> bits, uint32_t max_doc, uint64_t cost, float score)
      : bits_(std::move(bits)), max_doc_(max_doc), cost_(cost), score_(score) {}

  uint32_t Next() override { return doc_ = Find(doc_ == kUnpositioned ? 0 : doc_ + 1); }
  uint32_t Advance(uint32_t target) override {
    if (AtOrPast(target)) return doc_;
    return doc_ = Find(target);
  }
  float score() override { return score_; }
  uint64_t cost() const override { return cost_; }

 private:
  uint32_t Find(uint32_t from) const {
    if (from >= max_doc_) return kNoMoreDocs;
    size_t w = from >> 6;
    uint64_t word = bits_[w] & (~uint64_t{0} << (from & 63));
    while (word == 0) {
      if (++w >= bits_.size()) return kNoMoreDocs;
      word = bits_[w];
    }
    uint32_t d = static_cast<uint32_t>((w << 6) + std::countr_zero(word));
    return d < max_doc_ ? d : kNoMoreDocs;
  }
  std::vector<uint64_t> bits_;
  uint32_t max_doc_;
  uint64_t cost_;
  float score_;
};

template <class Predicate>
class PredicateScorer final : public Scorer {
 public:
  PredicateScorer(uint32_t max_doc, Predicate predicate, float score)
      : max_doc_(max_doc), predicate_(std::move(predicate)), score_(score) {}

  uint32_t Next() override { return doc_ = Find(doc_ == kUnpositioned ? 0 : doc_ + 1); }
  uint32_t Advance(uint32_t target) override {
    if (AtOrPast(target)) return doc_;
    return doc_ = Find(target);
  }
  float score() override { return score_; }
  uint64_t cost() const override { return max_doc_; }

 private:
  uint32_t Find(uint32_t d) const {
    for (; d < max_doc_; ++d) {
      if (predicate_(d)) return d;
    }
    return kNoMoreDocs;
  }
  uint32_t max_doc_;
  Predicate predicate_;
  float score_;
};

template <class Predicate>
ScorerPtr MakePredicateScorer(uint32_t max_doc, Predicate predicate, float score) {
  return std::make_unique<PredicateScorer<Predicate>>(max_doc, std::move(predicate), score);
}

}  // namespace holdfast::search
