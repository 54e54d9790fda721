#include "index/search/shard_query.h"

#include <algorithm>

#include "index/search/aggregation_collector.h"
#include "index/search/top_field_collector.h"

namespace holdfast::search {

namespace {

// Forwards every match to two collectors (sorting and aggregations).
class TeeCollector final : public Collector {
 public:
  TeeCollector(Collector* a, Collector* b) : a_(a), b_(b) {}
  void SetSegment(const SegmentView& segment) override {
    a_->SetSegment(segment);
    if (b_) b_->SetSegment(segment);
  }
  void Collect(uint32_t doc, float score) override {
    a_->Collect(doc, score);
    if (b_) b_->Collect(doc, score);
  }
  bool NeedsScores() const override { return a_->NeedsScores() || (b_ && b_->NeedsScores()); }

 private:
  Collector* a_;
  Collector* b_;
};

// Explains every hit with one weight of the query (as the search made it).
Status ExplainHits(const SearcherSnapshot& snapshot, const Query& query, const CollectionStatistics& stats,
                   std::vector<ShardQueryHit>* hits) {
  if (hits->empty()) return Status::OK();
  auto weight = query.CreateWeight(stats, /*needs_scores=*/true);
  if (!weight.ok()) return weight.status();
  const std::vector<SegmentView> views = snapshot.Views();
  for (ShardQueryHit& h : *hits) {
    auto e = weight.value()->Explain(views[h.segment], h.doc);
    if (!e.ok()) return e.status();
    h.explanation = std::move(e).value();
  }
  return Status::OK();
}

}  // namespace

Result<std::optional<Explanation>> ExplainId(const SearcherSnapshot& snapshot, const ParsedSearch& search,
                                             const CollectionStatistics& stats, std::string_view id) {
  const std::vector<SegmentView> views = snapshot.Views();
  for (const SegmentView& view : views) {
    const int64_t doc = view.reader->FindDoc(id);
    if (doc < 0 || !view.IsLive(static_cast<uint32_t>(doc))) continue;
    auto weight = search.query->CreateWeight(stats, /*needs_scores=*/true);
    if (!weight.ok()) return weight.status();
    auto e = weight.value()->Explain(view, static_cast<uint32_t>(doc));
    if (!e.ok()) return e.status();
    return std::optional<Explanation>(std::move(e).value());
  }
  return std::optional<Explanation>();
}

Result<ShardQueryResult> RunShardQuery(const SearcherSnapshot& snapshot, const ParsedSearch& search,
                                       const CollectionStatistics& stats, const ShardQueryOptions& options) {
  SearchOptions so;
  so.track_total_hits = options.track_total_hits;
  so.min_score = options.min_score;
  so.terminate_after = options.terminate_after;
  so.doc_at_a_time = options.explain;
  std::unique_ptr<AggregationCollector> aggs;
  if (options.with_aggs && !search.aggs.empty()) aggs = std::make_unique<AggregationCollector>(&search.aggs);
  ShardQueryResult out;
  if (!options.by_sort_values) {
    so.size = options.size;
    so.page_floor = options.page_floor;
    auto r = Search(snapshot, *search.query, stats, so, aggs.get());
    if (!r.ok()) return r.status();
    out.total = r->total;
    out.total_is_lower_bound = r->total_relation == "gte";
    out.max_score = r->max_score;
    out.terminated_early = r->terminated_early;
    out.hits.reserve(r->hits.size());
    for (const ScoredHit& h : r->hits) out.hits.push_back({h.segment, h.doc, h.score, {}});
  } else {
    so.size = 0;
    TopFieldCollector top(search.sort, 0, static_cast<uint32_t>(options.size),
                          options.after ? *options.after : std::vector<SortValue>{});
    top.set_track_scores(options.track_scores);
    TeeCollector tee(&top, aggs.get());
    auto r = Search(snapshot, *search.query, stats, so, &tee);
    if (!r.ok()) return r.status();
    out.total = r->total;
    out.total_is_lower_bound = r->total_relation == "gte";
    out.terminated_early = r->terminated_early;
    TopFieldDocs docs = top.Finish();
    out.hits.reserve(docs.hits.size());
    for (FieldHit& h : docs.hits) out.hits.push_back({h.segment, h.doc, h.score, std::move(h.sort_values)});
    if (!out.hits.empty()) out.max_score = out.hits.front().score;
  }
  if (aggs) out.aggs = aggs->Finish();
  if (options.explain) HOLDFAST_RETURN_IF_ERROR(ExplainHits(snapshot, *search.query, stats, &out.hits));
  return out;
}

Result<CountResult> RunShardCount(const SearcherSnapshot& snapshot, const ParsedSearch& search,
                                  const CollectionStatistics& stats, uint64_t terminate_after) {
  return CountUpTo(snapshot, *search.query, stats, terminate_after);
}

Result<std::vector<bool>> MatchingIds(const SearcherSnapshot& snapshot, const Query& query,
                                      const CollectionStatistics& stats, const std::vector<std::string>& ids) {
  std::vector<bool> out(ids.size(), false);
  auto weight = query.CreateWeight(stats, /*needs_scores=*/false);
  if (!weight.ok()) return weight.status();
  // (segment, doc, position in ids), visited in doc order per segment
  // because scorers only move forward.
  struct Probe {
    uint32_t segment, doc;
    size_t pos;
  };
  const std::vector<SegmentView> views = snapshot.Views();
  std::vector<Probe> probes;
  for (size_t i = 0; i < ids.size(); ++i) {
    for (uint32_t g = 0; g < views.size(); ++g) {
      const int64_t doc = views[g].reader->FindDoc(ids[i]);
      if (doc >= 0 && views[g].IsLive(static_cast<uint32_t>(doc))) {
        probes.push_back({g, static_cast<uint32_t>(doc), i});
        break;
      }
    }
  }
  std::sort(probes.begin(), probes.end(), [](const Probe& a, const Probe& b) {
    return a.segment != b.segment ? a.segment < b.segment : a.doc < b.doc;
  });
  for (size_t k = 0; k < probes.size();) {
    const uint32_t segment = probes[k].segment;
    auto scorer = weight.value()->MakeScorer(views[segment]);
    if (!scorer.ok()) return scorer.status();
    for (; k < probes.size() && probes[k].segment == segment; ++k) {
      if (scorer.value() == nullptr) continue;
      Scorer& sc = *scorer.value();
      const bool positioned = sc.doc() != kUnpositioned;
      const uint32_t at = positioned && sc.doc() >= probes[k].doc ? sc.doc() : sc.Advance(probes[k].doc);
      out[probes[k].pos] = at == probes[k].doc;
    }
  }
  return out;
}

Status VisitStatistics(const SearcherSnapshot& snapshot, const ParsedSearch& search,
                       const CollectionStatistics& stats) {
  auto weight = search.query->CreateWeight(stats, /*needs_scores=*/true);
  if (!weight.ok()) return weight.status();
  for (const SegmentView& view : snapshot.Views()) {
    auto scorer = weight.value()->MakeScorer(view);
    if (!scorer.ok()) return scorer.status();
  }
  return Status::OK();
}

}  // namespace holdfast::search
