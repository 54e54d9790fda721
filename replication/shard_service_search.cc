// ShardService: the search phases on one copy (statistics, query, count,
// contexts, matching ids, term vectors).
#include <xxhash.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

#include "index/search/aggregation_top_hits.h"
#include "index/search/distributed_statistics.h"
#include "index/search/parsed_search.h"
#include "index/search/shard_query.h"
#include "replication/proto_convert.h"
#include "replication/shard_service.h"

namespace holdfast {

namespace {

constexpr double kNoPopularity = -std::numeric_limits<double>::infinity();

// `_popularity` of a segment's docs: the doc's item popularity on this shard
// (an item's events live on its own shard, the shard of the doc with its
// id) relative to the index's most popular item, in [0, 1].
class SegmentPopularity final : public search::SegmentDocValues {
 public:
  SegmentPopularity(const recommend::EventShard* events, const segment::SegmentReader* reader, double max_log)
      : events_(events), reader_(reader), max_log_(max_log) {}
  std::optional<double> Get(uint32_t doc) override {
    const auto log = events_->PopularityLogOf(reader_->id(doc));
    if (!log || max_log_ == kNoPopularity) return 0.0;
    return std::exp2(*log - max_log_);
  }

 private:
  const recommend::EventShard* events_;
  const segment::SegmentReader* reader_;
  double max_log_;
};

class PopularitySource final : public search::DocValueSource {
 public:
  PopularitySource(std::shared_ptr<ShardCopy> copy, double max_log) : copy_(std::move(copy)), max_log_(max_log) {}
  std::unique_ptr<search::SegmentDocValues> ForSegment(const search::SegmentView& segment) const override {
    return std::make_unique<SegmentPopularity>(&copy_->events(), segment.reader, max_log_);
  }

 private:
  std::shared_ptr<ShardCopy> copy_;
  double max_log_;
};

// The QueryContext of a shard: `like` documents as the coordinator sent
// them, popularity from this copy's events, the limits from the index's
// settings in this node's cluster state.
class ShardQueryContext final : public search::QueryContext {
 public:
  ShardQueryContext(const pb::SearchSource& source, std::shared_ptr<ShardCopy> copy, double max_popularity_log,
                    const ShardRegistry& registry)
      : source_(source),
        copy_(std::move(copy)),
        max_log_(max_popularity_log),
        max_terms_count_(registry.SettingsOf(copy_->id().index_uuid).max_terms_count) {}

  Result<DocumentTerms> TermVectors(std::string_view index, std::string_view id, const std::vector<std::string>& fields,
                                    std::optional<mapping::Analyzer> analyzer) const override {
    const std::string_view analyzer_name = analyzer ? mapping::AnalyzerName(*analyzer) : std::string_view();
    for (const pb::LikeDocument& doc : source_.like_documents()) {
      if (doc.index() == index && doc.id() == id && doc.analyzer() == analyzer_name &&
          std::equal(fields.begin(), fields.end(), doc.requested_fields().begin(), doc.requested_fields().end())) {
        DocumentTerms out;
        out.found = doc.found();
        out.fields = FromProto(doc.fields());
        return out;
      }
    }
    return Status::Internal("more_like_this document [" + std::string(id) + "] was not sent with the request");
  }

  std::shared_ptr<const search::DocValueSource> Popularity() const override {
    return std::make_shared<PopularitySource>(copy_, max_log_);
  }

  uint32_t MaxTermsCount() const override { return max_terms_count_; }

 private:
  const pb::SearchSource& source_;
  std::shared_ptr<ShardCopy> copy_;
  double max_log_;
  uint32_t max_terms_count_;
};

search::SearchSourceParts PartsOf(const pb::SearchSource& s) {
  search::SearchSourceParts p;
  p.query_json = s.query_json();
  p.q = s.q();
  p.sort_json = s.sort_json();
  p.aggs_json = s.aggs_json();
  if (s.has_popularity_boost()) p.popularity_boost = s.popularity_boost();
  p.alias_filter_json = s.alias_filter_json();
  return p;
}

double OwnMaxPopularityLog(const ShardCopy& copy) { return copy.events().MaxPopularityLog(); }

// The popularity maximum a phase scores with: the index-wide one the
// coordinator sent with the statistics, else this shard's (a one-shard search).
double MaxPopularityLogFor(const ShardCopy& copy, const pb::GlobalStatistics* stats) {
  if (stats == nullptr) return OwnMaxPopularityLog(copy);
  return stats->has_max_popularity_log() ? stats->max_popularity_log() : kNoPopularity;
}

// top_hits: the index, the current source (filtered) and version of every
// hit the shard keeps, read in one batch like the fetch phase's.
Status FetchTopHits(const ShardCopy& copy, const std::vector<search::AggregationSpec>& specs,
                    search::AggregationResults* results) {
  std::vector<search::TopHitRef> refs;
  search::CollectTopHits(specs, results, &refs);
  if (refs.empty()) return Status::OK();
  std::vector<std::string_view> ids;
  ids.reserve(refs.size());
  for (const search::TopHitRef& ref : refs) ids.push_back(ref.hit->id);
  std::vector<GetResult> got;
  HOLDFAST_RETURN_IF_ERROR(copy.engine().MultiGet(ids, &got));
  for (size_t i = 0; i < refs.size() && i < got.size(); ++i) {
    search::TopHit& hit = *refs[i].hit;
    hit.index = copy.index_name();
    hit.found = got[i].found;
    if (!hit.found) continue;  // deleted since the query phase
    hit.version = got[i].version;
    hit.seq_no = got[i].stamp.seq_no;
    hit.primary_term = got[i].stamp.primary_term;
    if (refs[i].spec->source.enabled()) refs[i].spec->source.Render(got[i].source, &hit.source);
  }
  return Status::OK();
}

// `run(stats)` with the request's summed statistics, or with the shard's own
// when it carries none.
template <typename Run>
auto WithStatistics(const ReaderContext& rc, const pb::GlobalStatistics* global, Run run) {
  if (global != nullptr) {
    const search::GlobalStatistics sums = FromProto(*global);
    search::FixedStatistics stats(rc.snapshot.Views(), &sums);
    return run(stats);
  }
  search::SegmentStatistics stats(rc.snapshot.Views());
  return run(stats);
}

// QueryRequest.explain_id (the `_explain` API): the live doc with that id,
// explained with the statistics of the request, as the response's one hit.
Status ExplainOne(const ReaderContext& rc, const search::ParsedSearch& parsed, const pb::GlobalStatistics* global,
                  const std::string& id, pb::QueryResponse* response) {
  auto explained = WithStatistics(rc, global, [&](const search::CollectionStatistics& stats) {
    return search::ExplainId(rc.snapshot, parsed, stats, id);
  });
  if (!explained.ok()) return explained.status();
  if (!explained.value()) return Status::OK();  // no such doc
  const search::Explanation& e = **explained;
  pb::ShardHit* hit = response->add_hits();
  hit->set_id(id);
  hit->set_score(static_cast<float>(e.value));
  hit->set_matched(e.match);
  hit->set_explanation_json(e.ToJson());
  response->set_total(e.match ? 1 : 0);
  return Status::OK();
}

}  // namespace

uint64_t StatsVersion(const search::SearcherSnapshot& snapshot, std::string_view copy) {
  // Statistics count deleted documents until a merge removes them (as in
  // Lucene), so they are a function of the segments alone; a segment's name
  // is never reused within a copy. Never 0 (0: no version).
  uint64_t v = XXH3_64bits(copy.data(), copy.size());
  for (const auto& reader : snapshot.readers) v = XXH3_64bits_withSeed(reader->name().data(), reader->name().size(), v);
  return v == 0 ? 1 : v;
}

Result<std::shared_ptr<const ReaderContext>> ShardService::ReaderFor(const pb::ShardTarget& target,
                                                                    const std::string& context_id,
                                                                    int64_t keep_alive_ms, std::string* opened_id) {
  if (!context_id.empty()) {
    auto ctx = contexts_.Acquire(context_id, std::chrono::milliseconds(std::max<int64_t>(0, keep_alive_ms)));
    if (!ctx.ok()) return ctx.status();
    const ShardId want{target.shard().index_uuid(), target.shard().shard()};
    if ((*ctx)->copy->id() != want) return Status::InvalidArgument("context [" + context_id + "] is of another shard");
    return ctx;
  }
  auto copy = CopyFor(target);
  if (!copy.ok()) return copy.status();
  auto ctx = std::make_shared<ReaderContext>();
  ctx->copy = *copy;
  ctx->snapshot = (*copy)->engine().AcquireSearcher();
  ctx->mapping = (*copy)->mapping();  // after the snapshot: it knows every field the snapshot has
  if (keep_alive_ms > 0) {
    auto id = contexts_.Open(ctx, std::chrono::milliseconds(keep_alive_ms));
    if (!id.ok()) return id.status();
    *opened_id = std::move(id).value();
  }
  return std::shared_ptr<const ReaderContext>(std::move(ctx));
}

Status ShardService::Statistics(const pb::StatisticsRequest& request, pb::StatisticsResponse* response) {
  std::string opened;
  const int64_t keep = request.context_id().empty() && request.keep_context_ms() == 0
                           ? 0
                           : std::max<int64_t>(request.keep_context_ms(), 0);
  auto ctx = ReaderFor(request.target(), request.context_id(), keep, &opened);
  if (!ctx.ok()) return ctx.status();
  const ReaderContext& rc = **ctx;
  if (!opened.empty()) response->set_context_id(opened);
  response->set_stats_version(StatsVersion(rc.snapshot, rc.copy->allocation_id()));
  const double own_max = OwnMaxPopularityLog(*rc.copy);
  if (own_max != kNoPopularity) response->set_max_popularity_log(own_max);
  if (request.terms_size() > 0) {  // a second round: just these terms
    search::SegmentStatistics local(rc.snapshot.Views());
    for (const pb::FieldTerms& f : request.terms()) {
      for (const pb::TermFreq& t : f.terms()) {
        pb::TermStatistics* out = response->add_terms();
        out->set_field(f.field());
        out->set_term(t.term());
        out->set_doc_freq(local.DocFreq(f.field(), t.term()));
      }
    }
    return Status::OK();
  }
  ShardQueryContext qc(request.source(), rc.copy, own_max, *registry_);
  auto parsed = search::ParseSearch(rc.mapping, PartsOf(request.source()), &qc);
  if (!parsed.ok()) return parsed.status();
  search::RecordingStatistics recording(rc.snapshot.Views());
  HOLDFAST_RETURN_IF_ERROR(search::VisitStatistics(rc.snapshot, *parsed, recording));
  search::SegmentStatistics local(rc.snapshot.Views());
  for (const std::string& field : recording.fields()) {
    const segment::FieldStats fs = local.Field(field);
    pb::FieldStatistics* out = response->add_fields();
    out->set_field(field);
    out->set_doc_count(fs.doc_count);
    out->set_sum_total_term_freq(fs.sum_total_term_freq);
    out->set_sum_doc_freq(fs.sum_doc_freq);
  }
  for (const auto& [field, term] : recording.terms()) {
    pb::TermStatistics* out = response->add_terms();
    out->set_field(field);
    out->set_term(term);
    out->set_doc_freq(local.DocFreq(field, term));
  }
  return Status::OK();
}

Status ShardService::Query(const pb::QueryRequest& request, pb::QueryResponse* response) {
  return RunQuery(request, response, std::nullopt);
}

Status ShardService::RunQuery(const pb::QueryRequest& request, pb::QueryResponse* response,
                              std::optional<float> page_floor) {
  std::string opened;
  auto ctx = ReaderFor(request.target(), request.context_id(), request.keep_context_ms(), &opened);
  if (!ctx.ok()) return ctx.status();
  const ReaderContext& rc = **ctx;
  if (request.expected_stats_version() != 0 && request.expected_stats_version() != StatsVersion(rc.snapshot, rc.copy->allocation_id())) {
    if (request.release_context() && !request.context_id().empty()) contexts_.Free(request.context_id());
    response->set_stale_stats(true);
    return Status::OK();
  }
  const pb::GlobalStatistics* global = request.has_stats() ? &request.stats() : nullptr;
  ShardQueryContext qc(request.source(), rc.copy, MaxPopularityLogFor(*rc.copy, global), *registry_);
  auto parsed = search::ParseSearch(rc.mapping, PartsOf(request.source()), &qc);
  if (!parsed.ok()) return parsed.status();
  search::ShardQueryOptions options;
  options.size = request.size();
  options.by_sort_values = request.by_sort_values();
  if (request.has_after()) options.after = FromProto(request.after());
  options.with_aggs = request.with_aggs();
  options.track_scores = request.track_scores();
  options.track_total_hits = request.source().track_total_hits();
  options.terminate_after = request.source().terminate_after();
  if (request.source().has_min_score()) options.min_score = request.source().min_score();
  options.explain = request.explain();
  options.page_floor = page_floor;
  if (!request.explain_id().empty()) {
    Status explained = ExplainOne(rc, *parsed, global, request.explain_id(), response);
    if (request.release_context() && !request.context_id().empty()) contexts_.Free(request.context_id());
    return explained;
  }
  Result<search::ShardQueryResult> result = Status::Internal("unset");
  if (global != nullptr) {
    const search::GlobalStatistics sums = FromProto(*global);
    search::FixedStatistics stats(rc.snapshot.Views(), &sums);
    result = search::RunShardQuery(rc.snapshot, *parsed, stats, options);
    if (request.expected_stats_version() != 0 && stats.missed()) {
      // Kept sums that lack a term this shard looked up: not a page to use.
      if (request.release_context() && !request.context_id().empty()) contexts_.Free(request.context_id());
      response->set_stale_stats(true);
      return Status::OK();
    }
  } else {
    search::SegmentStatistics stats(rc.snapshot.Views());
    result = search::RunShardQuery(rc.snapshot, *parsed, stats, options);
  }
  if (request.release_context() && !request.context_id().empty()) contexts_.Free(request.context_id());
  if (!result.ok()) return result.status();
  HOLDFAST_RETURN_IF_ERROR(FetchTopHits(*rc.copy, parsed->aggs, &result->aggs));
  response->set_total(result->total);
  response->set_total_is_lower_bound(result->total_is_lower_bound);
  response->set_terminated_early(result->terminated_early);
  if (result->max_score) response->set_max_score(*result->max_score);
  response->mutable_hits()->Reserve(static_cast<int>(result->hits.size()));
  for (const search::ShardQueryHit& h : result->hits) {
    pb::ShardHit* hit = response->add_hits();
    hit->set_id(std::string(rc.snapshot.readers[h.segment]->id(h.doc)));
    hit->set_score(h.score);
    hit->set_segment(h.segment);
    hit->set_doc(h.doc);
    if (!h.sort_values.empty()) ToProto(h.sort_values, hit->mutable_sort_values());
    if (h.explanation) {
      hit->set_explanation_json(h.explanation->ToJson());
      hit->set_matched(h.explanation->match);
    }
  }
  for (const search::AggregationResult& a : result->aggs) ToProto(a, response->add_aggs());
  if (request.has_fetch() && response->hits_size() > 0) {
    pb::FetchRequest fetch = request.fetch();
    *fetch.mutable_target() = request.target();
    fetch.clear_ids();
    for (const pb::ShardHit& hit : response->hits()) fetch.add_ids(hit.id());
    pb::FetchResponse fetched;
    HOLDFAST_RETURN_IF_ERROR(Fetch(fetch, &fetched));
    response->mutable_docs()->Swap(fetched.mutable_docs());
  }
  response->set_context_id(!opened.empty() ? opened : request.release_context() ? "" : request.context_id());
  return Status::OK();
}

bool ShardService::HandleNodePage(const pb::BatchRequest& request, pb::BatchResponse* response) {
  const int n = request.calls_size();
  if (n < 2) return false;
  const std::string_view query_method = ShardMethodName(ShardMethod::kQuery);
  for (const pb::ShardCall& call : request.calls()) {
    if (call.method() != query_method) return false;
  }
  std::vector<pb::QueryRequest> queries(n);
  for (int i = 0; i < n; ++i) {
    pb::QueryRequest& q = queries[i];
    if (!q.ParseFromString(request.calls(i).request())) return false;
    if (!q.node_page() || !q.has_fetch() || q.by_sort_values() || q.size() != queries[0].size()) return false;
  }
  // Every shard's best `size`, fetched nothing yet.
  std::vector<pb::QueryResponse> answers(n);
  std::vector<Status> statuses(n);
  std::vector<pb::FetchRequest> fetches(n);
  // Once the shards asked so far answered `size` hits, a later shard's hit
  // scoring at or below the size-th best of them comes after all of those
  // in the order below (score, then call) and cannot be kept: the later
  // shards run with that score as their page floor, which lets the scorer
  // skip such hits from its first document (fewer postings scored).
  const size_t page = queries[0].size();
  std::vector<float> scores;  // of every hit answered so far
  for (int i = 0; i < n; ++i) {
    fetches[i].Swap(queries[i].mutable_fetch());
    queries[i].clear_fetch();
    std::optional<float> floor;
    if (page > 0 && scores.size() >= page) {
      std::nth_element(scores.begin(), scores.begin() + static_cast<ptrdiff_t>(page - 1), scores.end(),
                       std::greater<float>());
      floor = scores[page - 1];
    }
    statuses[i] = RunQuery(queries[i], &answers[i], floor);
    if (!statuses[i].ok() || answers[i].stale_stats()) continue;
    for (const pb::ShardHit& h : answers[i].hits()) scores.push_back(h.score());
  }
  // The node's best `size` over them, in the coordinator's merge order.
  struct Ref {
    float score;
    int call;
    uint32_t segment, doc;
    int hit;
  };
  std::vector<Ref> refs;
  for (int i = 0; i < n; ++i) {
    if (!statuses[i].ok() || answers[i].stale_stats()) continue;
    for (int k = 0; k < answers[i].hits_size(); ++k) {
      const pb::ShardHit& h = answers[i].hits(k);
      refs.push_back({h.score(), i, h.segment(), h.doc(), k});
    }
  }
  const size_t keep = std::min<size_t>(queries[0].size(), refs.size());
  auto better = [](const Ref& a, const Ref& b) {
    if (a.score != b.score) return a.score > b.score;
    if (a.call != b.call) return a.call < b.call;
    if (a.segment != b.segment) return a.segment < b.segment;
    return a.doc < b.doc;
  };
  if (keep < refs.size()) std::nth_element(refs.begin(), refs.begin() + static_cast<ptrdiff_t>(keep), refs.end(), better);
  // Of those, the best `node_page_fetch` are fetched (0: all).
  const uint32_t limit = queries[0].node_page_fetch();
  const size_t fetch = limit == 0 ? keep : std::min<size_t>(keep, limit);
  if (fetch < keep) {
    std::nth_element(refs.begin(), refs.begin() + static_cast<ptrdiff_t>(fetch), refs.begin() + static_cast<ptrdiff_t>(keep),
                     better);
  }
  enum : uint8_t { kDropped, kKept, kFetched };
  std::vector<std::vector<uint8_t>> kept(n);
  for (int i = 0; i < n; ++i) kept[i].assign(answers[i].hits_size(), kDropped);
  for (size_t r = 0; r < keep; ++r) kept[refs[r].call][refs[r].hit] = r < fetch ? kFetched : kKept;
  response->mutable_results()->Reserve(n);
  for (int i = 0; i < n; ++i) {
    pb::ShardCallResult* result = response->add_results();
    Status status = statuses[i];
    pb::QueryResponse& answer = answers[i];
    if (status.ok() && answer.hits_size() > 0) {
      // Shard order is kept: best first, as the shard answered.
      auto* hits = answer.mutable_hits();
      int out = 0;
      int to_fetch = 0;
      for (int k = 0; k < hits->size(); ++k) {
        if (kept[i][k] == kDropped) continue;
        if (kept[i][k] == kFetched) {
          ++to_fetch;
        } else {
          (*hits)[k].set_unfetched(true);
        }
        if (out != k) hits->SwapElements(out, k);
        ++out;
      }
      hits->DeleteSubrange(out, hits->size() - out);
      if (to_fetch > 0) {
        pb::FetchRequest& request_docs = fetches[i];
        *request_docs.mutable_target() = queries[i].target();
        request_docs.clear_ids();
        for (const pb::ShardHit& hit : answer.hits()) {
          if (!hit.unfetched()) request_docs.add_ids(hit.id());
        }
        pb::FetchResponse fetched;
        status = Fetch(request_docs, &fetched);
        if (status.ok() && fetched.docs_size() != to_fetch) status = Status::Internal("short fetch answer");
        if (status.ok()) {
          // Parallel to the hits: an unfetched hit's entry is a placeholder.
          answer.mutable_docs()->Reserve(out);
          int next = 0;
          for (const pb::ShardHit& hit : answer.hits()) {
            pb::FetchedDoc* doc = answer.add_docs();
            if (!hit.unfetched()) doc->Swap(fetched.mutable_docs(next++));
          }
        }
      }
    }
    if (status.ok() && !answer.SerializeToString(result->mutable_response())) {
      status = Status::Internal("cannot serialize a Query answer");
    }
    if (!status.ok()) {
      result->clear_response();
      ToProto(status, result->mutable_error());
    }
  }
  return true;
}

Status ShardService::Count(const pb::CountRequest& request, pb::CountResponse* response) {
  std::string opened;
  auto ctx = ReaderFor(request.target(), request.context_id(), 0, &opened);
  if (!ctx.ok()) return ctx.status();
  const ReaderContext& rc = **ctx;
  const pb::GlobalStatistics* global = request.has_stats() ? &request.stats() : nullptr;
  ShardQueryContext qc(request.source(), rc.copy, MaxPopularityLogFor(*rc.copy, global), *registry_);
  auto parsed = search::ParseSearch(rc.mapping, PartsOf(request.source()), &qc);
  if (!parsed.ok()) return parsed.status();
  const uint64_t terminate_after = request.source().terminate_after();
  auto n = WithStatistics(rc, global, [&](const search::CollectionStatistics& stats) {
    return search::RunShardCount(rc.snapshot, *parsed, stats, terminate_after);
  });
  if (request.release_context() && !request.context_id().empty()) contexts_.Free(request.context_id());
  if (!n.ok()) return n.status();
  response->set_count(n->count);
  response->set_terminated_early(n->terminated_early);
  return Status::OK();
}

Status ShardService::FreeContext(const pb::FreeContextRequest& request, pb::FreeContextResponse* response) {
  response->set_freed(contexts_.Free(request.context_id()));
  return Status::OK();
}

Status ShardService::MatchIds(const pb::MatchIdsRequest& request, pb::MatchIdsResponse* response) {
  std::string opened;
  auto ctx = ReaderFor(request.target(), "", 0, &opened);
  if (!ctx.ok()) return ctx.status();
  const ReaderContext& rc = **ctx;
  ShardQueryContext qc(request.source(), rc.copy, OwnMaxPopularityLog(*rc.copy), *registry_);
  auto parsed = search::ParseSearch(rc.mapping, PartsOf(request.source()), &qc);
  if (!parsed.ok()) return parsed.status();
  search::SegmentStatistics stats(rc.snapshot.Views());
  std::vector<std::string> ids(request.ids().begin(), request.ids().end());
  auto matches = search::MatchingIds(rc.snapshot, *parsed->query, stats, ids);
  if (!matches.ok()) return matches.status();
  for (bool m : matches.value()) response->add_matches(m);
  return Status::OK();
}

Status ShardService::TermVectors(const pb::TermVectorsRequest& request, pb::TermVectorsResponse* response) {
  auto copy = CopyFor(request.target());
  if (!copy.ok()) return copy.status();
  std::optional<mapping::Analyzer> analyzer;
  if (!request.analyzer().empty()) {
    analyzer = mapping::AnalyzerFromName(request.analyzer());
    if (!analyzer) return Status::InvalidArgument("analyzer [" + request.analyzer() + "] has not been configured");
  }
  auto got = (*copy)->engine().Get(request.id());
  if (!got.ok()) return got.status();
  if (!got->found) return Status::OK();
  response->set_found(true);
  thread_local segment::AnalyzerSet analyzers;
  search::FieldTermFreqs terms;
  std::vector<std::string> fields(request.fields().begin(), request.fields().end());
  HOLDFAST_RETURN_IF_ERROR(
      search::AnalyzeDocumentTerms(*(*copy)->mapping(), got->source, fields, analyzer, &analyzers, &terms));
  ToProto(terms, response->mutable_fields());
  return Status::OK();
}

}  // namespace holdfast
