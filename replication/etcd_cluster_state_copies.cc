// EtcdClusterState: reports about shard copies — a node's own copy
// started, failed or closed (UpdateShardCopy), and a primary failing a
// replica out of the in-sync set (FailReplica) — on the master, or
// forwarded to it.
#include "holdfast/v1/cluster.grpc.pb.h"
#include "replication/allocation.h"
#include "replication/cluster_forwarder.h"
#include "replication/etcd_cluster_state.h"

namespace holdfast {

Result<int64_t> EtcdClusterState::MasterUpdateShardCopy(const ShardId& shard, const std::string& allocation_id,
                                                        ShardCopyState state, const std::string& failure) {
  return MasterChange([&](ClusterStateSnapshot* next) {
    return ApplyCopyReport(next, shard, allocation_id, state, failure);
  });
}

Result<int64_t> EtcdClusterState::MasterFailReplica(const ShardId& shard, const std::string& allocation_id,
                                                    int64_t primary_term, const std::string& reason) {
  return MasterChange([&](ClusterStateSnapshot* next) -> Result<bool> {
    const AllocationInput input = allocation_input();
    auto applied = ApplyReplicaFailure(next, shard, allocation_id, primary_term, reason, input.now_ms);
    if (!applied.ok() || !applied.value()) return applied;
    int64_t unused = 0;
    (void)Reallocate(next, input, &unused);  // the copy goes somewhere again at once
    return true;
  });
}

Status EtcdClusterState::UpdateShardCopy(const ShardId& shard, std::string_view allocation_id_view,
                                         ShardCopyState state, std::string_view failure_view) {
  const std::string allocation_id(allocation_id_view);
  const std::string failure(failure_view);
  holdfast::v1::UpdateShardCopyRequest request;
  request.mutable_shard()->set_index_uuid(shard.index_uuid);
  request.mutable_shard()->set_shard(shard.shard);
  request.set_allocation_id(allocation_id);
  request.set_state(ShardCopyStateName(state));
  request.set_failure(failure);
  auto done = Change([&]() { return MasterUpdateShardCopy(shard, allocation_id, state, failure); },
                     [&](const std::string& address) {
                       holdfast::v1::ClusterChangeResponse response;
                       return forwarder_->Call(address, &holdfast::v1::Cluster::Stub::UpdateShardCopy, request,
                                               &response);
                     });
  std::lock_guard<std::mutex> lock(mu_);
  if (done.ok() || !IsNotMaster(done.status())) {
    pending_reports_.erase(allocation_id);
  } else {
    // Sent again by Loop until the master takes it (or it is stale).
    pending_reports_[allocation_id] = PendingReport{shard, state, failure};
  }
  return done.status();
}

Status EtcdClusterState::FailReplica(const ShardId& shard, std::string_view allocation_id_view, int64_t primary_term,
                                     std::string_view reason_view) {
  const std::string allocation_id(allocation_id_view);
  const std::string reason(reason_view);
  holdfast::v1::UpdateShardCopyRequest request;
  request.mutable_shard()->set_index_uuid(shard.index_uuid);
  request.mutable_shard()->set_shard(shard.shard);
  request.set_allocation_id(allocation_id);
  request.set_state(ShardCopyStateName(ShardCopyState::kFailed));
  request.set_failure(reason);
  request.set_primary_term(primary_term);
  return Change([&]() { return MasterFailReplica(shard, allocation_id, primary_term, reason); },
                [&](const std::string& address) {
                  holdfast::v1::ClusterChangeResponse response;
                  return forwarder_->Call(address, &holdfast::v1::Cluster::Stub::UpdateShardCopy, request, &response);
                },
                // The routing table this node sees names a newer primary:
                // this one is deposed, whatever the master would answer (a
                // node cut off keeps retrying otherwise, and its blocked
                // writes keep the old copy open while a new one waits).
                [&]() -> Status {
                  ClusterStatePtr state = Current();
                  const ShardRouting* routing = state ? state->RoutingOf(shard) : nullptr;
                  if (routing != nullptr && routing->primary_term > primary_term) {
                    return Status::Fenced("shard " + shard.ToString() + " has primary term " +
                                          std::to_string(routing->primary_term) + " now (this primary's " +
                                          std::to_string(primary_term) + "): not acknowledged here");
                  }
                  return Status::OK();
                })
      .status();
}

}  // namespace holdfast
