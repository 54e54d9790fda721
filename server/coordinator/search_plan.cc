#include "server/coordinator/search_plan.h"
#include "index/util/comma_list.h"
#include "index/util/glob.h"

#include <charconv>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include "index/mapping/mapping_error.h"
#include "index/search/explanation.h"
#include "index/search/search_after.h"
#include "index/search/searcher.h"
#include "index/search/shard_query.h"
#include "replication/proto_convert.h"
#include "server/coordinator/fan_out.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

namespace holdfast {
namespace {

using search::SortValue;

// How long the statistics phase keeps each shard's snapshot for the query
// phase of a search that is not a scroll (freed by the query phase).
constexpr std::chrono::milliseconds kPhaseKeepAlive{60'000};

// A shard's explanation of `hit` under the index's indices_boost, whose
// product is the hit's score.
std::string BoostedExplanation(const PlanHit& hit, double boost) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("value");
  w.Double(hit.score);
  w.Key("description");
  w.String("product of:");
  w.Key("details");
  w.StartArray();
  w.RawValue(hit.explanation_json.data(), hit.explanation_json.size(), rapidjson::kObjectType);
  search::Explanation::Match(boost, "indices_boost").Write(&w);
  w.EndArray();
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

SortValue DocValue(int64_t v) {
  SortValue s;
  s.missing = false;
  s.number = v;
  return s;
}

}  // namespace

Result<std::shared_ptr<SearchPlan>> SearchPlan::Build(const SearchRequest& request, NamedIndices indices,
                                                      const std::set<std::string>& pass_over) {
  std::shared_ptr<SearchPlan> plan(new SearchPlan());
  plan->sorted_by_request_ = !request.sort_json.empty();
  plan->scroll_ = request.scroll.has_value();
  plan->track_scores_ = request.track_scores;
  plan->explain_ = request.explain;
  plan->track_total_hits_ = request.scroll ? search::kExactTotalHits : request.track_total_hits;
  search::SearchSourceParts parts;
  parts.query_json = request.query_json;
  parts.q = request.q;
  parts.sort_json = request.sort_json;
  parts.aggs_json = request.aggs_json;
  parts.popularity_boost = request.popularity_boost;
  // The coordinator needs the parsed query only for the terms to highlight
  // and to read more_like_this documents once for every shard; otherwise
  // each shard's parse is the only one (it reports the same errors).
  parts.parse_query = !request.highlight_json.empty() ||
                      request.query_json.find("more_like_this") != std::string::npos ||
                      request.query_json.find("\\u") != std::string::npos;  // an escaped key may spell it
  auto preference = ParsePreference(request.preference);
  if (!preference.ok()) return preference.status();
  for (auto& [name, index] : indices) {
    PlanIndex p;
    p.name = name;
    p.index = index;
    p.mapping = index->mapping();
    CoordinatorQueryContext context(index.get(), &indices);
    // What a shard filters by: the aliases' filter and the post_filter.
    std::string filter = index->alias_filter();
    if (!request.post_filter_json.empty()) {
      filter = filter.empty() ? request.post_filter_json
                              : R"({"bool":{"filter":[)" + filter + "," + request.post_filter_json + "]}}";
    }
    parts.alias_filter_json = filter;
    auto parsed = search::ParseSearch(p.mapping, parts, &context);
    if (!parsed.ok()) return parsed.status();
    p.parsed = std::move(parsed).value();
    if (plan->indices_.empty()) {
      plan->merge_sort_ = p.parsed.sort;
      plan->merge_sort_.keys.pop_back();  // `_doc`
      plan->request_sort_keys_ = p.parsed.request_sort_keys;
      if (!request.search_after_json.empty()) {
        if (!plan->sorted_by_request_) return mapping::IllegalArgumentError("Sort must contain at least one field.");
        auto after = search::ParseSearchAfter(request.search_after_json, plan->merge_sort_);
        if (!after.ok()) return after.status();
        plan->search_after_ = std::move(after).value();
      }
    }
    for (const auto& [pattern, factor] : request.indices_boost) {
      bool match = GlobMatch(pattern, name);
      for (const auto& [alias, meta] : index->aliases()) match = match || GlobMatch(pattern, alias);
      if (match) {
        p.boost = factor;
        break;
      }
    }
    if (p.boost != 1) plan->boosted_ = true;
    pb::SearchSource& source = p.source;
    source.set_query_json(request.query_json);
    source.set_alias_filter_json(filter);
    source.set_q(request.q);
    source.set_sort_json(request.sort_json);
    source.set_aggs_json(request.aggs_json);
    if (request.min_score) source.set_min_score(*request.min_score);
    if (request.popularity_boost) source.set_popularity_boost(*request.popularity_boost);
    source.set_track_total_hits(plan->track_total_hits_);
    source.set_terminate_after(request.terminate_after);
    context.AddLikeDocuments(&source);
    const uint32_t ordinal = static_cast<uint32_t>(plan->indices_.size());
    const std::optional<std::set<uint32_t>> routed = index->SearchShards(request.routing);
    for (uint32_t s = 0; s < index->num_shards(); ++s) {
      if (!preference->shards.empty() && !preference->shards.count(s)) continue;
      if (routed && !routed->count(s)) continue;
      PlanShard shard;
      shard.index = ordinal;
      shard.id = index->shard_id(s);
      const std::function<bool(const std::string&)> on_node =
          preference->NodeFilter(*index->state(), index->router().local_node_id());
      const ShardRouter& router = index->router();
      auto target = pass_over.empty() ? router.ForSearch(*index->state(), shard.id, on_node, preference->copies)
                                      : router.ForSearch(*index->state(), shard.id, [&](const std::string& n) {
                                          return pass_over.count(n) == 0 && (!on_node || on_node(n));
                                        }, preference->copies);
      if (!target.ok() && !pass_over.empty()) {
        target = router.ForSearch(*index->state(), shard.id, on_node, preference->copies);
      }
      // _only_local: the shards without a copy here are left out.
      if (!target.ok() && preference->only_local && index->router().ForRead(*index->state(), shard.id).ok()) continue;
      if (!target.ok() && !preference->only_nodes.empty()) {
        target = Status::Unavailable("no data nodes with criteria [" + request.preference + "] found for shard: " +
                                     shard.id.ToString());
      }
      if (target.ok()) {
        shard.target = std::move(target).value();
      } else {
        shard.unavailable = target.status();
        shard.target.target.mutable_shard()->set_index_uuid(shard.id.index_uuid);
        shard.target.target.mutable_shard()->set_shard(shard.id.shard);
      }
      plan->shards_.push_back(std::move(shard));
    }
    plan->indices_.push_back(std::move(p));
  }
  std::set<const ShardClient*> nodes;
  for (const PlanShard& shard : plan->shards_) {
    if (shard.unavailable.ok() && shard.target.client != nullptr) nodes.insert(shard.target.client);
  }
  plan->nodes_asked_ = nodes.size();
  return plan;
}

Result<SearchPreference> ParsePreference(const std::string& text) {
  SearchPreference out;
  size_t start = 0;
  while (start < text.size()) {
    size_t bar = text.find('|', start);
    if (bar == std::string::npos) bar = text.size();
    const std::string part = text.substr(start, bar - start);
    start = bar + 1;
    auto list = [](std::string_view csv) {
      std::vector<std::string> items = SplitCommaList(csv);
      return std::set<std::string>(items.begin(), items.end());
    };
    if (part.rfind("_shards:", 0) == 0) {
      for (const std::string& n : list(part.substr(8))) {
        uint32_t v = 0;
        auto [end, ec] = std::from_chars(n.data(), n.data() + n.size(), v);
        if (ec != std::errc() || end != n.data() + n.size()) {
          return mapping::IllegalArgumentError("cannot parse shard id [" + n + "] in preference [" + text + "]");
        }
        out.shards.insert(v);
      }
    } else if (part == "_only_local") {
      out.only_local = true;
    } else if (part.rfind("_only_nodes:", 0) == 0) {
      out.only_nodes = list(part.substr(12));
    } else if (part.rfind("_prefer_nodes:", 0) == 0) {
      out.copies.prefer_nodes = list(part.substr(14));
    } else if (part == "_local" || part.empty()) {
      // This node's own copies first: the default.
    } else if (part[0] != '_') {
      out.copies.custom = part;
    } else {
      return mapping::IllegalArgumentError("no Preference for [" + part + "]");
    }
  }
  return out;
}

uint32_t NodePageFetch(uint64_t page, size_t nodes) {
  if (nodes <= 1 || page == 0) return 0;
  const double p = 1.0 / static_cast<double>(nodes);
  const double n = static_cast<double>(page);
  const double limit = std::ceil(n * p + 2 * std::sqrt(n * p * (1 - p)));
  return limit >= n ? 0 : static_cast<uint32_t>(limit);
}

Status SearchPlan::AllFailed(const std::vector<Status>& failed) const {
  for (const Status& f : failed) {
    if (f.ok()) return Status::OK();
  }
  return failed.empty() ? Status::OK() : failed.front();
}

Result<QueryPhaseResult> SearchPlan::RunQueryPhase(uint64_t from, uint64_t size, bool with_aggs, ThreadPool* pool,
                                                   ScrollCursor* cursor, StatsCache* stats_cache,
                                                   const std::vector<pb::FetchRequest>* fetch) const {
  if (cursor != nullptr || from + size > kFetchInQueryMaxPage) fetch = nullptr;
  // A search without scroll may take its statistics from the cache; when a
  // shard says they are stale, it runs again with a statistics phase.
  const bool cacheable = stats_cache != nullptr && cursor == nullptr && shards_.size() > 1;
  if (cacheable) {
    const std::string key = StatsKey();
    if (std::shared_ptr<const CachedStats> cached = stats_cache->Get(key)) {
      bool stale = false;
      auto result = RunQueryPhase(from, size, with_aggs, pool, nullptr, fetch, cached.get(), &stale);
      if (!stale) return result;
      stats_cache->DropStale(key);
    } else if (std::shared_ptr<const CachedStats> assembled = AssembleStats(stats_cache)) {
      bool stale = false;
      auto result = RunQueryPhase(from, size, with_aggs, pool, nullptr, fetch, assembled.get(), &stale);
      if (!stale) return result;
      stats_cache->CountStaleTerms();
    }
    stats_cache->CountStatisticsPhase();
    return RunQueryPhase(from, size, with_aggs, pool, nullptr, fetch, nullptr, nullptr, stats_cache, &key);
  }
  return RunQueryPhase(from, size, with_aggs, pool, cursor, fetch, nullptr, nullptr);
}

Result<QueryPhaseResult> SearchPlan::RunQueryPhase(uint64_t from, uint64_t size, bool with_aggs, ThreadPool* pool,
                                                   ScrollCursor* cursor, const std::vector<pb::FetchRequest>* fetch,
                                                   const CachedStats* cached, bool* stale, StatsCache* fill,
                                                   const std::string* key) const {
  with_aggs = with_aggs && !indices_.empty() && !indices_[0].parsed.aggs.empty();
  const bool by_sort = sorted_by_request_ || scroll_;
  const bool with_stats = shards_.size() > 1;
  const bool first_page = cursor == nullptr || cursor->contexts.empty();
  std::vector<std::string> contexts(shards_.size());
  std::vector<pb::GlobalStatistics> stats;
  std::vector<Status> failed(shards_.size());
  for (size_t s = 0; s < shards_.size(); ++s) failed[s] = shards_[s].unavailable;
  if (!first_page) {
    contexts = cursor->contexts;
    stats = cursor->stats;
    if (cursor->failed.size() == shards_.size()) failed = cursor->failed;
  } else if (cached != nullptr) {
    // Used in place (below), not copied.
  } else if (with_stats) {
    std::vector<uint64_t> versions;
    auto sums = Statistics(pool, cursor != nullptr ? cursor->keep_alive : kPhaseKeepAlive, &contexts, &failed, &versions);
    if (!sums.ok()) {
      ScrollCursor opened;
      opened.contexts = contexts;
      FreeContexts(opened);
      return sums.status();
    }
    stats = std::move(sums).value();
    // Kept only when every shard answered (the sums are whole) and nothing
    // in them changes without a new snapshot (popularity follows events).
    bool whole = std::all_of(failed.begin(), failed.end(), [](const Status& f) { return f.ok(); });
    for (const pb::GlobalStatistics& g : stats) whole = whole && !g.has_max_popularity_log();
    if (fill != nullptr && whole && !stats.empty()) {
      fill->PutTerms(ShardsKey(), versions, stats[0]);
      fill->Put(*key, CachedStats{stats, versions});
    }
  }
  const std::optional<PagePosition>* after = cursor != nullptr ? &cursor->after : nullptr;
  const uint32_t node_page_fetch = fetch != nullptr ? NodePageFetch(from + size, nodes_asked_) : 0;
  auto parts = ShardFanOut<pb::QueryResponse>(
      shards_.size(), ShardMethod::kQuery, pool, [this](size_t s) { return shards_[s].target.client; },
      [&](size_t s) -> Result<pb::QueryRequest> {
    const PlanShard& shard = shards_[s];
    if (!failed[s].ok()) return failed[s];
    pb::QueryRequest request;
    *request.mutable_target() = shard.target.target;
    *request.mutable_source() = indices_[shard.index].source;
    if (with_stats) *request.mutable_stats() = (cached != nullptr ? cached->stats : stats)[shard.index];
    request.set_size(from + size);
    request.set_by_sort_values(by_sort);
    if (by_sort) {
      // Where this shard resumes: ties on the request's keys were already
      // returned by earlier shards, not yet by later ones.
      std::vector<SortValue> resume;
      if (after != nullptr && after->has_value()) {
        resume = (*after)->values;
        if (s != (*after)->shard) resume.back() = DocValue(s < (*after)->shard ? std::numeric_limits<int64_t>::max() : -1);
      } else if (!search_after_.empty()) {
        resume = search_after_;
        resume.push_back(DocValue(std::numeric_limits<int64_t>::max()));
      }
      if (!resume.empty()) {
        request.set_has_after(true);
        ToProto(resume, request.mutable_after());
      }
    }
    request.set_with_aggs(with_aggs);
    request.set_track_scores(track_scores_);
    request.set_explain(explain_);
    if (cached != nullptr) request.set_expected_stats_version(cached->versions[s]);
    if (fetch != nullptr && shard.target.client->batches()) {
      *request.mutable_fetch() = (*fetch)[shard.index];
      request.set_node_page(!by_sort && !boosted_);
      request.set_node_page_fetch(node_page_fetch);
    }
    request.set_context_id(contexts[s]);
    if (cursor != nullptr) {
      request.set_keep_context_ms(cursor->keep_alive.count());
    } else {
      request.set_release_context(!contexts[s].empty());
    }
    return request;
  });
  if (cached != nullptr) {
    for (const auto& part : parts) {
      if (part.ok() && part->stale_stats()) {
        *stale = true;
        return Status::Unavailable("statistics changed");
      }
    }
  }
  std::vector<pb::QueryResponse> answers;
  answers.reserve(parts.size());
  for (size_t s = 0; s < parts.size(); ++s) {
    if (parts[s].ok()) {
      answers.push_back(std::move(parts[s]).value());
    } else {
      failed[s] = parts[s].status();
      answers.emplace_back();
    }
  }
  if (cursor != nullptr) {
    for (size_t s = 0; s < answers.size(); ++s) {
      if (!answers[s].context_id().empty()) contexts[s] = answers[s].context_id();
    }
  }
  if (Status all = AllFailed(failed); !all.ok()) {
    ScrollCursor opened;
    opened.contexts = contexts;
    if (cursor == nullptr || first_page) FreeContexts(opened);
    return all;
  }
  if (cursor != nullptr && first_page) {
    cursor->contexts = contexts;
    cursor->stats = stats;
    cursor->failed = failed;
  }
  QueryPhaseResult out;
  Merge(answers, from, size, with_aggs, &out);
  for (uint32_t s = 0; s < failed.size(); ++s) {
    if (!failed[s].ok()) out.failures.push_back({s, failed[s]});
  }
  return out;
}

void SearchPlan::Merge(std::vector<pb::QueryResponse>& parts, uint64_t from, uint64_t size, bool with_aggs,
                       QueryPhaseResult* out) const {
  const bool by_sort = sorted_by_request_ || scroll_;
  for (uint32_t s = 0; s < parts.size(); ++s) {
    pb::QueryResponse& r = parts[s];
    out->total += r.total();
    if (r.total_is_lower_bound()) out->relation = "gte";
    if (r.terminated_early()) out->terminated_early = true;
    const bool with_docs = r.docs_size() == r.hits_size();
    for (int k = 0; k < r.hits_size(); ++k) {
      pb::ShardHit& h = *r.mutable_hits(k);
      PlanHit hit;
      if (with_docs && !h.unfetched()) hit.fetched.emplace(std::move(*r.mutable_docs(k)));
      hit.shard = s;
      hit.segment = h.segment();
      hit.doc = h.doc();
      hit.score = h.score();
      if (!h.explanation_json().empty()) hit.explanation_json = std::move(*h.mutable_explanation_json());
      if (const double boost = indices_[shards_[s].index].boost; boost != 1) {
        hit.score = static_cast<float>(hit.score * boost);
        if (!hit.explanation_json.empty()) hit.explanation_json = BoostedExplanation(hit, boost);
      }
      hit.id = std::move(*h.mutable_id());
      if (by_sort) hit.sort_values = FromProto(h.sort_values());
      out->hits.push_back(std::move(hit));
    }
  }
  if (out->relation == "gte") out->total = std::min<uint64_t>(out->total, track_total_hits_);
  auto tie = [](const PlanHit& a, const PlanHit& b) {
    if (a.shard != b.shard) return a.shard < b.shard;
    if (a.segment != b.segment) return a.segment < b.segment;
    return a.doc < b.doc;
  };
  if (by_sort) {
    // By the request's keys, then shard, then `_doc` (segment, doc).
    std::sort(out->hits.begin(), out->hits.end(), [&](const PlanHit& a, const PlanHit& b) {
      int c = search::CompareSortValues(merge_sort_, a.sort_values, b.sort_values);
      return c != 0 ? c < 0 : tie(a, b);
    });
  } else {
    std::sort(out->hits.begin(), out->hits.end(), [&](const PlanHit& a, const PlanHit& b) {
      return a.score != b.score ? a.score > b.score : tie(a, b);
    });
  }
  if (!out->hits.empty() && !sorted_by_request_) out->max_score = out->hits.front().score;
  if (!out->hits.empty() && sorted_by_request_ && track_scores_) {
    // The best score of the hits the shards returned (the page's or better).
    float best = out->hits.front().score;
    for (const PlanHit& h : out->hits) best = std::max(best, h.score);
    out->max_score = best;
  }
  out->hits.erase(out->hits.begin(), out->hits.begin() + static_cast<ptrdiff_t>(std::min<uint64_t>(from, out->hits.size())));
  if (out->hits.size() > size) out->hits.resize(size);
  if (with_aggs) {
    for (const auto& spec : indices_[0].parsed.aggs) out->aggs.push_back(search::AggregationResult::Empty(spec));
    for (const pb::QueryResponse& r : parts) {
      search::AggregationResults partial;
      partial.reserve(r.aggs_size());
      for (const pb::AggregationPartial& a : r.aggs()) partial.push_back(FromProto(a));
      search::MergeAggregationResults(partial, &out->aggs);
    }
  }
}

Result<uint64_t> SearchPlan::Count(ThreadPool* pool, std::vector<ShardFailure>* failures,
                                   bool* terminated_early) const {
  std::vector<std::string> contexts(shards_.size());
  std::vector<pb::GlobalStatistics> stats;
  std::vector<Status> failed(shards_.size());
  for (size_t s = 0; s < shards_.size(); ++s) failed[s] = shards_[s].unavailable;
  const bool with_stats = shards_.size() > 1;
  if (with_stats) {
    std::vector<uint64_t> versions;
    auto sums = Statistics(pool, kPhaseKeepAlive, &contexts, &failed, &versions);
    if (!sums.ok()) {
      ScrollCursor opened;
      opened.contexts = contexts;
      FreeContexts(opened);
      return sums.status();
    }
    stats = std::move(sums).value();
  }
  auto counts = ShardFanOut<pb::CountResponse>(
      shards_.size(), ShardMethod::kCount, pool, [this](size_t s) { return shards_[s].target.client; },
      [&](size_t s) -> Result<pb::CountRequest> {
    const PlanShard& shard = shards_[s];
    if (!failed[s].ok()) return failed[s];
    pb::CountRequest request;
    *request.mutable_target() = shard.target.target;
    *request.mutable_source() = indices_[shard.index].source;
    if (with_stats) *request.mutable_stats() = stats[shard.index];
    request.set_context_id(contexts[s]);
    request.set_release_context(!contexts[s].empty());
    return request;
  });
  uint64_t total = 0;
  for (size_t s = 0; s < counts.size(); ++s) {
    if (counts[s].ok()) {
      total += counts[s]->count();
      if (counts[s]->terminated_early() && terminated_early != nullptr) *terminated_early = true;
    } else {
      failed[s] = counts[s].status();
    }
  }
  if (Status all = AllFailed(failed); !all.ok()) return all;
  if (failures != nullptr) {
    for (uint32_t s = 0; s < failed.size(); ++s) {
      if (!failed[s].ok()) failures->push_back({s, failed[s]});
    }
  }
  return total;
}

void SearchPlan::FreeContexts(const ScrollCursor& cursor) const {
  for (size_t s = 0; s < cursor.contexts.size() && s < shards_.size(); ++s) {
    if (cursor.contexts[s].empty()) continue;
    pb::FreeContextRequest request;
    *request.mutable_target() = shards_[s].target.target;
    request.set_context_id(cursor.contexts[s]);
    pb::FreeContextResponse response;
    // Best effort: a context not freed expires with its keep-alive.
    (void)shards_[s].target.client->FreeContext(request, &response);
  }
}

}  // namespace holdfast
