// GET|POST /_mget and /{index}/_mget: realtime gets of many documents.
//
// Body {"docs": [{"_index": "i", "_id": "1", "_source": false}, ...]} or,
// with an index in the path, {"ids": ["1", "2"]} (ids may be numbers). A
// doc's `_source` is false, true, patterns or {"includes", "excludes"}; the
// URL's _source, _source_includes and _source_excludes are the default, as
// ?routing= is for a doc's `routing`; ?preference= picks the copies as a GET's.
// Each doc answers like GET /{index}/_doc/{id}; a missing index fails only its doc.
#include <map>

#include "index/mapping/mapping_error.h"
#include "server/api/api_errors.h"
#include "server/api/index_api_support.h"
#include "server/coordinator/search_plan.h"

namespace holdfast {

namespace od = simdjson::ondemand;

namespace {

struct DocRef {
  std::string index;
  std::string id;
  std::string routing;
  SourceFilter source;
};

// An `_id` as a string, or a number as Elasticsearch also takes it ("ids": [1, 3]).
Status ReadId(od::value& v, std::string_view what, std::string* out) {
  std::string_view s;
  if (v.get_string().get(s) == simdjson::SUCCESS) {
    out->assign(s);
    return Status::OK();
  }
  od::json_type type;
  if (v.type().get(type) == simdjson::SUCCESS && type == od::json_type::number) {
    std::string_view raw = v.raw_json_token();
    while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\n' || raw.back() == '\t' || raw.back() == '\r')) {
      raw.remove_suffix(1);
    }
    out->assign(raw);
    return Status::OK();
  }
  return Status::ParseValue("[" + std::string(what) + "] must be a string or a number");
}

Status ParseDocRef(od::value value, const std::string& default_index, DocRef* out) {
  out->index = default_index;
  od::json_type type;
  if (auto e = value.type().get(type); e) return JsonError("failed to parse [docs]", e);
  if (type != od::json_type::object) return mapping::IllegalArgumentError("[docs] entries must be objects");
  od::object object;
  if (auto e = value.get_object().get(object); e) return JsonError("failed to parse [docs]", e);
  for (auto field : object) {
    std::string_view key;
    if (auto e = field.unescaped_key().get(key); e) return JsonError("failed to parse [docs]", e);
    od::value v;
    if (auto e = field.value().get(v); e) return JsonError("failed to parse [docs]", e);
    std::string_view s;
    if (key == "_index") {
      if (auto e = v.get_string().get(s); e) return JsonError("[_index] must be a string", e);
      out->index.assign(s);
    } else if (key == "_id") {
      HOLDFAST_RETURN_IF_ERROR(ReadId(v, "_id", &out->id));
    } else if (key == "_source") {
      std::string_view raw;
      od::json_type type;
      if (auto e = v.type().get(type); e) return JsonError("failed to parse [_source]", e);
      if (type == od::json_type::object) {
        od::object o;
        if (auto e = v.get_object().get(o); e) return JsonError("failed to parse [_source]", e);
        if (auto e = o.raw_json().get(raw); e) return JsonError("failed to parse [_source]", e);
      } else if (type == od::json_type::array) {
        od::array a;
        if (auto e = v.get_array().get(a); e) return JsonError("failed to parse [_source]", e);
        if (auto e = a.raw_json().get(raw); e) return JsonError("failed to parse [_source]", e);
      } else {
        raw = v.raw_json_token();
      }
      auto filter = SourceFilter::FromJson(raw);
      if (!filter.ok()) return filter.status();
      out->source = std::move(filter).value();
    } else if (key == "routing") {
      HOLDFAST_RETURN_IF_ERROR(ReadId(v, "routing", &out->routing));
    } else if (key != "_type" && key != "stored_fields") {
      return mapping::IllegalArgumentError("unknown parameter [" + std::string(key) + "] in [docs]");
    }
  }
  return Status::OK();
}

Result<std::vector<DocRef>> ParseMultiGetBody(std::string_view body, const std::string& default_index,
                                              const SourceFilter& default_source, const std::string& default_routing) {
  JsonBody json;
  HOLDFAST_RETURN_IF_ERROR(json.Parse(body));
  od::object root;
  if (auto e = json.doc().get_object().get(root); e) return JsonError("the request body must be an object", e);
  std::vector<DocRef> refs;
  for (auto field : root) {
    std::string_view key;
    if (auto e = field.unescaped_key().get(key); e) return JsonError("failed to parse the request body", e);
    od::array array;
    if (auto e = field.value().get_array().get(array); e) return JsonError("[" + std::string(key) + "] must be an array", e);
    for (auto element : array) {
      od::value v;
      if (auto e = element.get(v); e) return JsonError("failed to parse the request body", e);
      DocRef ref;
      ref.source = default_source;
      ref.routing = default_routing;
      if (key == "docs") {
        HOLDFAST_RETURN_IF_ERROR(ParseDocRef(v, default_index, &ref));
      } else if (key == "ids") {
        HOLDFAST_RETURN_IF_ERROR(ReadId(v, "ids", &ref.id));
        ref.index = default_index;
      } else {
        return Status::ParseValue("unknown key [" + std::string(key) + "] for _mget");
      }
      refs.push_back(std::move(ref));
    }
  }
  for (size_t i = 0; i < refs.size(); ++i) {
    if (refs[i].index.empty()) {
      return Status::Validation("Validation Failed: 1: index is missing for doc " + std::to_string(i) + ";");
    }
    if (refs[i].id.empty()) {
      return Status::Validation("Validation Failed: 1: id is missing for doc " + std::to_string(i) + ";");
    }
  }
  if (refs.empty()) {
    return Status::Validation("Validation Failed: 1: no documents to get;");
  }
  return refs;
}

HttpResponse MultiGet(ClusterIndices& registry, const HttpRequest& req) {
  const std::string default_index(req.PathParam("index"));
  auto refs = ParseMultiGetBody(req.body, default_index, SourceFilterOf(req), req.QueryParam("routing"));
  if (!refs.ok()) return ErrorFromStatus(refs.status());
  auto preference = ParsePreference(req.QueryParam("preference"));
  if (!preference.ok()) return ErrorFromStatus(preference.status());
  std::map<std::string, std::shared_ptr<IndexHandle>, std::less<>> indices;
  JsonWriter w;
  w.StartObject().Key("docs").StartArray();
  for (const DocRef& ref : *refs) {
    w.StartObject();
    auto it = indices.find(ref.index);
    if (it == indices.end()) {
      auto found = FindIndex(registry, ref.index);  // an alias of one index names it
      it = indices.emplace(ref.index, found.ok() ? *found : nullptr).first;
    }
    Result<GetResult> got = IndexNotFound(ref.index);
    if (it->second) {
      auto routing = it->second->RoutingFor(ref.id, ref.routing);
      got = routing.ok() ? it->second->Get(ref.id, *routing, &*preference) : Result<GetResult>(routing.status());
    }
    if (got.ok()) {
      WriteGetResult(w, it->second->name(), ref.id, *got, ref.source);
    } else {
      w.Field("_index", ref.index).Field("_type", "_doc").Field("_id", ref.id);
      WriteErrorMember(w, got.status(), it->second.get(), ref.index);
    }
    w.EndObject();
  }
  w.EndArray().EndObject();
  return JsonResponse(200, w);
}

}  // namespace

void AddMultiGetRoutes(ApiContext* ctx, HttpRouter* router) {
  for (HttpMethod m : {HttpMethod::kGet, HttpMethod::kPost}) {
    router->Add(m, "/_mget", "doc_mget", WithIndices(ctx, MultiGet));
    router->Add(m, "/{index}/_mget", "doc_mget", WithIndices(ctx, MultiGet));
  }
}

}  // namespace holdfast
