// AdminService: the `holdfast.v1.Admin` gRPC service (proto/holdfast/v1/
// admin.proto) on the node's gRPC port — what holdfastctl calls. It answers
// with the node's identity and, once the node has a cluster state, with the
// cluster as this node sees it (members, indices, copies, allocation
// explanations, the rebalance plan) and makes the operator's changes
// (move a copy, exclude or include a node, start the rebalance moves).
//
// The logic is replication/cluster_admin.h's, shared with the HTTP
// endpoints; this class only converts to and from the messages. Reads work
// in both modes; changes need the etcd-backed cluster and answer
// FAILED_PRECONDITION "... needs cluster mode (--etcd-endpoints)" on the
// embedded one-node cluster. Before the node has its cluster state (and
// once it starts closing it) the cluster calls answer UNAVAILABLE. Errors
// carry the Status message with the code that fits its kind (grpc_status.h).
//
// Thread-safe: calls run concurrently on gRPC's threads; SetCluster may be
// called from any thread at any time.
#pragma once

#include <condition_variable>
#include <mutex>

#include "holdfast/v1/admin.grpc.pb.h"
#include "server/grpc/grpc_server.h"

namespace holdfast {

class ClusterState;
class EtcdClusterState;
class NodeDrainer;

class AdminService final : public holdfast::v1::Admin::Service {
 public:
  // `identity` must outlive the service.
  explicit AdminService(const NodeIdentityView* identity) : identity_(identity) {}

  // The cluster the calls read (`state`) and change (`etcd`, null in
  // one-node mode). Both null: none (calls answer UNAVAILABLE). Returns
  // once no call still uses the previous ones, so the caller may destroy
  // them right after clearing.
  void SetCluster(ClusterState* state, EtcdClusterState* etcd);
  // This node's drainer and id (Drain, SafeToStop); null: those calls
  // answer UNAVAILABLE. Clearing returns once no call still uses it.
  void SetDrainer(NodeDrainer* drainer, std::string node_id);

  grpc::Status GetNodeInfo(grpc::ServerContext*, const holdfast::v1::GetNodeInfoRequest*,
                           holdfast::v1::NodeInfo* out) override;
  grpc::Status GetClusterState(grpc::ServerContext*, const holdfast::v1::GetClusterStateRequest*,
                               holdfast::v1::ClusterStateInfo* out) override;
  grpc::Status ListNodes(grpc::ServerContext*, const holdfast::v1::ListNodesRequest*,
                         holdfast::v1::ListNodesResponse* out) override;
  grpc::Status ListShards(grpc::ServerContext*, const holdfast::v1::ListShardsRequest* request,
                          holdfast::v1::ListShardsResponse* out) override;
  grpc::Status MoveShard(grpc::ServerContext*, const holdfast::v1::MoveShardRequest* request,
                         holdfast::v1::MoveShardResponse* out) override;
  grpc::Status Reroute(grpc::ServerContext*, const holdfast::v1::RerouteRequest* request,
                       holdfast::v1::AdminRerouteResponse* out) override;
  grpc::Status ExcludeNode(grpc::ServerContext*, const holdfast::v1::NodeExclusionRequest* request,
                           holdfast::v1::NodeExclusionResponse* out) override;
  grpc::Status IncludeNode(grpc::ServerContext*, const holdfast::v1::NodeExclusionRequest* request,
                           holdfast::v1::NodeExclusionResponse* out) override;
  grpc::Status PlanRebalance(grpc::ServerContext*, const holdfast::v1::PlanRebalanceRequest*,
                             holdfast::v1::PlanRebalanceResponse* out) override;
  grpc::Status ExecuteRebalance(grpc::ServerContext*, const holdfast::v1::ExecuteRebalanceRequest*,
                                holdfast::v1::ExecuteRebalanceResponse* out) override;
  grpc::Status ExplainAllocation(grpc::ServerContext*, const holdfast::v1::ExplainAllocationRequest* request,
                                 holdfast::v1::AllocationExplanation* out) override;
  grpc::Status Drain(grpc::ServerContext*, const holdfast::v1::DrainNodeRequest* request,
                     holdfast::v1::DrainNodeResponse* out) override;
  grpc::Status SafeToStop(grpc::ServerContext*, const holdfast::v1::SafeToStopRequest* request,
                          holdfast::v1::SafeToStopResponse* out) override;

 private:
  class Use;  // one call's hold on the cluster (admin_service.cc)

  // OK when no admin token is set or the call carries it; else UNAUTHENTICATED.
  grpc::Status Authorize(const grpc::ServerContext* ctx) const;

  grpc::Status SetExcluded(const holdfast::v1::NodeExclusionRequest& request, bool excluded,
                           holdfast::v1::NodeExclusionResponse* out);

  const NodeIdentityView* const identity_;
  std::mutex mu_;
  std::condition_variable idle_;
  ClusterState* state_ = nullptr;     // under mu_
  EtcdClusterState* etcd_ = nullptr;  // under mu_
  NodeDrainer* drainer_ = nullptr;    // under mu_
  std::string node_id_;               // under mu_
  int running_ = 0;                   // under mu_: calls holding state_/etcd_/drainer_
};

}  // namespace holdfast
