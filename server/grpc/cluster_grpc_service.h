// ClusterGrpcService: the internal Cluster service (proto/holdfast/v1/
// cluster.proto) a node answers on its gRPC port: the master applies the
// cluster-state changes other nodes send it (EtcdClusterState's Master*
// calls); any other node answers "not the master" (kUnavailable), and the
// sender looks for the master again. Thread-safe.
#pragma once

#include <atomic>

#include "holdfast/v1/cluster.grpc.pb.h"
#include "replication/etcd_cluster_state.h"

namespace holdfast {

class ClusterGrpcService final : public holdfast::v1::Cluster::Service {
 public:
  // Null until the node has joined the cluster (and after it left).
  void SetClusterState(EtcdClusterState* state) { state_.store(state, std::memory_order_release); }

  grpc::Status CreateIndex(grpc::ServerContext*, const holdfast::v1::CreateIndexRequest* request,
                           holdfast::v1::ClusterChangeResponse* response) override;
  grpc::Status DeleteIndex(grpc::ServerContext*, const holdfast::v1::DeleteIndexRequest* request,
                           holdfast::v1::ClusterChangeResponse* response) override;
  grpc::Status UpdateAliases(grpc::ServerContext*, const holdfast::v1::UpdateAliasesRequest* request,
                             holdfast::v1::ClusterChangeResponse* response) override;
  grpc::Status UpdateIndexSettings(grpc::ServerContext*, const holdfast::v1::UpdateIndexSettingsRequest* request,
                                   holdfast::v1::ClusterChangeResponse* response) override;
  grpc::Status PutMapping(grpc::ServerContext*, const holdfast::v1::PutMappingRequest* request,
                          holdfast::v1::PutMappingResponse* response) override;
  grpc::Status UpdateShardCopy(grpc::ServerContext*, const holdfast::v1::UpdateShardCopyRequest* request,
                               holdfast::v1::ClusterChangeResponse* response) override;
  grpc::Status PutClusterSettings(grpc::ServerContext*, const holdfast::v1::PutClusterSettingsRequest* request,
                                  holdfast::v1::ClusterChangeResponse* response) override;
  grpc::Status PutTemplates(grpc::ServerContext*, const holdfast::v1::PutTemplatesRequest* request,
                            holdfast::v1::ClusterChangeResponse* response) override;
  grpc::Status MoveShard(grpc::ServerContext*, const holdfast::v1::MoveShardRequest* request,
                         holdfast::v1::ClusterChangeResponse* response) override;
  grpc::Status Reroute(grpc::ServerContext*, const holdfast::v1::RerouteRequest* request,
                       holdfast::v1::RerouteResponse* response) override;
  grpc::Status ChangeDrain(grpc::ServerContext*, const holdfast::v1::DrainChangeRequest* request,
                           holdfast::v1::ClusterChangeResponse* response) override;
  grpc::Status HandOffPrimary(grpc::ServerContext*, const holdfast::v1::HandOffPrimaryRequest* request,
                              holdfast::v1::ClusterChangeResponse* response) override;
  grpc::Status Reconcile(grpc::ServerContext*, const holdfast::v1::ReconcileRequest* request,
                         holdfast::v1::ClusterChangeResponse* response) override;

 private:
  std::atomic<EtcdClusterState*> state_{nullptr};
};

}  // namespace holdfast
