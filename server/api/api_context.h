// ApiContext: what the Elasticsearch-compatible HTTP API handlers work with.
// Owned by the node; outlives the HTTP server. All members are thread-safe.
#pragma once

#include <atomic>
#include <functional>
#include <vector>
#include <string>

#include "server/http/http_router.h"
#include "server/coordinator/cluster_indices.h"
#include "lifecycle/disk_monitor.h"
#include "server/process/node_config.h"

namespace holdfast {

class NodeDrainer;
class StatsCache;
class TaskRegistry;

class ThreadPool;
class EtcdClusterState;
class ShardRegistry;
class HttpRouter;

struct ApiContext {
  const NodeConfig* config = nullptr;
  // Set once startup recovery has opened every index; null before.
  std::atomic<ClusterIndices*> indices{nullptr};
  ThreadPool* search_pool = nullptr;  // fan-out of one search over shards
  StatsCache* stats_cache = nullptr;  // statistics sums of recent searches; may be null
  const DiskMonitor* disk = nullptr;  // _cat/allocation; null: no disk columns
  std::string indices_dir;            // <data-dir>/indices, for disk.indices
  // Cluster mode only (set once the node has joined): cluster settings,
  // moves, allocation explanations with disk use.
  std::atomic<EtcdClusterState*> cluster{nullptr};
  // This node's shard copies (peer recoveries for _cat/recovery); null before startup recovery.
  std::atomic<ShardRegistry*> registry{nullptr};
  // This node's drains (POST/GET/DELETE /_lifecycle/drain); null before
  // startup recovery.
  std::atomic<NodeDrainer*> drainer{nullptr};
  // Non-empty (--admin-token-file): the /_lifecycle/ calls that change
  // something need `Authorization: Bearer <token>`.
  std::string admin_token;
  // _reindex and the by-query APIs (GET /_tasks); null: no background tasks.
  TaskRegistry* tasks = nullptr;
  // Run in order when the node stops serving, before its shards close and
  // the indices go: what a route group keeps across requests that holds
  // shard resources (open scrolls) lets go. Added while routes are added.
  std::vector<std::function<void()>> before_close;
};

// The registry, or null with *error set to 503 cluster_block_exception while
// the node is still recovering.
ClusterIndices* RequireIndices(ApiContext* ctx, HttpResponse* error);

// Index management, documents, bulk, _cat, _cluster/health, refresh/flush
// (server/index_api*.cc, server/document_api*.cc, server/bulk_api*.cc).
void AddIndexApiRoutes(ApiContext* ctx, HttpRouter* router);
// _search, _count, scroll (server/search_api*.cc).
void AddSearchApiRoutes(ApiContext* ctx, HttpRouter* router);
// /{index}/_explain/{id} (server/api/explain_api.cc); added by AddSearchApiRoutes.
void AddExplainApiRoutes(ApiContext* ctx, HttpRouter* router);

}  // namespace holdfast
