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

Explanation ExplainBm25Idf(uint64_t doc_freq, uint64_t doc_count) {
  return Explanation::Match(Bm25Idf(doc_freq, doc_count), "idf, computed as log(1 + (N - n + 0.5) / (n + 0.5)) from:",
                            {Explanation::Match(static_cast<double>(doc_freq), "n, number of documents containing term"),
                             Explanation::Match(static_cast<double>(doc_count), "N, total number of documents with field")});
}

Explanation Bm25Weight::Explain(const std::string& what, uint32_t doc, float score, float freq, uint8_t norm,
                                Explanation idf, std::string freq_description) const {
  // tf as the table computes it: score = w - w / (1 + freq * c) = w * tf.
  const float c = cache_[norm];
  const float tf = freq * c / (1.0f + freq * c);
  Explanation tf_explained = Explanation::Match(
      tf, "tf, computed as freq / (freq + k1 * (1 - b + b * dl / avgdl)) from:",
      {Explanation::Match(freq, std::move(freq_description)), Explanation::Match(kBm25K1, "k1, term saturation parameter"),
       Explanation::Match(kBm25B, "b, length normalization parameter"),
       Explanation::Match(static_cast<float>(codec::DecodeNorm(norm)), "dl, length of field (approximate)"),
       Explanation::Match(avgdl_, "avgdl, average length of field")});
  Explanation computed = Explanation::Match(
      score, "score(freq=" + FormatFloat(freq) + "), computed as boost * idf * tf from:",
      {Explanation::Match(boost_, "boost"), std::move(idf), std::move(tf_explained)});
  return Explanation::Match(score, "weight(" + what + " in " + std::to_string(doc) + ") [PerFieldSimilarity], result of:",
                            {std::move(computed)});
}

Bm25Weight::Bm25Weight(float boost, float idf, float avgdl)
    : weight_(boost * idf), boost_(boost), idf_(idf), avgdl_(avgdl) {
  for (int i = 0; i < 256; ++i) {
    float dl = static_cast<float>(codec::DecodeNorm(static_cast<uint8_t>(i)));
    cache_[i] = 1.0f / (kBm25K1 * ((1 - kBm25B) + kBm25B * dl / avgdl));
  }
}

}  // namespace holdfast::search
