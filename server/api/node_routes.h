// The node's own HTTP routes: `GET /` (identity in Elasticsearch's shape),
// the orchestrator's `/_lifecycle/{live,ready,status}` (status includes the
// data volume's usage against the disk watermarks), and `/metrics`.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "lifecycle/disk_monitor.h"
#include "lifecycle/node_store.h"
#include "lifecycle/readiness.h"
#include "lifecycle/volume.h"
#include "replication/shard_registry.h"
#include "server/process/node_config.h"

namespace rocksdb {
class Cache;
}

namespace holdfast {

class GrpcShardClients;

class NodeDrainer;

class StatsCache;

class HttpRouter;
class HttpMetrics;

// What the routes read. Owned by Node; outlives the HTTP server. All fields
// are set before the server starts, except `metrics`, set right after the
// router is built (the metrics need the route names).
struct NodeRouteContext {
  const NodeConfig* config = nullptr;
  const Volume* volume = nullptr;
  const Readiness* readiness = nullptr;
  LastStop last_stop = LastStop::kFirstStart;
  const DiskMonitor* disk = nullptr;  // the data volume's usage and the write block
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  const HttpMetrics* metrics = nullptr;
  uint64_t source_cache_capacity = 0;
  std::shared_ptr<rocksdb::Cache> source_cache;  // may be null
  StatsCache* stats_cache = nullptr;             // may be null
  // The shard copies, once startup recovery has opened them (null before).
  std::atomic<const ShardRegistry*> shards{nullptr};
  // The cluster state they follow (whether each copy is in sync); null before.
  std::atomic<ClusterState*> cluster_state{nullptr};
  // This node's drains (the status names the drain's state); null before.
  std::atomic<const NodeDrainer*> drainer{nullptr};
  // The clients of the other nodes (their batch rpcs); null on a single node.
  std::atomic<const GrpcShardClients*> peers{nullptr};
};

void AddNodeRoutes(const NodeRouteContext* ctx, HttpRouter* router);

}  // namespace holdfast
