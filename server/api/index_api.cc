// Index management routes (create, get, delete, mappings, settings, close,
// open, refresh, flush, force merge), and AddIndexApiRoutes, which adds these and the document,
// bulk and _cat route groups.
#include <spdlog/spdlog.h>

#include <set>

#include "index/mapping/mapping_error.h"
#include "index/search/request_query.h"
#include "index/util/clock.h"
#include "replication/index_names.h"
#include "server/api/active_shards.h"
#include "server/api/api_context.h"
#include "server/api/api_errors.h"
#include "server/api/index_api_settings.h"
#include "server/api/index_api_support.h"
#include "server/api/index_templates.h"

namespace holdfast {

ClusterIndices* RequireIndices(ApiContext* ctx, HttpResponse* error) {
  ClusterIndices* r = ctx->indices.load(std::memory_order_acquire);
  if (r == nullptr) {
    // Not Status::Blocked (429): Elasticsearch answers this retryable block with 503.
    *error = ErrorResponse(503, "cluster_block_exception",
                           "blocked by: [SERVICE_UNAVAILABLE/1/state not recovered / initialized];");
  }
  return r;
}

HttpHandler WithIndices(ApiContext* ctx, RegistryHandler handler) {
  return [ctx, handler = std::move(handler)](const HttpRequest& req) {
    HttpResponse error;
    ClusterIndices* registry = RequireIndices(ctx, &error);
    if (registry == nullptr) return error;
    return handler(*registry, req);
  };
}

namespace {

HttpResponse Acknowledged() {
  JsonWriter w;
  w.StartObject().Field("acknowledged", true).EndObject();
  return JsonResponse(200, w);
}

HttpResponse CreateIndex(ClusterIndices& registry, const HttpRequest& req) {
  auto dated = ResolveDateMathName(req.PathParam("index"), WallClockMs());  // <logs-{now/d}>
  if (!dated.ok()) return ErrorFromStatus(dated.status());
  const std::string name = std::move(dated).value();
  if (Status s = ValidateIndexName(name); !s.ok()) return ErrorFromStatus(s);
  auto body = ParseCreateIndexBody(req.body);  // the request's own errors first
  if (!body.ok()) return ErrorFromStatus(body.status());
  // The matching index template (and its component templates) under the request.
  auto composed = ComposeCreateIndexBody(*registry.cluster()->Current(), name, req.body);
  if (!composed.ok()) return ErrorFromStatus(composed.status());
  if (*composed != req.body) body = ParseCreateIndexBody(*composed);
  if (!body.ok()) return ErrorFromStatus(body.status());
  for (const auto& [alias, meta] : body->aliases) {
    if (meta.filter_json.empty()) continue;
    auto mapping = body->mapping ? body->mapping : std::make_shared<const mapping::Mapping>();
    if (auto parsed = ParseRequestQuery(mapping, meta.filter_json, {}); !parsed.ok()) {
      return ErrorFromStatus(mapping::IllegalArgumentError("failed to parse filter for alias [" + alias + "]: " +
                                                           parsed.status().message()));
    }
  }
  // ?wait_for_active_shards= (default 1: the primaries; 0: no wait; N or
  // all: that many started copies of every shard) within ?timeout= (30s);
  // shards_acknowledged says whether they got there.
  auto wait = ParseActiveShardsWait(req);
  if (!wait.ok()) return ErrorFromStatus(wait.status());
  if (!req.HasQueryParam("timeout")) wait->timeout = registry.active_timeout();
  auto created = registry.Create(name, body->settings, body->mapping, body->aliases, /*wait_for_primaries=*/false);
  if (!created.ok()) return ErrorFromStatus(created.status());
  spdlog::info("created index [{}] ({} shards, {} replicas)", name, body->settings.number_of_shards,
               body->settings.number_of_replicas);
  bool started = true;
  if (wait->needed()) {
    std::set<uint32_t> shards;
    for (uint32_t s = 0; s < (*created)->num_shards(); ++s) shards.insert(s);
    started = WaitForActiveShardsStatus(registry, **created, shards, *wait, "create index [" + name + "]").ok();
  } else if (wait->count == 1) {
    started = registry.WaitForActivePrimaries((*created)->uuid(), wait->timeout);
  }
  JsonWriter w;
  w.StartObject().Field("acknowledged", true).Field("shards_acknowledged", started).Field("index", name).EndObject();
  return JsonResponse(200, w);
}

// GET /{index}, /{index}/_mapping, /{index}/_settings: one object per index
// with the parts asked for.
struct IndexParts {
  bool aliases = false;
  bool mappings = false;
  bool settings = false;
};

HttpResponse DescribeIndices(ClusterIndices& registry, const HttpRequest& req, IndexParts parts) {
  auto indices = ResolveRequestIndices(registry, req, ClosedIndicesAllowed());
  if (!indices.ok()) return ErrorFromStatus(indices.status());
  JsonWriter w;
  w.StartObject();
  for (const auto& index : *indices) {
    w.Key(index->name()).StartObject();
    if (parts.aliases) WriteIndexAliases(w, *index);
    if (parts.mappings) WriteIndexMappings(w, *index);
    if (parts.settings) WriteIndexSettings(w, *index);
    w.EndObject();
  }
  w.EndObject();
  return JsonResponse(200, w);
}

HttpResponse DeleteIndices(ClusterIndices& registry, const HttpRequest& req) {
  auto options = ParseIndicesOptions(req, ClosedIndicesAllowed(/*closed_too=*/true));
  if (!options.ok()) return ErrorFromStatus(options.status());
  options->aliases = false;
  auto targets = registry.cluster()->Current()->ResolveSearchTargets(req.PathParam("index"), *options);
  if (!targets.ok()) return ErrorFromStatus(targets.status());
  for (const auto& target : *targets) {
    const std::string& name = target.name;
    Status s = registry.Delete(name);
    if (!s.ok() && s.kind() != StatusCode::kIndexNotFound) return ErrorFromStatus(s);  // deleted meanwhile: fine
    if (s.ok()) spdlog::info("deleted index [{}]", name);
  }
  return Acknowledged();
}

// PUT /{index}/_settings: dynamic settings, applied to every index of the
// expression in one cluster-state change (live: refresh_interval reaches the
// open shards, new replicas are allocated).
HttpResponse PutSettings(ClusterIndices& registry, const HttpRequest& req) {
  auto parsed = ParseSettingsUpdate(req.body);
  if (!parsed.ok()) return ErrorFromStatus(parsed.status());
  auto indices = ResolveRequestIndices(registry, req, ClosedIndicesAllowed());
  if (!indices.ok()) return ErrorFromStatus(indices.status());
  if (!parsed->static_keys.empty()) {
    std::string keys, names;
    for (const std::string& k : parsed->static_keys) keys += (keys.empty() ? "" : ", ") + k;
    for (const auto& index : *indices) names += (names.empty() ? "" : ", ") + index->name() + "/" + index->uuid();
    return ErrorFromStatus(mapping::IllegalArgumentError("Can't update non dynamic settings [[" + keys +
                                                         "]] for open indices [[" + names + "]]"));
  }
  std::vector<std::string> uuids;
  for (const auto& index : *indices) uuids.push_back(index->uuid());
  if (!uuids.empty()) {
    if (Status s = registry.cluster()->UpdateIndexSettings(uuids, parsed->update); !s.ok()) return ErrorFromStatus(s);
  }
  return Acknowledged();
}

HttpResponse PutMapping(ClusterIndices& registry, const HttpRequest& req) {
  auto update = ParseMappingUpdate(req.body);
  if (!update.ok()) return ErrorFromStatus(update.status());
  auto indices = ResolveRequestIndices(registry, req, ClosedIndicesAllowed());
  if (!indices.ok()) return ErrorFromStatus(indices.status());
  for (const auto& index : *indices) {
    if (Status s = index->PutMapping(*update); !s.ok()) return ErrorFromStatus(s);
  }
  return Acknowledged();
}

// _refresh, _flush, _forcemerge: one operation over every shard of the
// resolved indices; {"_shards": {...}} counts shard copies like Elasticsearch.
using ShardwiseOp = Status (*)(IndexHandle&, const HttpRequest&);

HttpResponse RunOnIndices(ClusterIndices& registry, const HttpRequest& req, ShardwiseOp op) {
  auto indices = ResolveRequestIndices(registry, req);
  if (!indices.ok()) return ErrorFromStatus(indices.status());
  uint64_t total = 0, successful = 0;
  for (const auto& index : *indices) {
    if (Status s = op(*index, req); !s.ok()) return ErrorFromStatus(s);
    total += uint64_t{index->num_shards()} * (1 + index->settings().number_of_replicas);
    successful += index->num_shards();
  }
  JsonWriter w;
  w.StartObject();
  WriteShardsHeader(w, total, successful);
  w.EndObject();
  return JsonResponse(200, w);
}

Status RefreshOp(IndexHandle& index, const HttpRequest&) { return index.Refresh(); }
// ?wait_for_merges=true (holdfast): also run the merges the merge policy
// still wants and wait for them, as Lucene's IndexWriter.close() does.
Status FlushOp(IndexHandle& index, const HttpRequest& req) {
  const std::string wait = req.QueryParam("wait_for_merges", "false");
  if (wait == "true" || (req.HasQueryParam("wait_for_merges") && wait.empty())) return index.FinishMerges();
  if (wait != "false") {
    return mapping::IllegalArgumentError("[wait_for_merges] must be true or false, got [" + wait + "]");
  }
  return index.Flush();
}
Status ForceMergeOp(IndexHandle& index, const HttpRequest& req) {
  auto n = Int64Param(req, "max_num_segments");
  if (!n.ok()) return n.status();
  const int64_t segments = n->value_or(1);
  if (segments < 1) return Status::InvalidArgument("max_num_segments must be >= 1");
  return index.ForceMerge(static_cast<size_t>(segments));
}

// POST /{index}/_close and /_open: the index state, for every index of the
// expression in one cluster-state change. Closing flushes first (the
// copies' files are then all there is), then the copies close where they
// are; opening reopens them from the volumes and waits (the create
// timeout) for the primaries, as wait_for_active_shards=1 does.
HttpResponse SetIndicesClosed(ClusterIndices& registry, const HttpRequest& req, bool close) {
  IndicesOptions defaults = ClosedIndicesAllowed();
  if (!close) {  // _open expands wildcards to closed indices (Elasticsearch's default)
    defaults.expand_open = false;
    defaults.expand_closed = true;
  }
  auto indices = ResolveRequestIndices(registry, req, defaults);
  if (!indices.ok()) return ErrorFromStatus(indices.status());
  std::vector<std::string> uuids;
  for (const auto& index : *indices) {
    if (close && !index->closed()) {
      if (Status s = index->Flush(); !s.ok()) return ErrorFromStatus(s);
    }
    uuids.push_back(index->uuid());
  }
  if (!uuids.empty()) {
    IndexSettingsUpdate update;
    update.closed = close;
    if (Status s = registry.cluster()->UpdateIndexSettings(uuids, update); !s.ok()) return ErrorFromStatus(s);
  }
  bool all_active = true;
  for (const auto& index : *indices) {
    spdlog::info("{} index [{}]", close ? "closed" : "opened", index->name());
    if (!close) all_active = registry.WaitForActivePrimaries(index->uuid(), registry.active_timeout()) && all_active;
  }
  JsonWriter w;
  w.StartObject().Field("acknowledged", true).Field("shards_acknowledged", all_active);
  if (close) {
    w.Key("indices").StartObject();
    for (const auto& index : *indices) w.Key(index->name()).StartObject().Field("closed", true).EndObject();
    w.EndObject();
  }
  w.EndObject();
  return JsonResponse(200, w);
}

void AddIndexAdminRoutes(ApiContext* ctx, HttpRouter* router) {
  auto add = [&](HttpMethod m, std::string pattern, std::string name, RegistryHandler h) {
    router->Add(m, std::move(pattern), std::move(name), WithIndices(ctx, std::move(h)));
  };
  add(HttpMethod::kPut, "/{index}", "index_create", CreateIndex);
  add(HttpMethod::kGet, "/{index}", "index_get", [](ClusterIndices& r, const HttpRequest& req) {
    return DescribeIndices(r, req, {.aliases = true, .mappings = true, .settings = true});
  });
  add(HttpMethod::kDelete, "/{index}", "index_delete", DeleteIndices);
  for (const char* pattern : {"/{index}/_mapping", "/_mapping", "/_all/_mapping"}) {
    add(HttpMethod::kGet, pattern, "index_get_mapping", [](ClusterIndices& r, const HttpRequest& req) {
      return DescribeIndices(r, req, {.mappings = true});
    });
  }
  for (const char* pattern : {"/{index}/_settings", "/_settings", "/_all/_settings"}) {
    add(HttpMethod::kGet, pattern, "index_get_settings", [](ClusterIndices& r, const HttpRequest& req) {
      return DescribeIndices(r, req, {.settings = true});
    });
  }
  add(HttpMethod::kPut, "/{index}/_mapping", "index_put_mapping", PutMapping);
  for (const char* pattern : {"/{index}/_settings", "/_settings", "/_all/_settings"}) {
    add(HttpMethod::kPut, pattern, "index_put_settings", PutSettings);
  }
  add(HttpMethod::kPost, "/{index}/_mapping", "index_put_mapping", PutMapping);
  add(HttpMethod::kPost, "/{index}/_close", "index_close",
      [](ClusterIndices& r, const HttpRequest& req) { return SetIndicesClosed(r, req, /*close=*/true); });
  add(HttpMethod::kPost, "/{index}/_open", "index_open",
      [](ClusterIndices& r, const HttpRequest& req) { return SetIndicesClosed(r, req, /*close=*/false); });
  struct Op {
    const char* suffix;
    const char* name;
    ShardwiseOp op;
  };
  for (const Op& o : {Op{"_refresh", "index_refresh", RefreshOp}, Op{"_flush", "index_flush", FlushOp},
                      Op{"_forcemerge", "index_forcemerge", ForceMergeOp}}) {
    // "_all" is never captured as {index}: it has routes of its own (no index = every index).
    for (const std::string& pattern :
         {"/{index}/" + std::string(o.suffix), "/" + std::string(o.suffix), "/_all/" + std::string(o.suffix)}) {
      for (HttpMethod m : {HttpMethod::kPost, HttpMethod::kGet}) {
        ShardwiseOp op = o.op;
        add(m, pattern, o.name, [op](ClusterIndices& r, const HttpRequest& req) { return RunOnIndices(r, req, op); });
      }
    }
  }
}

}  // namespace

void AddIndexApiRoutes(ApiContext* ctx, HttpRouter* router) {
  AddIndexAdminRoutes(ctx, router);
  AddDocumentApiRoutes(ctx, router);
  AddMultiGetRoutes(ctx, router);
  AddBulkApiRoutes(ctx, router);
  AddCatApiRoutes(ctx, router);
  AddRecoveryApiRoutes(ctx, router);
  AddLifecycleApiRoutes(ctx, router);
  AddClusterHealthRoutes(ctx, router);
  AddClusterApiRoutes(ctx, router);
  AddEventApiRoutes(ctx, router);
  AddAliasApiRoutes(ctx, router);
  AddAnalyzeApiRoutes(ctx, router);
  AddStatsApiRoutes(ctx, router);
  AddTemplateApiRoutes(ctx, router);
  AddReindexApiRoutes(ctx, router);
}

}  // namespace holdfast
