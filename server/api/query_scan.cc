#include "server/api/query_scan.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <simdjson.h>

#include "server/api/index_api_support.h"
#include "server/api/search_request.h"
#include "server/coordinator/search_plan.h"
#include "server/coordinator/search_response.h"

namespace holdfast {

namespace {

// The user's search body with the scan's own paging: size, _doc order,
// seq_no/primary_term on every hit, exact totals.
Result<std::string> ScanBody(std::string_view search_body, uint32_t batch) {
  rapidjson::Document d;
  if (search_body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    d.SetObject();
  } else {
    d.Parse(search_body.data(), search_body.size());
    if (d.HasParseError() || !d.IsObject()) return Status::ParseValue("the search body must be a JSON object");
  }
  auto& a = d.GetAllocator();
  for (const char* key : {"size", "from", "sort", "seq_no_primary_term", "track_total_hits", "scroll"}) d.RemoveMember(key);
  d.AddMember("size", batch, a);
  rapidjson::Value sort(rapidjson::kArrayType);
  sort.PushBack("_doc", a);
  d.AddMember("sort", sort, a);
  d.AddMember("seq_no_primary_term", true, a);
  d.AddMember("track_total_hits", true, a);
  rapidjson::StringBuffer b;
  rapidjson::Writer<rapidjson::StringBuffer> w(b);
  d.Accept(w);
  return std::string(b.GetString(), b.GetSize());
}

}  // namespace

struct QueryScan::State {
  ApiContext* ctx = nullptr;
  std::shared_ptr<SearchPlan> plan;
  SearchRequest request;
  uint32_t batch = 0;
  ScrollCursor cursor;
  bool first = true;
  bool done = false;
  simdjson::dom::parser parser;
};

QueryScan::QueryScan(std::unique_ptr<State> state) : state_(std::move(state)) {}

QueryScan::~QueryScan() {
  if (state_ && state_->plan) state_->plan->FreeContexts(state_->cursor);
}

Result<std::unique_ptr<QueryScan>> QueryScan::Start(ApiContext* ctx, NamedIndices indices, std::string_view search_body,
                                                    uint32_t batch, std::vector<std::string> routing) {
  auto body = ScanBody(search_body, batch);
  if (!body.ok()) return body.status();
  HttpRequest http;
  http.method = HttpMethod::kPost;
  http.path = "/_search";
  http.query = "scroll=5m";
  http.body = std::move(body).value();
  auto request = ParseSearchRequest(http);
  if (!request.ok()) return request.status();
  request->routing = std::move(routing);
  auto plan = SearchPlan::Build(request.value(), std::move(indices));
  if (!plan.ok()) return plan.status();
  auto state = std::make_unique<State>();
  state->ctx = ctx;
  state->plan = std::move(plan).value();
  state->request = std::move(request).value();
  state->batch = batch;
  state->cursor.keep_alive = std::chrono::minutes(5);
  return std::unique_ptr<QueryScan>(new QueryScan(std::move(state)));
}

Result<std::vector<ScannedDoc>> QueryScan::Next() {
  State& s = *state_;
  std::vector<ScannedDoc> out;
  if (s.done) return out;
  auto result = s.plan->RunQueryPhase(0, s.batch, false, s.ctx->search_pool, &s.cursor);
  if (!result.ok()) return result.status();
  if (s.first) {
    total_ = result->total;
    s.first = false;
  }
  if (result->hits.empty()) {
    s.done = true;
    return out;
  }
  s.cursor.after = s.plan->PositionOf(result->hits.back());
  SearchResponseParts parts{s.plan.get(), &result.value(), &s.request, nullptr, std::nullopt, 0, s.ctx->search_pool};
  auto rendered = RenderSearchResponse(parts);
  if (!rendered.ok()) return rendered.status();
  simdjson::dom::element doc;
  if (auto e = s.parser.parse(*rendered).get(doc); e) return Status::Internal("a scan page did not parse");
  simdjson::dom::array hits;
  if (auto e = doc["hits"]["hits"].get_array().get(hits); e) return Status::Internal("a scan page has no hits");
  out.reserve(hits.size());
  for (simdjson::dom::element hit : hits) {
    ScannedDoc d;
    std::string_view text;
    if (!hit["_index"].get_string().get(text)) d.index = std::string(text);
    if (!hit["_id"].get_string().get(text)) d.id = std::string(text);
    if (!hit["_routing"].get_string().get(text)) d.routing = std::string(text);
    simdjson::dom::element source;
    if (!hit["_source"].get(source)) d.source = simdjson::minify(source);
    int64_t n = 0;
    if (!hit["_seq_no"].get_int64().get(n)) d.seq_no = n;
    if (!hit["_primary_term"].get_int64().get(n)) d.primary_term = n;
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace holdfast
