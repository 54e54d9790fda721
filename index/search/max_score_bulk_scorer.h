// MaxScoreBulkScorer: the hot path — a disjunction of scored term scorers
// (a `match` with operator or, or a single term) over one segment, scored in
// windows of docs with block-max MaxScore pruning.
//
// Per window: each term's score bound over the window is read from the
// postings skip data (block max freq / min norm, no decoding). While pruning,
// a window ends where the first term's current block ends, so bounds cover
// one or two blocks and stay tight; otherwise windows are kWindow docs.
// Terms are sorted by bound; the longest prefix whose bounds sum to at most
// the sink's MinCompetitiveScore() is "non-essential": a doc matching only
// those cannot enter the top k. The essential terms are decoded and their
// scores summed into a window array (a bitset marks matches; one essential
// term is scored doc at a time; two essential terms neither of which can
// compete alone are intersected); each candidate then adds the non-essential
// terms' scores (Advance), stopping as soon as its remaining bound cannot
// beat the threshold. A window whose bounds together cannot compete is
// skipped without decoding.
//
// With MinCompetitiveScore() = -inf (the heap not yet full, or a sink that
// wants every match) every term is essential and every match reaches the
// sink. A doc is never lost: a skipped doc's score is at most the threshold,
// which only grows.
//
// A sink that needs the exact number of matches but only the top k hits
// (CountsEveryMatch()) still gets pruning: docs skipped as not competitive
// are counted without being scored. The sink may stop wanting counts (a
// total past track_total_hits need not be exact): asked per window. In a pruning window every term's docs
// lie in one decoded block, so the non-essential terms' docs are read from
// their blocks and counted unless an essential term already had them.
//
// Sink requirements (a concrete class, so the calls inline):
//   bool  IsLive(uint32_t doc) const
//   float MinCompetitiveScore() const   docs scoring <= this may be skipped
//   void  Collect(uint32_t doc, float score)
//   bool  CountsEveryMatch() const      count skipped live matches too
//   void  CountSkipped(uint64_t n)      n live matches that were not collected
// Owns its term scorers; one thread; one Run per scorer.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <memory>
#include <vector>

#include "index/search/term_scorer.h"

namespace holdfast::search {

class MaxScoreBulkScorer {
 public:
  static constexpr uint32_t kWindow = 4096;

  // `max_doc`: the segment's doc count (windows never pass it).
  MaxScoreBulkScorer(std::vector<std::unique_ptr<TermScorer>> terms, uint32_t max_doc);

  template <class Sink>
  Status Run(Sink& sink);

 private:
  // The bound of a sum of floats, widened so that float rounding in the
  // actual sum can never make a skipped doc competitive.
  static bool CanBeat(float bound, float threshold) { return bound * 1.00001f > threshold; }

  template <class Sink>
  void ScoreCandidate(Sink& sink, uint32_t doc, float score, size_t n_nonessential, float nonessential_sum);
  // CountsEveryMatch: counts the live docs in [start, up_to] of the first
  // n_terms terms of order_ that seen_ does not hold yet, then clears seen_.
  template <class Sink>
  void CountUnseen(Sink& sink, uint32_t start, uint32_t up_to, size_t n_terms);
  // Bounds per term over [start, up_to]; sorts order_ by them; returns the
  // number of non-essential terms and their bound sum.
  size_t Partition(uint32_t start, uint32_t up_to, float threshold, float* nonessential_sum);

  std::vector<std::unique_ptr<TermScorer>> terms_;
  uint32_t max_doc_;
  std::vector<float> window_max_;
  std::vector<uint32_t> order_;
  // The window arrays: per thread, all zero between windows (a window clears
  // what it set), so no segment of no query pays for allocating or zeroing them.
  float* acc_;
  uint64_t* bits_;
  uint64_t* seen_;  // CountsEveryMatch: window docs already counted
  // One block of an essential term, scored (TermScorer::ScoreBlockUpTo).
  uint32_t block_docs_[codec::kBlockSize];
  float block_scores_[codec::kBlockSize];
};

template <class Sink>
inline void MaxScoreBulkScorer::ScoreCandidate(Sink& sink, uint32_t doc, float score, size_t n_nonessential,
                                               float nonessential_sum) {
  if (!sink.IsLive(doc)) return;
  if (n_nonessential > 0) {
    float threshold = sink.MinCompetitiveScore();
    float rest = nonessential_sum;
    for (size_t j = n_nonessential; j-- > 0;) {
      if (!CanBeat(score + rest, threshold)) {
        if (sink.CountsEveryMatch()) sink.CountSkipped(1);
        return;
      }
      TermScorer* t = terms_[order_[j]].get();
      if (t->doc() < doc) t->Advance(doc);
      if (t->doc() == doc) score += t->score();
      rest -= window_max_[order_[j]];
    }
  }
  sink.Collect(doc, score);
}

template <class Sink>
void MaxScoreBulkScorer::CountUnseen(Sink& sink, uint32_t start, uint32_t up_to, size_t n_terms) {
  uint64_t count = 0;
  for (size_t k = 0; k < n_terms; ++k) {
    TermScorer* t = terms_[order_[k]].get();
    if (t->doc() < start) t->Advance(start);
    // The window lies within t's current block (it ends at or before the
    // block's last doc, and ScoreCandidate advanced t to docs <= up_to only),
    // so the block holds all of t's docs in it, even those t has moved past.
    const codec::PostingsIterator& it = t->postings();
    const uint32_t* docs = it.BlockDocs();
    const int32_t size = it.BlockSize();
    for (int32_t i = static_cast<int32_t>(std::lower_bound(docs, docs + size, start) - docs);
         i < size && docs[i] <= up_to; ++i) {
      const uint32_t off = docs[i] - start;
      const uint64_t bit = uint64_t{1} << (off & 63);
      if (seen_[off >> 6] & bit) continue;
      seen_[off >> 6] |= bit;
      count += sink.IsLive(docs[i]);
    }
  }
  for (uint32_t w = 0; w <= ((up_to - start) >> 6); ++w) seen_[w] = 0;
  if (count > 0) sink.CountSkipped(count);
}

template <class Sink>
Status MaxScoreBulkScorer::Run(Sink& sink) {
  const size_t n = terms_.size();
  for (auto& t : terms_) t->Next();
  uint32_t start = 0;
  while (start < max_doc_) {
    // Jump over gaps where no term has a doc.
    uint32_t lowest = kNoMoreDocs;
    bool behind = false;
    for (auto& t : terms_) {
      if (t->doc() < start) {
        behind = true;
      } else {
        lowest = std::min(lowest, t->doc());
      }
    }
    if (!behind) start = lowest;
    if (start >= max_doc_) break;
    uint32_t up_to = std::min(start + (kWindow - 1), max_doc_ - 1);

    const bool count_skipped = sink.CountsEveryMatch();
    float threshold = sink.MinCompetitiveScore();
    float nonessential_sum = 0;
    size_t n_ness = 0;
    if (threshold > -kInfiniteScore) {
      // Pruning: end the window where the first term's block ends, so that
      // every bound is one or two blocks and stays tight.
      for (auto& t : terms_) {
        if (t->doc() > up_to) continue;
        uint32_t block_end = t->AdvanceShallow(std::max(start, t->doc()));
        up_to = std::max(start, std::min(up_to, block_end));
      }
      n_ness = Partition(start, up_to, threshold, &nonessential_sum);
      if (n_ness == n) {  // nothing in this window can compete
        if (count_skipped) CountUnseen(sink, start, up_to, n);
        start = up_to + 1;
        continue;
      }
    } else {
      for (size_t i = 0; i < n; ++i) order_[i] = static_cast<uint32_t>(i);
    }

    // (Not when counting every match: the intersection skips docs of either term.)
    const bool count_nonessential = count_skipped && n_ness > 0;
    if (n - n_ness == 2 && !count_skipped && !CanBeat(nonessential_sum + window_max_[order_[n - 1]], threshold)) {
      // Neither essential term can compete alone: a competitive doc holds
      // both, so intersect them (lead: the one with fewer docs).
      TermScorer* a = terms_[order_[n_ness]].get();
      TermScorer* b = terms_[order_[n_ness + 1]].get();
      if (a->cost() > b->cost()) std::swap(a, b);
      if (a->doc() < start) a->Advance(start);
      for (uint32_t d = a->doc(); d <= up_to; d = a->Next()) {
        if (b->doc() < d) b->Advance(d);
        if (b->doc() == d) ScoreCandidate(sink, d, a->score() + b->score(), n_ness, nonessential_sum);
      }
    } else if (n - n_ness == 1) {  // one essential term: a block at a time, no window array
      TermScorer* t = terms_[order_[n_ness]].get();
      if (t->doc() < start) t->Advance(start);
      for (int32_t m; (m = t->ScoreBlockUpTo(up_to, block_docs_, block_scores_)) > 0;) {
        if (count_nonessential) {
          for (int32_t i = 0; i < m; ++i) {
            const uint32_t off = block_docs_[i] - start;
            seen_[off >> 6] |= uint64_t{1} << (off & 63);
          }
        }
        for (int32_t i = 0; i < m; ++i) ScoreCandidate(sink, block_docs_[i], block_scores_[i], n_ness, nonessential_sum);
      }
    } else {
      float* acc = acc_;
      uint64_t* bits = bits_;
      uint32_t max_off = 0;
      for (size_t k = n_ness; k < n; ++k) {
        TermScorer* t = terms_[order_[k]].get();
        if (t->doc() < start) t->Advance(start);
        for (int32_t m; (m = t->ScoreBlockUpTo(up_to, block_docs_, block_scores_)) > 0;) {
          for (int32_t i = 0; i < m; ++i) {
            const uint32_t off = block_docs_[i] - start;
            acc[off] += block_scores_[i];
            bits[off >> 6] |= uint64_t{1} << (off & 63);
          }
          max_off = std::max(max_off, block_docs_[m - 1] - start);
        }
      }
      for (uint32_t w = 0; w <= (max_off >> 6); ++w) {
        uint64_t word = bits[w];
        bits[w] = 0;
        if (count_nonessential) seen_[w] |= word;
        while (word != 0) {
          uint32_t off = (w << 6) + static_cast<uint32_t>(std::countr_zero(word));
          word &= word - 1;
          float s = acc[off];
          acc[off] = 0;
          ScoreCandidate(sink, start + off, s, n_ness, nonessential_sum);
        }
      }
    }
    if (count_nonessential) CountUnseen(sink, start, up_to, n_ness);
    start = up_to + 1;
  }
  for (auto& t : terms_) HOLDFAST_RETURN_IF_ERROR(t->status());
  return Status::OK();
}

}  // namespace holdfast::search
