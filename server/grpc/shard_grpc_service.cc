#include "server/grpc/shard_grpc_service.h"

#include "replication/grpc_status.h"
#include "replication/proto_convert.h"

namespace holdfast {

void ShardGrpcService::SetShardService(ShardService* service) {
  service_.store(service);
  // A request that took the previous service counted itself in running_
  // before reading service_, so it is seen here until it has finished.
  for (int n = running_.load(); n != 0; n = running_.load()) running_.wait(n);
}

grpc::Status ShardGrpcService::Serve(ShardMethod method, const google::protobuf::Message& request,
                                     google::protobuf::Message* response) {
  running_.fetch_add(1);
  ShardService* service = service_.load();
  Status status = service != nullptr
                      ? service->Handle(method, request, response)
                      : Status::Unavailable("node " + node_name_ + " is not serving shards (starting or stopping)");
  if (running_.fetch_sub(1) == 1) running_.notify_all();
  if (status.ok()) return grpc::Status::OK;
  if (service == nullptr) return grpc::Status(grpc::StatusCode::UNAVAILABLE, status.message());
  pb::Error error;
  ToProto(status, &error);
  return ToGrpcStatus(status, error.SerializeAsString());
}

grpc::Status ShardGrpcService::Batch(grpc::ServerContext* /*context*/, const pb::BatchRequest* request,
                                     pb::BatchResponse* response) {
  running_.fetch_add(1);
  ShardService* service = service_.load();
  if (service != nullptr) service->HandleBatch(*request, response);
  if (running_.fetch_sub(1) == 1) running_.notify_all();
  if (service == nullptr) {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE, "node " + node_name_ + " is not serving shards (starting or stopping)");
  }
  return grpc::Status::OK;
}

}  // namespace holdfast
