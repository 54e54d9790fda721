#include "server/search_response.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "server/hit_highlighter.h"

namespace holdfast {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void Key(Writer* w, std::string_view k) { w->Key(k.data(), static_cast<rapidjson::SizeType>(k.size())); }
void Str(Writer* w, std::string_view s) { w->String(s.data(), static_cast<rapidjson::SizeType>(s.size())); }

void WriteShards(Writer* w, size_t shards) {
  Key(w, "_shards");
  w->StartObject();
  Key(w, "total");
  w->Uint64(shards);
  Key(w, "successful");
  w->Uint64(shards);
  Key(w, "skipped");
  w->Uint64(0);
  Key(w, "failed");
  w->Uint64(0);
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

}  // namespace

Result<std::string> RenderSearchResponse(const SearchResponseParts& parts) {
  const SearchPlan& plan = *parts.plan;
  const QueryPhaseResult& result = *parts.result;
  const SearchRequest& request = *parts.request;
  std::optional<HitHighlighter> highlighter;
  if (parts.highlight != nullptr && !parts.highlight->fields.empty()) highlighter.emplace(plan, *parts.highlight);
  const bool sorted = plan.sorted_by_request() && !plan.indices().empty();
  const bool show_scores = !sorted || plan.indices()[0].sort.NeedsScores();

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
  WriteShards(&w, plan.shards().size());
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
    request_sort = plan.indices()[0].sort;
    request_sort.keys.resize(plan.request_sort_keys());
  }
  // The fetch phase: the page's sources, one batched read per index.
  std::vector<GetResult> fetched(result.hits.size());
  {
    std::vector<std::vector<size_t>> by_index(plan.indices().size());
    for (size_t i = 0; i < result.hits.size(); ++i) by_index[plan.shards()[result.hits[i].shard].index].push_back(i);
    std::vector<std::string_view> ids;
    std::vector<GetResult> got;
    for (size_t x = 0; x < by_index.size(); ++x) {
      if (by_index[x].empty()) continue;
      ids.clear();
      for (size_t i : by_index[x]) ids.push_back(plan.IdOf(result.hits[i]));
      HOLDFAST_RETURN_IF_ERROR(plan.indices()[x].index->MultiGet(ids, &got));
      for (size_t k = 0; k < by_index[x].size(); ++k) fetched[by_index[x][k]] = std::move(got[k]);
    }
  }
  for (size_t i = 0; i < result.hits.size(); ++i) {
    const PlanHit& hit = result.hits[i];
    if (!fetched[i].found) continue;  // deleted since the query phase
    const PlanIndex& index = plan.indices()[plan.shards()[hit.shard].index];
    std::string_view id = plan.IdOf(hit);
    const std::string& source = fetched[i].source;
    w.StartObject();
    Key(&w, "_index");
    Str(&w, index.name);
    Key(&w, "_type");
    Str(&w, "_doc");
    Key(&w, "_id");
    Str(&w, id);
    Key(&w, "_score");
    if (show_scores) {
      w.Double(hit.score);
    } else {
      w.Null();
    }
    if (request.source.enabled()) {
      Key(&w, "_source");
      request.source.Write(source, &w);
    }
    if (highlighter) HOLDFAST_RETURN_IF_ERROR(highlighter->Write(plan.shards()[hit.shard].index, source, &w));
    if (sorted) {
      Key(&w, "sort");
      search::WriteSortValues(request_sort, hit.sort_values, &w);
    }
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  if (!result.aggs.empty()) {
    Key(&w, "aggregations");
    search::RenderAggregations(plan.indices()[0].aggs, result.aggs, &w);
  }
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace holdfast
