#include "server/search_plan.h"

#include <algorithm>
#include <future>
#include <limits>

#include "index/mapping/mapping_error.h"
#include "index/search/aggregation_collector.h"
#include "index/search/search_after.h"
#include "index/search/searcher.h"
#include "index/search/top_field_collector.h"
#include "server/index_query_context.h"
#include "server/request_query.h"

namespace holdfast {
namespace {

using search::SortKey;
using search::SortKeyKind;
using search::SortValue;

SortKey DocKey() {
  SortKey k;
  k.field = "_doc";
  k.kind = SortKeyKind::kDoc;
  return k;
}

SortKey ScoreKey() {
  SortKey k;
  k.field = "_score";
  k.kind = SortKeyKind::kScore;
  k.descending = true;
  return k;
}

SortValue DocValue(int64_t v) {
  SortValue s;
  s.missing = false;
  s.number = v;
  return s;
}

// Forwards every match to two collectors (sorting and aggregations).
class TeeCollector final : public search::Collector {
 public:
  TeeCollector(search::Collector* a, search::Collector* b) : a_(a), b_(b) {}
  void SetSegment(const search::SegmentView& segment) override {
    a_->SetSegment(segment);
    if (b_) b_->SetSegment(segment);
  }
  void Collect(uint32_t doc, float score) override {
    a_->Collect(doc, score);
    if (b_) b_->Collect(doc, score);
  }
  bool NeedsScores() const override { return a_->NeedsScores() || (b_ && b_->NeedsScores()); }

 private:
  search::Collector* a_;
  search::Collector* b_;
};

// Runs fn(i) for i in [0, n), on the pool when there is more than one.
template <class T, class Fn>
std::vector<T> FanOut(size_t n, ThreadPool* pool, const Fn& fn) {
  std::vector<T> out;
  out.reserve(n);
  if (pool == nullptr || n < 2) {
    for (size_t i = 0; i < n; ++i) out.push_back(fn(i));
    return out;
  }
  std::vector<std::future<T>> futures;
  futures.reserve(n);
  for (size_t i = 0; i < n; ++i) futures.push_back(pool->Submit([&fn, i] { return fn(i); }));
  for (auto& f : futures) out.push_back(f.get());
  return out;
}

// One shard's part of a page.
struct ShardPart {
  search::SearchResult result;              // totals (and hits, by score)
  std::vector<search::FieldHit> field_hits;  // by sort values
  search::AggregationResults aggs;
};

}  // namespace

Result<std::shared_ptr<SearchPlan>> SearchPlan::Build(
    const SearchRequest& request, std::vector<std::pair<std::string, std::shared_ptr<LocalIndex>>> indices) {
  std::shared_ptr<SearchPlan> plan(new SearchPlan());
  plan->sorted_by_request_ = !request.sort_json.empty();
  plan->scroll_ = request.scroll.has_value();
  plan->track_total_hits_ = request.scroll ? search::kExactTotalHits : request.track_total_hits;
  plan->min_score_ = request.min_score;
  for (auto& [name, index] : indices) {
    PlanIndex p;
    p.name = name;
    p.index = index;
    p.mapping = index->mapping();
    IndexQueryContext context(index, indices);
    auto query = ParseRequestQuery(p.mapping, request.query_json, request.q, &context);
    if (!query.ok()) return query.status();
    p.query = std::move(query).value();
    if (request.popularity_boost && *request.popularity_boost > 0) {
      p.query = WithPopularityBoost(std::move(p.query), *request.popularity_boost, context.Popularity());
    }
    if (plan->sorted_by_request_) {
      auto sort = search::ParseSortSpec(request.sort_json, *p.mapping);
      if (!sort.ok()) return sort.status();
      p.sort = std::move(sort).value();
      HOLDFAST_RETURN_IF_ERROR(search::BindSortSources(&p.sort, context.Popularity()));
    } else {
      p.sort.keys.push_back(ScoreKey());
    }
    if (plan->indices_.empty()) {
      plan->merge_sort_ = p.sort;
      plan->request_sort_keys_ = plan->sorted_by_request_ ? p.sort.keys.size() : 0;
      if (!request.search_after_json.empty()) {
        if (!plan->sorted_by_request_) {
          return mapping::IllegalArgumentError("Sort must contain at least one field.");
        }
        auto after = search::ParseSearchAfter(request.search_after_json, p.sort);
        if (!after.ok()) return after.status();
        plan->search_after_ = std::move(after).value();
      }
    }
    p.sort.keys.push_back(DocKey());
    if (!request.aggs_json.empty()) {
      auto aggs = search::ParseAggregations(request.aggs_json, *p.mapping);
      if (!aggs.ok()) return aggs.status();
      p.aggs = std::move(aggs).value();
    }
    uint32_t ordinal = static_cast<uint32_t>(plan->indices_.size());
    for (auto& snapshot : index->AcquireSearchers()) plan->shards_.push_back({ordinal, std::move(snapshot)});
    plan->indices_.push_back(std::move(p));
  }
  std::vector<search::SegmentView> views;
  for (const PlanShard& shard : plan->shards_) {
    for (const auto& v : shard.snapshot.Views()) views.push_back(v);
  }
  plan->stats_ = std::make_unique<search::SegmentStatistics>(std::move(views));
  return plan;
}

std::string_view SearchPlan::IdOf(const PlanHit& hit) const {
  return shards_[hit.shard].snapshot.readers[hit.segment]->id(hit.doc);
}

Result<QueryPhaseResult> SearchPlan::RunQueryPhase(uint64_t from, uint64_t size,
                                                   const std::optional<PagePosition>& after, bool with_aggs,
                                                   ThreadPool* pool) const {
  with_aggs = with_aggs && !indices_.empty() && !indices_[0].aggs.empty();
  if (sorted_by_request_ || scroll_) return BySortValues(from, size, after, with_aggs, pool);
  return ByScore(from, size, with_aggs, pool);
}

Result<QueryPhaseResult> SearchPlan::ByScore(uint64_t from, uint64_t size, bool with_aggs, ThreadPool* pool) const {
  search::SearchOptions options;
  options.size = from + size;
  options.track_total_hits = track_total_hits_;
  options.min_score = min_score_;
  auto parts = FanOut<Result<ShardPart>>(shards_.size(), pool, [&](size_t s) -> Result<ShardPart> {
    const PlanIndex& index = indices_[shards_[s].index];
    ShardPart part;
    std::unique_ptr<search::AggregationCollector> aggs;
    if (with_aggs) aggs = std::make_unique<search::AggregationCollector>(&index.aggs);
    auto r = search::Search(shards_[s].snapshot, *index.query, *stats_, options, aggs.get());
    if (!r.ok()) return r.status();
    part.result = std::move(r).value();
    if (aggs) part.aggs = aggs->Finish();
    return part;
  });
  QueryPhaseResult out;
  for (uint32_t s = 0; s < parts.size(); ++s) {
    if (!parts[s].ok()) return parts[s].status();
    const search::SearchResult& r = parts[s].value().result;
    out.total += r.total;
    if (r.total_relation == "gte") out.relation = "gte";
    for (const auto& h : r.hits) out.hits.push_back({s, h.segment, h.doc, h.score, {}});
  }
  if (out.relation == "gte") out.total = std::min<uint64_t>(out.total, track_total_hits_);
  std::sort(out.hits.begin(), out.hits.end(), [](const PlanHit& a, const PlanHit& b) {
    if (a.score != b.score) return a.score > b.score;
    if (a.shard != b.shard) return a.shard < b.shard;
    if (a.segment != b.segment) return a.segment < b.segment;
    return a.doc < b.doc;
  });
  if (!out.hits.empty()) out.max_score = out.hits.front().score;
  out.hits.erase(out.hits.begin(), out.hits.begin() + static_cast<ptrdiff_t>(std::min<uint64_t>(from, out.hits.size())));
  if (out.hits.size() > size) out.hits.resize(size);
  if (with_aggs) {
    for (const auto& spec : indices_[0].aggs) out.aggs.push_back(search::AggregationResult::Empty(spec));
    for (auto& part : parts) search::MergeAggregationResults(part.value().aggs, &out.aggs);
  }
  return out;
}

Result<QueryPhaseResult> SearchPlan::BySortValues(uint64_t from, uint64_t size,
                                                  const std::optional<PagePosition>& after, bool with_aggs,
                                                  ThreadPool* pool) const {
  search::SearchOptions options;
  options.size = 0;
  options.track_total_hits = track_total_hits_;
  options.min_score = min_score_;
  const uint32_t keep = static_cast<uint32_t>(from + size);
  auto parts = FanOut<Result<ShardPart>>(shards_.size(), pool, [&](size_t s) -> Result<ShardPart> {
    const PlanIndex& index = indices_[shards_[s].index];
    // Where this shard resumes: ties on the request's keys were already
    // returned by earlier shards, not yet by later ones.
    std::vector<SortValue> resume;
    if (after) {
      resume = after->values;
      if (s != after->shard) resume.back() = DocValue(s < after->shard ? std::numeric_limits<int64_t>::max() : -1);
    } else if (!search_after_.empty()) {
      resume = search_after_;
      resume.push_back(DocValue(std::numeric_limits<int64_t>::max()));
    }
    search::TopFieldCollector top(index.sort, 0, keep, std::move(resume));
    std::unique_ptr<search::AggregationCollector> aggs;
    if (with_aggs) aggs = std::make_unique<search::AggregationCollector>(&index.aggs);
    TeeCollector tee(&top, aggs.get());
    auto r = search::Search(shards_[s].snapshot, *index.query, *stats_, options, &tee);
    if (!r.ok()) return r.status();
    ShardPart part;
    part.result = std::move(r).value();
    part.field_hits = top.Finish().hits;
    if (aggs) part.aggs = aggs->Finish();
    return part;
  });
  QueryPhaseResult out;
  for (uint32_t s = 0; s < parts.size(); ++s) {
    if (!parts[s].ok()) return parts[s].status();
    ShardPart& part = parts[s].value();
    out.total += part.result.total;
    if (part.result.total_relation == "gte") out.relation = "gte";
    for (auto& h : part.field_hits) out.hits.push_back({s, h.segment, h.doc, h.score, std::move(h.sort_values)});
  }
  if (out.relation == "gte") out.total = std::min<uint64_t>(out.total, track_total_hits_);
  // By the request's keys, then shard, then `_doc` (segment, doc).
  std::sort(out.hits.begin(), out.hits.end(), [this](const PlanHit& a, const PlanHit& b) {
    int c = search::CompareSortValues(merge_sort_, a.sort_values, b.sort_values);
    if (c != 0) return c < 0;
    if (a.shard != b.shard) return a.shard < b.shard;
    if (a.segment != b.segment) return a.segment < b.segment;
    return a.doc < b.doc;
  });
  out.hits.erase(out.hits.begin(), out.hits.begin() + static_cast<ptrdiff_t>(std::min<uint64_t>(from, out.hits.size())));
  if (out.hits.size() > size) out.hits.resize(size);
  if (!sorted_by_request_ && !out.hits.empty()) out.max_score = out.hits.front().score;
  if (with_aggs) {
    for (const auto& spec : indices_[0].aggs) out.aggs.push_back(search::AggregationResult::Empty(spec));
    for (auto& part : parts) search::MergeAggregationResults(part.value().aggs, &out.aggs);
  }
  return out;
}

}  // namespace holdfast
