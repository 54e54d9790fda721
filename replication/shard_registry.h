// ShardRegistry: the shard copies this node holds, keyed by (index uuid,
// shard number), kept equal to what the routing table assigns to the node.
//
// Open() is the node's startup recovery: every copy the cluster state
// assigns here is opened (each replays its op log) and reported started —
// or failed, with the reason, when it cannot be opened; directories under
// <data-dir>/indices that no index of the state owns (left by an interrupted
// create or delete) are removed. Afterwards the registry follows the state:
// a copy newly assigned here is created and opened, a copy no longer assigned
// is closed, and the copies of a deleted index are removed from disk once
// the last request using them is done.
//
// The copies of one index share one mapping source bound to the cluster
// state (dynamic fields go through ClusterState::PutMapping).
// Thread-safe.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "index/shard/shard_engine.h"
#include "replication/cluster_state.h"
#include "replication/shard_copy.h"
#include "replication/shard_id.h"

namespace holdfast {

struct ShardRegistryOptions {
  std::string indices_dir;   // <data-dir>/indices
  std::string node_id;       // this node (ClusterNode::node_id)
  // Engine settings every copy starts from (index settings then apply:
  // durability, refresh interval).
  ShardEngineOptions engine;
  // Told about copies that failed to open or failed later (for the log).
  std::function<void(const ShardId&, const Status&)> on_failure;
};

class ShardRegistry {
 public:
  static Result<std::unique_ptr<ShardRegistry>> Open(ShardRegistryOptions options, ClusterState* state);
  ~ShardRegistry();  // stops following the state; copies close with their last user

  // The copy of `id` on this node, or null.
  std::shared_ptr<ShardCopy> Get(const ShardId& id) const;
  std::vector<std::shared_ptr<ShardCopy>> All() const;

  // Flushes and closes every copy (clean shutdown); the registry stops
  // following the state first.
  Status CloseAll();

 private:
  class IndexMappings;
  ShardRegistry(ShardRegistryOptions options, ClusterState* state) : options_(std::move(options)), state_(state) {}
  void Converge(const ClusterStatePtr& state);
  void RemoveUnownedDirectories(const ClusterStateSnapshot& state);
  std::shared_ptr<MappingSource> MappingsFor(const IndexMetadata& index);

  const ShardRegistryOptions options_;
  ClusterState* const state_;
  std::unique_ptr<ClusterStateWatch> watch_;
  std::mutex converge_mu_;  // one convergence at a time; taken before mu_
  mutable std::mutex mu_;
  bool closed_ = false;
  std::map<ShardId, std::shared_ptr<ShardCopy>> copies_;
  std::map<std::string, std::shared_ptr<IndexMappings>> mappings_;  // by index uuid
};

}  // namespace holdfast
