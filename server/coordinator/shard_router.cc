#include "server/coordinator/shard_router.h"

#include "index/mapping/mapping_error.h"
#include "replication/local_shard_client.h"
#include "replication/loopback_shard_client.h"

namespace holdfast {

Result<ShardTransport> ShardTransportFromName(std::string_view name) {
  if (name == "local") return ShardTransport::kLocal;
  if (name == "loopback") return ShardTransport::kLoopback;
  return Status::InvalidArgument("shard.transport must be local or loopback, got [" + std::string(name) + "]");
}

ShardRouter::ShardRouter(ShardService* local_service, std::string local_node_id, ShardTransport transport)
    : local_node_id_(std::move(local_node_id)) {
  if (transport == ShardTransport::kLoopback) {
    local_client_ = std::make_unique<LoopbackShardClient>(local_service);
  } else {
    local_client_ = std::make_unique<LocalShardClient>(local_service);
  }
}

ShardRouter::~ShardRouter() = default;

Result<ShardTarget> ShardRouter::To(const ShardRouting& routing, const ShardCopyRouting& copy, const ShardId& shard,
                                    bool with_term) const {
  if (copy.node_id != local_node_id_) {
    return Status::Unavailable("shard " + shard.ToString() + " is on node [" + copy.node_id +
                               "], which this node cannot reach yet");
  }
  ShardTarget t;
  t.client = local_client_.get();
  t.target.mutable_shard()->set_index_uuid(shard.index_uuid);
  t.target.mutable_shard()->set_shard(shard.shard);
  if (with_term) t.target.set_primary_term(routing.primary_term);
  return t;
}

Result<ShardTarget> ShardRouter::Primary(const ClusterStateSnapshot& state, const ShardId& shard) const {
  const ShardRouting* routing = state.RoutingOf(shard);
  const ShardCopyRouting* primary = routing != nullptr ? routing->primary() : nullptr;
  if (primary == nullptr || (primary->state != ShardCopyState::kStarted && primary->state != ShardCopyState::kRelocating)) {
    return Status::Unavailable("primary shard " + shard.ToString() + " is not active" +
                               (primary != nullptr && !primary->failure.empty() ? ": " + primary->failure : ""));
  }
  return To(*routing, *primary, shard, true);
}

Result<ShardTarget> ShardRouter::ForRead(const ClusterStateSnapshot& state, const ShardId& shard) const {
  const ShardRouting* routing = state.RoutingOf(shard);
  if (routing != nullptr) {
    for (const ShardCopyRouting& copy : routing->copies) {
      if (copy.node_id == local_node_id_ &&
          (copy.state == ShardCopyState::kStarted || copy.state == ShardCopyState::kRelocating)) {
        return To(*routing, copy, shard, false);
      }
    }
  }
  return Status::Unavailable("no active copy of shard " + shard.ToString());
}

}  // namespace holdfast
