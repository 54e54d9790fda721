#include "replication/grpc_shard_client.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <iterator>

#include "holdfast/v1/shard.grpc.pb.h"
#include "replication/grpc_status.h"
#include "replication/proto_convert.h"

namespace holdfast {

namespace {

// gRPC takes deadlines on the system clock; ours are steady. A deadline
// further than a day away is treated as a day (no overflow for "never").
std::chrono::system_clock::time_point SystemDeadline(Deadline deadline) {
  const auto left = std::min<std::chrono::steady_clock::duration>(deadline - std::chrono::steady_clock::now(),
                                                                  std::chrono::hours(24));
  return std::chrono::system_clock::now() + std::chrono::duration_cast<std::chrono::system_clock::duration>(left);
}

// The Status of a call that gRPC did not answer OK (never OK itself).
Status FromGrpc(const grpc::Status& status, ShardMethod method, const std::string& address) {
  // The peer's ShardService refused the request: its Status, exactly.
  pb::Error error;
  if (!status.error_details().empty() && error.ParseFromString(status.error_details())) {
    Status answered = FromProto(error);
    if (!answered.ok()) return answered;
  }
  const std::string where = std::string(ShardMethodName(method)) + " on " + address + ": ";
  switch (status.error_code()) {
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return Status::Unavailable(where + "deadline exceeded (outcome unknown)");
    case grpc::StatusCode::UNAVAILABLE:
      return Status::Unavailable(where + status.error_message());
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      // gRPC's only limit a shard call meets is the message size: a request
      // or answer over kMaxShardMessageBytes ("... larger than max ...").
      if (status.error_message().find("larger than max") != std::string::npos) {
        return Status::TooLarge(where + status.error_message());
      }
      return Status::Rejected(where + status.error_message());
    default:
      return Status::Unavailable(where + GrpcCodeName(status.error_code()) + ": " + status.error_message() +
                                 " (outcome unknown)");
  }
}

}  // namespace

struct GrpcShardClient::Stub {
  std::unique_ptr<pb::Shard::Stub> shard;
};

GrpcShardClient::GrpcShardClient(std::string address) : address_(std::move(address)) {
  grpc::ChannelArguments args;
  args.SetMaxSendMessageSize(kMaxShardMessageBytes);
  args.SetMaxReceiveMessageSize(kMaxShardMessageBytes);
  // A peer that dies without closing its connection (power loss, a cut
  // network) is noticed within ~15 s, idle or not; the server side permits
  // these pings (shard_grpc_service.h).
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 10'000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 5'000);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  // A restarted peer is reconnected to within a second (gRPC's default
  // backoff grows to two minutes, during which every call would answer
  // unavailable without trying).
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1'000);
  // The callers decide what is retried (a write is not, blindly): gRPC's own
  // retries are off, and so is the buffering of every request they need.
  // No bandwidth probing either: peers are on one network, calls are small.
  // (About a tenth of a call's CPU on loopback: bench/shard_rpc_bench.cc.)
  args.SetInt(GRPC_ARG_ENABLE_RETRIES, 0);
  args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  stub_ = std::make_unique<Stub>(
      Stub{pb::Shard::NewStub(grpc::CreateCustomChannel(address_, grpc::InsecureChannelCredentials(), args))});
}

GrpcShardClient::~GrpcShardClient() = default;

Status GrpcShardClient::Call(ShardMethod method, const google::protobuf::Message& request,
                             google::protobuf::Message* response, Deadline deadline) {
  grpc::ClientContext context;
  context.set_deadline(SystemDeadline(deadline));
  context.set_wait_for_ready(false);
  auto answer = [&](const grpc::Status& status) {
    return status.ok() ? Status::OK() : FromGrpc(status, method, address_);
  };
  switch (method) {
#define HOLDFAST_GRPC_SHARD_CALL(name, req, resp) \
  case ShardMethod::k##name:                      \
    return answer(stub_->shard->name(&context, static_cast<const pb::req&>(request), static_cast<pb::resp*>(response)));
    HOLDFAST_SHARD_METHODS(HOLDFAST_GRPC_SHARD_CALL)
#undef HOLDFAST_GRPC_SHARD_CALL
  }
  return Status::Internal("unknown shard method");
}

void GrpcShardClient::CallBatch(std::span<ShardCall> calls, Deadline deadline) {
  if (calls.size() == 1) {
    calls[0].status = Call(calls[0].method, *calls[0].request, calls[0].response, deadline);
    return;
  }
  StartBatch(calls, deadline)->Wait();
}

// One Batch rpc in flight on its own completion queue, which Wait() drains
// on the waiting thread.
class GrpcShardClient::Pending final : public ShardClient::PendingBatch {
 public:
  Pending(GrpcShardClient* client, std::span<ShardCall> calls, Deadline deadline)
      : client_(client), calls_(calls), deadline_(deadline) {
    if (Status s = EncodeBatch(calls, &request_); !s.ok()) {
      for (ShardCall& call : calls_) call.status = s;
      return;
    }
    context_.set_deadline(SystemDeadline(deadline));
    context_.set_wait_for_ready(false);
    reader_ = client->stub_->shard->AsyncBatch(&context_, request_, &queue_);
    reader_->Finish(&response_, &status_, this);
  }
  ~Pending() override { Wait(); }

  void Wait() override {
    if (!reader_) return;
    reader_.reset();
    void* tag = nullptr;
    bool ok = false;
    // The call has a deadline, so its one event comes.
    queue_.Next(&tag, &ok);
    queue_.Shutdown();
    while (queue_.Next(&tag, &ok)) {
    }
    if (status_.error_code() == grpc::StatusCode::UNIMPLEMENTED) {
      client_->ShardClient::CallBatch(calls_, deadline_);  // a peer of an older version
    } else if (!status_.ok()) {
      for (ShardCall& call : calls_) call.status = FromGrpc(status_, call.method, client_->address_);
    } else {
      DecodeBatch(response_, calls_);
    }
  }

 private:
  GrpcShardClient* client_;
  std::span<ShardCall> calls_;
  Deadline deadline_;
  pb::BatchRequest request_;
  pb::BatchResponse response_;
  grpc::ClientContext context_;
  grpc::Status status_;
  grpc::CompletionQueue queue_;
  std::unique_ptr<grpc::ClientAsyncResponseReader<pb::BatchResponse>> reader_;
};

std::unique_ptr<ShardClient::PendingBatch> GrpcShardClient::StartBatch(std::span<ShardCall> calls, Deadline deadline) {
  return std::make_unique<Pending>(this, calls, deadline);
}

std::shared_ptr<GrpcShardClient> GrpcShardClients::Get(const std::string& address) {
  std::lock_guard<std::mutex> lock(mu_);
  std::shared_ptr<GrpcShardClient>& client = clients_[address];
  if (!client) client = std::make_shared<GrpcShardClient>(address);
  return client;
}

void GrpcShardClients::Forget(const std::string& address) {
  std::shared_ptr<GrpcShardClient> dropped;  // released outside the lock
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = clients_.find(address);
    if (it == clients_.end()) return;
    dropped = std::move(it->second);
    clients_.erase(it);
  }
}

}  // namespace holdfast
