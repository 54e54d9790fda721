#include "server/grpc/grpc_server.h"

#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>

#include "holdfast/v1/admin.grpc.pb.h"
#include "replication/grpc_shard_client.h"
#include "server/grpc/shard_grpc_service.h"
#include "server/process/version.h"

namespace holdfast {

class GrpcServer::AdminService final : public holdfast::v1::Admin::Service {
 public:
  explicit AdminService(const NodeIdentityView* identity) : identity_(identity) {}

  grpc::Status GetNodeInfo(grpc::ServerContext*, const holdfast::v1::GetNodeInfoRequest*,
                           holdfast::v1::NodeInfo* out) override {
    out->set_name(identity_->node_name);
    out->set_node_id(identity_->volume->node_id);
    out->set_volume_uuid(identity_->volume->volume_uuid);
    out->set_cluster_uuid(identity_->volume->cluster_uuid);
    out->set_format_version(identity_->volume->format_version);
    out->set_version(kHoldfastVersion);
    out->set_phase(NodePhaseName(identity_->readiness->phase()));
    return grpc::Status::OK;
  }

 private:
  const NodeIdentityView* identity_;
};

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

void GrpcServer::Shutdown(std::chrono::milliseconds deadline) {
  if (!server_) return;
  SetServing(false);
  server_->Shutdown(std::chrono::system_clock::now() + deadline);
  server_->Wait();
  server_.reset();
}

}  // namespace holdfast
