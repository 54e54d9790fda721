// LocalShardClient: a ShardClient for the copies of this node, in process.
// Requests and answers are passed by reference to the ShardService; nothing
// is copied or serialized. The deadline is not enforced (a local call cannot
// be abandoned halfway); the engine's own waits are bounded.
#pragma once

#include "replication/shard_client.h"
#include "replication/shard_service.h"

namespace holdfast {

class LocalShardClient final : public ShardClient {
 public:
  explicit LocalShardClient(ShardService* service) : service_(service) {}

  Status Call(ShardMethod method, const google::protobuf::Message& request, google::protobuf::Message* response,
              Deadline /*deadline*/) override {
    return service_->Handle(method, request, response);
  }

 private:
  ShardService* service_;
};

}  // namespace holdfast
