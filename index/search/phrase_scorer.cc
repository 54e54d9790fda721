#include "index/search/phrase_scorer.h"

#include <algorithm>

namespace holdfast::search {

PhraseScorer::PhraseScorer(std::vector<std::unique_ptr<Term>> terms, uint32_t slop,
                           const segment::FieldReader* field, const Bm25Weight* weight)
    : terms_(std::move(terms)), slop_(slop), field_(field), weight_(weight) {
  for (auto& t : terms_) by_cost_.push_back(t.get());
  std::sort(by_cost_.begin(), by_cost_.end(),
            [](const Term* a, const Term* b) { return a->postings.cost() < b->postings.cost(); });
  lead_ = by_cost_[0];
  cursor_.resize(terms_.size());
  current_.resize(terms_.size());
}

uint32_t PhraseScorer::Settle(uint32_t target) {
  for (;;) {
    if (target == kNoMoreDocs) return doc_ = kNoMoreDocs;
    bool agreed = true;
    for (size_t i = 1; i < by_cost_.size(); ++i) {
      codec::PostingsIterator& it = by_cost_[i]->postings;
      uint32_t d = it.Advance(target);  // stays put when already at or past target
      if (d > target) {
        target = lead_->postings.Advance(d);
        agreed = false;
        break;
      }
    }
    if (!agreed) continue;
    doc_ = target;
    freq_ = PhraseFreq();
    if (freq_ > 0) return doc_;
    target = lead_->postings.NextDoc();
  }
}

float PhraseScorer::PhraseFreq() {
  for (auto& t : terms_) {
    t->positions.clear();
    for (uint32_t p = t->postings.NextPosition(); p != codec::kNoMorePositions; p = t->postings.NextPosition()) {
      t->positions.push_back(static_cast<int64_t>(p) - t->offset);
    }
    if (t->positions.empty()) return 0;
  }
  return slop_ == 0 ? ExactFreq() : SloppyFreq();
}

float PhraseScorer::ExactFreq() const {
  const std::vector<int64_t>& first = terms_[0]->positions;
  std::vector<size_t> cur(terms_.size(), 0);
  float freq = 0;
  for (int64_t p : first) {
    bool all = true;
    for (size_t i = 1; i < terms_.size(); ++i) {
      const std::vector<int64_t>& ps = terms_[i]->positions;
      while (cur[i] < ps.size() && ps[cur[i]] < p) ++cur[i];
      if (cur[i] == ps.size()) return freq;
      if (ps[cur[i]] != p) all = false;
    }
    if (all) freq += 1;
  }
  return freq;
}

float PhraseScorer::SloppyFreq() {
  const size_t n = terms_.size();
  int64_t end = INT64_MIN;
  for (size_t i = 0; i < n; ++i) {
    cursor_[i] = 0;
    current_[i] = terms_[i]->positions[0];
    end = std::max(end, current_[i]);
  }
  float freq = 0;
  for (;;) {
    // The term furthest behind, and where the next one stands.
    size_t m = 0;
    for (size_t i = 1; i < n; ++i) {
      if (current_[i] < current_[m]) m = i;
    }
    int64_t next = INT64_MAX;
    for (size_t i = 0; i < n; ++i) {
      if (i != m) next = std::min(next, current_[i]);
    }
    int64_t match_length = end - current_[m];
    bool exhausted = false;
    // Move the lagging term forward while it shortens the window.
    for (;;) {
      const std::vector<int64_t>& ps = terms_[m]->positions;
      if (cursor_[m] + 1 >= ps.size()) {
        exhausted = true;
        break;
      }
      current_[m] = ps[++cursor_[m]];
      end = std::max(end, current_[m]);
      if (current_[m] > next) break;
      match_length = std::min(match_length, end - current_[m]);
    }
    if (match_length <= static_cast<int64_t>(slop_)) freq += 1.0f / (1.0f + static_cast<float>(match_length));
    if (exhausted) return freq;
  }
}

}  // namespace holdfast::search
