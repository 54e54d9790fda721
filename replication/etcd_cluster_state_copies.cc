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

namespace {

// The report of one copy's state as the master's Cluster service takes it.
holdfast::v1::UpdateShardCopyRequest CopyReport(const ShardId& shard, const std::string& allocation_id,
                                                ShardCopyState state, const std::string& failure) {
  holdfast::v1::UpdateShardCopyRequest request;
  request.mutable_shard()->set_index_uuid(shard.index_uuid);
  request.mutable_shard()->set_shard(shard.shard);
  request.set_allocation_id(allocation_id);
  request.set_state(ShardCopyStateName(state));
  request.set_failure(failure);
  return request;
}

// Sends a copy report to the master at `master_address`.
Result<int64_t> ForwardCopyReport(ClusterForwarder* forwarder, const std::string& master_address,
                                  const holdfast::v1::UpdateShardCopyRequest& request) {
  holdfast::v1::ClusterChangeResponse response;
  return forwarder->Call(master_address, &holdfast::v1::Cluster::Stub::UpdateShardCopy, request, &response);
}

// Fenced when `state` shows `shard` with a newer primary term than
// `primary_term` (that primary is deposed), else OK.
Status CheckStillPrimaryTerm(const ClusterStatePtr& state, const ShardId& shard, int64_t primary_term) {
  const ShardRouting* routing = state ? state->RoutingOf(shard) : nullptr;
  if (routing == nullptr || routing->primary_term <= primary_term) return Status::OK();
  return Status::Fenced("shard " + shard.ToString() + " has primary term " + std::to_string(routing->primary_term) +
                        " now (this primary's " + std::to_string(primary_term) + "): not acknowledged here");
}

}  // namespace

Status EtcdClusterState::UpdateShardCopy(const ShardId& shard, std::string_view allocation_id_view,
                                         ShardCopyState state, std::string_view failure_view) {
  const std::string allocation_id(allocation_id_view);
  const std::string failure(failure_view);
  const auto request = CopyReport(shard, allocation_id, state, failure);
  auto done = Change([&]() { return MasterUpdateShardCopy(shard, allocation_id, state, failure); },
                     [&](const std::string& address) { return ForwardCopyReport(forwarder_.get(), address, request); });
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
  auto request = CopyReport(shard, allocation_id, ShardCopyState::kFailed, reason);
  request.set_primary_term(primary_term);
  // A routing table here that names a newer primary ends the retries: this
  // primary is deposed, whatever the master would answer (a node cut off
  // keeps retrying otherwise, and its blocked writes keep the old copy open
  // while a new one waits).
  return Change([&]() { return MasterFailReplica(shard, allocation_id, primary_term, reason); },
                [&](const std::string& address) { return ForwardCopyReport(forwarder_.get(), address, request); },
                [&]() { return CheckStillPrimaryTerm(Current(), shard, primary_term); })
      .status();
}

}  // namespace holdfast
