#include "index/search/bm25.h"

#include <cmath>

#include "index/codec/norms.h"

namespace holdfast::search {

float Bm25Idf(uint64_t doc_freq, uint64_t doc_count) {
  double n = static_cast<double>(doc_count);
  double df = static_cast<double>(doc_freq);
  return static_cast<float>(std::log(1.0 + (n - df + 0.5) / (df + 0.5)));
}

float Bm25AvgFieldLength(const segment::FieldStats& stats) {
  if (stats.doc_count == 0 || stats.sum_total_term_freq == 0) return 1.0f;
  return static_cast<float>(static_cast<double>(stats.sum_total_term_freq) / static_cast<double>(stats.doc_count));
}

Bm25Weight::Bm25Weight(float boost, float idf, float avgdl) : weight_(boost * idf) {
  for (int i = 0; i < 256; ++i) {
    float dl = static_cast<float>(codec::DecodeNorm(static_cast<uint8_t>(i)));
    cache_[i] = 1.0f / (kBm25K1 * ((1 - kBm25B) + kBm25B * dl / avgdl));
  }
}

}  // namespace holdfast::search
