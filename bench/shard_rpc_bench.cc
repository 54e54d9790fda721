// The cost of one node-to-node call on this machine: GrpcShardClient (the
// channel settings nodes use) against a Shard service on loopback, built
// with the server settings GrpcServer uses, in this process. The service
// does nothing, so what is measured is the transport: wall time per call
// and process CPU (client and server together) per call. A search through
// a cluster pays this once per other node and phase (docs/benchmarks.md,
// "A cluster of three").
//
//   build/bench/shard_rpc_bench
#include <benchmark/benchmark.h>
#include <grpcpp/grpcpp.h>
#include <sys/resource.h>

#include <atomic>
#include <memory>
#include <mutex>

#include "holdfast/v1/shard.grpc.pb.h"
#include "replication/grpc_shard_client.h"

namespace holdfast {
namespace {

class NothingService final : public pb::Shard::Service {
  grpc::Status FreeContext(grpc::ServerContext*, const pb::FreeContextRequest*, pb::FreeContextResponse*) override {
    return grpc::Status::OK;
  }
  grpc::Status Batch(grpc::ServerContext*, const pb::BatchRequest* request, pb::BatchResponse* response) override {
    for (int i = 0; i < request->calls_size(); ++i) response->add_results();
    return grpc::Status::OK;
  }
};

struct Loopback {
  NothingService service;
  std::unique_ptr<grpc::Server> server;
  std::unique_ptr<GrpcShardClient> client;
  Loopback() {
    int port = 0;
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&service);
    // As GrpcServer (server/grpc/grpc_server.cc).
    builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::NUM_CQS, 1);
    builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MIN_POLLERS, 2);
    builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS, 64);
    server = builder.BuildAndStart();
    client = std::make_unique<GrpcShardClient>("127.0.0.1:" + std::to_string(port));
  }
};

Loopback& Shared() {
  static Loopback* loopback = new Loopback();
  return *loopback;
}

double ProcessCpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

// CPU per call across all threads: thread 0 brackets the run.
std::atomic<double> cpu_start{0};

void Run(benchmark::State& state, size_t calls_per_request) {
  Loopback& l = Shared();
  pb::FreeContextRequest request;
  request.set_context_id("none");
  std::vector<pb::FreeContextResponse> responses(calls_per_request);
  if (state.thread_index() == 0) cpu_start = ProcessCpuSeconds();
  for (auto _ : state) {
    if (calls_per_request == 1) {
      benchmark::DoNotOptimize(l.client->FreeContext(request, &responses[0], DeadlineIn(std::chrono::seconds(5))));
    } else {
      std::vector<ShardCall> calls(calls_per_request);
      for (size_t k = 0; k < calls.size(); ++k) calls[k] = {ShardMethod::kFreeContext, &request, &responses[k], Status::OK()};
      l.client->CallBatch(calls, DeadlineIn(std::chrono::seconds(5)));
    }
  }
  if (state.thread_index() == 0) {
    const double cpu = ProcessCpuSeconds() - cpu_start.load();
    state.counters["cpu_us_per_request"] =
        benchmark::Counter(cpu * 1e6 / static_cast<double>(state.iterations() * state.threads()));
  }
}

void BM_OneCall(benchmark::State& state) { Run(state, 1); }
void BM_BatchOfTwoCalls(benchmark::State& state) { Run(state, 2); }

BENCHMARK(BM_OneCall)->Threads(1)->Threads(4)->Threads(16)->UseRealTime();
BENCHMARK(BM_BatchOfTwoCalls)->Threads(1)->Threads(4)->Threads(16)->UseRealTime();

}  // namespace
}  // namespace holdfast
