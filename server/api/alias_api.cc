// Index aliases, as Elasticsearch's alias APIs:
//   POST /_aliases                      {"actions":[{"add"|"remove"|"remove_index":{...}}]}, all or none
//   PUT|POST /{index}/_alias[es]/{name} an alias definition (filter, routing, is_write_index) or no body
//   DELETE /{index}/_alias[es]/{name}   names, wildcards, _all; 404 aliases_not_found_exception if none
//   GET /_alias[/{name}], /{index}/_alias[/{name}], /_aliases, /{index}/_aliases (HEAD: exists)
//   GET /_cat/aliases[/{name}]
// Aliases live in the index metadata of the cluster state (replication/
// index_metadata.h); ClusterState::UpdateAliases applies a request's actions
// in one new version. Resolution (searches through an alias see its filter,
// writes go to its write index) is ClusterStateSnapshot's.
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <set>

#include "index/mapping/mapping_error.h"
#include "index/search/request_query.h"
#include "index/util/comma_list.h"
#include "index/util/glob.h"
#include "server/api/api_context.h"
#include "server/api/api_errors.h"
#include "server/api/cat_table.h"
#include "server/api/index_api_settings.h"
#include "server/api/index_api_support.h"

namespace holdfast {

namespace {

std::string Compact(const rapidjson::Value& v) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  v.Accept(w);
  return std::string(buf.GetString(), buf.GetSize());
}

Result<rapidjson::Document> ParseObject(std::string_view body, std::string_view what) {
  HOLDFAST_RETURN_IF_ERROR(CheckJsonText(body));
  rapidjson::Document d;
  d.Parse(body.data(), body.size());
  if (d.HasParseError()) return Status::ParseValue("failed to parse " + std::string(what));
  if (!d.IsObject()) return Status::Parse("[" + std::string(what) + "] must be an object");
  return d;
}

// A string, or an array of strings (`index`/`indices`, `alias`/`aliases`).
Status AppendNames(const rapidjson::Value& v, std::string_view key, std::vector<std::string>* out) {
  if (v.IsString()) {
    out->emplace_back(v.GetString(), v.GetStringLength());
    return Status::OK();
  }
  if (v.IsArray()) {
    for (const auto& e : v.GetArray()) {
      if (!e.IsString()) return Status::Parse("[" + std::string(key) + "] must hold strings");
      out->emplace_back(e.GetString(), e.GetStringLength());
    }
    return Status::OK();
  }
  return Status::Parse("[" + std::string(key) + "] must be a string or an array of strings");
}

std::string RoutingValue(const rapidjson::Value& v) {
  return v.IsString() ? std::string(v.GetString(), v.GetStringLength()) : Compact(v);
}

// The definition members of an alias (filter, routing, is_write_index);
// false for a key that is not one of them.
Result<bool> ReadDefinitionMember(std::string_view key, const rapidjson::Value& v, AliasMetadata* out) {
  if (key == "filter") {
    if (!v.IsObject()) return Status::Parse("[filter] must be an object");
    out->filter_json = Compact(v);
  } else if (key == "routing") {
    out->index_routing = out->search_routing = RoutingValue(v);
  } else if (key == "index_routing") {
    out->index_routing = RoutingValue(v);
  } else if (key == "search_routing") {
    out->search_routing = RoutingValue(v);
  } else if (key == "is_write_index") {
    if (!v.IsBool()) return Status::Parse("[is_write_index] must be true or false");
    out->is_write_index = v.GetBool();
  } else if (key == "is_hidden") {
    if (!v.IsBool()) return Status::Parse("[is_hidden] must be true or false");
    if (v.GetBool()) return mapping::IllegalArgumentError("hidden aliases are not supported by holdfast");
  } else {
    return false;
  }
  return true;
}

// A write through the alias goes to one shard: one index routing value.
Status CheckIndexRouting(std::string_view alias, const AliasMetadata& meta) {
  if (meta.index_routing.find(',') == std::string::npos) return Status::OK();
  return mapping::IllegalArgumentError("alias [" + std::string(alias) +
                                       "] has several index routing values associated with it");
}

Result<AliasMetadata> ParseDefinition(const rapidjson::Value& o, std::string_view alias) {
  AliasMetadata meta;
  for (const auto& m : o.GetObject()) {
    const std::string_view key(m.name.GetString(), m.name.GetStringLength());
    auto known = ReadDefinitionMember(key, m.value, &meta);
    if (!known.ok()) return known.status();
    if (!known.value()) {
      return Status::XContentParse("[alias] unknown field [" + std::string(key) + "] in the definition of alias [" +
                                   std::string(alias) + "]");
    }
  }
  HOLDFAST_RETURN_IF_ERROR(CheckIndexRouting(alias, meta));
  return meta;
}

// A filter must be a query the index can run.
Status ValidateFilter(const IndexHandle& index, const std::string& alias, const AliasMetadata& meta) {
  if (meta.filter_json.empty()) return Status::OK();
  auto parsed = ParseRequestQuery(index.mapping(), meta.filter_json, {});
  if (parsed.ok()) return Status::OK();
  return mapping::IllegalArgumentError("failed to parse filter for alias [" + alias + "]: " +
                                       parsed.status().message());
}

// Concrete indices of an expression (aliases are not expanded: an alias
// action names indices).
Result<std::vector<std::shared_ptr<IndexHandle>>> ConcreteIndices(ClusterIndices& registry, std::string_view expr) {
  auto names = registry.Resolve(expr, /*aliases=*/false);
  if (!names.ok()) return names.status();
  std::vector<std::shared_ptr<IndexHandle>> out;
  for (const std::string& name : *names) {
    if (auto index = registry.Get(name)) out.push_back(std::move(index));
  }
  if (out.empty()) return Status::IndexNotFound("no such index [" + std::string(expr) + "]");
  return out;
}

bool IsPattern(std::string_view name) { return name == "_all" || name.find('*') != std::string_view::npos; }

bool NameMatches(std::string_view pattern, std::string_view name) {
  return pattern == "_all" || GlobMatch(pattern, name);
}

// Removal actions for `names` (names or patterns) on `index`; a plain name the
// index lacks is missing (reported by the caller unless must_exist is false).
void RemovalsOn(const IndexHandle& index, const std::vector<std::string>& names, bool must_exist,
                std::vector<AliasAction>* out, std::set<std::string>* matched) {
  for (const std::string& name : names) {
    if (IsPattern(name)) {
      for (const auto& [alias, meta] : index.aliases()) {
        if (NameMatches(name, alias)) {
          out->push_back({AliasAction::Kind::kRemove, index.name(), alias, {}, false});
          matched->insert(name);
        }
      }
    } else {
      out->push_back({AliasAction::Kind::kRemove, index.name(), name, {}, must_exist});
      if (index.aliases().count(name)) matched->insert(name);
    }
  }
}

Status ParseActions(ClusterIndices& registry, const rapidjson::Value& actions, std::vector<AliasAction>* out) {
  if (!actions.IsArray()) return Status::Parse("[actions] must be an array");
  for (const auto& entry : actions.GetArray()) {
    if (!entry.IsObject() || entry.MemberCount() != 1) {
      return Status::Parse("an alias action must be an object with one of [add, remove, remove_index]");
    }
    const auto& kind_member = *entry.MemberBegin();
    const std::string kind(kind_member.name.GetString(), kind_member.name.GetStringLength());
    const rapidjson::Value& body = kind_member.value;
    if (kind != "add" && kind != "remove" && kind != "remove_index") {
      return Status::Parse("unknown alias action [" + kind + "], expected one of [add, remove, remove_index]");
    }
    if (!body.IsObject()) return Status::Parse("[" + kind + "] must be an object");
    std::vector<std::string> indices, aliases;
    std::set<std::string> removed;  // patterns that matched an alias
    AliasMetadata meta;
    std::optional<bool> must_exist;
    for (const auto& m : body.GetObject()) {
      const std::string_view key(m.name.GetString(), m.name.GetStringLength());
      if (key == "index" || key == "indices") {
        HOLDFAST_RETURN_IF_ERROR(AppendNames(m.value, key, &indices));
      } else if ((key == "alias" || key == "aliases") && kind != "remove_index") {
        HOLDFAST_RETURN_IF_ERROR(AppendNames(m.value, key, &aliases));
      } else if (key == "must_exist" && kind == "remove") {
        if (!m.value.IsBool()) return Status::Parse("[must_exist] must be true or false");
        must_exist = m.value.GetBool();
      } else if (kind == "add") {
        auto known = ReadDefinitionMember(key, m.value, &meta);
        if (!known.ok()) return known.status();
        if (!known.value()) return Status::XContentParse("[" + kind + "] unknown field [" + std::string(key) + "]");
      } else {
        return Status::XContentParse("[" + kind + "] unknown field [" + std::string(key) + "]");
      }
    }
    if (indices.empty()) return Status::Validation("Validation Failed: 1: One of [index] or [indices] is required;");
    if (kind != "remove_index" && aliases.empty()) {
      return Status::Validation("Validation Failed: 1: One of [alias] or [aliases] is required;");
    }
    for (const std::string& expr : indices) {
      auto targets = ConcreteIndices(registry, expr);
      if (!targets.ok()) return targets.status();
      for (const auto& index : *targets) {
        if (kind == "remove_index") {
          out->push_back({AliasAction::Kind::kRemoveIndex, index->name(), {}, {}, true});
        } else if (kind == "add") {
          for (const std::string& alias : aliases) {
            if (IsPattern(alias)) {
              return Status::InvalidAliasName("Invalid alias name [" + alias + "]: must not contain [*]");
            }
            HOLDFAST_RETURN_IF_ERROR(CheckIndexRouting(alias, meta));
            HOLDFAST_RETURN_IF_ERROR(ValidateFilter(*index, alias, meta));
            out->push_back({AliasAction::Kind::kAdd, index->name(), alias, meta, true});
          }
        } else {
          RemovalsOn(*index, aliases, must_exist.value_or(true), out, &removed);
        }
      }
    }
    if (kind == "remove" && must_exist.value_or(true)) {
      for (const std::string& alias : aliases) {
        if (IsPattern(alias) && !removed.count(alias)) return Status::AliasesNotFound("aliases [" + alias + "] missing");
      }
    }
  }
  return Status::OK();
}

HttpResponse Acknowledged() {
  JsonWriter w;
  w.StartObject().Field("acknowledged", true).EndObject();
  return JsonResponse(200, w);
}

// POST /_aliases
HttpResponse UpdateAliases(ClusterIndices& registry, const HttpRequest& req) {
  auto d = ParseObject(req.body, "aliases request");
  if (!d.ok()) return ErrorFromStatus(d.status());
  if (!d->HasMember("actions")) return ErrorFromStatus(Status::Validation("Validation Failed: 1: no actions;"));
  std::vector<AliasAction> actions;
  if (Status s = ParseActions(registry, (*d)["actions"], &actions); !s.ok()) return ErrorFromStatus(s);
  if (actions.empty()) return ErrorFromStatus(Status::Validation("Validation Failed: 1: no actions;"));
  if (Status s = registry.cluster()->UpdateAliases(actions); !s.ok()) return ErrorFromStatus(s);
  return Acknowledged();
}

// PUT|POST /{index}/_alias/{name}
HttpResponse PutAlias(ClusterIndices& registry, const HttpRequest& req) {
  const std::vector<std::string> names = SplitCommaList(req.PathParam("name"));
  if (names.empty()) return ErrorFromStatus(Status::Validation("Validation Failed: 1: alias is missing;"));
  AliasMetadata meta;
  if (req.body.find_first_not_of(" \t\r\n") != std::string_view::npos) {
    auto d = ParseObject(req.body, "alias definition");
    if (!d.ok()) return ErrorFromStatus(d.status());
    auto parsed = ParseDefinition(*d, names[0]);
    if (!parsed.ok()) return ErrorFromStatus(parsed.status());
    meta = std::move(parsed).value();
  }
  auto indices = ConcreteIndices(registry, req.PathParam("index"));
  if (!indices.ok()) return ErrorFromStatus(indices.status());
  std::vector<AliasAction> actions;
  for (const auto& index : *indices) {
    for (const std::string& name : names) {
      if (IsPattern(name)) {
        return ErrorFromStatus(Status::InvalidAliasName("Invalid alias name [" + name + "]: must not contain [*]"));
      }
      if (Status s = ValidateFilter(*index, name, meta); !s.ok()) return ErrorFromStatus(s);
      actions.push_back({AliasAction::Kind::kAdd, index->name(), name, meta, true});
    }
  }
  if (Status s = registry.cluster()->UpdateAliases(actions); !s.ok()) return ErrorFromStatus(s);
  return Acknowledged();
}

// DELETE /{index}/_alias/{name}
HttpResponse DeleteAlias(ClusterIndices& registry, const HttpRequest& req) {
  const std::string list(req.PathParam("name"));
  const std::vector<std::string> names = SplitCommaList(list);
  auto indices = ConcreteIndices(registry, req.PathParam("index"));
  if (!indices.ok()) return ErrorFromStatus(indices.status());
  std::vector<AliasAction> actions;
  std::set<std::string> matched;
  for (const auto& index : *indices) {
    std::vector<AliasAction> on_index;
    RemovalsOn(*index, names, /*must_exist=*/false, &on_index, &matched);
    for (AliasAction& a : on_index) {
      if (index->aliases().count(a.alias)) actions.push_back(std::move(a));
    }
  }
  if (actions.empty()) return ErrorFromStatus(Status::AliasesNotFound("aliases [" + list + "] missing"));
  if (Status s = registry.cluster()->UpdateAliases(actions); !s.ok()) return ErrorFromStatus(s);
  return Acknowledged();
}

void WriteAlias(JsonWriter& w, const AliasMetadata& meta) {
  w.StartObject();
  if (!meta.filter_json.empty()) w.Key("filter").RawJson(meta.filter_json);
  if (!meta.index_routing.empty()) w.Field("index_routing", meta.index_routing);
  if (!meta.search_routing.empty()) w.Field("search_routing", meta.search_routing);
  if (meta.is_write_index) w.Field("is_write_index", *meta.is_write_index);
  w.EndObject();
}

// GET /_alias, /_alias/{name}, /{index}/_alias, /{index}/_alias/{name}
HttpResponse GetAliases(ClusterIndices& registry, const HttpRequest& req) {
  const std::string index_expr(req.PathParam("index"));
  const std::string list(req.PathParam("name"));
  const std::vector<std::string> names = SplitCommaList(list);
  auto indices = ResolveIndices(registry, index_expr, ClosedIndicesAllowed());
  if (!indices.ok()) return ErrorFromStatus(indices.status());
  std::set<std::string> found;
  JsonWriter body;
  body.StartObject();
  size_t listed = 0;
  for (const auto& index : *indices) {
    std::vector<std::pair<const std::string*, const AliasMetadata*>> shown;
    for (const auto& [alias, meta] : index->aliases()) {
      bool wanted = names.empty();
      for (const std::string& n : names) {
        if (NameMatches(n, alias)) {
          wanted = true;
          found.insert(n);
        }
      }
      if (wanted) shown.emplace_back(&alias, &meta);
    }
    // Without alias names every index is listed; with names, those holding one.
    if (!names.empty() && shown.empty()) continue;
    ++listed;
    body.Key(index->name()).StartObject().Key("aliases").StartObject();
    for (const auto& [alias, meta] : shown) {
      body.Key(*alias);
      WriteAlias(body, *meta);
    }
    body.EndObject().EndObject();
  }
  std::vector<std::string> missing;
  for (const std::string& n : names) {
    if (!IsPattern(n) && !found.count(n)) missing.push_back(n);
  }
  if (missing.empty()) {
    body.EndObject();
    return JsonResponse(200, body);
  }
  // As Elasticsearch: 404, the error, and what was found.
  std::string m;
  for (const std::string& n : missing) m += (m.empty() ? "" : ",") + n;
  JsonWriter w;
  w.StartObject().Field("error", std::string(missing.size() == 1 ? "alias [" : "aliases [") + m + "] missing");
  w.Field("status", 404);
  for (const auto& index : *indices) {
    bool any = false;
    for (const auto& [alias, meta] : index->aliases()) {
      for (const std::string& n : names) any = any || NameMatches(n, alias);
    }
    if (!any) continue;
    w.Key(index->name()).StartObject().Key("aliases").StartObject();
    for (const auto& [alias, meta] : index->aliases()) {
      bool wanted = false;
      for (const std::string& n : names) wanted = wanted || NameMatches(n, alias);
      if (!wanted) continue;
      w.Key(alias);
      WriteAlias(w, meta);
    }
    w.EndObject().EndObject();
  }
  (void)listed;
  w.EndObject();
  return JsonResponse(404, w);
}

// GET /_cat/aliases[/{name}]
HttpResponse CatAliases(ClusterIndices& registry, const HttpRequest& req) {
  const std::vector<std::string> names = SplitCommaList(req.PathParam("name"));
  struct Row {
    std::string alias, index;
    const AliasMetadata* meta;
  };
  std::vector<Row> rows;
  auto all = ResolveIndices(registry, "_all", ClosedIndicesAllowed(/*closed_too=*/true));
  if (!all.ok()) return ErrorFromStatus(all.status());
  for (const auto& index : *all) {
    for (const auto& [alias, meta] : index->aliases()) {
      bool wanted = names.empty();
      for (const std::string& n : names) wanted = wanted || NameMatches(n, alias);
      if (wanted) rows.push_back({alias, index->name(), &meta});
    }
  }
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    return a.alias != b.alias ? a.alias < b.alias : a.index < b.index;
  });
  CatTable table({{"alias", false},
                  {"index", false},
                  {"filter", false},
                  {"routing.index", false},
                  {"routing.search", false},
                  {"is_write_index", false}});
  for (const Row& r : rows) {
    table.AddRow({r.alias, r.index, r.meta->filter_json.empty() ? "-" : "*",
                  r.meta->index_routing.empty() ? "-" : r.meta->index_routing,
                  r.meta->search_routing.empty() ? "-" : r.meta->search_routing,
                  r.meta->is_write_index ? (*r.meta->is_write_index ? "true" : "false") : "-"});
  }
  return table.Render(req);
}

}  // namespace

Result<std::map<std::string, AliasMetadata>> ParseIndexAliases(std::string_view json) {
  auto d = ParseObject(json, "aliases");
  if (!d.ok()) return d.status();
  std::map<std::string, AliasMetadata> out;
  for (const auto& m : d->GetObject()) {
    const std::string name(m.name.GetString(), m.name.GetStringLength());
    if (!m.value.IsObject()) return Status::Parse("[aliases] the definition of [" + name + "] must be an object");
    auto meta = ParseDefinition(m.value, name);
    if (!meta.ok()) return meta.status();
    out.emplace(name, std::move(meta).value());
  }
  return out;
}

void WriteIndexAliases(JsonWriter& w, const IndexHandle& index) {
  w.Key("aliases").StartObject();
  for (const auto& [alias, meta] : index.aliases()) {
    w.Key(alias);
    WriteAlias(w, meta);
  }
  w.EndObject();
}

void AddAliasApiRoutes(ApiContext* ctx, HttpRouter* router) {
  router->Add(HttpMethod::kPost, "/_aliases", "indices_update_aliases", WithIndices(ctx, UpdateAliases));
  for (const char* word : {"_alias", "_aliases"}) {
    const std::string named = std::string("/{index}/") + word + "/{name}";
    router->Add(HttpMethod::kPut, named, "indices_put_alias", WithIndices(ctx, PutAlias));
    router->Add(HttpMethod::kPost, named, "indices_put_alias", WithIndices(ctx, PutAlias));
    router->Add(HttpMethod::kDelete, named, "indices_delete_alias", WithIndices(ctx, DeleteAlias));
    router->Add(HttpMethod::kGet, named, "indices_get_alias", WithIndices(ctx, GetAliases));
    router->Add(HttpMethod::kGet, std::string("/{index}/") + word, "indices_get_alias", WithIndices(ctx, GetAliases));
    router->Add(HttpMethod::kGet, std::string("/") + word + "/{name}", "indices_get_alias", WithIndices(ctx, GetAliases));
  }
  router->Add(HttpMethod::kGet, "/_alias", "indices_get_alias", WithIndices(ctx, GetAliases));
  router->Add(HttpMethod::kGet, "/_aliases", "indices_get_alias", WithIndices(ctx, GetAliases));
  for (const char* pattern : {"/_cat/aliases", "/_cat/aliases/{name}"}) {
    router->Add(HttpMethod::kGet, pattern, "cat_aliases", WithIndices(ctx, CatAliases));
  }
}

}  // namespace holdfast
