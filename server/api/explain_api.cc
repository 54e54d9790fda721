// GET|POST /{index}/_explain/{id}: why one document scores what it does for
// a query (Elasticsearch's Explain API).
//
// The query comes from the body ({"query": {...}}) or from `q` (with `df`,
// `analyzer`, `default_operator`; `lenient` is accepted). `routing` finds a
// document written with a custom routing, as gets do. The doc's shard
// explains it with the statistics a search of the index scores with
// (SearchPlan::ExplainDocument), so the value is the doc's `_score` in that
// search. Answers
//   200 {"_index", "_id", "matched", "explanation", "get"?}   the doc exists
//   404 {"_index", "_id", "matched": false}                   it does not
// `get` (the doc's _seq_no, _primary_term, found and filtered _source) when
// `_source`, `_source_includes`, `_source_excludes` or `stored_fields` is
// given, as Elasticsearch.
#include <algorithm>
#include <cctype>

#include "index/mapping/mapping_error.h"
#include "index/search/request_query.h"
#include "server/api/api_context.h"
#include "server/api/api_errors.h"
#include "server/api/index_api_support.h"
#include "server/api/search_request.h"
#include "server/coordinator/search_plan.h"
#include "server/http/json_writer.h"

namespace holdfast {
namespace {

// q with df, analyzer and default_operator, as query DSL.
Result<std::string> UrlQuery(const HttpRequest& http, const mapping::Mapping& mapping) {
  QueryStringOptions options;
  options.default_field = http.QueryParam("df");
  options.analyzer = http.QueryParam("analyzer");
  std::string op = http.QueryParam("default_operator");
  std::transform(op.begin(), op.end(), op.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (!op.empty() && op != "AND" && op != "OR") {
    return mapping::IllegalArgumentError("operator [" + http.QueryParam("default_operator") + "] is not supported");
  }
  options.operator_and = op == "AND";
  return QueryStringToJson(mapping, http.QueryParam("q"), options);
}

HttpResponse Explain(ApiContext* ctx, const HttpRequest& http) {
  HttpResponse error;
  ClusterIndices* registry = RequireIndices(ctx, &error);
  if (registry == nullptr) return error;
  const std::string name(http.PathParam("index"));
  const std::string id(http.PathParam("id"));
  auto index = FindIndex(*registry, name);
  if (!index.ok()) return ErrorFromStatus(index.status());
  SearchRequest request;
  auto body_query = ParseExplainBody(http.body);
  if (!body_query.ok()) return ErrorFromStatus(body_query.status());
  request.query_json = std::move(body_query).value();
  if (request.query_json.empty() && http.HasQueryParam("q")) {
    auto q = UrlQuery(http, *(*index)->mapping());
    if (!q.ok()) return ErrorFromStatus(q.status());
    request.query_json = std::move(q).value();
  }
  if (request.query_json.empty()) return ErrorFromStatus(Status::Validation("Validation Failed: 1: query is missing;"));
  request.preference = http.QueryParam("preference");
  const std::string index_name = (*index)->name();  // an alias's index by its own name
  auto routing = (*index)->RoutingFor(id, http.QueryParam("routing"));
  if (!routing.ok()) return ErrorFromStatus(routing.status());
  const uint32_t shard = (*index)->ShardOf(id, *routing);
  auto plan = SearchPlan::Build(request, NamedIndices{{index_name, *index}});
  if (!plan.ok()) return ErrorFromStatus(plan.status());
  auto answer = plan.value()->ExplainDocument(id, shard, ctx->search_pool);
  if (!answer.ok()) return ErrorFromStatus(answer.status());

  JsonWriter w;
  w.StartObject().Field("_index", index_name).Field("_type", "_doc").Field("_id", id);
  if (answer->hits_size() == 0) {
    w.Field("matched", false).EndObject();
    return JsonResponse(404, w);
  }
  const pb::ShardHit& hit = answer->hits(0);
  w.Field("matched", hit.matched());
  w.Key("explanation").RawJson(hit.explanation_json());
  const bool with_get = http.HasQueryParam("_source") || http.HasQueryParam("_source_includes") ||
                        http.HasQueryParam("_source_excludes") || http.HasQueryParam("stored_fields");
  if (with_get) {
    auto got = (*index)->Get(id, *routing);
    if (!got.ok()) return ErrorFromStatus(got.status());
    const SourceFilter source = SourceFilterOf(http);
    w.Key("get").StartObject();
    if (got->found) w.Field("_seq_no", got->stamp.seq_no).Field("_primary_term", got->stamp.primary_term);
    w.Field("found", got->found);
    if (got->found && source.enabled()) {
      std::string filtered;
      source.Render(got->source, &filtered);
      w.Key("_source").RawJson(source.filters() ? filtered : got->source);
    }
    w.EndObject();
  }
  w.EndObject();
  return JsonResponse(200, w);
}

}  // namespace

void AddExplainApiRoutes(ApiContext* ctx, HttpRouter* router) {
  auto explain = [ctx](const HttpRequest& r) { return Explain(ctx, r); };
  for (HttpMethod m : {HttpMethod::kGet, HttpMethod::kPost}) router->Add(m, "/{index}/_explain/{id}", "explain", explain);
}

}  // namespace holdfast
