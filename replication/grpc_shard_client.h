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
// Coalescing (StartBatch, CallBatch): at most `max_batches_in_flight`
// Batch rpcs of search phases (Statistics, Query, Fetch, Count calls) are on
// their way to the peer at a time; other batches (writes, replication,
// recovery) always go at once and alone. A search batch started while
// that many are out waits for the next one to come back and then goes
// together with every other batch that waited meanwhile, in one rpc whose
// calls are those batches (method "Batch", request a serialized
// BatchRequest; the peer's ShardService answers each as a batch of its own,
// replication/shard_service.cc). Under load the searches a coordinator runs
// at once then share their round trips to a node: gRPC's cost of a call, the
// system calls and the wake-ups at both ends are paid once per rpc, not once
// per search (docs/benchmarks.md, "Searches that meet on the way"). A batch
// that finds a free slot goes at once, as before; a waiting one waits for at
// most one round trip. Batches only travel together when their deadlines are
// within kCoalesceDeadlineSlack; the rpc has the earliest of them. A peer
// that does not know batches in a batch (an older version) is sent each
// batch on its own from then on.
//
// A full rpc does not wait: once `coalesce_full_at` batches wait, they go at
// once as one rpc, beyond the slots, up to twice `max_batches_in_flight`
// rpcs out. With one slot, every search otherwise waits for the one rpc out,
// and the peer idles between its answer and the next rpc; under load a
// second, already full rpc keeps it working (docs/benchmarks.md, "A full rpc
// does not wait"). 0: batches always wait for a slot.
//
// Thread-safe: any thread may call Call concurrently (gRPC channels are).
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "replication/shard_client.h"

namespace grpc {
class CompletionQueue;
}

namespace holdfast {

// See "Coalescing" above. kNestedBatchMethod: the method of a call that
// carries a whole batch (ShardService::HandleBatch answers it).
inline constexpr std::string_view kNestedBatchMethod = "Batch";
inline constexpr int kDefaultMaxBatchesInFlight = 1;
inline constexpr int kDefaultCoalesceFullAt = 6;
inline constexpr std::chrono::milliseconds kCoalesceDeadlineSlack{1000};

// The largest request or answer a node sends or accepts on the Shard service
// (both ends set it; gRPC's default of 4 MiB is smaller than a bulk batch).
inline constexpr int kMaxShardMessageBytes = 256 << 20;

class GrpcShardClient final : public ShardClient {
 public:
  // Creates the channel; it connects on the first call.
  explicit GrpcShardClient(std::string address, int max_batches_in_flight = kDefaultMaxBatchesInFlight,
                           int coalesce_full_at = kDefaultCoalesceFullAt);
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

  // Rpcs the batches went in, and the batches (coalescing: batches / rpcs
  // is how many share one round trip).
  uint64_t batch_rpcs() const { return batch_rpcs_.load(std::memory_order_relaxed); }
  uint64_t batches_sent() const { return batches_sent_.load(std::memory_order_relaxed); }

 private:
  class Stub;  // the generated stub of the Shard service
  class Pending;
  class Flight;  // one Batch rpc and the batches it carries

  // Under mu_: the batches of `queued` make a full rpc and there is room
  // for one beyond the slots (coalesce_full_at).
  bool GoesFull(const Flight& queued) const;
  // Under mu_: the queued batches as a flight in a slot, counted out
  // (Launch it outside mu_).
  std::shared_ptr<Flight> TakeQueued();
  // Encodes `flight`'s request and starts its rpc (outside mu_).
  void Launch(Flight* flight);
  // Waits until `flight` is answered; a waiting thread takes the answers of
  // this client's rpcs off the completion queue while nobody else does.
  void Await(Flight* flight);
  // Puts the answer of a finished rpc into one of its batches' calls (each
  // batch's own thread, once the rpc is answered).
  void Answer(const Flight& flight, Pending* batch);

  const std::string address_;
  const int max_in_flight_;
  const int full_at_;  // coalesce_full_at; 0: never
  std::unique_ptr<Stub> stub_;  // holds the channel
  std::unique_ptr<grpc::CompletionQueue> queue_;  // every Batch rpc's answer
  std::atomic<bool> nesting_unknown_{false};  // the peer answered a batch in a batch "unknown"
  std::atomic<uint64_t> batch_rpcs_{0}, batches_sent_{0};

  std::mutex mu_;
  int in_flight_ = 0;      // of them, search rpcs (they hold the slots)
  int outstanding_ = 0;    // rpcs started and not yet taken off the queue
  bool polling_ = false;   // a thread is in queue_->Next
  std::shared_ptr<Flight> queued_;  // batches waiting for a free slot
  std::vector<std::shared_ptr<Flight>> flying_;  // started, not yet answered
};

// The clients of a node's peers, one per address, created on first use and
// kept (with their connection) until Forget. Thread-safe.
class GrpcShardClients {
 public:
  explicit GrpcShardClients(int max_batches_in_flight = kDefaultMaxBatchesInFlight,
                            int coalesce_full_at = kDefaultCoalesceFullAt)
      : max_batches_in_flight_(max_batches_in_flight), coalesce_full_at_(coalesce_full_at) {}

  std::shared_ptr<GrpcShardClient> Get(const std::string& address);
  // Batch rpcs sent to every peer, and the batches they carried.
  struct Totals {
    uint64_t rpcs = 0, batches = 0;
  };
  Totals totals() const;
  // Drops the client of `address` (a peer that left); calls still running on
  // it finish, and the next Get creates a new one.
  void Forget(const std::string& address);

 private:
  const int max_batches_in_flight_;
  const int coalesce_full_at_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<GrpcShardClient>> clients_;
};

}  // namespace holdfast
