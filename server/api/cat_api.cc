// GET /_cat/indices[/{index}], /_cat/shards[/{index}] and /_cat/allocation:
// Elasticsearch's compact tables. Text with aligned columns (numbers and sizes right-aligned,
// ?v adds the header row, ?h=a,b picks columns, ?bytes=b|kb|mb|gb fixes the
// size unit) or, with ?format=json, an array of objects of strings.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <map>
#include <optional>

#include "index/mapping/mapping_error.h"
#include "index/util/file_util.h"
#include "index/util/clock.h"
#include "index/util/text_table.h"
#include "server/api/api_errors.h"
#include "server/api/cat_table.h"
#include "server/api/index_api_support.h"
#include "replication/allocation_awareness.h"
#include "replication/cluster_admin.h"
#include "replication/cluster_health.h"
#include "replication/shard_registry.h"
#include "server/process/node_config.h"

namespace holdfast {

namespace {

// "225b", "4.5kb", "1mb" like Elasticsearch's ByteSizeValue; a fixed unit
// ("b", "kb", ...) gives a bare number in it.
std::string FormatBytes(uint64_t bytes, std::string_view fixed_unit) {
  static constexpr const char* kUnits[] = {"b", "kb", "mb", "gb", "tb", "pb"};
  if (!fixed_unit.empty()) {
    for (int u = 0; u < 6; ++u) {
      if (fixed_unit == kUnits[u]) return std::to_string(bytes >> (10 * u));
    }
  }
  int unit = 0;
  double value = static_cast<double>(bytes);
  while (value >= 1024 && unit < 5) {
    value /= 1024;
    ++unit;
  }
  char buf[32];
  const double rounded = std::round(value * 10) / 10;
  if (rounded == std::floor(rounded)) {
    std::snprintf(buf, sizeof(buf), "%.0f%s", rounded, kUnits[unit]);
  } else {
    std::snprintf(buf, sizeof(buf), "%.1f%s", rounded, kUnits[unit]);
  }
  return buf;
}

HttpResponse CatIndices(ClusterIndices& registry, const HttpRequest& req) {
  auto indices = ResolveRequestIndices(registry, req, ClosedIndicesAllowed(/*closed_too=*/true));
  if (!indices.ok()) return ErrorFromStatus(indices.status());
  const std::string unit = req.QueryParam("bytes");
  // ?health=green|yellow|red: only the indices of that health.
  std::optional<HealthStatus> only;
  if (req.HasQueryParam("health")) {
    const std::string h = req.QueryParam("health");
    if (h == "green") only = HealthStatus::kGreen;
    else if (h == "yellow") only = HealthStatus::kYellow;
    else if (h == "red") only = HealthStatus::kRed;
    else return ErrorFromStatus(mapping::IllegalArgumentError("unknown cluster health status [" + h + "]"));
  }
  CatTable table({{"health", false}, {"status", false}, {"index", false}, {"uuid", false}, {"pri", true},
                  {"rep", true}, {"docs.count", true}, {"docs.deleted", true}, {"store.size", true},
                  {"pri.store.size", true}});
  for (const auto& index : *indices) {
    const IndexHealth health = ComputeIndexHealth(*index->state(), *index->state()->FindIndexByUuid(index->uuid()));
    if (only && health.status != *only) continue;
    if (index->closed()) {  // as Elasticsearch: no counts for a closed index
      table.AddRow({HealthStatusName(health.status), "close", index->name(), index->uuid(),
                    std::to_string(index->num_shards()), std::to_string(index->settings().number_of_replicas), "", "",
                    "", ""});
      continue;
    }
    // Documents and sizes of the started primaries (a red index counts what it can reach).
    ShardStats stats;
    for (uint32_t s = 0; s < index->num_shards(); ++s) {
      auto st = index->ShardStatsOf(s, /*with_store_bytes=*/true);
      if (!st.ok()) continue;
      stats.docs += st->docs();
      stats.deleted_docs += st->deleted_docs();
      stats.segment_bytes += st->store_bytes();  // every file, as Elasticsearch's store.size
    }
    const std::string size = FormatBytes(stats.segment_bytes, unit);
    table.AddRow({HealthStatusName(health.status), "open", index->name(), index->uuid(),
                  std::to_string(index->num_shards()), std::to_string(index->settings().number_of_replicas),
                  std::to_string(stats.docs), std::to_string(stats.deleted_docs), size, size});
  }
  return table.Render(req);
}

HttpResponse CatShards(ApiContext* ctx, ClusterIndices& registry, const HttpRequest& req) {
  auto indices = ResolveRequestIndices(registry, req, ClosedIndicesAllowed(/*closed_too=*/true));
  if (!indices.ok()) return ErrorFromStatus(indices.status());
  const std::string unit = req.QueryParam("bytes");
  CatTable table({{"index", false}, {"shard", true}, {"prirep", false}, {"state", false}, {"docs", true},
                  {"store", true}, {"ip", false}, {"node", false},
                  {"id", false, false}, {"allocation_id", false, false}, {"primary_term", true, false},
                  {"unassigned.reason", false, false}, {"failure", false, false},
                  {"local_checkpoint", true, false}, {"global_checkpoint", true, false}, {"max_seq_no", true, false}});
  for (const auto& index : *indices) {
    const ClusterStateSnapshot& state = *index->state();
    const IndexRouting* routing = state.RoutingOf(index->uuid());
    if (routing == nullptr) continue;
    for (const ShardRouting& shard : routing->shards) {
      for (const ShardCopyRouting& copy : shard.copies) {
        std::string docs, store, ip, node, local_checkpoint, global_checkpoint, max_seq_no;
        if (!copy.node_id.empty()) {
          if (auto n = state.nodes.find(copy.node_id); n != state.nodes.end()) {
            node = n->second.name;
            ip = IpOf(n->second.http_address);
          }
        }
        if (copy.state == ShardCopyState::kStarted || copy.state == ShardCopyState::kRelocating) {
          // This copy's own numbers (a replica's, not its primary's).
          auto st = index->ShardStatsOf(shard.shard, /*with_store_bytes=*/true, copy.node_id);
          if (st.ok()) {
            docs = std::to_string(st->docs());
            store = FormatBytes(st->store_bytes(), unit);
            local_checkpoint = std::to_string(st->local_checkpoint());
            global_checkpoint = std::to_string(st->global_checkpoint());
            max_seq_no = std::to_string(st->max_seq_no());
          }
        }
        table.AddRow({index->name(), std::to_string(shard.shard), copy.primary ? "p" : "r",
                      copy.state == ShardCopyState::kFailed ? "UNASSIGNED" : ShardCopyStateName(copy.state), docs, store,
                      ip, node, copy.node_id, copy.allocation_id, std::to_string(shard.primary_term),
                      UnassignedReasonOf(copy), copy.failure, local_checkpoint, global_checkpoint, max_seq_no});
      }
    }
  }
  (void)ctx;
  return table.Render(req);
}

// Shards and disk per node, as Elasticsearch's _cat/allocation: copies
// assigned to the node, bytes of index data on it (disk.indices), its data
// volume (used, available, total, percent used); unassigned copies in a last
// row, node "UNASSIGNED". Only this node's disk is known here.
HttpResponse CatAllocation(ApiContext* ctx, ClusterIndices& registry, const HttpRequest& req) {
  const std::string unit = req.QueryParam("bytes");
  const ClusterStatePtr state = registry.cluster()->Current();
  std::map<std::string, uint64_t> shards_on;
  uint64_t unassigned = 0;
  for (const auto& [uuid, routing] : state->routing) {
    for (const ShardRouting& shard : routing.shards) {
      for (const ShardCopyRouting& copy : shard.copies) {
        const bool placed = !copy.node_id.empty() && copy.state != ShardCopyState::kUnassigned &&
                            copy.state != ShardCopyState::kFailed && copy.state != ShardCopyState::kClosed;
        if (placed) {
          ++shards_on[copy.node_id];
        } else {
          ++unassigned;
        }
      }
    }
  }
  CatTable table({{"shards", true}, {"disk.indices", true}, {"disk.used", true}, {"disk.avail", true},
                  {"disk.total", true}, {"disk.percent", true}, {"host", false}, {"ip", false}, {"node", false}});
  const std::string& local = registry.router()->local_node_id();
  for (const auto& [id, node] : state->nodes) {
    const std::string ip = IpOf(node.http_address);
    std::string indices, used, avail, total, percent;
    if (id == local && ctx->disk != nullptr && ctx->disk->Current().sampled) {
      const DiskUsage usage = ctx->disk->Current().usage;
      indices = FormatBytes(DirectoryBytes(ctx->indices_dir), unit);
      used = FormatBytes(usage.used_bytes(), unit);
      avail = FormatBytes(usage.available_bytes, unit);
      total = FormatBytes(usage.total_bytes, unit);
      percent = std::to_string(static_cast<int>(usage.used_percent()));
    }
    table.AddRow({std::to_string(shards_on[id]), indices, used, avail, total, percent, ip, ip, node.name});
  }
  if (unassigned > 0) table.AddRow({std::to_string(unassigned), "", "", "", "", "", "", "", "UNASSIGNED"});
  return table.Render(req);
}

// The members of the cluster: address, roles, `*` for the master, name, id.
HttpResponse CatNodes(ClusterIndices& registry, const HttpRequest& req) {
  const ClusterStatePtr state = registry.cluster()->Current();
  CatTable table({{"ip", false}, {"node.role", false}, {"master", false}, {"name", false}, {"id", false, false},
                  {"http_address", false, false}, {"grpc_address", false, false}, {"shards", true, false}});
  std::map<std::string, uint64_t> shards_on = CopiesPerNode(*state);
  for (const auto& [id, node] : state->nodes) {
    table.AddRow({IpOf(node.http_address), "dm", id == state->master_node_id ? "*" : "-", node.name, id,
                  node.http_address, node.grpc_address, std::to_string(shards_on[id])});
  }
  return table.Render(req);
}

// The members' node attributes (--node-attr, node.attr.<name>), one row per
// attribute: what allocation awareness matches. The attributes a node
// publishes of itself (disk.*, volume.*) are not listed.
HttpResponse CatNodeAttrs(ClusterIndices& registry, const HttpRequest& req) {
  const ClusterStatePtr state = registry.cluster()->Current();
  CatTable table({{"node", false}, {"id", false, false}, {"host", false}, {"ip", false}, {"attr", false},
                  {"value", false}});
  for (const auto& [id, node] : state->nodes) {
    const std::string ip = IpOf(node.http_address);
    for (const auto& [name, value] : node.attributes) {
      if (IsNodeAttributeName(name)) table.AddRow({node.name, id, ip, ip, name, value});
    }
  }
  return table.Render(req);
}

// The elected master: id, host, ip, node name (empty table when none).
HttpResponse CatMaster(ClusterIndices& registry, const HttpRequest& req) {
  const ClusterStatePtr state = registry.cluster()->Current();
  CatTable table({{"id", false}, {"host", false}, {"ip", false}, {"node", false}});
  auto master = state->nodes.find(state->master_node_id);
  if (master != state->nodes.end()) {
    const std::string ip = IpOf(master->second.http_address);
    table.AddRow({master->first, ip, ip, master->second.name});
  }
  return table.Render(req);
}

// GET /_cat/count[/{index}]: the searchable documents of the indices (of
// every index without a name), as a search for everything would count them.
HttpResponse CatCount(ClusterIndices& registry, const HttpRequest& req) {
  auto indices = ResolveRequestIndices(registry, req);
  if (!indices.ok()) return ErrorFromStatus(indices.status());
  uint64_t count = 0;
  for (const auto& index : *indices) {
    for (uint32_t s = 0; s < index->num_shards(); ++s) {
      auto st = index->ShardStatsOf(s);
      if (!st.ok()) return ErrorFromStatus(st.status());
      count += st->docs();
    }
  }
  const auto [epoch, timestamp] = CatNow();
  CatTable table({{"epoch", true}, {"timestamp", false}, {"count", true}});
  table.AddRow({epoch, timestamp, std::to_string(count)});
  return table.Render(req);
}

}  // namespace

void AddCatApiRoutes(ApiContext* ctx, HttpRouter* router) {
  for (const char* pattern : {"/_cat/count", "/_cat/count/{index}"}) {
    router->Add(HttpMethod::kGet, pattern, "cat_count", WithIndices(ctx, CatCount));
  }
  router->Add(HttpMethod::kGet, "/_cat/nodes", "cat_nodes", WithIndices(ctx, CatNodes));
  router->Add(HttpMethod::kGet, "/_cat/master", "cat_master", WithIndices(ctx, CatMaster));
  router->Add(HttpMethod::kGet, "/_cat/nodeattrs", "cat_nodeattrs", WithIndices(ctx, CatNodeAttrs));
  for (const char* pattern : {"/_cat/indices", "/_cat/indices/{index}"}) {
    router->Add(HttpMethod::kGet, pattern, "cat_indices", WithIndices(ctx, CatIndices));
  }
  router->Add(HttpMethod::kGet, "/_cat/allocation", "cat_allocation",
              WithIndices(ctx, [ctx](ClusterIndices& r, const HttpRequest& req) { return CatAllocation(ctx, r, req); }));
  for (const char* pattern : {"/_cat/shards", "/_cat/shards/{index}"}) {
    router->Add(HttpMethod::kGet, pattern, "cat_shards",
                WithIndices(ctx, [ctx](ClusterIndices& r, const HttpRequest& req) { return CatShards(ctx, r, req); }));
  }
}

}  // namespace holdfast
