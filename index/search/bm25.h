// Bm25Weight: Lucene 8's BM25Similarity (k1 = 1.2, b = 0.75, no (k1 + 1)
// factor) for one (field, query term) pair, with the length normalization of
// all 256 norm bytes precomputed so that scoring a posting is one table
// lookup, one multiply-add and one divide, in float like Lucene:
//
//   idf   = ln(1 + (N - df + 0.5) / (df + 0.5))      N = docs holding the field
//   avgdl = sum_total_term_freq / N
//   score = w - w / (1 + freq * cache[norm]),  w = boost * idf,
//           cache[norm] = 1 / (k1 * (1 - b + b * DecodeNorm(norm) / avgdl))
// which equals w * freq / (freq + k1 * (1 - b + b * dl / avgdl)) and, written
// this way, is monotonic in freq and in the norm (what block-max bounds need).
//
// Statistics come only from the caller (CollectionStatistics), never from a
// segment, so that the shard count never changes a score. Immutable after
// construction; share freely between threads.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "index/search/explanation.h"
#include "index/segment/field_info.h"

namespace holdfast::search {

inline constexpr float kBm25K1 = 1.2f;
inline constexpr float kBm25B = 0.75f;

// Lucene's idf, computed in double and rounded to float.
float Bm25Idf(uint64_t doc_freq, uint64_t doc_count);
// sum_total_term_freq / doc_count (1 when the field is empty).
float Bm25AvgFieldLength(const segment::FieldStats& stats);
// Lucene's explanation of Bm25Idf(doc_freq, doc_count): n and N.
Explanation ExplainBm25Idf(uint64_t doc_freq, uint64_t doc_count);

class Bm25Weight {
 public:
  Bm25Weight() = default;
  // `idf` may be a sum of idfs (phrases); `avgdl` from Bm25AvgFieldLength.
  Bm25Weight(float boost, float idf, float avgdl);

  // `norm` is the doc's norm byte; fields without norms pass 1 (Lucene's
  // convention for omitted norms).
  float Score(float freq, uint8_t norm) const {
    return weight_ - weight_ / (1.0f + freq * cache_[norm]);
  }
  // Score(freq[i], norm) for m postings, norm_factor[i] = NormFactor(norm):
  // the same float operations as Score, four lanes at a time.
  void ScoreBlock(const uint32_t* freqs, const float* norm_factor, int32_t m, float* out) const {
    const float w = weight_;
    for (int32_t i = 0; i < m; ++i) {
      out[i] = w - w / (1.0f + static_cast<float>(static_cast<int32_t>(freqs[i])) * norm_factor[i]);
    }
  }
  float NormFactor(uint8_t norm) const { return cache_[norm]; }
  // The largest score any freq can reach (freq → ∞).
  float MaxScore() const { return weight_; }
  float weight() const { return weight_; }
  float idf() const { return idf_; }

  // Lucene's BM25 breakdown of `score`, which the caller's scorer computed
  // as Score(freq, norm) for doc `doc`: "weight(<what> in <doc>)" → boost,
  // idf (explained by `idf`), tf from freq (described by `freq_description`),
  // k1, b, dl (the decoded norm byte: the length the score used) and avgdl.
  Explanation Explain(const std::string& what, uint32_t doc, float score, float freq, uint8_t norm,
                      Explanation idf, std::string freq_description) const;

 private:
  float weight_ = 0;
  float boost_ = 0;
  float idf_ = 0;
  float avgdl_ = 1;
  std::array<float, 256> cache_{};
};

}  // namespace holdfast::search
