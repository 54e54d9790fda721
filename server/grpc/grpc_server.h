// GrpcServer: the gRPC endpoint of a node (port 9300): the standard health
// service (grpc.health.v1), holdfast's Admin service (admin_service.h, what
// holdfastctl calls), and the Shard service other nodes' GrpcShardClients
// call (shard_grpc_service.h); the recovery services join it in later
// issues. Messages up to kMaxShardMessageBytes are accepted and sent.
//
// Start/Shutdown from the control thread; gRPC runs its own threads.
// SetShardService and SetCluster may be called from any thread, before or
// after Start.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "index/util/status.h"
#include "lifecycle/readiness.h"
#include "lifecycle/volume.h"

namespace grpc {
class Server;
class Service;
}

namespace holdfast {

class AdminService;
class ClusterState;
class EtcdClusterState;
class NodeDrainer;
class ShardService;
class ShardGrpcService;

struct NodeIdentityView {
  std::string node_name;
  const VolumeIdentity* volume = nullptr;
  const Readiness* readiness = nullptr;
  std::string admin_token;  // non-empty: admin calls need it (server/grpc/admin_token.h)
};

class GrpcServer {
 public:
  explicit GrpcServer(NodeIdentityView identity);
  ~GrpcServer();

  // Adds an internal service (node to node); before Start. Not owned.
  void AddService(grpc::Service* service) { services_.push_back(service); }
  // `address` is host:port; port 0 picks a free one (see port()).
  Status Start(const std::string& address);
  int port() const { return port_; }
  // Health flips to NOT_SERVING with the node; used as readiness for gRPC peers.
  void SetServing(bool serving);
  // The copies the Shard service answers for: set once startup recovery has
  // opened them, cleared (null) before they close. Until set, shard requests
  // answer UNAVAILABLE. Clearing returns once no shard request still runs on
  // the previous service (ShardGrpcService::SetShardService).
  void SetShardService(ShardService* service);
  // Shard requests from other nodes being answered now.
  int ShardRequestsInFlight() const;
  // The cluster the Admin service reads (`state`) and changes (`etcd`; null
  // on the embedded one-node cluster, whose changes it then refuses): set
  // once the node's cluster state exists, cleared (nulls) before it goes.
  // Until set, the Admin service's cluster calls answer UNAVAILABLE.
  // Clearing returns once no Admin call still uses the previous ones.
  void SetCluster(ClusterState* state, EtcdClusterState* etcd);
  // This node's drainer (the Admin service's Drain and SafeToStop), as SetCluster.
  void SetDrainer(NodeDrainer* drainer, std::string node_id);
  void Shutdown(std::chrono::milliseconds deadline);

 private:
  NodeIdentityView identity_;
  std::unique_ptr<AdminService> admin_;
  std::unique_ptr<ShardGrpcService> shard_;
  std::vector<grpc::Service*> services_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

}  // namespace holdfast
