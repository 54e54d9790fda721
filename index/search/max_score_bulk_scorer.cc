#include "index/search/max_score_bulk_scorer.h"

namespace holdfast::search {
namespace {

struct WindowArrays {
  float acc[MaxScoreBulkScorer::kWindow] = {};
  uint64_t bits[MaxScoreBulkScorer::kWindow / 64] = {};
  uint64_t seen[MaxScoreBulkScorer::kWindow / 64] = {};
};

WindowArrays& ThreadWindowArrays() {
  static thread_local WindowArrays arrays;
  return arrays;
}

}  // namespace

MaxScoreBulkScorer::MaxScoreBulkScorer(std::vector<std::unique_ptr<TermScorer>> terms, uint32_t max_doc)
    : terms_(std::move(terms)),
      max_doc_(max_doc),
      window_max_(terms_.size(), 0.0f),
      order_(terms_.size(), 0),
      acc_(ThreadWindowArrays().acc),
      bits_(ThreadWindowArrays().bits),
      seen_(ThreadWindowArrays().seen) {}

size_t MaxScoreBulkScorer::Partition(uint32_t start, uint32_t up_to, float threshold, float* nonessential_sum) {
  const size_t n = terms_.size();
  for (size_t i = 0; i < n; ++i) {
    TermScorer* t = terms_[i].get();
    window_max_[i] = t->doc() > up_to ? 0.0f : t->MaxScoreIn(std::max(start, t->doc()), up_to);
    // Insertion sort by bound, ascending (a handful of terms).
    size_t j = i;
    while (j > 0 && window_max_[order_[j - 1]] > window_max_[i]) {
      order_[j] = order_[j - 1];
      --j;
    }
    order_[j] = static_cast<uint32_t>(i);
  }
  float sum = 0;
  size_t k = 0;
  while (k < n && !CanBeat(sum + window_max_[order_[k]], threshold)) {
    sum += window_max_[order_[k]];
    ++k;
  }
  *nonessential_sum = sum;
  return k;
}

}  // namespace holdfast::search
