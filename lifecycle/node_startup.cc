#include "lifecycle/node_startup.h"

namespace holdfast {

Result<NodeVolume> OpenNodeVolume(const VolumeOptions& options, VolumeError* volume_error,
                                  std::shared_ptr<rocksdb::Logger> store_log) {
  NodeVolume out;
  auto volume = Volume::Open(options, volume_error);
  if (!volume.ok()) return volume.status();
  out.volume = std::move(volume).value();
  auto store = NodeStore::Open(out.volume->node_dir(), std::move(store_log));
  if (!store.ok()) return Status(store.status().code(), "node store: " + store.status().message());
  out.store = std::move(store).value();
  auto last = out.store->BeginRun(&out.run_recorded);
  if (!last.ok()) return Status(last.status().code(), "recording the node start: " + last.status().message());
  out.last_stop = last.value();
  return out;
}

Result<NodeShards> RecoverShards(NodeVolume& volume, NodeShardsOptions options) {
  NodeShards out;
  const VolumeIdentity& id = volume.volume->identity();
  options.node.node_id = id.node_id;
  if (options.cluster != nullptr) {
    out.cluster_state = options.cluster;
  } else {
    auto state = LocalClusterState::Open(volume.store.get(), options.node, id.cluster_uuid, options.cluster_name,
                                         volume.volume->indices_dir());
    if (!state.ok()) return Status(state.status().code(), "cluster state: " + state.status().message());
    out.local_state = std::move(state).value();
    out.cluster_state = out.local_state.get();
  }
  ShardRegistryOptions ro;
  ro.indices_dir = volume.volume->indices_dir();
  ro.node_id = id.node_id;
  ro.engine = options.engine;
  ro.on_failure = options.on_shard_failure;
  ro.peer = options.peer;
  ro.recovery_max_bytes_per_sec = options.recovery_max_bytes_per_sec;
  auto registry = ShardRegistry::Open(std::move(ro), out.cluster_state);
  if (!registry.ok()) return Status(registry.status().code(), "shard copies: " + registry.status().message());
  out.registry = std::move(registry).value();
  options.service.replication.cluster = out.cluster_state;
  options.service.replication.node_id = id.node_id;
  options.service.replication.peer = options.peer;
  out.service = std::make_unique<ShardService>(out.registry.get(), options.service);
  return out;
}

Status NodeShards::Close() {
  if (!registry) return Status::OK();
  return registry->CloseAll();
}

}  // namespace holdfast
