// ShardGrpcService: the node's ShardService (replication/shard_service.h)
// as the gRPC `Shard` service (proto/holdfast/v1/shard.proto) — the
// receiving end of GrpcShardClient (replication/grpc_shard_client.h).
// GrpcServer registers it on the node's gRPC port.
//
// Each rpc runs ShardService::Handle on gRPC's thread (a Batch,
// ShardService::HandleBatch: its calls one after the other). An error Status
// travels as a gRPC status whose code fits its kind (NOT_FOUND, ABORTED,
// ...; UNKNOWN otherwise) and whose details are the serialized pb::Error,
// from which the client rebuilds the Status exactly. The ShardService is set
// once startup recovery has opened the node's copies and cleared before the
// node closes them; without one, every rpc answers UNAVAILABLE "node <name>
// is not serving shards (starting or stopping)" and runs nothing.
//
// Thread-safe: rpcs run concurrently; SetShardService may be called from
// any thread at any time.
#pragma once

#include <atomic>
#include <string>

#include "holdfast/v1/shard.grpc.pb.h"
#include "replication/shard_service.h"

namespace holdfast {

class ShardGrpcService final : public holdfast::v1::Shard::Service {
 public:
  explicit ShardGrpcService(std::string node_name) : node_name_(std::move(node_name)) {}

  // Starts (non-null) or stops (null) answering with `service`. Returns once
  // no request is running any more on the service it replaces, so the caller
  // may close the copies (and destroy that service) right after clearing it.
  void SetShardService(ShardService* service);
  // Shard requests from other nodes being answered now (a drain waits for 0).
  int running() const { return running_.load(std::memory_order_acquire); }

#define HOLDFAST_SHARD_GRPC_RPC(name, req, resp)                                                    \
  grpc::Status name(grpc::ServerContext* context, const pb::req* request, pb::resp* response) override { \
    return Serve(ShardMethod::k##name, *request, response);                                         \
  }
  HOLDFAST_SHARD_METHODS(HOLDFAST_SHARD_GRPC_RPC)
#undef HOLDFAST_SHARD_GRPC_RPC
  grpc::Status Batch(grpc::ServerContext* context, const pb::BatchRequest* request, pb::BatchResponse* response) override;

 private:
  grpc::Status Serve(ShardMethod method, const google::protobuf::Message& request,
                     google::protobuf::Message* response);

  const std::string node_name_;
  std::atomic<ShardService*> service_{nullptr};
  std::atomic<int> running_{0};  // requests between taking service_ and finishing
};

}  // namespace holdfast
