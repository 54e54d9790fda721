#include "server/node.h"

#include <signal.h>
#include <sys/resource.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstring>
#include <filesystem>

#include "index/shard/shard_store.h"
#include "index/util/mmap_file.h"
#include "index/util/thread_pool.h"

#include "lifecycle/exit_codes.h"
#include "lifecycle/node_store.h"
#include "lifecycle/readiness.h"
#include "lifecycle/volume.h"
#include "server/api_context.h"
#include "server/grpc_server.h"
#include "server/http_metrics.h"
#include "server/http_router.h"
#include "server/http_server.h"
#include "server/node_routes.h"
#include "server/version.h"

namespace holdfast {

namespace {

int ExitCodeFor(VolumeError e) {
  switch (e) {
    case VolumeError::kLocked: return kExitVolumeLocked;
    case VolumeError::kClusterMismatch: return kExitClusterMismatch;
    case VolumeError::kTooNew: return kExitVolumeTooNew;
    case VolumeError::kCorrupt: return kExitVolumeCorrupt;
    case VolumeError::kIO:
    case VolumeError::kNone: return kExitFailure;
  }
  return kExitFailure;
}

// After a failed start the exit code already reports the failure: a marker
// that cannot be written is only logged (the next start then reports an
// unclean stop, which is what happened anyway).
void MarkCleanShutdownAfterFailure(NodeStore& store) {
  Status s = store.MarkCleanShutdown();
  if (!s.ok()) spdlog::warn("cannot write the clean-shutdown marker: {}", s.ToString());
}

sigset_t StopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

HttpServerOptions HttpOptionsFrom(const NodeConfig& c) {
  HttpServerOptions o;
  uint16_t port = 0;
  (void)SplitHostPort(c.http_address, &o.host, &port);  // cannot fail: validated when the config was loaded
  o.port = port;
  o.threads = c.http_threads;
  o.max_body_bytes = c.http_max_body_bytes;
  o.max_header_bytes = c.http_max_header_bytes;
  o.header_timeout = c.http_header_timeout;
  o.idle_timeout = c.http_idle_timeout;
  o.max_connections = c.http_max_connections;
  o.max_large_body_bytes = c.http_max_bulk_bytes;
  if (c.elasticsearch_compat) o.response_headers.emplace_back("X-Elastic-Product", "Elasticsearch");
  return o;
}

std::string WithPort(const std::string& address, int port) {
  return address.substr(0, address.rfind(':') + 1) + std::to_string(port);
}

// Every connection, segment file and RocksDB table is a descriptor: take the
// whole hard limit (http.max_connections defaults to 10,000).
void RaiseOpenFileLimit(uint64_t wanted) {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur >= lim.rlim_max) return;
  lim.rlim_cur = lim.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &lim) != 0) return;
  if (lim.rlim_cur < wanted) {
    spdlog::warn("open file limit {} is below http.max_connections + 1024 ({}): raise it (ulimit -n)", lim.rlim_cur, wanted);
  }
}

}  // namespace

int RunNode(const NodeConfig& config) {
  RaiseOpenFileLimit(config.http_max_connections + 1024);
  // Stop signals are taken by sigwait below, never by a handler in a random thread.
  sigset_t stop = StopSignals();
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  signal(SIGPIPE, SIG_IGN);

  VolumeError volume_error = VolumeError::kNone;
  auto volume = Volume::Open({config.data_dir, config.cluster_uuid}, &volume_error);
  if (!volume.ok()) {
    spdlog::error("cannot open volume {}: {}", config.data_dir, volume.status().message());
    return ExitCodeFor(volume_error);
  }
  auto node_store = NodeStore::Open((*volume)->node_dir());
  if (!node_store.ok()) {
    spdlog::error("cannot open node store: {}", node_store.status().ToString());
    return kExitFailure;
  }
  auto last_stop = (*node_store)->BeginRun();
  if (!last_stop.ok()) {
    spdlog::error("cannot record node start: {}", last_stop.status().ToString());
    return kExitFailure;
  }
  const VolumeIdentity& id = (*volume)->identity();
  switch (last_stop.value()) {
    case LastStop::kFirstStart: spdlog::info("new volume created at {}", config.data_dir); break;
    case LastStop::kClean: spdlog::info("last stop was clean"); break;
    case LastStop::kUnclean:
      spdlog::warn("last stop was NOT clean (crash or kill); recovering from the op log");
      break;
  }

  // Memory the index keeps in the process: segment files up to a budget (the
  // rest is mapped) and one cache of source blocks for every shard.
  MmapFile::SetMemoryBudget(config.segments_memory_bytes);
  std::shared_ptr<rocksdb::Cache> source_cache;
  if (config.source_cache_bytes > 0) source_cache = NewSourceCache(config.source_cache_bytes);

  Readiness readiness;
  NodeRouteContext ctx;
  ctx.source_cache = source_cache;
  ctx.source_cache_capacity = config.source_cache_bytes;
  ctx.config = &config;
  ctx.volume = volume->get();
  ctx.readiness = &readiness;
  ctx.last_stop = last_stop.value();
  HttpRouter router;
  AddNodeRoutes(&ctx, &router);
  ThreadPool search_pool(std::max<uint64_t>(2, config.worker_threads / 2));
  ApiContext api;
  api.config = &config;
  api.search_pool = &search_pool;
  AddIndexApiRoutes(&api, &router);
  AddSearchApiRoutes(&api, &router);
  HttpMetrics metrics(router.RouteNames());
  ctx.metrics = &metrics;

  // Request bodies of bulk requests spill here; leftovers of a crash are removed.
  const std::string spill_dir = (*volume)->data_dir() + "/tmp";
  std::error_code ec;
  std::filesystem::remove_all(spill_dir, ec);
  std::filesystem::create_directories(spill_dir, ec);
  ThreadPool workers(config.worker_threads);
  HttpServerOptions http_options = HttpOptionsFrom(config);
  http_options.spill_dir = spill_dir;
  http_options.workers = &workers;
  HttpServer http(http_options, &router, &metrics);
  GrpcServer grpc({config.node_name, &id, &readiness});
  Status s = http.Start();
  if (s.ok()) s = grpc.Start(config.grpc_address);
  if (!s.ok()) {
    spdlog::error("{}", s.message());
    http.Shutdown(std::chrono::milliseconds(0));
    MarkCleanShutdownAfterFailure(**node_store);
    return kExitFailure;
  }
  spdlog::info(
      "holdfast {} started: node_name={} node_id={} cluster_name={} cluster_uuid={} "
      "volume_uuid={} data_dir={} http_address={} grpc_address={} pid={}",
      kHoldfastVersion, config.node_name, id.node_id, config.cluster_name, id.cluster_uuid,
      id.volume_uuid, config.data_dir, WithPort(config.http_address, http.port()),
      WithPort(config.grpc_address, grpc.port()), getpid());

  // Startup recovery: open every index (each shard replays its op log).
  LocalIndexOptions index_options;
  index_options.search_pool = &search_pool;
  index_options.source_cache = source_cache;
  auto indices = IndexRegistry::Open((*volume)->indices_dir(), node_store->get(), index_options);
  if (!indices.ok()) {
    spdlog::error("startup recovery failed: {}", indices.status().ToString());
    http.Shutdown(std::chrono::milliseconds(0));
    grpc.Shutdown(std::chrono::milliseconds(0));
    MarkCleanShutdownAfterFailure(**node_store);
    return indices.status().code() == StatusCode::kCorruption ? kExitVolumeCorrupt : kExitFailure;
  }
  api.indices.store(indices->get(), std::memory_order_release);
  readiness.set_phase(NodePhase::kReady);
  grpc.SetServing(true);
  spdlog::info("node ready");

  int sig = 0;
  while (sigwait(&stop, &sig) != 0) {
  }
  const auto grace = config.shutdown_grace;
  spdlog::info("received {}; stopping (grace period {} ms)", strsignal(sig), grace.count());
  readiness.set_phase(NodePhase::kStopping);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  size_t cut = http.Shutdown(grace);
  if (cut > 0) spdlog::warn("grace period over: closed {} connection(s) with requests in flight", cut);
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  grpc.Shutdown(std::max(left, std::chrono::milliseconds(0)));
  api.indices.store(nullptr);
  s = (*indices)->CloseAll();
  if (!s.ok()) {
    spdlog::error("closing indices failed: {}", s.ToString());
    return kExitFailure;
  }
  indices->reset();
  s = (*node_store)->MarkCleanShutdown();
  if (!s.ok()) {
    spdlog::error("cannot write the clean-shutdown marker: {}", s.ToString());
    return kExitFailure;
  }
  node_store->reset();
  volume->reset();
  spdlog::info("stopped cleanly");
  return kExitOk;
}

}  // namespace holdfast
