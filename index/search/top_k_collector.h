// TopKCollector: the k best (score, segment, doc) hits of a search, kept in a
// min-heap of k entries (no allocation after construction).
//
// Order: higher score first; equal scores by (segment ordinal, doc)
// ascending. Segments and docs arrive in increasing order, so a new hit is
// competitive only when its score is strictly greater than the heap's worst:
// MinCompetitiveScore() is what block-max pruning may skip up to (inclusive).
//
// A floor (SetFloor) says the caller already holds k hits that beat every
// hit scoring at or below it (another shard's page, merged after this one):
// such hits are never kept, and pruning may skip them from the first doc on
// instead of only once the heap is full.
// Not thread-safe: one search, one thread.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "index/search/scorer.h"

namespace holdfast::search {

struct ScoredHit {
  uint32_t segment = 0;  // SegmentView::ordinal
  uint32_t doc = 0;
  float score = 0;
  bool operator==(const ScoredHit&) const = default;
};

class TopKCollector {
 public:
  explicit TopKCollector(size_t k) : k_(k) {
    heap_.reserve(k);
    Reset();
  }

  void SetSegment(uint32_t ordinal) { segment_ = ordinal; }

  // Inlined into the scoring loops: most hits are rejected by one compare.
  [[gnu::always_inline]] void Collect(uint32_t doc, float score) {
    if (!full_) {
      if (!has_floor_ || score > floor_) Push(doc, score);
    } else if (score > threshold_) {
      ReplaceWorst(doc, score);
    }
  }

  // Hits scoring <= `floor` are not wanted (see above). Call before the
  // first Collect; kept across TakeSorted.
  void SetFloor(float floor) {
    has_floor_ = true;
    floor_ = floor;
    Reset();
  }

  bool full() const { return full_; }
  // -inf (or the floor) until full; +inf when k is 0 (nothing can enter);
  // never below the floor. Kept up to date
  // by Push/ReplaceWorst: the scorers ask for it once per candidate.
  float MinCompetitiveScore() const { return threshold_; }

  // The hits, best first. Leaves the collector empty.
  std::vector<ScoredHit> TakeSorted() {
    std::vector<ScoredHit> out = std::move(heap_);
    std::sort(out.begin(), out.end(), Better);
    heap_.clear();
    Reset();
    return out;
  }

 private:
  static bool Better(const ScoredHit& a, const ScoredHit& b) {
    if (a.score != b.score) return a.score > b.score;
    if (a.segment != b.segment) return a.segment < b.segment;
    return a.doc < b.doc;
  }
  void Reset() {
    full_ = k_ == 0;
    threshold_ = k_ == 0 ? kInfiniteScore : has_floor_ ? floor_ : -kInfiniteScore;
  }
  [[gnu::noinline]] void Push(uint32_t doc, float score) {
    heap_.push_back({segment_, doc, score});
    SiftUp(heap_.size() - 1);
    if (heap_.size() == k_) {
      full_ = true;
      threshold_ = std::max(heap_[0].score, threshold_);
    }
  }
  [[gnu::noinline]] void ReplaceWorst(uint32_t doc, float score) {
    heap_[0] = {segment_, doc, score};
    SiftDown(0);
    threshold_ = has_floor_ ? std::max(heap_[0].score, floor_) : heap_[0].score;
  }
  // Min-heap on "worse": the root is the worst hit.
  void SiftUp(size_t i) {
    while (i > 0) {
      size_t p = (i - 1) / 2;
      if (!Better(heap_[p], heap_[i])) break;
      std::swap(heap_[p], heap_[i]);
      i = p;
    }
  }
  void SiftDown(size_t i) {
    size_t n = heap_.size();
    for (;;) {
      size_t l = 2 * i + 1, worst = i;
      if (l < n && Better(heap_[worst], heap_[l])) worst = l;
      if (l + 1 < n && Better(heap_[worst], heap_[l + 1])) worst = l + 1;
      if (worst == i) return;
      std::swap(heap_[i], heap_[worst]);
      i = worst;
    }
  }

  size_t k_;
  uint32_t segment_ = 0;
  std::vector<ScoredHit> heap_;
  bool full_ = false;
  bool has_floor_ = false;
  float floor_ = 0;
  float threshold_ = 0;  // heap_[0].score once full (at least the floor)
};

}  // namespace holdfast::search
