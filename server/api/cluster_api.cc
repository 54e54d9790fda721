// The cluster's own endpoints, Elasticsearch-shaped:
//
//   GET  /_cluster/state[/{metrics}]      a documented subset: cluster name and
//                                         uuid, master node, nodes, metadata
//                                         (indices: settings, mappings), routing table
//   GET|POST /_cluster/allocation/explain why a copy is (not) where it is
//   GET|PUT  /_cluster/settings           persistent settings (the allocation
//                                         exclusions, enable and awareness,
//                                         the recovery rate and limits; cluster
//                                         mode only), nested as Elasticsearch
//                                         shows them (?flat_settings=true: flat;
//                                         ?include_defaults=true: the defaults)
//   POST /_cluster/reroute                {"commands": [{"move" | "cancel" | "allocate_replica" |
//                                           "allocate_stale_primary" | "allocate_empty_primary": {...}}]}
//
// Changes need cluster mode (an etcd-backed cluster state): on the embedded
// one-node cluster they answer 400 saying so.
#include <rapidjson/document.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <vector>

#include "index/mapping/mapping_error.h"
#include "index/util/comma_list.h"
#include "index/mapping/mapping_serializer.h"
#include "replication/allocation.h"
#include "replication/allocation_awareness.h"
#include "replication/allocation_filters.h"
#include "replication/cluster_admin.h"
#include "replication/drain_records.h"
#include "replication/etcd_cluster_state.h"
#include "replication/peer_recovery.h"
#include "server/api/api_errors.h"
#include "server/api/index_api_support.h"
#include "server/api/search_request.h"
#include "server/coordinator/shard_router.h"
#include "server/process/node_config.h"

namespace holdfast {

namespace {

bool BlankBody(std::string_view body) { return body.find_first_not_of(" \t\r\n") == std::string_view::npos; }

// The allocation settings this build understands (others are refused, as
// Elasticsearch refuses unknown settings).
bool KnownClusterSetting(const std::string& key) {
  return IsAllocationFilterSetting(key) || key == kRecoveryMaxBytesSetting ||
         key == kMaxConcurrentDisruptionsSetting || key == kAwarenessAttributesSetting || key == kAllocationEnableSetting ||
         key == kTotalShardsPerNodeSetting || IsRecoveryLimitSetting(key) || IsForcedAwarenessSetting(key) ||
         key == kAdaptiveReplicaSelectionSetting;
}

Status NeedsClusterMode(const char* what) {
  return mapping::IllegalArgumentError(std::string(what) +
                                       " needs cluster mode (holdfast serve --etcd-endpoints ...); this node runs the "
                                       "embedded one-node cluster");
}

void WriteRouting(JsonWriter& w, const ClusterStateSnapshot& state, const IndexMetadata& index) {
  const IndexRouting* routing = state.RoutingOf(index.uuid);
  w.Key("shards").StartObject();
  if (routing != nullptr) {
    for (const ShardRouting& shard : routing->shards) {
      w.Key(std::to_string(shard.shard)).StartArray();
      for (const ShardCopyRouting& copy : shard.copies) {
        w.StartObject();
        w.Field("state", ShardCopyStateName(copy.state)).Field("primary", copy.primary);
        if (copy.node_id.empty()) {
          w.Key("node").Null();
        } else {
          w.Field("node", copy.node_id);
        }
        if (copy.relocating_node_id.empty()) {
          w.Key("relocating_node").Null();
        } else {
          w.Field("relocating_node", copy.relocating_node_id);
        }
        w.Field("shard", static_cast<uint64_t>(shard.shard)).Field("index", index.name);
        if (!copy.allocation_id.empty()) w.Key("allocation_id").StartObject().Field("id", copy.allocation_id).EndObject();
        if (copy.forced_primary == "empty") {
          w.Key("recovery_source").StartObject().Field("type", "EMPTY_STORE").EndObject();
        } else if (copy.forced_primary == "stale") {
          w.Key("recovery_source").StartObject().Field("type", "EXISTING_STORE");
          w.Field("bootstrap_new_history_uuid", true).EndObject();
        }
        if (copy.state == ShardCopyState::kUnassigned || copy.state == ShardCopyState::kFailed) {
          w.Key("unassigned_info").StartObject();
          w.Field("reason", UnassignedReasonOf(copy));
          if (copy.unassigned_at_ms > 0) w.Field("at_ms", copy.unassigned_at_ms);
          if (!copy.last_node_id.empty()) w.Field("last_node", copy.last_node_id);
          if (!copy.failure.empty()) w.Field("details", copy.failure);
          w.EndObject();
        }
        w.EndObject();
      }
      w.EndArray();
    }
  }
  w.EndObject();
}

HttpResponse ClusterStateResponse(ApiContext* ctx, ClusterIndices& registry, const HttpRequest& req) {
  const ClusterStatePtr state = registry.cluster()->Current();
  std::string metrics = std::string(req.PathParam("metrics"));
  const std::vector<std::string> listed = SplitCommaList(metrics);
  auto wants = [&](const char* m) {
    return metrics.empty() || metrics == "_all" || std::find(listed.begin(), listed.end(), m) != listed.end();
  };
  JsonWriter w;
  w.StartObject();
  w.Field("cluster_name", state->cluster_name.empty() && ctx->config ? ctx->config->cluster_name : state->cluster_name);
  w.Field("cluster_uuid", state->cluster_uuid);
  if (wants("version")) w.Field("version", state->version);
  if (wants("master_node")) w.Field("master_node", state->master_node_id);
  if (wants("nodes")) {
    w.Key("nodes").StartObject();
    for (const auto& [id, node] : state->nodes) {
      w.Key(id).StartObject();
      w.Field("name", node.name).Field("ephemeral_id", id);
      w.Field("transport_address", node.grpc_address).Field("http_address", node.http_address);
      w.Key("roles").StartArray().String("data").String("master").EndArray();
      w.Key("attributes").StartObject();
      for (const auto& [key, value] : node.attributes) w.Field(key, value);
      w.EndObject();
      w.EndObject();
    }
    w.EndObject();
  }
  if (wants("metadata")) {
    w.Key("metadata").StartObject();
    w.Field("cluster_uuid", state->cluster_uuid);
    w.Key("cluster_coordination").StartObject().EndObject();
    w.Key("persistent_settings").StartObject();
    for (const auto& [key, value] : state->settings) w.Field(key, value);
    w.EndObject();
    // Drain records (replication/drain_records.h), where Elasticsearch keeps
    // its node shutdown records.
    w.Key("node_shutdown").StartObject().Key("nodes").StartObject();
    for (const auto& [id, d] : state->drains) {
      w.Key(id).StartObject();
      w.Field("node_id", d.node_id).Field("node_name", d.node_name).Field("type", d.type);
      w.Field("requested_at_ms", d.requested_at_ms).Field("holds_disruption_slot", d.slot_at_ms > 0);
      w.Field("slot_at_ms", d.slot_at_ms).Field("away_since_ms", d.away_since_ms).Field("returned", d.returned);
      w.EndObject();
    }
    w.EndObject().EndObject();
    w.Key("indices").StartObject();
    for (const IndexMetadata* index : state->IndicesByName()) {
      w.Key(index->name).StartObject();
      w.Field("state", index->closed ? "close" : "open");
      w.Key("settings").StartObject().Key("index").StartObject();
      w.Field("uuid", index->uuid);
      w.Field("number_of_shards", std::to_string(index->settings.number_of_shards));
      w.Field("number_of_replicas", std::to_string(index->settings.number_of_replicas));
      w.Field("creation_date", std::to_string(index->creation_date_ms));
      w.EndObject().EndObject();
      w.Key("mappings").RawJson(index->mapping ? mapping::MappingToJson(*index->mapping) : "{}");
      w.Key("in_sync_allocations").StartObject();
      if (const IndexRouting* routing = state->RoutingOf(index->uuid)) {
        for (const ShardRouting& shard : routing->shards) {
          w.Key(std::to_string(shard.shard)).StartArray();
          for (const std::string& id : shard.in_sync) w.String(id);
          w.EndArray();
        }
      }
      w.EndObject();
      w.Key("primary_terms").StartObject();
      if (const IndexRouting* routing = state->RoutingOf(index->uuid)) {
        for (const ShardRouting& shard : routing->shards) w.Field(std::to_string(shard.shard), shard.primary_term);
      }
      w.EndObject();
      w.EndObject();
    }
    w.EndObject();
    w.EndObject();
  }
  if (wants("routing_table")) {
    w.Key("routing_table").StartObject().Key("indices").StartObject();
    for (const IndexMetadata* index : state->IndicesByName()) {
      w.Key(index->name).StartObject();
      WriteRouting(w, *state, *index);
      w.EndObject();
    }
    w.EndObject().EndObject();
  }
  w.EndObject();
  return JsonResponse(200, w);
}

HttpResponse AllocationExplain(ApiContext* ctx, ClusterIndices& registry, const HttpRequest& req) {
  const ClusterStatePtr state = registry.cluster()->Current();
  ExplainTarget target;
  if (!BlankBody(req.body)) {
    rapidjson::Document d;
    d.Parse(req.body.data(), req.body.size());
    if (d.HasParseError() || !d.IsObject()) return ErrorFromStatus(BodyParseError("request body is not a JSON object"));
    if (d.HasMember("index") && d["index"].IsString()) target.index = d["index"].GetString();
    if (d.HasMember("shard") && d["shard"].IsInt()) target.shard = d["shard"].GetInt();
    if (d.HasMember("primary") && d["primary"].IsBool()) target.primary = d["primary"].GetBool();
  }
  auto e = ExplainCopy(*state, ctx->cluster.load(std::memory_order_acquire), target);
  if (!e.ok()) return ErrorFromStatus(e.status());
  JsonWriter w;
  w.StartObject();
  w.Field("index", e->index).Field("shard", static_cast<uint64_t>(e->shard)).Field("primary", e->primary);
  w.Field("current_state", e->current_state);
  if (!e->current_node.empty()) {
    auto node = state->nodes.find(e->current_node);
    w.Key("current_node").StartObject().Field("id", e->current_node);
    if (node != state->nodes.end()) w.Field("name", node->second.name);
    w.EndObject();
  }
  if (!e->unassigned_reason.empty()) {
    w.Key("unassigned_info").StartObject().Field("reason", e->unassigned_reason);
    if (e->unassigned_at_ms > 0) w.Field("at_ms", e->unassigned_at_ms);
    w.Field("delayed", e->delay_left_ms > 0);
    w.EndObject();
  }
  if (const std::string can = CanAllocateOf(*e); !can.empty()) {
    w.Field("can_allocate", can);
    if (e->delay_left_ms > 0) w.Field("remaining_delay_in_millis", e->delay_left_ms);
  }
  w.Field("allocate_explanation", e->allocate_explanation);
  w.Key("node_allocation_decisions").StartArray();
  for (const auto& [id, why] : e->node_decisions) {
    auto node = state->nodes.find(id);
    w.StartObject().Field("node_id", id);
    if (node != state->nodes.end()) w.Field("node_name", node->second.name);
    w.Field("node_decision", why == "yes" ? "yes" : "no");
    if (why != "yes") w.Key("deciders").StartArray().StartObject().Field("decision", "NO").Field("explanation", why).EndObject().EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return JsonResponse(200, w);
}

// Settings as Elasticsearch shows them: objects nested by the keys' dots
// ({"cluster": {"routing": {"allocation": {"enable": "primaries"}}}}), or
// the keys themselves with ?flat_settings=true.
void WriteSettings(JsonWriter& w, const std::map<std::string, std::string>& settings, bool flat) {
  w.StartObject();
  std::vector<std::string> open;  // the objects open now, outermost first
  for (const auto& [key, value] : settings) {
    if (flat) {
      w.Field(key, value);
      continue;
    }
    std::vector<std::string> parts;
    for (size_t at = 0;;) {
      const size_t dot = key.find('.', at);
      parts.push_back(key.substr(at, dot == std::string::npos ? std::string::npos : dot - at));
      if (dot == std::string::npos) break;
      at = dot + 1;
    }
    // Keys sharing a prefix are neighbours in the map's order.
    size_t shared = 0;
    while (shared < open.size() && shared + 1 < parts.size() && open[shared] == parts[shared]) ++shared;
    for (; open.size() > shared; open.pop_back()) w.EndObject();
    for (size_t i = shared; i + 1 < parts.size(); ++i) {
      w.Key(parts[i]).StartObject();
      open.push_back(parts[i]);
    }
    w.Field(parts.back(), value);
  }
  for (; !open.empty(); open.pop_back()) w.EndObject();
  w.EndObject();
}

// The settings this build understands that have a fixed default
// (?include_defaults=true).
std::map<std::string, std::string> DefaultClusterSettings() {
  const std::string recoveries = std::to_string(kDefaultConcurrentRecoveries);
  return {{kAllocationEnableSetting, "all"},
          {kAdaptiveReplicaSelectionSetting, "true"},
          {kConcurrentRecoveriesSetting, recoveries},
          {kConcurrentIncomingRecoveriesSetting, recoveries},
          {kConcurrentOutgoingRecoveriesSetting, recoveries},
          {kInitialPrimariesRecoveriesSetting, std::to_string(kDefaultInitialPrimariesRecoveries)},
          {kTotalShardsPerNodeSetting, "-1"},
          {kMaxConcurrentDisruptionsSetting, std::to_string(kDefaultMaxConcurrentDisruptions)}};
}

HttpResponse GetSettings(ClusterIndices& registry, const HttpRequest& req) {
  const ClusterStatePtr state = registry.cluster()->Current();
  const bool flat = req.QueryParam("flat_settings") == "true";
  JsonWriter w;
  w.StartObject().Key("persistent");
  WriteSettings(w, state->settings, flat);
  w.Key("transient").StartObject().EndObject();
  if (req.QueryParam("include_defaults") == "true") {
    std::map<std::string, std::string> defaults = DefaultClusterSettings();
    for (const auto& [key, value] : state->settings) defaults.erase(key);
    w.Key("defaults");
    WriteSettings(w, defaults, flat);
  }
  w.EndObject();
  return JsonResponse(200, w);
}

HttpResponse PutSettings(ApiContext* ctx, const HttpRequest& req) {
  EtcdClusterState* cluster = ctx->cluster.load(std::memory_order_acquire);
  if (cluster == nullptr) return ErrorFromStatus(NeedsClusterMode("cluster settings"));
  rapidjson::Document d;
  d.Parse(req.body.data(), req.body.size());
  if (d.HasParseError() || !d.IsObject()) return ErrorFromStatus(BodyParseError("request body is not a JSON object"));
  std::map<std::string, std::optional<std::string>> settings;
  // Flat ("a.b.c": v) or nested ({"a": {"b": ...}}) keys, under persistent or transient.
  std::function<Status(const std::string&, const rapidjson::Value&)> add = [&](const std::string& prefix,
                                                                             const rapidjson::Value& v) -> Status {
    if (v.IsObject()) {
      for (const auto& m : v.GetObject()) {
        HOLDFAST_RETURN_IF_ERROR(add(prefix.empty() ? m.name.GetString() : prefix + "." + m.name.GetString(), m.value));
      }
      return Status::OK();
    }
    if (!KnownClusterSetting(prefix)) {
      return mapping::IllegalArgumentError("persistent setting [" + prefix + "], not recognized");
    }
    if (v.IsNull()) {
      settings[prefix] = std::nullopt;
    } else if (v.IsBool() && prefix == kAdaptiveReplicaSelectionSetting) {
      settings[prefix] = v.GetBool() ? "true" : "false";
    } else if (v.IsString() || (v.IsUint64() && (prefix == kRecoveryMaxBytesSetting ||
                                                 prefix == kMaxConcurrentDisruptionsSetting)) ||
               (v.IsInt64() && (prefix == kTotalShardsPerNodeSetting || IsRecoveryLimitSetting(prefix)))) {
      std::string value = v.IsString() ? std::string(v.GetString(), v.GetStringLength())
                          : v.IsInt64()  ? std::to_string(v.GetInt64())
                                         : std::to_string(v.GetUint64());
      if (prefix == kTotalShardsPerNodeSetting && !ParseShardLimit(value)) {
        return mapping::IllegalArgumentError("failed to parse setting [" + prefix + "] with value [" + value +
                                             "]: must be a whole number >= -1");
      }
      if (IsRecoveryLimitSetting(prefix) && !ParseRecoveryLimit(value)) {
        return mapping::IllegalArgumentError("failed to parse setting [" + prefix + "] with value [" + value +
                                             "]: must be a whole number >= 0");
      }
      if (prefix == kMaxConcurrentDisruptionsSetting &&
          (value.empty() || value.find_first_not_of("0123456789") != std::string::npos || value.size() > 4 ||
           std::stoi(value) < 1)) {
        return mapping::IllegalArgumentError("failed to parse setting [" + prefix + "] with value [" + value +
                                             "]: must be a whole number >= 1");
      }
      if (prefix == kRecoveryMaxBytesSetting) {
        if (auto bytes = ParseByteSize(value); !bytes.ok()) {
          return mapping::IllegalArgumentError("failed to parse setting [" + prefix + "] with value [" + value +
                                               "] as a size in bytes: " + bytes.status().message());
        }
      }
      if (prefix == kAdaptiveReplicaSelectionSetting && value != "true" && value != "false") {
        return mapping::IllegalArgumentError("failed to parse value [" + value + "] as only [true] or [false] are allowed.");
      }
      if (prefix == kAllocationEnableSetting) {  // as Elasticsearch, in any case
        std::transform(value.begin(), value.end(), value.begin(), [](unsigned char c) { return std::tolower(c); });
        if (!IsAllocationEnableValue(value)) {
          return mapping::IllegalArgumentError("failed to parse setting [" + prefix + "] with value [" + value +
                                               "]: use all, primaries, new_primaries or none");
        }
      }
      settings[prefix] = std::move(value);
    } else if (v.IsArray()) {
      std::string joined;
      for (const auto& item : v.GetArray()) {
        if (!item.IsString()) return mapping::IllegalArgumentError("setting [" + prefix + "]: not a list of strings");
        joined += (joined.empty() ? "" : ",") + std::string(item.GetString());
      }
      settings[prefix] = joined;
    } else {
      return mapping::IllegalArgumentError("setting [" + prefix + "]: not a string");
    }
    // Awareness names attributes as --node-attr takes them: a typo would
    // otherwise leave every node without the attribute, taking no copies.
    if (prefix == kAwarenessAttributesSetting && settings[prefix]) {
      for (const std::string& name : SplitCommaList(*settings[prefix])) {
        if (!IsNodeAttributeName(name)) {
          return mapping::IllegalArgumentError("failed to parse setting [" + prefix + "]: [" + name +
                                               "] is not a node attribute name (letters, digits, '_', '-')");
        }
      }
    }
    return Status::OK();
  };
  for (const char* scope : {"persistent", "transient"}) {
    if (d.HasMember(scope)) {
      Status s = add("", d[scope]);
      if (!s.ok()) return ErrorFromStatus(s);
    }
  }
  Status s = cluster->PutSettings(settings);
  if (!s.ok()) return ErrorFromStatus(s);
  std::map<std::string, std::string> put;
  for (const auto& [key, value] : settings) {
    if (value) put[key] = *value;
  }
  JsonWriter w;
  w.StartObject().Field("acknowledged", true).Key("persistent");
  WriteSettings(w, put, req.QueryParam("flat_settings") == "true");
  w.Key("transient").StartObject().EndObject().EndObject();
  return JsonResponse(200, w);
}

// One command of the body: {"<kind>": {index, shard, node | from_node, to_node, ...}}.
Result<RerouteCommand> ParseRerouteCommand(const rapidjson::Value& c) {
  if (!c.IsObject() || c.MemberCount() != 1 || !c.MemberBegin()->value.IsObject()) {
    return mapping::IllegalArgumentError("a reroute command is an object with one member: the command's name");
  }
  RerouteCommand out;
  out.kind = c.MemberBegin()->name.GetString();
  if (!IsRerouteCommand(out.kind)) {
    return mapping::IllegalArgumentError(
        "unknown reroute command [" + out.kind +
        "] (move, cancel, allocate_replica, allocate_stale_primary and allocate_empty_primary are known)");
  }
  const rapidjson::Value& m = c.MemberBegin()->value;
  auto str = [&](const char* k) { return m.HasMember(k) && m[k].IsString() ? std::string(m[k].GetString()) : std::string(); };
  auto flag = [&](const char* k) { return m.HasMember(k) && m[k].IsBool() && m[k].GetBool(); };
  out.index = str("index");
  out.node = str("node");
  out.from_node = str("from_node");
  out.to_node = str("to_node");
  out.allow_primary = flag("allow_primary");
  out.accept_data_loss = flag("accept_data_loss");
  const bool has_shard = m.HasMember("shard") && m["shard"].IsUint();
  if (has_shard) out.shard = m["shard"].GetUint();
  const bool move = out.kind == "move";
  if (out.index.empty() || !has_shard || (move ? out.from_node.empty() || out.to_node.empty() : out.node.empty())) {
    return mapping::IllegalArgumentError("[" + out.kind + "] needs index, shard and " +
                                         (move ? "from_node and to_node" : "node"));
  }
  return out;
}

void WriteRerouteParameters(JsonWriter& w, const RerouteCommand& c) {
  w.Key("parameters").StartObject().Field("index", c.index).Field("shard", static_cast<uint64_t>(c.shard));
  if (c.kind == "move") {
    w.Field("from_node", c.from_node).Field("to_node", c.to_node);
  } else {
    w.Field("node", c.node);
  }
  if (c.kind == "cancel") w.Field("allow_primary", c.allow_primary);
  if (c.kind == "allocate_stale_primary" || c.kind == "allocate_empty_primary") {
    w.Field("accept_data_loss", c.accept_data_loss);
  }
  w.EndObject();
}

// POST /_cluster/reroute: Elasticsearch's allocation commands, applied by
// the master in one change (replication/allocation.h ApplyReroute), then
// the allocation pass. `dry_run` writes nothing and shows the routing it
// would be; `explain` says what became of each command (a refused one is
// skipped instead of failing the request); `retry_failed` tries failed
// allocations again now; `metric=none` leaves the state out.
HttpResponse Reroute(ApiContext* ctx, const HttpRequest& req) {
  EtcdClusterState* cluster = ctx->cluster.load(std::memory_order_acquire);
  if (cluster == nullptr) return ErrorFromStatus(NeedsClusterMode("reroute"));
  EtcdClusterState::RerouteRequest request;
  request.dry_run = req.QueryParam("dry_run") == "true";
  request.explain = req.QueryParam("explain") == "true";
  request.retry_failed = req.QueryParam("retry_failed") == "true";
  if (!BlankBody(req.body)) {
    rapidjson::Document d;
    d.Parse(req.body.data(), req.body.size());
    if (d.HasParseError() || !d.IsObject()) return ErrorFromStatus(BodyParseError("request body is not a JSON object"));
    if (d.HasMember("commands")) {
      if (!d["commands"].IsArray()) return ErrorFromStatus(mapping::IllegalArgumentError("[commands] is an array"));
      for (const auto& c : d["commands"].GetArray()) {
        auto command = ParseRerouteCommand(c);
        if (!command.ok()) return ErrorFromStatus(command.status());
        request.commands.push_back(std::move(command).value());
      }
    }
  }
  auto done = cluster->Reroute(request);
  if (!done.ok()) return ErrorFromStatus(done.status());
  JsonWriter w;
  w.StartObject().Field("acknowledged", true);
  if (req.QueryParam("metric") != "none") {
    // The state after the change as this node sees it (it waited for it),
    // or, for a dry run, with the routing the commands would give.
    ClusterStatePtr now = cluster->Current();
    ClusterStateSnapshot shown = *now;
    for (const auto& [uuid, routing] : done->routing) shown.routing[uuid] = routing;
    w.Key("state").StartObject();
    w.Field("cluster_uuid", shown.cluster_uuid).Field("version", shown.version).Field("master_node", shown.master_node_id);
    w.Key("routing_table").StartObject().Key("indices").StartObject();
    for (const IndexMetadata* index : shown.IndicesByName()) {
      w.Key(index->name).StartObject();
      WriteRouting(w, shown, *index);
      w.EndObject();
    }
    w.EndObject().EndObject().EndObject();
  }
  if (request.explain) {
    w.Key("explanations").StartArray();
    for (size_t i = 0; i < request.commands.size() && i < done->decisions.size(); ++i) {
      const RerouteCommand& c = request.commands[i];
      w.StartObject().Field("command", c.kind);
      WriteRerouteParameters(w, c);
      w.Key("decisions").StartArray().StartObject();
      w.Field("decider", c.kind + "_allocation_command");
      w.Field("decision", done->decisions[i].applied ? "YES" : "NO");
      w.Field("explanation", done->decisions[i].explanation);
      w.EndObject().EndArray().EndObject();
    }
    w.EndArray();
  }
  w.EndObject();
  return JsonResponse(200, w);
}

}  // namespace

void AddClusterApiRoutes(ApiContext* ctx, HttpRouter* router) {
  for (const char* pattern : {"/_cluster/state", "/_cluster/state/{metrics}", "/_cluster/state/{metrics}/{index}"}) {
    router->Add(HttpMethod::kGet, pattern, "cluster_state",
                WithIndices(ctx, [ctx](ClusterIndices& r, const HttpRequest& req) { return ClusterStateResponse(ctx, r, req); }));
  }
  for (HttpMethod m : {HttpMethod::kGet, HttpMethod::kPost}) {
    router->Add(m, "/_cluster/allocation/explain", "cluster_allocation_explain",
                WithIndices(ctx, [ctx](ClusterIndices& r, const HttpRequest& req) { return AllocationExplain(ctx, r, req); }));
  }
  router->Add(HttpMethod::kGet, "/_cluster/settings", "cluster_get_settings",
              WithIndices(ctx, [](ClusterIndices& r, const HttpRequest& req) { return GetSettings(r, req); }));
  router->Add(HttpMethod::kPut, "/_cluster/settings", "cluster_put_settings",
              [ctx](const HttpRequest& req) { return PutSettings(ctx, req); });
  router->Add(HttpMethod::kPost, "/_cluster/reroute", "cluster_reroute",
              [ctx](const HttpRequest& req) { return Reroute(ctx, req); });
}

}  // namespace holdfast
