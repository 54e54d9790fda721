// GrpcShardClient: a ShardClient for the copies of another node, over the
// node-to-node gRPC `Shard` service (proto/holdfast/v1/shard.proto) that the
// peer's GrpcServer answers with its ShardService
// (server/grpc/shard_grpc_service.h).
//
// One client holds one channel to one peer address ("host:port"): plaintext,
// messages up to kMaxShardMessageBytes each way, keepalive pings every 10 s
// (answered within 5 s, sent while idle too) so that a dead peer is noticed
// without a call waiting on it. Calls never wait for a connection: a peer
// that cannot be reached answers at once.
//
// What a call answers:
//   - the peer's ShardService answered with an error: that Status, kind and
//     message exactly as the service gave them (sent as a pb::Error in the
//     gRPC status details);
//   - the deadline passed: kUnavailable "<Method> on <address>: deadline
//     exceeded (outcome unknown)" — a write may or may not have been applied;
//   - the peer is unreachable or not serving shards: kUnavailable naming the
//     method, the address and gRPC's reason;
//   - a request or answer over kMaxShardMessageBytes: kTooLarge;
//   - any other transport failure: kUnavailable, outcome unknown.
// A failed call never answers OK.
//
// Thread-safe: any thread may call Call concurrently (gRPC channels are).
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "replication/shard_client.h"

namespace holdfast {

// The largest request or answer a node sends or accepts on the Shard service
// (both ends set it; gRPC's default of 4 MiB is smaller than a bulk batch).
inline constexpr int kMaxShardMessageBytes = 256 << 20;

class GrpcShardClient final : public ShardClient {
 public:
  // Creates the channel; it connects on the first call.
  explicit GrpcShardClient(std::string address);
  ~GrpcShardClient() override;

  Status Call(ShardMethod method, const google::protobuf::Message& request, google::protobuf::Message* response,
              Deadline deadline) override;
  // One Batch rpc for all `calls` (a peer that does not know it yet gets
  // them one by one); a transport failure is every call's status.
  void CallBatch(std::span<ShardCall> calls, Deadline deadline) override;
  // The Batch rpc started asynchronously: Wait() takes its answer on the
  // waiting thread (no thread of a pool blocks on the call meanwhile).
  std::unique_ptr<PendingBatch> StartBatch(std::span<ShardCall> calls, Deadline deadline) override;
  bool batches() const override { return true; }

  const std::string& address() const { return address_; }

 private:
  class Stub;  // the generated stub of the Shard service
  class Pending;

  const std::string address_;
  std::unique_ptr<Stub> stub_;  // holds the channel
};

// The clients of a node's peers, one per address, created on first use and
// kept (with their connection) until Forget. Thread-safe.
class GrpcShardClients {
 public:
  std::shared_ptr<GrpcShardClient> Get(const std::string& address);
  // Drops the client of `address` (a peer that left); calls still running on
  // it finish, and the next Get creates a new one.
  void Forget(const std::string& address);

 private:
  std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<GrpcShardClient>> clients_;
};

}  // namespace holdfast
