// EtcdClusterState: the lifecycle's changes — a node's drain record, a
// primary handed to an in-sync replica, an orchestrator's reconcile
// (replication/drain_records.h) — on the master, or forwarded to it.
#include "holdfast/v1/cluster.grpc.pb.h"
#include "index/util/clock.h"
#include "replication/cluster_forwarder.h"
#include "replication/drain_records.h"
#include "replication/etcd_cluster_state.h"

namespace holdfast {

Result<int64_t> EtcdClusterState::MasterChangeDrain(const DrainChange& change) {
  return MasterChange([&](ClusterStateSnapshot* next) -> Result<bool> {
    const int64_t now_ms = WallClockMs();
    Result<bool> changed = false;
    if (change.op == "request") {
      changed = ApplyDrainRequest(next, change.node_id, change.type, change.incarnation, now_ms);
    } else if (change.op == "cancel") {
      changed = ApplyDrainCancel(next, change.node_id);
    } else if (change.op == "returned") {
      changed = ApplyDrainReturn(next, change.node_id, change.incarnation);
    } else {
      return Status::InvalidArgument("unknown drain change [" + change.op + "]");
    }
    if (!changed.ok() || !changed.value()) return changed;
    // A remove drain moves copies at once; a cancelled one stops moving them.
    int64_t unused = 0;
    (void)Reallocate(next, allocation_input(), &unused);
    return true;
  });
}

Result<int64_t> EtcdClusterState::MasterHandOffPrimary(const ShardId& shard, const std::string& from,
                                                       const std::string& to, int64_t primary_term) {
  return MasterChange(
      [&](ClusterStateSnapshot* next) { return ApplyPrimaryHandoff(next, shard, from, to, primary_term); });
}

Result<int64_t> EtcdClusterState::MasterReconcile(const std::string& orchestrator_id, int64_t epoch,
                                                  const std::vector<DisruptionGrant>& grants) {
  return MasterChange([&](ClusterStateSnapshot* next) -> Result<bool> {
    auto changed = ApplyReconcile(next, orchestrator_id, epoch, grants, WallClockMs());
    if (!changed.ok() || !changed.value()) return changed;
    int64_t unused = 0;
    (void)Reallocate(next, allocation_input(), &unused);  // a remove grant moves nothing, but excludes
    return true;
  });
}

Status EtcdClusterState::ChangeDrain(const DrainChange& change) {
  holdfast::v1::DrainChangeRequest request;
  request.set_node_id(change.node_id);
  request.set_op(change.op);
  request.set_type(change.type);
  request.set_incarnation(change.incarnation);
  return Change([&]() { return MasterChangeDrain(change); },
                [&](const std::string& address) {
                  holdfast::v1::ClusterChangeResponse response;
                  return forwarder_->Call(address, &holdfast::v1::Cluster::Stub::ChangeDrain, request, &response);
                })
      .status();
}

Status EtcdClusterState::HandOffPrimary(const ShardId& shard, const std::string& from, const std::string& to,
                                        int64_t primary_term) {
  holdfast::v1::HandOffPrimaryRequest request;
  request.mutable_shard()->set_index_uuid(shard.index_uuid);
  request.mutable_shard()->set_shard(shard.shard);
  request.set_from_allocation_id(from);
  request.set_to_allocation_id(to);
  request.set_primary_term(primary_term);
  return Change([&]() { return MasterHandOffPrimary(shard, from, to, primary_term); },
                [&](const std::string& address) {
                  holdfast::v1::ClusterChangeResponse response;
                  return forwarder_->Call(address, &holdfast::v1::Cluster::Stub::HandOffPrimary, request, &response);
                })
      .status();
}

Status EtcdClusterState::Reconcile(const std::string& orchestrator_id, int64_t epoch,
                                   const std::vector<DisruptionGrant>& grants) {
  holdfast::v1::ReconcileRequest request;
  request.set_orchestrator_id(orchestrator_id);
  request.set_epoch(epoch);
  for (const DisruptionGrant& g : grants) {
    auto* out = request.add_grants();
    out->set_node_id(g.node_id);
    out->set_type(g.type);
    out->set_token(g.token);
  }
  return Change([&]() { return MasterReconcile(orchestrator_id, epoch, grants); },
                [&](const std::string& address) {
                  holdfast::v1::ClusterChangeResponse response;
                  return forwarder_->Call(address, &holdfast::v1::Cluster::Stub::Reconcile, request, &response);
                })
      .status();
}

}  // namespace holdfast
