#include "index/search/searcher.h"

#include <limits>

#include "index/search/max_score_bulk_scorer.h"
#include "index/search/term_query.h"

namespace holdfast::search {
namespace {

// Where matches go: counting, min_score, the extra collector and the top k.
// A concrete class so that the bulk scorer's calls inline.
class HitSink {
 public:
  HitSink(TopKCollector* top, size_t k, Collector* extra, uint64_t track_total_hits, std::optional<float> min_score,
          uint64_t terminate_after)
      : top_(top),
        extra_(extra),
        track_(track_total_hits),
        min_score_(min_score.value_or(-kInfiniteScore)),
        // terminate_after 0 (none): a limit no count reaches.
        limit_(terminate_after == 0 ? std::numeric_limits<uint64_t>::max() : terminate_after),
        // Top k hits and nothing else that needs every score: the bulk
        // scorer prunes from the start and counts the matches it skips
        // while the total must be exact (up to track_total_hits).
        count_skipped_(k > 0 && extra == nullptr && !min_score && terminate_after == 0) {}

  void SetSegment(const SegmentView& segment) {
    segment_ = &segment;
    top_->SetSegment(segment.ordinal);
    if (extra_) extra_->SetSegment(segment);
  }
  bool IsLive(uint32_t doc) const { return segment_->IsLive(doc); }
  // Pruning starts at once when skipped matches can be counted; otherwise
  // once the count is past the threshold (so "gte" is true).
  float MinCompetitiveScore() const {
    if (count_skipped_) return top_->MinCompetitiveScore();
    if (extra_ != nullptr || track_ == kExactTotalHits || count_ <= track_) return -kInfiniteScore;
    return top_->MinCompetitiveScore();
  }
  bool CountsEveryMatch() const { return count_skipped_ && count_ <= track_; }
  void CountSkipped(uint64_t n) { count_ += n; }
  bool Done() const { return terminated_ || MinCompetitiveScore() == kInfiniteScore; }
  [[gnu::always_inline]] void Collect(uint32_t doc, float score) {
    if (score < min_score_) return;
    if (count_ >= limit_) {
      terminated_ = true;  // a match past the limit: Elasticsearch's terminated_early
      return;
    }
    ++count_;
    if (extra_) extra_->Collect(doc, score);
    top_->Collect(doc, score);
  }
  uint64_t count() const { return count_; }
  bool terminated() const { return terminated_; }

 private:
  TopKCollector* top_;
  Collector* extra_;
  uint64_t track_;
  float min_score_;
  uint64_t limit_;
  bool terminated_ = false;
  bool count_skipped_;
  const SegmentView* segment_ = nullptr;
  uint64_t count_ = 0;
};

// Counts live matches (Count's sink for the bulk scorer).
class CountSink {
 public:
  explicit CountSink(const SegmentView& segment) : segment_(segment) {}
  bool IsLive(uint32_t doc) const { return segment_.IsLive(doc); }
  float MinCompetitiveScore() const { return -kInfiniteScore; }
  bool CountsEveryMatch() const { return false; }
  void CountSkipped(uint64_t) {}
  void Collect(uint32_t, float) { ++count_; }
  uint64_t count() const { return count_; }

 private:
  const SegmentView& segment_;
  uint64_t count_ = 0;
};

template <class Sink>
Status RunTermDisjunction(const std::vector<const TermWeight*>& terms, const SegmentView& view, Sink* sink) {
  std::vector<std::unique_ptr<TermScorer>> scorers;
  for (const TermWeight* t : terms) {
    auto s = t->MakeTermScorer(view);
    if (!s.ok()) return s.status();
    if (s.value() != nullptr) scorers.push_back(std::move(s).value());
  }
  if (scorers.empty()) return Status::OK();
  MaxScoreBulkScorer bulk(std::move(scorers), view.doc_count());
  return bulk.Run(*sink);
}

Status RunScorer(const Weight& weight, const SegmentView& view, bool needs_scores, HitSink* sink) {
  auto made = weight.MakeScorer(view);
  if (!made.ok()) return made.status();
  Scorer* scorer = made.value().get();
  if (scorer == nullptr) return Status::OK();
  for (uint32_t d = scorer->Next(); d != kNoMoreDocs; d = scorer->Next()) {
    if (!view.IsLive(d)) continue;
    sink->Collect(d, needs_scores ? scorer->score() : 0.0f);
    if (sink->Done()) break;
  }
  return Status::OK();
}

}  // namespace

Result<SearchResult> Search(const SearcherSnapshot& snapshot, const Query& query, const CollectionStatistics& stats,
                            const SearchOptions& options, Collector* extra) {
  const size_t k = options.from + options.size;
  bool needs_scores = k > 0 || options.min_score.has_value() || (extra != nullptr && extra->NeedsScores());
  auto weight = query.CreateWeight(stats, needs_scores);
  if (!weight.ok()) return weight.status();
  std::vector<const TermWeight*> terms = weight.value()->TermDisjunction();

  TopKCollector top(k);
  if (options.page_floor) top.SetFloor(*options.page_floor);
  HitSink sink(&top, k, extra, options.track_total_hits, options.min_score, options.terminate_after);
  std::vector<SegmentView> views = snapshot.Views();
  for (const SegmentView& view : views) {
    if (sink.Done()) break;
    sink.SetSegment(view);
    // terminate_after takes the first matches in doc order, one at a time.
    if (!terms.empty() && options.terminate_after == 0 && !options.doc_at_a_time) {
      HOLDFAST_RETURN_IF_ERROR(RunTermDisjunction(terms, view, &sink));
    } else {
      HOLDFAST_RETURN_IF_ERROR(RunScorer(*weight.value(), view, needs_scores, &sink));
    }
  }

  SearchResult result;
  result.terminated_early = sink.terminated();
  if (options.track_total_hits != kExactTotalHits && sink.count() > options.track_total_hits) {
    result.total = options.track_total_hits;
    result.total_relation = "gte";
  } else {
    result.total = sink.count();
  }
  std::vector<ScoredHit> hits = top.TakeSorted();
  if (!hits.empty()) result.max_score = hits[0].score;
  if (options.from < hits.size()) result.hits.assign(hits.begin() + static_cast<ptrdiff_t>(options.from), hits.end());
  return result;
}

Result<uint64_t> Count(const SearcherSnapshot& snapshot, const Query& query, const CollectionStatistics& stats) {
  auto weight = query.CreateWeight(stats, false);
  if (!weight.ok()) return weight.status();
  std::vector<const TermWeight*> terms = weight.value()->TermDisjunction();
  uint64_t total = 0;
  for (const SegmentView& view : snapshot.Views()) {
    int64_t n = weight.value()->CountWithoutIterating(view);
    if (n >= 0) {
      total += static_cast<uint64_t>(n);
      continue;
    }
    if (!terms.empty()) {
      CountSink sink(view);
      HOLDFAST_RETURN_IF_ERROR(RunTermDisjunction(terms, view, &sink));
      total += sink.count();
      continue;
    }
    auto made = weight.value()->MakeScorer(view);
    if (!made.ok()) return made.status();
    Scorer* scorer = made.value().get();
    if (scorer == nullptr) continue;
    for (uint32_t d = scorer->Next(); d != kNoMoreDocs; d = scorer->Next()) total += view.IsLive(d);
  }
  return total;
}

Result<CountResult> CountUpTo(const SearcherSnapshot& snapshot, const Query& query, const CollectionStatistics& stats,
                              uint64_t terminate_after) {
  auto n = Count(snapshot, query, stats);
  if (!n.ok()) return n.status();
  // The first `terminate_after` matches in doc order are as many as the
  // smaller of the two; more matched means Elasticsearch stopped early.
  if (terminate_after != 0 && *n > terminate_after) return CountResult{terminate_after, true};
  return CountResult{*n, false};
}

}  // namespace holdfast::search
