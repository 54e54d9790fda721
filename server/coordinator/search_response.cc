#include "server/coordinator/search_response.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "server/api/api_errors.h"
#include "server/coordinator/fan_out.h"
#include "server/coordinator/hit_fields.h"

namespace holdfast {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void Key(Writer* w, std::string_view k) { w->Key(k.data(), static_cast<rapidjson::SizeType>(k.size())); }
void Str(Writer* w, std::string_view s) { w->String(s.data(), static_cast<rapidjson::SizeType>(s.size())); }

// `_shards`, with Elasticsearch's `failures` entries for shards that did not answer.
void WriteShards(Writer* w, const SearchPlan& plan, const std::vector<ShardFailure>& failures) {
  const size_t shards = plan.shards().size();
  Key(w, "_shards");
  w->StartObject();
  Key(w, "total");
  w->Uint64(shards);
  Key(w, "successful");
  w->Uint64(shards - failures.size());
  Key(w, "skipped");
  w->Uint64(0);
  Key(w, "failed");
  w->Uint64(failures.size());
  if (!failures.empty()) {
    Key(w, "failures");
    w->StartArray();
    for (const ShardFailure& f : failures) {
      const PlanShard& shard = plan.shards()[f.shard];
      w->StartObject();
      Key(w, "shard");
      w->Uint(shard.id.shard);
      Key(w, "index");
      Str(w, plan.indices()[shard.index].name);
      Key(w, "node");
      if (shard.target.node_id.empty()) {
        w->Null();
      } else {
        Str(w, shard.target.node_id);
      }
      Key(w, "reason");
      w->StartObject();
      Key(w, "type");
      Str(w, ErrorTypeForKind(f.status.code()));
      Key(w, "reason");
      Str(w, f.status.message());
      w->EndObject();
      w->EndObject();
    }
    w->EndArray();
  }
  w->EndObject();
}

void WriteTotal(Writer* w, const SearchRequest& request, const QueryPhaseResult& result) {
  if (request.total_hidden) return;
  Key(w, "total");
  if (request.total_as_int) {
    w->Uint64(result.total);
    return;
  }
  w->StartObject();
  Key(w, "value");
  w->Uint64(result.total);
  Key(w, "relation");
  Str(w, result.relation);
  w->EndObject();
}

bool Highlights(const search::HighlightSpec* spec) { return spec != nullptr && !spec->fields.empty(); }

}  // namespace

std::vector<pb::FetchRequest> FetchOptions(const SearchPlan& plan, const SearchRequest& request,
                                           const search::HighlightSpec* highlight_spec) {
  const bool highlight = Highlights(highlight_spec);
  std::vector<pb::FetchRequest> out(plan.indices().size());
  for (size_t i = 0; i < out.size(); ++i) {
    pb::FetchRequest& fetch = out[i];
    pb::SourceSpec* source = fetch.mutable_source();
    if (!request.fields.empty()) {
      // `fields` reads the whole source; the response filters it (RenderSearchResponse).
      source->set_enabled(true);
    } else {
      source->set_enabled(request.source.enabled());
      for (const std::string& p : request.source.includes()) source->add_includes(p);
      for (const std::string& p : request.source.excludes()) source->add_excludes(p);
    }
    if (!highlight) continue;
    fetch.set_highlight_json(request.highlight_json);
    const search::Query& query = *plan.indices()[i].parsed.query;
    for (const auto& [field, options] : highlight_spec->fields) {
      std::vector<std::string> terms;
      query.CollectTerms(field, &terms);
      if (terms.empty()) continue;
      pb::FieldTerms* f = fetch.add_highlight_terms();
      f->set_field(field);
      for (std::string& t : terms) f->add_terms()->set_term(std::move(t));
    }
  }
  return out;
}

namespace {

// The fetch phase: the page's documents, one request per shard holding any
// that the query phase did not fetch already. A shard whose fetch fails is a
// shard failure (its hits are left out of the page, as in Elasticsearch);
// the request fails only when no document of the page could be fetched.
Status FetchHits(const SearchResponseParts& parts, std::vector<pb::FetchedDoc>* fetched,
                 std::vector<ShardFailure>* failures) {
  const SearchPlan& plan = *parts.plan;
  const QueryPhaseResult& result = *parts.result;
  fetched->assign(result.hits.size(), pb::FetchedDoc());
  std::vector<std::vector<size_t>> by_shard(plan.shards().size());
  for (size_t i = 0; i < result.hits.size(); ++i) {
    if (result.hits[i].fetched) {
      (*fetched)[i] = *result.hits[i].fetched;
    } else {
      by_shard[result.hits[i].shard].push_back(i);
    }
  }
  std::vector<uint32_t> asked;
  for (uint32_t s = 0; s < by_shard.size(); ++s) {
    if (!by_shard[s].empty()) asked.push_back(s);
  }
  if (asked.empty()) return Status::OK();
  std::vector<pb::FetchRequest> made;
  if (parts.fetch == nullptr) made = FetchOptions(plan, *parts.request, parts.highlight);
  const std::vector<pb::FetchRequest>& options = parts.fetch != nullptr ? *parts.fetch : made;
  // This node's shards fetch on this thread, one after the other: a few
  // documents each are less work than handing a shard to another thread (a
  // wake-up and a switch). Highlighting a page is more: it goes on the pool.
  auto answers = ShardFanOut<pb::FetchResponse>(
      asked.size(), ShardMethod::kFetch, Highlights(parts.highlight) ? parts.pool : nullptr,
      [&](size_t k) { return plan.shards()[asked[k]].target.client; },
      [&](size_t k) -> Result<pb::FetchRequest> {
    const uint32_t s = asked[k];
    const PlanShard& shard = plan.shards()[s];
    pb::FetchRequest fetch = options[shard.index];
    *fetch.mutable_target() = shard.target.target;
    for (size_t i : by_shard[s]) fetch.add_ids(result.hits[i].id);
    return fetch;
  });
  size_t failed_hits = 0;
  for (size_t k = 0; k < asked.size(); ++k) {
    if (answers[k].ok() && answers[k]->docs_size() != static_cast<int>(by_shard[asked[k]].size())) {
      answers[k] = Status::Internal("short fetch answer");
    }
    if (!answers[k].ok()) {
      failures->push_back({asked[k], answers[k].status()});
      failed_hits += by_shard[asked[k]].size();  // their FetchedDoc stays "not found": left out
      if (failed_hits == result.hits.size()) return answers[k].status();
      continue;
    }
    const std::vector<size_t>& hits = by_shard[asked[k]];
    for (size_t j = 0; j < hits.size(); ++j) (*fetched)[hits[j]] = std::move(*answers[k]->mutable_docs(static_cast<int>(j)));
  }
  return Status::OK();
}

}  // namespace

Result<std::string> RenderSearchResponse(const SearchResponseParts& parts) {
  const SearchPlan& plan = *parts.plan;
  const QueryPhaseResult& result = *parts.result;
  const SearchRequest& request = *parts.request;
  const bool sorted = plan.sorted_by_request() && !plan.indices().empty();
  const bool show_scores = !sorted || plan.indices()[0].parsed.sort.NeedsScores() || request.track_scores;
  std::vector<pb::FetchedDoc> fetched;
  std::vector<ShardFailure> failures = result.failures;
  HOLDFAST_RETURN_IF_ERROR(FetchHits(parts, &fetched, &failures));

  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  if (parts.scroll_id) {
    Key(&w, "_scroll_id");
    Str(&w, *parts.scroll_id);
  }
  Key(&w, "took");
  w.Int64(parts.took_ms);
  Key(&w, "timed_out");
  w.Bool(false);
  if (request.terminate_after != 0) {
    Key(&w, "terminated_early");
    w.Bool(result.terminated_early);
  }
  WriteShards(&w, plan, failures);
  Key(&w, "hits");
  w.StartObject();
  WriteTotal(&w, request, result);
  Key(&w, "max_score");
  if (result.max_score) {
    w.Double(*result.max_score);
  } else {
    w.Null();
  }
  Key(&w, "hits");
  w.StartArray();
  search::SortSpec request_sort;
  if (sorted) {
    request_sort = plan.indices()[0].parsed.sort;
    request_sort.keys.resize(plan.request_sort_keys());
  }
  for (size_t i = 0; i < result.hits.size(); ++i) {
    const PlanHit& hit = result.hits[i];
    const pb::FetchedDoc& doc = fetched[i];
    if (!doc.found()) continue;  // deleted since the query phase
    const PlanShard& shard = plan.shards()[hit.shard];
    const PlanIndex& index = plan.indices()[shard.index];
    w.StartObject();
    if (request.explain) {
      // Elasticsearch's explain shows where each hit was found.
      Key(&w, "_shard");
      Str(&w, "[" + index.name + "][" + std::to_string(shard.id.shard) + "]");
      Key(&w, "_node");
      Str(&w, shard.target.node_id);
    }
    Key(&w, "_index");
    Str(&w, index.name);
    Key(&w, "_type");
    Str(&w, "_doc");
    if (!request.stored_fields_none) {
      Key(&w, "_id");
      Str(&w, hit.id);
    }
    if (request.version) {
      Key(&w, "_version");
      w.Int64(doc.version());
    }
    if (request.seq_no_primary_term) {
      Key(&w, "_seq_no");
      w.Int64(doc.seq_no());
      Key(&w, "_primary_term");
      w.Int64(doc.primary_term());
    }
    Key(&w, "_score");
    if (show_scores) {
      w.Double(hit.score);
    } else {
      w.Null();
    }
    if (!doc.routing().empty()) {
      Key(&w, "_routing");
      Str(&w, doc.routing());
    }
    if (request.source.enabled()) {
      Key(&w, "_source");
      if (!request.fields.empty() && request.source.filters()) {
        request.source.Write(doc.source(), &w);  // fetched whole for `fields`
      } else {
        w.RawValue(doc.source().data(), doc.source().size(), rapidjson::kObjectType);
      }
    }
    if (!request.fields.empty() && index.mapping) WriteHitFields(request.fields, *index.mapping, doc.source(), &w);
    if (!doc.highlight().empty()) {
      Key(&w, "highlight");
      w.RawValue(doc.highlight().data(), doc.highlight().size(), rapidjson::kObjectType);
    }
    if (sorted) {
      Key(&w, "sort");
      search::WriteSortValues(request_sort, hit.sort_values, &w);
    }
    if (request.explain && !hit.explanation_json.empty()) {
      Key(&w, "_explanation");
      w.RawValue(hit.explanation_json.data(), hit.explanation_json.size(), rapidjson::kObjectType);
    }
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  if (!result.aggs.empty()) {
    Key(&w, "aggregations");
    search::RenderAggregations(plan.indices()[0].parsed.aggs, result.aggs, &w);
  }
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace holdfast
