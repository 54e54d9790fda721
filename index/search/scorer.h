// Scorer: the per-segment iterator over the docs a query matches, in
// increasing doc order, with their scores (Tantivy's / Lucene's Scorer).
//
//   doc()            the current doc; kUnpositioned before the first move
//   Next()           the next match, or kNoMoreDocs
//   Advance(target)  the first match >= target (target > doc())
//   score()          the score of doc() (0 when scores are not needed)
//   cost()           an estimate of the number of matches, to order iterators
//   AdvanceShallow / GetMaxScore   block-max bounds, as in Lucene: the first
//                    returns the last doc of the region starting at `target`
//                    over which the bound is computed; the second an upper
//                    bound of score() for every doc in [doc(), up_to].
//
// Scorers do not look at deletions: the collection loop skips deleted docs.
// A Scorer belongs to one thread and must not outlive its Weight nor the
// segment it reads.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>

#include "index/codec/postings_format.h"

namespace holdfast::search {

inline constexpr uint32_t kNoMoreDocs = codec::kNoMoreDocs;
inline constexpr uint32_t kUnpositioned = 0xffffffffu;
inline constexpr float kInfiniteScore = std::numeric_limits<float>::infinity();

class Scorer {
 public:
  virtual ~Scorer() = default;

  uint32_t doc() const { return doc_; }
  virtual uint32_t Next() = 0;
  virtual uint32_t Advance(uint32_t target) = 0;
  virtual float score() = 0;
  virtual uint64_t cost() const = 0;

  virtual uint32_t AdvanceShallow(uint32_t /*target*/) { return kNoMoreDocs; }
  virtual float GetMaxScore(uint32_t /*up_to*/) { return kInfiniteScore; }

 protected:
  // Advance() helper for scorers that may be asked for a target <= doc().
  bool AtOrPast(uint32_t target) const { return doc_ != kUnpositioned && doc_ >= target; }
  uint32_t doc_ = kUnpositioned;
};

using ScorerPtr = std::unique_ptr<Scorer>;

}  // namespace holdfast::search
