// The startup of a node, step by step (DESIGN.md §3, §7):
//
//   1. OpenNodeVolume: the volume (VOLUME identity, LOCK) → the node store →
//      how the previous run stopped (the clean-shutdown marker);
//   2. RecoverShards: the cluster state (the local one on the node store:
//      indices, mappings, routing) → every shard copy the state assigns to
//      this node, opened and recovered (op log replay) and reported started
//      — or failed, with the reason, while the rest of the node comes up →
//      the shard service that answers requests for them.
// The node turns ready (lifecycle/readiness.h) only after step 2.
// NodeShards::Close is the matching last step of a stop (drain.h).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "index/shard/shard_engine.h"
#include "lifecycle/node_store.h"
#include "lifecycle/volume.h"
#include "replication/local_cluster_state.h"
#include "replication/shard_registry.h"
#include "replication/shard_service.h"

namespace holdfast {

struct NodeVolume {
  std::unique_ptr<Volume> volume;
  std::unique_ptr<NodeStore> store;
  LastStop last_stop = LastStop::kFirstStart;
  // False when the "running" marker could not be recorded (a full disk):
  // the node starts anyway.
  bool run_recorded = true;
};

// Step 1. On failure *volume_error says which kind (for the exit code);
// errors of the node store leave it kNone. `store_log`: where the node
// store's RocksDB diagnostics go (null: discarded). A full disk does not
// stop it: the node store opens read-only if it must.
Result<NodeVolume> OpenNodeVolume(const VolumeOptions& options, VolumeError* volume_error,
                                  std::shared_ptr<rocksdb::Logger> store_log = nullptr);

struct NodeShardsOptions {
  ClusterNode node;            // name and addresses; node_id comes from the volume
  std::string cluster_name;
  ShardEngineOptions engine;   // what every copy starts from
  ShardServiceOptions service;
  std::function<void(const ShardId&, const Status&)> on_shard_failure;  // for the log
  // Cluster mode: the cluster state (on etcd) to converge to; null runs the
  // embedded one-node cluster state on the node store.
  ClusterState* cluster = nullptr;
  // Other nodes' Shard services by node id (peer recovery); null: none.
  std::function<ShardClient*(const std::string& node_id)> peer;
  uint64_t recovery_max_bytes_per_sec = 40ull << 20;  // indices.recovery.max_bytes_per_sec
};

struct NodeShards {
  std::unique_ptr<LocalClusterState> local_state;  // the embedded default only
  ClusterState* cluster_state = nullptr;           // the one in use
  std::unique_ptr<ShardRegistry> registry;
  std::unique_ptr<ShardService> service;

  // Flushes and closes every copy (the end of a clean stop).
  Status Close();
};

// Step 2.
Result<NodeShards> RecoverShards(NodeVolume& volume, NodeShardsOptions options);

}  // namespace holdfast
