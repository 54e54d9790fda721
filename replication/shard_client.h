// ShardClient: one interface to a shard copy, wherever it is. A coordinator
// (search, writes, events, recommendations) and, later, a primary sending
// ops to its replicas talk to copies only through it; requests and answers
// are the protobuf messages of proto/holdfast/v1/shard.proto.
//
// Implementations:
//   LocalShardClient     in process: the messages are passed by reference
//                        to the node's ShardService (local_shard_client.h);
//   LoopbackShardClient  in process, but every request and answer is
//                        serialized to bytes and parsed back, errors included
//                        — what crosses a process boundary, without a
//                        network (loopback_shard_client.h);
//   GrpcShardClient      another node's copies, over its gRPC Shard service
//                        (grpc_shard_client.h).
//
// Every call has a deadline (`Deadline`): a remote call that passes it
// answers kUnavailable ("deadline exceeded"), which means *unknown* for a
// write, never "failed". Errors carry their StatusCode kind across the
// boundary. Thread-safe: any thread may call any method concurrently.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

#include "holdfast/v1/shard.pb.h"
#include "index/util/status.h"
#include "replication/response_times.h"

namespace holdfast {

namespace pb = ::holdfast::v1;

using Deadline = std::chrono::steady_clock::time_point;

// The default time a shard request may take (`shard.request_timeout`).
inline constexpr std::chrono::seconds kDefaultShardRequestTimeout{30};
inline Deadline DeadlineIn(std::chrono::milliseconds timeout) { return std::chrono::steady_clock::now() + timeout; }
inline Deadline DefaultDeadline() { return DeadlineIn(kDefaultShardRequestTimeout); }

// The methods of the Shard service: X(Name, Request, Response).
#define HOLDFAST_SHARD_METHODS(X)                                      \
  X(Write, WriteRequest, WriteResponse)                                \
  X(Update, UpdateRequest, UpdateResponse)                             \
  X(Get, GetRequest, GetResponse)                                      \
  X(Maintenance, MaintenanceRequest, MaintenanceResponse)              \
  X(WaitForRefresh, WaitForRefreshRequest, WaitForRefreshResponse)     \
  X(Stats, ShardStatsRequest, ShardStatsResponse)                      \
  X(Statistics, StatisticsRequest, StatisticsResponse)                 \
  X(Query, QueryRequest, QueryResponse)                                \
  X(Count, CountRequest, CountResponse)                                \
  X(FreeContext, FreeContextRequest, FreeContextResponse)              \
  X(Fetch, FetchRequest, FetchResponse)                                \
  X(MatchIds, MatchIdsRequest, MatchIdsResponse)                       \
  X(TermVectors, TermVectorsRequest, TermVectorsResponse)              \
  X(Events, EventsRequest, EventsResponse)                             \
  X(History, HistoryRequest, HistoryResponse)                          \
  X(Neighbours, NeighboursRequest, NeighboursResponse)                 \
  X(ItemStats, ItemStatsRequest, ItemStatsResponse)                    \
  X(Popularity, PopularityRequest, PopularityResponse)                 \
  X(TopPopular, TopPopularRequest, TopPopularResponse)                 \
  X(Replicate, ReplicateRequest, ReplicateResponse)                    \
  X(OpsSince, OpsSinceRequest, OpsSinceResponse)                       \
  X(StartRecovery, StartRecoveryRequest, StartRecoveryResponse)        \
  X(RecoveryChunk, RecoveryChunkRequest, RecoveryChunkResponse)        \
  X(Handoff, HandoffRequest, HandoffResponse)                          \
  X(EndRecovery, EndRecoveryRequest, EndRecoveryResponse)              \
  X(FinalizeRecovery, FinalizeRecoveryRequest, FinalizeRecoveryResponse) \
  X(Recoveries, RecoveriesRequest, RecoveriesResponse)

enum class ShardMethod : uint8_t {
#define HOLDFAST_SHARD_METHOD_ENUM(name, req, resp) k##name,
  HOLDFAST_SHARD_METHODS(HOLDFAST_SHARD_METHOD_ENUM)
#undef HOLDFAST_SHARD_METHOD_ENUM
};
const char* ShardMethodName(ShardMethod method);  // "Write", "Query", ...
std::optional<ShardMethod> ShardMethodFromName(std::string_view name);
// New, empty request and answer messages of a method.
std::unique_ptr<google::protobuf::Message> NewShardRequest(ShardMethod method);
std::unique_ptr<google::protobuf::Message> NewShardResponse(ShardMethod method);

// One call of a batch (ShardClient::CallBatch): `response` and `status` are
// filled in.
struct ShardCall {
  ShardMethod method;
  const google::protobuf::Message* request = nullptr;
  google::protobuf::Message* response = nullptr;
  Status status;
};

// A batch on the wire (BatchRequest) and its answers put back into the calls.
Status EncodeBatch(std::span<const ShardCall> calls, pb::BatchRequest* out);
void DecodeBatch(const pb::BatchResponse& answer, std::span<ShardCall> calls);

class ShardClient {
 public:
  virtual ~ShardClient() = default;

#define HOLDFAST_SHARD_CLIENT_METHOD(name, req, resp)                                             \
  [[nodiscard]] Status name(const pb::req& request, pb::resp* response, Deadline deadline = DefaultDeadline()) { \
    return Call(ShardMethod::k##name, request, response, deadline);                               \
  }
  HOLDFAST_SHARD_METHODS(HOLDFAST_SHARD_CLIENT_METHOD)
#undef HOLDFAST_SHARD_CLIENT_METHOD

  // `request` and `response` are the method's message types (the table above).
  [[nodiscard]] virtual Status Call(ShardMethod method, const google::protobuf::Message& request,
                                    google::protobuf::Message* response, Deadline deadline) = 0;

  // Runs several calls to this client's node and sets each one's status;
  // the calls are independent (one failing fails no other). The default
  // makes them one after the other; a client of another node sends them in
  // one request (one round trip), which `batches()` says.
  virtual void CallBatch(std::span<ShardCall> calls, Deadline deadline);
  virtual bool batches() const { return false; }

  // A batch on its way (StartBatch): Wait() returns once every call's status
  // and response are set. Destroying one that was not waited for waits.
  class PendingBatch {
   public:
    virtual ~PendingBatch() = default;
    virtual void Wait() = 0;
    // After Wait: when the answer arrived, if the client knows (else the
    // epoch: the caller takes the time Wait returned).
    virtual std::chrono::steady_clock::time_point answered_at() const { return {}; }
  };
  // Sends `calls` (which must outlive the answer) and returns without waiting
  // when the client can: a client of another node has the request on the
  // wire when this returns, so the caller can do its own work meanwhile on
  // its own thread. The default runs CallBatch before it returns.
  virtual std::unique_ptr<PendingBatch> StartBatch(std::span<ShardCall> calls, Deadline deadline);

  // How fast this client's node answered search phases lately, as the
  // fan-outs of this node's searches measured it (ShardFanOut).
  ResponseTimes& response_times() const { return response_times_; }

 private:
  mutable ResponseTimes response_times_;
};

// The search phases (their times are what adaptive replica selection ranks).
inline bool IsSearchPhase(ShardMethod method) {
  return method == ShardMethod::kStatistics || method == ShardMethod::kQuery || method == ShardMethod::kFetch ||
         method == ShardMethod::kCount;
}

}  // namespace holdfast
