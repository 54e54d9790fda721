// Index templates, as Elasticsearch's composable template APIs:
//   PUT|POST /_index_template/{name}        ?create=true refuses to replace
//   GET /_index_template[/{name}]           names, wildcards; HEAD: exists
//   DELETE /_index_template/{name}          comma list
//   POST /_index_template/_simulate_index/{index}  what an index of that name would get
//   PUT|POST|GET|DELETE /_component_template[/{name}]
//   PUT|POST|GET|HEAD|DELETE /_template[/{name}]  legacy templates (order; applied
//                                          when no index template matches)
//   GET /_cat/templates[/{name}]
// Templates live in the cluster state (ClusterState::PutTemplates); how
// they are checked and composed is server/api/index_templates.h. Index
// creation (PUT /{index}, and a first write) applies them.
#include <rapidjson/document.h>

#include <cstdlib>
#include <map>

#include "index/mapping/mapping_error.h"
#include "index/util/comma_list.h"
#include "index/util/glob.h"
#include "server/api/api_context.h"
#include "server/api/api_errors.h"
#include "server/api/cat_table.h"
#include "server/api/index_api_support.h"
#include "server/api/index_templates.h"

namespace holdfast {

namespace {

HttpResponse Acknowledged() {
  JsonWriter w;
  w.StartObject().Field("acknowledged", true).EndObject();
  return JsonResponse(200, w);
}

const char* KindWord(TemplateKind kind) {
  switch (kind) {
    case TemplateKind::kIndex: return "index_template";
    case TemplateKind::kComponent: return "component_template";
    case TemplateKind::kLegacy: break;
  }
  return "template";
}

HttpResponse PutTemplate(ClusterIndices& registry, const HttpRequest& req, TemplateKind kind) {
  const std::string name(req.PathParam("name"));
  if (name.empty() || name.find_first_of(" ,\"\\/|?*<>") != std::string::npos || name.front() == '_') {
    return ErrorFromStatus(Status::InvalidIndexTemplate(std::string(KindWord(kind)) + " [" + name +
                                                        "] invalid, cause [name must not contain a space, comma, "
                                                        "wildcard or any of \\ / \" | ? < >, nor start with _]"));
  }
  auto create = BoolQueryParam(req, "create", false);
  if (!create.ok()) return ErrorFromStatus(create.status());
  ClusterStatePtr state = registry.cluster()->Current();
  std::optional<int64_t> order;
  if (kind == TemplateKind::kLegacy && req.HasQueryParam("order")) {
    const std::string v = req.QueryParam("order");
    char* end = nullptr;
    const long long n = std::strtoll(v.c_str(), &end, 10);
    if (v.empty() || *end != '\0') return ErrorFromStatus(mapping::IllegalArgumentError("[order] must be a number, got [" + v + "]"));
    order = n;
  }
  auto checked = kind == TemplateKind::kIndex       ? CheckIndexTemplate(*state, name, req.body)
                 : kind == TemplateKind::kComponent ? CheckComponentTemplate(name, req.body)
                                                    : CheckLegacyTemplate(name, req.body, order);
  if (!checked.ok()) return ErrorFromStatus(checked.status());
  if (*create && TemplatesOf(*state, kind).count(name)) {
    return ErrorFromStatus(mapping::IllegalArgumentError(
        std::string(kind == TemplateKind::kIndex ? "index template" : kind == TemplateKind::kComponent ? "component template" : "index_template") +
        " [" + name + "] already exists"));
  }
  if (Status s = registry.cluster()->PutTemplates(kind, {{name, std::move(checked).value()}}); !s.ok()) {
    return ErrorFromStatus(s);
  }
  return Acknowledged();
}

// The stored templates of `kind` whose names match the comma list (all when empty).
Result<std::vector<std::pair<std::string, std::string>>> Matching(const ClusterStateSnapshot& state, TemplateKind kind,
                                                                   const std::string& names) {
  const auto& templates = TemplatesOf(state, kind);
  std::vector<std::pair<std::string, std::string>> out;
  const std::vector<std::string> wanted = SplitCommaList(names);
  for (const auto& [name, json] : templates) {
    bool match = wanted.empty();
    for (const std::string& w : wanted) match = match || w == "*" || w == "_all" || GlobMatch(w, name);
    if (match) out.emplace_back(name, json);
  }
  if (out.empty() && !wanted.empty()) {
    return Status::ResourceNotFound(std::string(kind == TemplateKind::kIndex ? "index template" : "component template") +
                                    " matching [" + names + "] not found");
  }
  return out;
}

HttpResponse GetTemplates(ClusterIndices& registry, const HttpRequest& req, TemplateKind kind) {
  ClusterStatePtr state = registry.cluster()->Current();
  auto found = Matching(*state, kind, std::string(req.PathParam("name")));
  if (kind == TemplateKind::kLegacy) {  // {"name": {...}, ...}; none found: 404 with {}
    JsonWriter w;
    w.StartObject();
    if (found.ok()) {
      for (const auto& [name, json] : *found) w.Key(name).RawJson(json);
    }
    w.EndObject();
    return JsonResponse(found.ok() ? 200 : 404, w);
  }
  if (!found.ok()) return ErrorFromStatus(found.status());
  JsonWriter w;
  w.StartObject().Key(kind == TemplateKind::kIndex ? "index_templates" : "component_templates").StartArray();
  for (const auto& [name, json] : *found) {
    w.StartObject().Field("name", name).Key(KindWord(kind)).RawJson(json).EndObject();
  }
  w.EndArray().EndObject();
  return JsonResponse(200, w);
}

HttpResponse DeleteTemplates(ClusterIndices& registry, const HttpRequest& req, TemplateKind kind) {
  ClusterStatePtr state = registry.cluster()->Current();
  const std::string names(req.PathParam("name"));
  auto found = Matching(*state, kind, names);
  if (!found.ok() && kind == TemplateKind::kLegacy) {
    return ErrorResponse(404, "index_template_missing_exception", "index_template [" + names + "] missing");
  }
  if (!found.ok()) {
    return ErrorFromStatus(Status::ResourceNotFound(std::string(KindWord(kind)) + " [" + names + "] missing"));
  }
  TemplateChanges changes;
  for (const auto& [name, json] : *found) changes[name] = std::nullopt;
  if (kind == TemplateKind::kComponent) {
    // Elasticsearch keeps a component template an index template still uses.
    std::string used, by;
    for (const auto& [index_template, json] : state->index_templates) {
      bool uses = false;
      for (const std::string& c : ComposedOf(json)) {
        if (!changes.count(c)) continue;
        uses = true;
        if (used.find(c) == std::string::npos) used += (used.empty() ? "" : ",") + c;
      }
      if (uses) by += (by.empty() ? "" : ",") + index_template;
    }
    if (!by.empty()) {
      return ErrorFromStatus(mapping::IllegalArgumentError("component templates [" + used +
                                                           "] cannot be removed as they are still in use by index "
                                                           "templates [" + by + "]"));
    }
  }
  if (Status s = registry.cluster()->PutTemplates(kind, changes); !s.ok()) return ErrorFromStatus(s);
  return Acknowledged();
}

// POST /_index_template/_simulate_index/{index}: the settings, mappings and
// aliases an index of that name would be created with, and the template.
HttpResponse SimulateIndex(ClusterIndices& registry, const HttpRequest& req) {
  ClusterStatePtr state = registry.cluster()->Current();
  const std::string index(req.PathParam("index"));
  const std::string name = MatchingIndexTemplate(*state, index);
  auto composed = ComposeCreateIndexBody(*state, index, "");
  if (!composed.ok()) return ErrorFromStatus(composed.status());
  JsonWriter w;
  w.StartObject();
  if (name.empty()) {
    w.Key("template").StartObject().Key("settings").StartObject().EndObject();
    w.Key("mappings").StartObject().EndObject().Key("aliases").StartObject().EndObject().EndObject();
  } else {
    w.Key("template").RawJson(*composed);
    w.Field("matched_template", name);
  }
  w.EndObject();
  return JsonResponse(200, w);
}

// GET /_cat/templates[/{name}]: name, index_patterns, order (the priority), version, composed_of.
HttpResponse CatTemplates(ClusterIndices& registry, const HttpRequest& req) {
  ClusterStatePtr state = registry.cluster()->Current();
  std::vector<std::pair<std::string, std::string>> found;
  if (!req.PathParam("name").empty()) {
    auto matched = Matching(*state, TemplateKind::kIndex, std::string(req.PathParam("name")));
    if (matched.ok()) found = std::move(matched).value();  // none: an empty table, as Elasticsearch
  } else {
    found.assign(state->index_templates.begin(), state->index_templates.end());
  }
  // Legacy templates too (their `order` in the order column), as Elasticsearch lists both.
  const std::string wanted(req.PathParam("name"));
  for (const auto& [name, json] : state->legacy_templates) {
    bool match = wanted.empty();
    for (const std::string& w : SplitCommaList(wanted)) match = match || GlobMatch(w, name);
    if (match) found.emplace_back(name, json);
  }
  CatTable table({{"name", false}, {"index_patterns", false}, {"order", true}, {"version", true}, {"composed_of", false}});
  for (const auto& [name, json] : found) {
    rapidjson::Document d;
    d.Parse(json.data(), json.size());
    if (d.HasParseError() || !d.IsObject()) continue;
    auto list = [&](const char* key) {
      std::string out = "[";
      if (d.HasMember(key) && d[key].IsArray()) {
        bool first = true;
        for (const auto& e : d[key].GetArray()) {
          if (!e.IsString()) continue;
          out += (first ? "" : ", ") + std::string(e.GetString(), e.GetStringLength());
          first = false;
        }
      }
      return out + "]";
    };
    const char* order_key = d.HasMember("order") ? "order" : "priority";
    const std::string priority = d.HasMember(order_key) && d[order_key].IsInt64()
                                     ? std::to_string(d[order_key].GetInt64())
                                     : "0";
    const std::string version = d.HasMember("version") && d["version"].IsInt64() ? std::to_string(d["version"].GetInt64())
                                                                                 : "";
    table.AddRow({name, list("index_patterns"), priority, version, list("composed_of")});
  }
  return table.Render(req);
}

}  // namespace

void AddTemplateApiRoutes(ApiContext* ctx, HttpRouter* router) {
  for (TemplateKind kind : {TemplateKind::kIndex, TemplateKind::kComponent, TemplateKind::kLegacy}) {
    const std::string base = kind == TemplateKind::kIndex       ? "/_index_template"
                             : kind == TemplateKind::kComponent ? "/_component_template"
                                                                : "/_template";
    const std::string op = KindWord(kind);
    auto with = [ctx, kind](HttpResponse (*h)(ClusterIndices&, const HttpRequest&, TemplateKind)) {
      return WithIndices(ctx, [h, kind](ClusterIndices& r, const HttpRequest& req) { return h(r, req, kind); });
    };
    router->Add(HttpMethod::kPut, base + "/{name}", "put_" + op, with(PutTemplate));
    router->Add(HttpMethod::kPost, base + "/{name}", "put_" + op, with(PutTemplate));
    router->Add(HttpMethod::kGet, base + "/{name}", "get_" + op, with(GetTemplates));
    router->Add(HttpMethod::kGet, base, "get_" + op, with(GetTemplates));
    router->Add(HttpMethod::kDelete, base + "/{name}", "delete_" + op, with(DeleteTemplates));
  }
  router->Add(HttpMethod::kPost, "/_index_template/_simulate_index/{index}", "simulate_index_template",
              WithIndices(ctx, SimulateIndex));
  for (const char* pattern : {"/_cat/templates", "/_cat/templates/{name}"}) {
    router->Add(HttpMethod::kGet, pattern, "cat_templates", WithIndices(ctx, CatTemplates));
  }
}

}  // namespace holdfast
