// _search, _count and scroll routes: request → SearchPlan → query phase →
// fetch and render (search_response.h); scroll contexts in a ScrollRegistry
// owned by the routes.
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <thread>

#include "index/mapping/mapping_error.h"
#include "index/search/highlight_spec.h"
#include "server/api/api_context.h"
#include "server/api/api_errors.h"
#include "server/api/index_api_support.h"
#include "server/http/json_writer.h"
#include "server/coordinator/hit_fields.h"
#include "server/coordinator/scroll_registry.h"
#include "server/coordinator/search_plan.h"
#include "server/api/search_request.h"
#include "server/coordinator/search_response.h"
#include "index/search/request_query.h"

namespace holdfast {
namespace {

namespace od = simdjson::ondemand;
using Clock = std::chrono::steady_clock;

int64_t MillisSince(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

HttpResponse JsonResponse(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

// The indices an expression names ("_all" without a path index), each with
// the filter of the aliases it was reached through.
Result<NamedIndices> ResolveIndices(ClusterIndices* registry, const HttpRequest& http) {
  auto indices = ResolveRequestIndices(*registry, http);
  if (!indices.ok()) return indices.status();
  NamedIndices out;
  out.reserve(indices->size());
  for (auto& index : *indices) {
    std::string name = index->name();
    out.emplace_back(std::move(name), std::move(index));
  }
  return out;
}

// The index-level limits of a search over `indices`: from + size within the
// smallest index.max_result_window (the default with no index), and the
// mapped fields docvalue_fields names in each index (wildcards expanded
// against its mapping) within its index.max_docvalue_fields_search.
Status CheckIndexLimits(const SearchRequest& request, const NamedIndices& indices) {
  uint64_t window = indices.empty() ? kMaxResultWindow : UINT64_MAX;
  for (const auto& [name, index] : indices) window = std::min<uint64_t>(window, index->settings().max_result_window);
  HOLDFAST_RETURN_IF_ERROR(CheckResultWindow(request, window));
  if (request.docvalue_fields.empty()) return Status::OK();
  for (const auto& [name, index] : indices) {
    const size_t fields = MatchFieldRequests(request.docvalue_fields, *index->mapping()).size();
    HOLDFAST_RETURN_IF_ERROR(CheckDocValueFields(fields, index->settings().max_docvalue_fields_search));
  }
  return Status::OK();
}

std::string PercentEncode(std::string_view s);

// The nodes whose copies a search or count asked and that did not answer
// (kUnavailable: the node stopped or cannot be reached, or the copy moved
// away): of `failures`, or every node asked when none answered (`overall`).
std::set<std::string> NodesThatDidNotAnswer(const SearchPlan& plan, const Status& overall,
                                            const std::vector<ShardFailure>& failures) {
  std::set<std::string> out;
  if (!overall.ok()) {
    if (overall.code() != StatusCode::kUnavailable) return out;
    for (const PlanShard& shard : plan.shards()) {
      if (shard.unavailable.ok() && !shard.target.node_id.empty()) out.insert(shard.target.node_id);
    }
    return out;
  }
  for (const ShardFailure& f : failures) {
    const PlanShard& shard = plan.shards()[f.shard];
    if (f.status.code() == StatusCode::kUnavailable && shard.unavailable.ok()) out.insert(shard.target.node_id);
  }
  return out;
}

// True when some shard of `plan` is read on one of `nodes`.
bool ReadsOn(const SearchPlan& plan, const std::set<std::string>& nodes) {
  for (const PlanShard& shard : plan.shards()) {
    if (shard.unavailable.ok() && nodes.count(shard.target.node_id) > 0) return true;
  }
  return false;
}

// Waits (at most a second) until the cluster state is newer than version `seen`.
void WaitForNewerState(ClusterIndices* registry, int64_t seen) {
  const auto deadline = Clock::now() + std::chrono::seconds(1);
  while (Clock::now() < deadline && registry->cluster()->Current()->version <= seen) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

class SearchRoutes {
 public:
  explicit SearchRoutes(ApiContext* ctx) : ctx_(ctx) {}

  HttpResponse Search(const HttpRequest& http) {
    const Clock::time_point start = Clock::now();
    HttpResponse error;
    ClusterIndices* registry = RequireIndices(ctx_, &error);
    if (registry == nullptr) return error;
    auto request = ParseSearchRequest(http);
    if (!request.ok()) return ErrorFromStatus(request.status());
    search::HighlightSpec highlight;
    if (!request.value().highlight_json.empty()) {
      auto spec = search::ParseHighlightSpec(request.value().highlight_json);
      if (!spec.ok()) return ErrorFromStatus(spec.status());
      highlight = std::move(spec).value();
    }
    const SearchRequest& req = request.value();
    const bool post_filtered = !req.post_filter_json.empty();
    NamedIndices targets;  // a post_filter's aggregations run on them again
    Result<std::shared_ptr<SearchPlan>> plan = Status::Internal("not planned");
    std::shared_ptr<ScrollContext> scroll;
    std::vector<pb::FetchRequest> fetch;
    Result<QueryPhaseResult> result = Status::Internal("not run");
    std::set<std::string> pass_over;  // nodes whose copies did not answer the first time
    int64_t planned_at = 0;
    for (int attempt = 0;; ++attempt) {
      auto indices = ResolveIndices(registry, http);
      if (!indices.ok()) return ErrorFromStatus(indices.status());
      if (Status s = CheckIndexLimits(req, *indices); !s.ok()) return ErrorFromStatus(s);
      targets = *indices;
      if (attempt == 0) planned_at = registry->cluster()->Current()->version;
      plan = SearchPlan::Build(req, std::move(indices).value(), pass_over);
      if (!plan.ok()) return ErrorFromStatus(plan.status());
      if (attempt == 1 && ReadsOn(*plan.value(), pass_over)) {
        // A shard has no other copy: the copy moved (a primary handed over,
        // a relocation), which a newer state routes around — waited for (at
        // most a second), then planned once more.
        WaitForNewerState(registry, planned_at);
        continue;
      }
      if (req.scroll) {
        scroll = std::make_shared<ScrollContext>();
        scroll->plan = plan.value();
        scroll->request = req;
        scroll->size = req.size;
        scroll->cursor.keep_alive = *req.scroll;
      }
      fetch = FetchOptions(*plan.value(), req, &highlight);
      result = plan.value()->RunQueryPhase(req.from, req.size, !post_filtered, ctx_->search_pool,
                                           scroll ? &scroll->cursor : nullptr, ctx_->stats_cache, &fetch);
      // A copy asked did not answer (its node was killed and is still in the
      // state until its lease ends, or stopped, or handed its primary over):
      // the search is asked once more, of other copies of those shards where
      // there are some (as Elasticsearch goes on to a shard's next copy) —
      // not for a scroll, whose contexts live on the copies asked.
      if (attempt == 0 && !scroll) {
        static const std::vector<ShardFailure> kNone;
        pass_over = NodesThatDidNotAnswer(*plan.value(), result.status(), result.ok() ? result.value().failures : kNone);
      }
      if (attempt > 0 || scroll || pass_over.empty()) {
        if (!result.ok()) return ErrorFromStatus(result.status());
        break;
      }
    }
    if (post_filtered && !req.aggs_json.empty()) {
      // The aggregations count the query's matches, without the post_filter.
      SearchRequest unfiltered = req;
      unfiltered.post_filter_json.clear();
      unfiltered.scroll.reset();
      auto agg_plan = SearchPlan::Build(unfiltered, targets);
      if (!agg_plan.ok()) return ErrorFromStatus(agg_plan.status());
      auto aggs = agg_plan.value()->RunQueryPhase(0, 0, true, ctx_->search_pool, nullptr, ctx_->stats_cache);
      if (!aggs.ok()) return ErrorFromStatus(aggs.status());
      result.value().aggs = std::move(aggs.value().aggs);
    }

    SearchResponseParts parts{plan.value().get(), &result.value(), &req, &highlight, std::nullopt, 0, ctx_->search_pool,
                              &fetch};
    if (scroll) {
      if (!result.value().hits.empty()) scroll->cursor.after = plan.value()->PositionOf(result.value().hits.back());
      auto id = scrolls_.Open(std::move(scroll), *req.scroll);
      if (!id.ok()) return ErrorFromStatus(id.status());
      parts.scroll_id = std::move(id).value();
    }
    parts.took_ms = MillisSince(start);
    auto body = RenderSearchResponse(parts);
    if (!body.ok()) return ErrorFromStatus(body.status());
    return JsonResponse(200, std::move(body).value());
  }

  HttpResponse Count(const HttpRequest& http) {
    HttpResponse error;
    ClusterIndices* registry = RequireIndices(ctx_, &error);
    if (registry == nullptr) return error;
    auto request = ParseSearchRequest(http, /*for_count=*/true);
    if (!request.ok()) return ErrorFromStatus(request.status());
    Result<std::shared_ptr<SearchPlan>> plan = Status::Internal("not planned");
    std::vector<ShardFailure> failures;
    bool terminated_early = false;
    Result<uint64_t> n = Status::Internal("not run");
    std::set<std::string> pass_over;
    for (int attempt = 0; attempt < 2; ++attempt) {
      auto indices = ResolveIndices(registry, http);
      if (!indices.ok()) return ErrorFromStatus(indices.status());
      auto planned = SearchPlan::Build(request.value(), std::move(indices).value(), pass_over);
      if (!planned.ok()) return ErrorFromStatus(planned.status());
      // Counted again (as a search is) only where the copies that did not
      // answer have others; else the first answer stands.
      if (attempt == 1 && ReadsOn(*planned.value(), pass_over)) break;
      plan = std::move(planned);
      failures.clear();
      terminated_early = false;
      n = plan.value()->Count(ctx_->search_pool, &failures, &terminated_early);
      if (attempt == 0) pass_over = NodesThatDidNotAnswer(*plan.value(), n.status(), failures);
      if (pass_over.empty()) break;
    }
    if (!n.ok()) return ErrorFromStatus(n.status());
    const uint64_t count = n.value();
    const size_t shards = plan.value()->shards().size();
    JsonWriter w;
    w.StartObject().Field("count", count);
    if (request->terminate_after != 0) w.Field("terminated_early", terminated_early);
    w.Key("_shards").StartObject();
    w.Field("total", uint64_t{shards}).Field("successful", uint64_t{shards - failures.size()});
    w.Field("skipped", 0).Field("failed", uint64_t{failures.size()});
    if (!failures.empty()) {
      w.Key("failures").StartArray();
      for (const ShardFailure& f : failures) {
        const PlanShard& shard = plan.value()->shards()[f.shard];
        w.StartObject().Field("shard", uint64_t{shard.id.shard});
        w.Field("index", plan.value()->indices()[shard.index].name);
        w.Key("reason").StartObject().Field("type", ErrorTypeForKind(f.status.code()));
        w.Field("reason", f.status.message()).EndObject().EndObject();
      }
      w.EndArray();
    }
    w.EndObject().EndObject();
    return JsonResponse(200, w.TakeString());
  }

  HttpResponse Scroll(const HttpRequest& http) {
    const Clock::time_point start = Clock::now();
    ScrollArgs args;
    if (Status s = ReadScrollArgs(http, &args); !s.ok()) return ErrorFromStatus(s);
    if (args.ids.size() != 1) {
      return ErrorFromStatus(Status::Validation("Validation Failed: 1: scrollId is missing;"));
    }
    std::chrono::milliseconds keep_alive = std::chrono::minutes(5);
    if (!args.scroll.empty()) {
      auto parsed = ParseTimeValue(args.scroll, "scroll");
      if (!parsed.ok()) return ErrorFromStatus(parsed.status());
      keep_alive = parsed.value();
    }
    auto context = scrolls_.Acquire(args.ids[0], keep_alive);
    if (!context.ok()) return ErrorFromStatus(context.status());
    ScrollContext& ctx = *context.value();
    std::lock_guard<std::mutex> lock(ctx.mu);
    ctx.cursor.keep_alive = keep_alive;
    auto result = ctx.plan->RunQueryPhase(0, ctx.size, false, ctx_->search_pool, &ctx.cursor);
    if (!result.ok()) return ErrorFromStatus(result.status());
    if (!result.value().hits.empty()) ctx.cursor.after = ctx.plan->PositionOf(result.value().hits.back());
    SearchResponseParts parts{ctx.plan.get(), &result.value(), &ctx.request, nullptr, args.ids[0], MillisSince(start),
                              ctx_->search_pool};
    auto body = RenderSearchResponse(parts);
    if (!body.ok()) return ErrorFromStatus(body.status());
    return JsonResponse(200, std::move(body).value());
  }

  void ClearScrolls() { scrolls_.ClearAll(); }

  HttpResponse ClearScroll(const HttpRequest& http) {
    ScrollArgs args;
    if (Status s = ReadScrollArgs(http, &args); !s.ok()) return ErrorFromStatus(s);
    bool all = http.path == "/_search/scroll/_all";
    for (const auto& id : args.ids) all = all || id == "_all";
    size_t freed = all ? scrolls_.ClearAll() : scrolls_.Clear(args.ids);
    JsonWriter w;
    w.StartObject().Field("succeeded", true).Field("num_freed", uint64_t{freed}).EndObject();
    // Elasticsearch answers 404 when nothing was freed.
    return JsonResponse(freed > 0 || all ? 200 : 404, w.TakeString());
  }

 private:
  struct ScrollArgs {
    std::vector<std::string> ids;
    std::string scroll;
  };

  // scroll_id and scroll from the path ({scroll_id}, comma-separated), the
  // URL parameters or the body ({"scroll_id": "x" | ["x", ...], "scroll": "1m"}).
  static Status ReadScrollArgs(const HttpRequest& http, ScrollArgs* out) {
    auto add_ids = [out](std::string_view list) {
      while (!list.empty()) {
        size_t comma = list.find(',');
        if (comma != 0) out->ids.emplace_back(list.substr(0, comma));
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
      }
    };
    add_ids(http.PathParam("scroll_id"));
    add_ids(http.QueryParam("scroll_id"));
    out->scroll = http.QueryParam("scroll");
    if (http.body.find_first_not_of(" \t\r\n") == std::string::npos) return Status::OK();
    simdjson::padded_string padded(http.body);
    od::parser parser;
    od::document doc;
    od::object root;
    if (auto e = parser.iterate(padded).get(doc)) return BodyParseError(simdjson::error_message(e));
    HOLDFAST_RETURN_IF_ERROR(CheckSingleJsonValue(doc, std::string_view(padded.data(), http.body.size())));
    if (auto e = doc.get_object().get(root)) return BodyParseError(simdjson::error_message(e));
    for (auto field : root) {
      std::string_view key;
      if (auto e = field.unescaped_key().get(key)) return BodyParseError(simdjson::error_message(e));
      od::value value;
      if (auto e = field.value().get(value)) return BodyParseError(simdjson::error_message(e));
      std::string_view s;
      if (key == "scroll") {
        if (value.get_string().get(s)) return Status::Parse("[scroll] expected a string");
        out->scroll.assign(s);
      } else if (key == "scroll_id") {
        od::array array;
        if (!value.get_string().get(s)) {
          add_ids(s);
        } else if (!value.get_array().get(array)) {
          for (auto element : array) {
            if (element.get_string().get(s)) return Status::Parse("[scroll_id] expected strings");
            out->ids.emplace_back(s);
          }
        } else {
          return Status::Parse("[scroll_id] expected a string or an array");
        }
      } else {
        return Status::Parse("Unknown parameter [" + std::string(key) +
                             "] in request body or parameter is of the wrong type");
      }
    }
    return Status::OK();
  }


 public:
  // POST /_msearch, /{index}/_msearch: NDJSON pairs of a header line
  // ({"index": ..., "preference": ..., indices options}) and a search body;
  // each search runs as POST /{index}/_search would (one after the other)
  // and answers in `responses`, with its `status` — an error is that item's
  // answer, not the request's.
  HttpResponse MultiSearch(const HttpRequest& http) {
    const Clock::time_point start = Clock::now();
    std::vector<std::string_view> lines;
    std::string_view rest = http.body;
    while (!rest.empty()) {
      size_t nl = rest.find('\n');
      std::string_view line = rest.substr(0, nl);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.find_first_not_of(" \t") != std::string_view::npos) lines.push_back(line);
      if (nl == std::string_view::npos) break;
      rest.remove_prefix(nl + 1);
    }
    if (lines.empty()) return ErrorFromStatus(Status::Validation("Validation Failed: 1: no requests added;"));
    if (lines.size() % 2 != 0) {
      return ErrorFromStatus(Status::ParseValue("the last search of the msearch body has a header line but no body"));
    }
    // What the URL gives every search (a header may override).
    static constexpr std::string_view kInherited[] = {"preference", "routing", "search_type", "ignore_unavailable",
                                                      "allow_no_indices", "expand_wildcards", "rest_total_hits_as_int",
                                                      "typed_keys", "ccs_minimize_roundtrips", "request_cache"};
    static constexpr std::string_view kHeader[] = {"preference", "routing", "search_type", "ignore_unavailable",
                                                   "allow_no_indices", "expand_wildcards", "request_cache",
                                                   "ccs_minimize_roundtrips", "allow_partial_search_results"};
    std::string out = "{\"took\":";
    std::string items;
    for (size_t i = 0; i < lines.size(); i += 2) {
      HttpRequest item;
      item.method = HttpMethod::kPost;
      item.content_type = "application/json";
      item.body = std::string(lines[i + 1]);
      std::map<std::string, std::string> params;
      for (std::string_view name : kInherited) {
        if (http.HasQueryParam(name)) params[std::string(name)] = http.QueryParam(name);
      }
      std::string index(http.PathParam("index"));
      // The header: flat keys only.
      rapidjson::Document header;
      header.Parse(lines[i].data(), lines[i].size());
      if (header.HasParseError() || !header.IsObject()) {
        return ErrorFromStatus(Status::ParseValue("the header of search " + std::to_string(i / 2) +
                                                  " of the msearch body is not a JSON object"));
      }
      for (const auto& m : header.GetObject()) {
        const std::string key(m.name.GetString(), m.name.GetStringLength());
        std::string value;
        if (m.value.IsString()) {
          value.assign(m.value.GetString(), m.value.GetStringLength());
        } else if (m.value.IsBool()) {
          value = m.value.GetBool() ? "true" : "false";
        } else if (m.value.IsArray()) {
          for (const auto& e : m.value.GetArray()) {
            if (!e.IsString()) return ErrorFromStatus(Status::ParseValue("[" + key + "] must hold strings"));
            if (!value.empty()) value.push_back(',');
            value.append(e.GetString(), e.GetStringLength());
          }
        } else if (m.value.IsNumber()) {
          rapidjson::StringBuffer b;
          rapidjson::Writer<rapidjson::StringBuffer> w(b);
          m.value.Accept(w);
          value = b.GetString();
        } else {
          return ErrorFromStatus(Status::ParseValue("[" + key + "] in an msearch header must be a value"));
        }
        if (key == "index" || key == "indices") {
          index = value;
        } else if (std::find(std::begin(kHeader), std::end(kHeader), key) != std::end(kHeader)) {
          params[key] = value;
        } else {
          return ErrorFromStatus(mapping::IllegalArgumentError("key [" + key +
                                                               "] is not supported in the metadata section"));
        }
      }
      item.path = "/" + index + "/_search";
      item.path_params.emplace_back("index", index);
      for (const auto& [k, v] : params) {
        if (!item.query.empty()) item.query.push_back('&');
        item.query += PercentEncode(k) + "=" + PercentEncode(v);
      }
      HttpResponse r = Search(item);
      if (!items.empty()) items.push_back(',');
      if (r.status == 200 && r.body.size() >= 2 && r.body.back() == '}') {
        items.append(r.body, 0, r.body.size() - 1);
        items += ",\"status\":200}";
      } else {
        items += r.body;  // {"error": {...}, "status": N}
      }
    }
    out += std::to_string(MillisSince(start));
    out += ",\"responses\":[";
    out += items;
    out += "]}";
    return JsonResponse(200, std::move(out));
  }

 private:
  ApiContext* ctx_;
  ScrollRegistry scrolls_;
};

std::string PercentEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
        c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace

void AddSearchApiRoutes(ApiContext* ctx, HttpRouter* router) {
  auto routes = std::make_shared<SearchRoutes>(ctx);
  auto search = [routes](const HttpRequest& r) { return routes->Search(r); };
  auto count = [routes](const HttpRequest& r) { return routes->Count(r); };
  auto scroll = [routes](const HttpRequest& r) { return routes->Scroll(r); };
  auto clear = [routes](const HttpRequest& r) { return routes->ClearScroll(r); };
  auto msearch = [routes](const HttpRequest& r) { return routes->MultiSearch(r); };
  // Open scrolls hold plans over the indices: freed while the shards are there.
  ctx->before_close.push_back([routes] { routes->ClearScrolls(); });
  for (HttpMethod m : {HttpMethod::kGet, HttpMethod::kPost}) {
    router->Add(m, "/_search", "search", search);
    router->Add(m, "/{index}/_search", "search", search);
    router->Add(m, "/_count", "count", count);
    router->Add(m, "/{index}/_count", "count", count);
    router->Add(m, "/_msearch", "msearch", msearch);
    router->Add(m, "/{index}/_msearch", "msearch", msearch);
    // "{index}" never captures "_all" (a name starting with '_'): its own routes.
    router->Add(m, "/_all/_search", "search", search);
    router->Add(m, "/_all/_count", "count", count);
    router->Add(m, "/_all/_msearch", "msearch", msearch);
    router->Add(m, "/_search/scroll", "scroll", scroll);
    router->Add(m, "/_search/scroll/{scroll_id}", "scroll", scroll);
  }
  router->Add(HttpMethod::kDelete, "/_search/scroll", "clear_scroll", clear);
  router->Add(HttpMethod::kDelete, "/_search/scroll/{scroll_id}", "clear_scroll", clear);
  // "{scroll_id}" never captures a "_name" segment.
  router->Add(HttpMethod::kDelete, "/_search/scroll/_all", "clear_scroll", clear);
  AddExplainApiRoutes(ctx, router);
}

}  // namespace holdfast
