// Events and recommendations (docs/recommendations.md):
//   POST /{index}/_events          NDJSON or a JSON array of events
//   GET|POST /{index}/_recommend   ?item=ID | ?user=ID (or the same in a body)
//   GET /{index}/_events/user/{user}  the user's recent history (debugging)
#include <charconv>
#include <chrono>

#include "index/mapping/mapping_error.h"
#include "index/util/clock.h"
#include "index/recommend/recommend_model.h"
#include "index/search/parsed_search.h"
#include "server/api/api_errors.h"
#include "server/api/index_api_support.h"
#include "server/coordinator/coordinator_query_context.h"

namespace holdfast {

namespace {

namespace od = simdjson::ondemand;
using Clock = std::chrono::steady_clock;


int64_t MillisSince(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

// Events past this many in one request are refused (split the batch).
constexpr size_t kMaxEventsPerRequest = 100'000;

HttpResponse IngestEvents(ClusterIndices& registry, const HttpRequest& req) {
  const Clock::time_point start = Clock::now();
  auto refresh = ParseRefreshPolicy(req);
  if (!refresh.ok()) return ErrorFromStatus(refresh.status());
  const std::string name(req.PathParam("index"));
  auto index = FindIndex(registry, name);
  if (!index.ok()) return ErrorFromStatus(index.status());
  if (Status s = CheckJsonText(req.body); !s.ok()) return ErrorFromStatus(s);
  auto items = recommend::SplitEventBody(req.body);
  if (!items.ok()) return ErrorFromStatus(items.status());
  if (items->size() > kMaxEventsPerRequest) {
    return ErrorFromStatus(mapping::IllegalArgumentError("too many events in one request: " +
                                                         std::to_string(items->size()) + " > " +
                                                         std::to_string(kMaxEventsPerRequest)));
  }
  const int64_t now = WallClockMs();
  std::vector<Status> statuses(items->size());
  std::vector<recommend::Event> events;
  std::vector<size_t> positions;
  events.reserve(items->size());
  for (size_t i = 0; i < items->size(); ++i) {
    const recommend::EventItem& item = (*items)[i];
    if (!item.error.ok()) {
      statuses[i] = item.error;
      continue;
    }
    recommend::Event e;
    statuses[i] = recommend::ParseEvent(item.json, now, &e);
    if (!statuses[i].ok()) continue;
    events.push_back(std::move(e));
    positions.push_back(i);
  }
  WrittenOps written;
  std::vector<Status> applied = (*index)->IngestEvents(events, &written);
  for (size_t k = 0; k < applied.size(); ++k) statuses[positions[k]] = applied[k];
  // Popularity and histories are read from the store, not from segments:
  // they are visible as soon as this returns; refresh is accepted for
  // symmetry with document writes.
  (void)refresh;
  bool errors = false;
  for (const Status& s : statuses) errors |= !s.ok();
  JsonWriter w;
  w.StartObject();
  w.Field("took", MillisSince(start)).Field("errors", errors);
  w.Field("accepted", uint64_t{events.size()});
  w.Key("items").StartArray();
  for (const Status& s : statuses) {
    w.StartObject();
    if (s.ok()) {
      w.Field("status", 201).Field("result", "created");
    } else {
      w.Field("status", ErrorFromStatus(s).status);
      WriteErrorMember(w, s, index->get(), name);
    }
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return JsonResponse(200, w);
}

// The parameters of _recommend, from the URL and/or a JSON body.
struct RecommendParams {
  recommend::RecommendRequest request;
  std::string filter_json;
  bool with_source = true;
};

Result<bool> BoolText(std::string_view key, std::string_view text) {
  if (text.empty() || text == "true") return true;
  if (text == "false") return false;
  return mapping::IllegalArgumentError("[" + std::string(key) + "] expected true or false, got [" + std::string(text) + "]");
}

Status ParseNow(std::string_view text, int64_t* out) {
  if (mapping::ParseDate(text, mapping::DateFormatList::Default(), out)) return Status::OK();
  return mapping::IllegalArgumentError("[now] expected an ISO-8601 date or epoch milliseconds, got [" + std::string(text) + "]");
}

Status ApplyParam(std::string_view key, std::string_view value, RecommendParams* p) {
  recommend::RecommendRequest& r = p->request;
  if (key == "item") {
    r.item = std::string(value);
  } else if (key == "user") {
    r.user = std::string(value);
  } else if (key == "size") {
    int64_t n = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (ec != std::errc() || end != value.data() + value.size() || n < 0 || n > 1000) {
      return mapping::IllegalArgumentError("[size] must be an integer in [0, 1000]");
    }
    r.size = static_cast<size_t>(n);
  } else if (key == "exclude_seen" || key == "explain" || key == "_source") {
    auto b = BoolText(key, value);
    if (!b.ok()) return b.status();
    (key == "exclude_seen" ? r.exclude_seen : key == "explain" ? r.explain : p->with_source) = *b;
  } else if (key == "fallback") {
    if (value != "popularity" && value != "none") {
      return mapping::IllegalArgumentError("[fallback] must be popularity or none");
    }
    r.fallback_popular = value == "popularity";
  } else if (key == "now") {
    int64_t ms;
    HOLDFAST_RETURN_IF_ERROR(ParseNow(value, &ms));
    r.now_ms = ms;
  } else if (key == "own_weight" || key == "popularity_weight") {
    double d = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), d);
    if (ec != std::errc() || end != value.data() + value.size() || !(d >= 0)) {
      return mapping::IllegalArgumentError("[" + std::string(key) + "] must be a number >= 0");
    }
    (key == "own_weight" ? r.own_weight : r.popularity_weight) = d;
  } else {
    return mapping::IllegalArgumentError("request [_recommend] contains unrecognized parameter: [" + std::string(key) + "]");
  }
  return Status::OK();
}

Status ParseRecommendBody(std::string_view body, RecommendParams* p) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return Status::OK();
  JsonBody json;
  HOLDFAST_RETURN_IF_ERROR(json.Parse(body));
  od::object obj;
  if (auto e = json.doc().get_object().get(obj); e) return JsonError("request body must be an object", e);
  for (auto field : obj) {
    std::string_view key;
    if (auto e = field.unescaped_key().get(key); e) return JsonError("malformed request body", e);
    od::value v;
    if (auto e = field.value().get(v); e) return JsonError("malformed request body", e);
    if (key == "filter") {
      std::string_view raw;
      if (auto e = simdjson::to_json_string(v).get(raw); e) return JsonError("[filter] must be a query object", e);
      p->filter_json.assign(raw);
      continue;
    }
    if (key == "exclude") {
      od::array array;
      if (v.get_array().get(array)) return Status::Parse("[exclude] must be an array of ids");
      for (auto element : array) {
        std::string_view id;
        if (element.get_string().get(id)) return Status::Parse("[exclude] must be an array of ids");
        p->request.exclude.emplace_back(id);
      }
      continue;
    }
    od::json_type type;
    if (auto e = v.type().get(type); e) return JsonError("malformed request body", e);
    std::string text;
    if (type == od::json_type::string) {
      std::string_view s;
      if (auto e = v.get_string().get(s); e) return JsonError("malformed request body", e);
      text.assign(s);
    } else if (type == od::json_type::number || type == od::json_type::boolean) {
      std::string_view raw = v.raw_json_token();
      while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\n' || raw.back() == '\r' || raw.back() == '\t')) {
        raw.remove_suffix(1);
      }
      text.assign(raw);
    } else {
      return Status::Parse("[" + std::string(key) + "] must be a string, number or boolean");
    }
    HOLDFAST_RETURN_IF_ERROR(ApplyParam(key, text, p));
  }
  return Status::OK();
}

void WriteRecommendation(JsonWriter& w, const recommend::Recommendation& r, bool explain) {
  w.Key("_recommendation").StartObject();
  w.Field("source", r.source);
  if (explain) {
    w.Key("cooccurrence").Double(r.cooccurrence);
    w.Key("own").Double(r.own);
    w.Key("popularity").Double(r.popularity);
    w.Key("because").StartArray();
    for (const recommend::Contribution& c : r.because) {
      w.StartObject().Field("item", c.item);
      w.Key("score").Double(c.score);
      w.EndObject();
    }
    w.EndArray();
  }
  w.EndObject();
}

HttpResponse Recommend(ClusterIndices& registry, const HttpRequest& req) {
  const Clock::time_point start = Clock::now();
  const std::string name(req.PathParam("index"));
  auto index = FindIndex(registry, name);
  if (!index.ok()) return ErrorFromStatus(index.status());
  RecommendParams p;
  for (const char* key : {"item", "user", "size", "exclude_seen", "explain", "_source", "fallback", "now",
                          "own_weight", "popularity_weight"}) {
    if (req.HasQueryParam(key)) {
      if (Status s = ApplyParam(key, req.QueryParam(key), &p); !s.ok()) return ErrorFromStatus(s);
    }
  }
  if (Status s = ParseRecommendBody(req.body, &p); !s.ok()) return ErrorFromStatus(s);
  if (p.request.item.has_value() == p.request.user.has_value()) {
    return ErrorFromStatus(mapping::IllegalArgumentError("[_recommend] needs exactly one of [item] and [user]"));
  }
  // Candidates must be searchable documents of the index (and match
  // `filter`), which their shards check; the filter is parsed here first,
  // so a bad one is refused before any shard is asked.
  const IndexHandle* idx = index->get();
  pb::SearchSource filter;
  filter.set_query_json(p.filter_json.empty() ? std::string(R"({"match_all":{}})") : p.filter_json);
  {
    NamedIndices self{{name, *index}};
    CoordinatorQueryContext context(idx, &self);
    search::SearchSourceParts parts;
    parts.query_json = filter.query_json();
    auto parsed = search::ParseSearch(idx->mapping(), parts, &context);
    if (!parsed.ok()) return ErrorFromStatus(parsed.status());
    context.AddLikeDocuments(&filter);
  }
  p.request.filter = [idx, &filter](const std::vector<std::string>& ids) { return idx->MatchingIds(filter, ids); };
  auto result = idx->Recommend(p.request);
  if (!result.ok()) return ErrorFromStatus(result.status());
  const auto& items = result->items;
  JsonWriter w;
  w.StartObject();
  w.Field("took", MillisSince(start)).Field("timed_out", false);
  WriteShardsHeader(w, idx->num_shards(), idx->num_shards());
  w.Key("recommend").StartObject();
  if (p.request.item) w.Field("item", *p.request.item);
  if (p.request.user) w.Field("user", *p.request.user).Field("profile_items", uint64_t{result->profile_items});
  w.Field("candidates", uint64_t{result->candidates});
  w.EndObject();
  w.Key("hits").StartObject();
  w.Key("total").StartObject().Field("value", uint64_t{items.size()}).Field("relation", "eq").EndObject();
  w.Key("max_score");
  if (items.empty()) {
    w.Null();
  } else {
    w.Double(items.front().score);
  }
  w.Key("hits").StartArray();
  for (const recommend::Recommendation& r : items) {
    w.StartObject();
    w.Field("_index", name).Field("_type", "_doc").Field("_id", r.item);
    w.Key("_score").Double(r.score);
    if (p.with_source) {
      auto got = idx->Get(r.item);
      if (got.ok() && got->found) w.Key("_source").RawJson(got->source);
    }
    WriteRecommendation(w, r, p.request.explain);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  w.EndObject();
  return JsonResponse(200, w);
}

HttpResponse UserHistory(ClusterIndices& registry, const HttpRequest& req) {
  const std::string name(req.PathParam("index"));
  auto index = FindIndex(registry, name);
  if (!index.ok()) return ErrorFromStatus(index.status());
  const std::string user(req.PathParam("user"));
  auto h = (*index)->History(user);
  if (!h.ok()) return ErrorFromStatus(h.status());
  JsonWriter w;
  w.StartObject().Field("user", user).Field("found", h->has_value());
  w.Key("items").StartArray();
  if (*h) {
    for (auto it = (*h)->entries.rbegin(); it != (*h)->entries.rend(); ++it) {
      w.StartObject().Field("item", it->item).Field("count", uint64_t{it->baskets});
      w.Field("first_ts", it->first_ms).Field("last_ts", it->last_ms);
      w.EndObject();
    }
  }
  w.EndArray().EndObject();
  return JsonResponse(*h ? 200 : 404, w);
}

}  // namespace

void AddEventApiRoutes(ApiContext* ctx, HttpRouter* router) {
  router->Add(HttpMethod::kPost, "/{index}/_events", "events", WithIndices(ctx, IngestEvents));
  for (HttpMethod m : {HttpMethod::kGet, HttpMethod::kPost}) {
    router->Add(m, "/{index}/_recommend", "recommend", WithIndices(ctx, Recommend));
  }
  router->Add(HttpMethod::kGet, "/{index}/_events/user/{user}", "events_user", WithIndices(ctx, UserHistory));
}

}  // namespace holdfast
