// LoopbackShardClient: a ShardClient for the copies of this node that sends
// every request through bytes: the request is serialized and parsed into a
// fresh message, the ShardService answers it, and the answer — or the error,
// as a pb::Error with its kind — is serialized and parsed back. It proves
// that everything a coordinator relies on crosses a process boundary intact
// (tests compare its responses with LocalShardClient's byte for byte);
// GrpcShardClient (grpc_shard_client.h) sends the same bytes to other nodes.
// A call past its deadline answers kUnavailable. Batches go the same way
// (one BatchRequest through bytes), as they go to another node.
#pragma once

#include "replication/shard_client.h"
#include "replication/shard_service.h"

namespace holdfast {

class LoopbackShardClient final : public ShardClient {
 public:
  explicit LoopbackShardClient(ShardService* service) : service_(service) {}

  Status Call(ShardMethod method, const google::protobuf::Message& request, google::protobuf::Message* response,
              Deadline deadline) override;
  void CallBatch(std::span<ShardCall> calls, Deadline deadline) override;
  bool batches() const override { return true; }

 private:
  ShardService* service_;
};

}  // namespace holdfast
