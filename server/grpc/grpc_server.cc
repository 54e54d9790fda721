#include "server/grpc/grpc_server.h"

#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>

#include "replication/grpc_shard_client.h"
#include "server/grpc/admin_service.h"
#include "server/grpc/shard_grpc_service.h"

namespace holdfast {

GrpcServer::GrpcServer(NodeIdentityView identity)
    : identity_(std::move(identity)),
      admin_(std::make_unique<AdminService>(&identity_)),
      shard_(std::make_unique<ShardGrpcService>(identity_.node_name)) {}

GrpcServer::~GrpcServer() { Shutdown(std::chrono::milliseconds(0)); }

Status GrpcServer::Start(const std::string& address) {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &port_);
  builder.RegisterService(admin_.get());
  builder.RegisterService(shard_.get());
  builder.SetMaxReceiveMessageSize(kMaxShardMessageBytes);
  builder.SetMaxSendMessageSize(kMaxShardMessageBytes);
  // Peers' GrpcShardClients ping every 10 s, with or without calls: allow it
  // (gRPC's default takes pings more often than every 5 minutes as abuse).
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 5'000);
  // gRPC's synchronous server keeps at most MAX_POLLERS idle threads per
  // completion queue (default 2) and starts a new thread whenever all are
  // busy: with a few concurrent searches from other nodes, that was one
  // thread created and destroyed per request (2,539 threads in 3,449
  // searches). Enough threads stay waiting for the concurrency a node sees.
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::NUM_CQS, 1);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MIN_POLLERS, 2);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS, 64);
  for (grpc::Service* service : services_) builder.RegisterService(service);
  server_ = builder.BuildAndStart();
  if (!server_ || port_ == 0) {
    server_.reset();
    return Status::IOError("cannot listen for gRPC on " + address);
  }
  SetServing(false);
  return Status::OK();
}

void GrpcServer::SetServing(bool serving) {
  if (!server_) return;
  if (auto* health = server_->GetHealthCheckService()) health->SetServingStatus(serving);
}

void GrpcServer::SetShardService(ShardService* service) { shard_->SetShardService(service); }

void GrpcServer::SetDrainer(NodeDrainer* drainer, std::string node_id) {
  admin_->SetDrainer(drainer, std::move(node_id));
}

int GrpcServer::ShardRequestsInFlight() const { return shard_->running(); }

void GrpcServer::SetCluster(ClusterState* state, EtcdClusterState* etcd) { admin_->SetCluster(state, etcd); }

void GrpcServer::Shutdown(std::chrono::milliseconds deadline) {
  if (!server_) return;
  SetServing(false);
  server_->Shutdown(std::chrono::system_clock::now() + deadline);
  server_->Wait();
  server_.reset();
}

}  // namespace holdfast
