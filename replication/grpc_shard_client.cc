#include "replication/grpc_shard_client.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <condition_variable>
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

GrpcShardClient::GrpcShardClient(std::string address, int max_batches_in_flight, int coalesce_full_at)
    : address_(std::move(address)), max_in_flight_(std::max(1, max_batches_in_flight)),
      full_at_(std::max(0, coalesce_full_at)) {
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
  queue_ = std::make_unique<grpc::CompletionQueue>();
  stub_ = std::make_unique<Stub>(
      Stub{pb::Shard::NewStub(grpc::CreateCustomChannel(address_, grpc::InsecureChannelCredentials(), args))});
}

GrpcShardClient::~GrpcShardClient() {
  // Every batch was waited for (a Pending waits when destroyed), so the
  // queue holds no rpc's answer any more.
  queue_->Shutdown();
  void* tag = nullptr;
  bool ok = false;
  while (queue_->Next(&tag, &ok)) {
  }
}

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

// One caller's batch: its calls (which outlive the answer), encoded, and the
// rpc it travels in.
class GrpcShardClient::Pending final : public ShardClient::PendingBatch {
 public:
  Pending(GrpcShardClient* client, std::span<ShardCall> calls, Deadline deadline)
      : client_(client), calls_(calls), deadline_(deadline) {}
  ~Pending() override { Wait(); }

  void Wait() override;
  std::chrono::steady_clock::time_point answered_at() const override { return answered_at_; }

 private:
  friend class GrpcShardClient;
  GrpcShardClient* client_;
  std::span<ShardCall> calls_;
  Deadline deadline_;
  pb::BatchRequest request_;
  std::shared_ptr<Flight> flight_;  // null: answered (or never sent)
  size_t index_ = 0;                // its place in the flight's batches
  std::chrono::steady_clock::time_point answered_at_;
};

class GrpcShardClient::Flight {
 public:
  std::vector<Pending*> batches;  // blocked in Wait, or about to be
  Deadline deadline;
  bool slot = false;    // holds one of the max_in_flight_ slots (search calls)
  pb::BatchRequest request;
  pb::BatchResponse response;
  grpc::ClientContext context;
  grpc::Status status;
  std::unique_ptr<grpc::ClientAsyncResponseReader<pb::BatchResponse>> reader;
  // Under the client's mu_:
  bool done = false;
  std::chrono::steady_clock::time_point answered;  // when taken off the queue
  int waiting = 0;             // threads in Await for it
  std::condition_variable cv;  // they wait on it
};

void GrpcShardClient::Pending::Wait() {
  if (flight_ == nullptr) return;
  client_->Await(flight_.get());
  answered_at_ = flight_->answered;
  client_->Answer(*flight_, this);  // on this thread: the batches of a rpc are read in parallel
  flight_.reset();
}

std::unique_ptr<ShardClient::PendingBatch> GrpcShardClient::StartBatch(std::span<ShardCall> calls, Deadline deadline) {
  auto pending = std::make_unique<Pending>(this, calls, deadline);
  if (Status s = EncodeBatch(calls, &pending->request_); !s.ok()) {
    for (ShardCall& call : calls) call.status = s;
    return pending;
  }
  // Only the phases of searches wait for a slot and travel together: a
  // write, its replication or a recovery step goes at once, on its own (it
  // must not wait behind searches, nor make a node apply writes one batch
  // after the other).
  const bool search =
      std::all_of(calls.begin(), calls.end(), [](const ShardCall& call) { return IsSearchPhase(call.method); });
  std::shared_ptr<Flight> launch;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const bool together =
        search && in_flight_ >= max_in_flight_ && !nesting_unknown_.load(std::memory_order_relaxed);
    if (together && !queued_) {
      queued_ = std::make_shared<Flight>();
      queued_->deadline = deadline;
    }
    if (together && std::chrono::abs(queued_->deadline - deadline) <= kCoalesceDeadlineSlack) {
      pending->index_ = queued_->batches.size();
      queued_->batches.push_back(pending.get());
      queued_->deadline = std::min(queued_->deadline, deadline);
      pending->flight_ = queued_;
      if (GoesFull(*queued_)) launch = TakeQueued();  // full: it goes now, in a slot beyond the usual ones
    } else {
      launch = std::make_shared<Flight>();
      launch->batches.push_back(pending.get());
      launch->deadline = deadline;
      launch->slot = search;
      pending->flight_ = launch;
      if (search) ++in_flight_;
      ++outstanding_;
      flying_.push_back(launch);
    }
  }
  if (launch) Launch(launch.get());
  return pending;
}

bool GrpcShardClient::GoesFull(const Flight& queued) const {
  return full_at_ > 0 && static_cast<int>(queued.batches.size()) >= full_at_ && in_flight_ < 2 * max_in_flight_;
}

std::shared_ptr<GrpcShardClient::Flight> GrpcShardClient::TakeQueued() {
  std::shared_ptr<Flight> flight = std::move(queued_);
  flight->slot = true;
  ++in_flight_;
  ++outstanding_;
  flying_.push_back(flight);
  return flight;
}

void GrpcShardClient::Launch(Flight* flight) {
  if (flight->batches.size() == 1) {
    flight->request.Swap(&flight->batches[0]->request_);
  } else {  // the calls are the batches
    flight->request.mutable_calls()->Reserve(static_cast<int>(flight->batches.size()));
    for (Pending* batch : flight->batches) {
      pb::ShardCall* call = flight->request.add_calls();
      call->set_method(std::string(kNestedBatchMethod));
      batch->request_.SerializeToString(call->mutable_request());
    }
  }
  batch_rpcs_.fetch_add(1, std::memory_order_relaxed);
  batches_sent_.fetch_add(flight->batches.size(), std::memory_order_relaxed);
  flight->context.set_deadline(SystemDeadline(flight->deadline));
  flight->context.set_wait_for_ready(false);
  flight->reader = stub_->shard->AsyncBatch(&flight->context, flight->request, queue_.get());
  flight->reader->Finish(&flight->response, &flight->status, flight);
}

void GrpcShardClient::Await(Flight* flight) {
  std::unique_lock<std::mutex> lock(mu_);
  ++flight->waiting;
  while (!flight->done) {
    if (polling_) {
      flight->cv.wait(lock);
      continue;
    }
    // Nobody takes answers off the queue: this thread does. An rpc is out
    // (`flight` is, or is queued behind one: outstanding_ > 0), and every
    // rpc has a deadline, so an answer comes.
    polling_ = true;
    lock.unlock();
    void* tag = nullptr;
    bool ok = false;
    queue_->Next(&tag, &ok);
    const auto arrived = std::chrono::steady_clock::now();
    auto* answered = static_cast<Flight*>(tag);
    std::shared_ptr<Flight> next;
    lock.lock();
    --outstanding_;
    if (answered->slot) --in_flight_;
    if (queued_ && (in_flight_ < max_in_flight_ || GoesFull(*queued_))) {
      // The batches that waited for a slot go now, together — before this
      // answer is read, so the peer is not idle meanwhile.
      next = TakeQueued();
    }
    lock.unlock();
    if (next) Launch(next.get());
    lock.lock();
    polling_ = false;
    answered->done = true;
    answered->answered = arrived;
    answered->cv.notify_all();
    for (auto it = flying_.begin(); it != flying_.end(); ++it) {
      if (it->get() == answered) {
        flying_.erase(it);  // its batches still hold it
        break;
      }
    }
  }
  --flight->waiting;
  // Leaving: if others wait and nobody takes answers, wake one of them to.
  if (!polling_ && outstanding_ > 0) {
    auto wake = [](const std::shared_ptr<Flight>& f) {
      if (f && !f->done && f->waiting > 0) {
        f->cv.notify_one();
        return true;
      }
      return false;
    };
    bool woken = false;
    for (const auto& f : flying_) {
      if ((woken = wake(f))) break;
    }
    if (!woken) wake(queued_);
  }
}

void GrpcShardClient::Answer(const Flight& flight, Pending* batch) {
  const grpc::Status& status = flight.status;
  std::span<ShardCall> calls = batch->calls_;
  if (status.error_code() == grpc::StatusCode::UNIMPLEMENTED) {
    ShardClient::CallBatch(calls, batch->deadline_);  // a peer of an older version: the calls one by one
    return;
  }
  if (!status.ok()) {
    for (ShardCall& call : calls) call.status = FromGrpc(status, call.method, address_);
    return;
  }
  if (flight.batches.size() == 1) {  // sent as it was (Launch)
    DecodeBatch(flight.response, calls);
    return;
  }
  Status failed;
  pb::BatchResponse answer;
  const size_t i = batch->index_;
  if (i >= static_cast<size_t>(flight.response.results_size())) {
    failed = Status::Internal("a batch answer has " + std::to_string(flight.response.results_size()) + " results for " +
                              std::to_string(flight.batches.size()) + " batches");
  } else if (const pb::ShardCallResult& result = flight.response.results(static_cast<int>(i)); result.has_error()) {
    failed = FromProto(result.error());
    if (failed.ok()) failed = Status::Internal("a failed batch in a batch answer carries no error");
    if (failed.code() == StatusCode::kInvalidArgument &&
        failed.message().find("unknown shard method [" + std::string(kNestedBatchMethod) + "]") != std::string::npos) {
      // An older peer: this batch again on its own, and every later one.
      nesting_unknown_.store(true, std::memory_order_relaxed);
      grpc::ClientContext context;
      context.set_deadline(SystemDeadline(batch->deadline_));
      context.set_wait_for_ready(false);
      grpc::Status again = stub_->shard->Batch(&context, batch->request_, &answer);
      if (again.ok()) {
        DecodeBatch(answer, calls);
        return;
      }
      failed = FromGrpc(again, calls.empty() ? ShardMethod::kQuery : calls.front().method, address_);
    }
  } else if (!answer.ParseFromString(result.response())) {
    failed = Status::Internal("cannot parse a batch answer");
  } else {
    DecodeBatch(answer, calls);
    return;
  }
  for (ShardCall& call : calls) call.status = failed;
}

std::shared_ptr<GrpcShardClient> GrpcShardClients::Get(const std::string& address) {
  std::lock_guard<std::mutex> lock(mu_);
  std::shared_ptr<GrpcShardClient>& client = clients_[address];
  if (!client) client = std::make_shared<GrpcShardClient>(address, max_batches_in_flight_, coalesce_full_at_);
  return client;
}

GrpcShardClients::Totals GrpcShardClients::totals() const {
  std::lock_guard<std::mutex> lock(mu_);
  Totals t;
  for (const auto& [address, client] : clients_) {
    t.rpcs += client->batch_rpcs();
    t.batches += client->batches_sent();
  }
  return t;
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
