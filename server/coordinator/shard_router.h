// ShardRouter: which copy of a shard answers a request, and the client that
// reaches it.
//
// Writes, events and realtime gets go to the primary (with its primary term,
// so a deposed primary refuses them); searches go to a started copy (the
// primary for now: replicas serve reads from the replication issue on).
// One node: every copy is local, reached through a LocalShardClient, or
// through a LoopbackShardClient (setting `shard.transport: loopback`) that
// sends every request through bytes. Thread-safe.
#pragma once

#include <memory>
#include <string>

#include "replication/cluster_state.h"
#include "replication/shard_client.h"
#include "replication/shard_service.h"

namespace holdfast {

enum class ShardTransport { kLocal, kLoopback };
// "local" | "loopback"
Result<ShardTransport> ShardTransportFromName(std::string_view name);

struct ShardTarget {
  ShardClient* client = nullptr;
  pb::ShardTarget target;  // the shard and the primary term the request carries
};

class ShardRouter {
 public:
  ShardRouter(ShardService* local_service, std::string local_node_id, ShardTransport transport);
  ~ShardRouter();

  // The primary of `shard` (writes): kUnavailable when it is not started.
  Result<ShardTarget> Primary(const ClusterStateSnapshot& state, const ShardId& shard) const;
  // A started copy of `shard` to read from: kUnavailable when none is.
  Result<ShardTarget> ForRead(const ClusterStateSnapshot& state, const ShardId& shard) const;
  // The node whose copies this router reaches in process.
  const std::string& local_node_id() const { return local_node_id_; }

 private:
  Result<ShardTarget> To(const ShardRouting& routing, const ShardCopyRouting& copy, const ShardId& shard,
                         bool with_term) const;

  const std::string local_node_id_;
  std::unique_ptr<ShardClient> local_client_;
};

}  // namespace holdfast
