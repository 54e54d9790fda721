#include "server/process/node.h"
#include "server/coordinator/stats_cache.h"

#include <signal.h>
#include <sys/resource.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <set>
#include <thread>

#include "index/shard/shard_store.h"
#include "index/shard/store_logger.h"
#include "index/util/mmap_file.h"
#include "index/util/thread_pool.h"

#include "lifecycle/disk_monitor.h"
#include "lifecycle/drain.h"
#include "lifecycle/exit_codes.h"
#include "lifecycle/node_drain.h"
#include "lifecycle/node_startup.h"
#include "lifecycle/readiness.h"
#include "server/api/api_context.h"
#include "server/api/task_registry.h"
#include "server/coordinator/cluster_indices.h"
#include "server/coordinator/shard_router.h"
#include "replication/allocation.h"
#include "replication/etcd_cluster_state.h"
#include "replication/grpc_shard_client.h"
#include "replication/peer_recovery.h"
#include "server/grpc/admin_token.h"
#include "server/grpc/cluster_grpc_service.h"
#include "server/grpc/grpc_server.h"
#include "server/http/http_metrics.h"
#include "server/http/http_router.h"
#include "server/http/http_server.h"
#include "server/api/node_routes.h"
#include "server/process/node_etcd.h"
#include "server/process/version.h"

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

// RocksDB's diagnostics in the node's log (never a LOG file on the volume):
// warnings and errors, everything at debug.
std::shared_ptr<rocksdb::Logger> RocksDbLogger(const NodeConfig& c) {
  const bool verbose = c.log_level == "debug" || c.log_level == "trace";
  return NewStoreLogger(
      [](StoreLogLevel level, std::string_view message) {
        const auto l = level == StoreLogLevel::kError  ? spdlog::level::err
                       : level == StoreLogLevel::kWarn ? spdlog::level::warn
                                                       : spdlog::level::debug;
        spdlog::log(l, "rocksdb: {}", message);
      },
      verbose ? StoreLogLevel::kDebug : StoreLogLevel::kWarn);
}

void LogShardFailure(const ShardId& shard, const Status& failure) {
  if (failure.code() == StatusCode::kNoSpace) {
    spdlog::error("shard {} cannot take writes, the disk is full: {}; it still answers searches and gets, and takes "
                  "writes again once disk space is freed",
                  shard.ToString(), failure.message());
    return;
  }
  spdlog::error("shard {} failed: {}", shard.ToString(), failure.ToString());
}

// What the node does with each disk sample: the write block follows the
// watermarks; below the high watermark (with the watermarks disabled: with
// any space free), stores that ran out of space are reopened for writing.
std::function<void(const DiskStatus&)> OnDiskSample(WriteBlock* block, NodeStore* node_store,
                                                     std::atomic<ShardRegistry*>* shards, bool watermarks_enabled,
                                                     std::atomic<EtcdClusterState*>* cluster) {
  // Cluster mode: the disk use the master allocates by, published when it
  // moves by a whole percent or crosses the high watermark (with the
  // watermarks disabled: when no byte is left — no copy can start there).
  auto published = std::make_shared<std::pair<int, bool>>(-1, false);
  return [block, node_store, shards, watermarks_enabled, cluster, published](const DiskStatus& disk) {
    block->Set(disk.write_block);
    if (EtcdClusterState* c = cluster->load(std::memory_order_acquire); c != nullptr && disk.sampled) {
      const int percent = static_cast<int>(disk.usage.used_percent());
      const bool over_high =
          watermarks_enabled ? disk.level >= DiskLevel::kOverHigh : disk.usage.available_bytes == 0;
      if (percent != published->first || over_high != published->second) {
        Status s = c->SetNodeAttributes({{"disk.used_percent", std::to_string(percent)},
                                         {"disk.over_high", over_high ? "true" : "false"}});
        if (s.ok()) *published = {percent, over_high};
      }
    }
    const bool room = watermarks_enabled ? disk.level < DiskLevel::kOverHigh : disk.usage.available_bytes > 0;
    if (!disk.sampled || !room) return;
    if (!node_store->writable()) {
      Status s = node_store->ReopenIfNotWritable();
      if (s.ok()) spdlog::info("node store writable again");
    }
    if (ShardRegistry* registry = shards->load(std::memory_order_acquire)) {
      const size_t reopened = registry->ReopenCopiesOutOfSpace();
      if (reopened > 0) spdlog::info("{} shard copies out of space reopened: they take writes again", reopened);
    }
  };
}

constexpr std::chrono::seconds kCatchUpLimit{120};

// The shards whose copy the routing table places on (or keeps for) `node`.
std::set<ShardId> CopiesOf(const ClusterStateSnapshot& state, const std::string& node) {
  std::set<ShardId> out;
  for (const auto& [uuid, index] : state.routing) {
    for (const ShardRouting& shard : index.shards) {
      for (const ShardCopyRouting& c : shard.copies) {
        if (c.node_id == node || (c.node_id.empty() && c.last_node_id == node)) out.insert(ShardId{uuid, shard.shard});
      }
    }
  }
  return out;
}

// Every one of `shards` still placed here is started and in sync; those
// placed elsewhere (or deleted) no longer count, nor do replicas of a shard
// without a started primary, nor copies waiting for
// this node while allocation.enable (the index's or the cluster's) holds it back
// (the operator turns it back to all once the node is up — Elasticsearch's
// rolling restart — and waits for green then, not for ready).
bool CaughtUp(const ClusterStateSnapshot& state, const std::string& node, const std::set<ShardId>& shards) {
  for (const ShardId& id : shards) {
    const ShardRouting* routing = state.RoutingOf(id);
    if (routing == nullptr) continue;
    // A replica waits for a started primary to recover from (a red shard:
    // none may come for a long time); this node does not wait with it.
    const ShardCopyRouting* primary = routing->primary();
    const bool primary_started = primary != nullptr && (primary->state == ShardCopyState::kStarted ||
                                                        primary->state == ShardCopyState::kRelocating);
    for (const ShardCopyRouting& c : routing->copies) {
      if (!c.primary && !primary_started) continue;
      if (c.node_id.empty() && c.last_node_id == node && c.state == ShardCopyState::kUnassigned &&
          AllocationEnableRefusal(state, id.index_uuid, c).empty()) {
        return false;
      }
      if (c.node_id != node) continue;
      const bool active = c.state == ShardCopyState::kStarted || c.state == ShardCopyState::kRelocating;
      if (!active || !routing->IsInSync(c.allocation_id)) return false;
    }
  }
  return true;
}

}  // namespace

int RunNode(const NodeConfig& config) {
  RaiseOpenFileLimit(config.http_max_connections + 1024);
  // Stop signals are taken by sigwait below, never by a handler in a random thread.
  sigset_t stop = StopSignals();
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  signal(SIGPIPE, SIG_IGN);

  // The admin token, if any: a node that was told to require one never runs open.
  std::string admin_token;
  if (!config.admin_token_file.empty()) {
    auto token = ReadAdminToken(config.admin_token_file);
    if (!token.ok()) {
      spdlog::error("--admin-token-file: {}", token.status().message());
      return kExitUsage;
    }
    admin_token = std::move(token).value();
  }

  // Cluster mode: etcd first — the cluster uuid a volume must belong to.
  const bool cluster_mode = !config.etcd_endpoints.empty();
  std::unique_ptr<EtcdClient> etcd;
  std::string expected_cluster_uuid = config.cluster_uuid;
  if (cluster_mode) {
    if (int code = JoinEtcd(config, &etcd, &expected_cluster_uuid); code != kExitOk) return code;
  }

  // Startup, step 1: the volume and the node store.
  VolumeError volume_error = VolumeError::kNone;
  const std::shared_ptr<rocksdb::Logger> rocksdb_log = RocksDbLogger(config);
  auto opened = OpenNodeVolume({config.data_dir, expected_cluster_uuid}, &volume_error, rocksdb_log);
  if (!opened.ok()) {
    spdlog::error("cannot open volume {}: {}", config.data_dir, opened.status().message());
    if (cluster_mode && volume_error == VolumeError::kClusterMismatch) {
      spdlog::error("this volume belongs to another cluster than [{}] in etcd (uuid {}): refusing to join",
                    config.cluster_name, expected_cluster_uuid);
    }
    return ExitCodeFor(volume_error);
  }
  NodeVolume& node = opened.value();
  const VolumeIdentity& id = node.volume->identity();
  if (cluster_mode && expected_cluster_uuid.empty()) {
    // The cluster's first node: its volume's uuid becomes the cluster's
    // (unless another node got there first, which then must match).
    auto uuid = EtcdClusterState::ClusterUuid(etcd.get(), config.cluster_name, id.cluster_uuid);
    if (!uuid.ok() || *uuid != id.cluster_uuid) {
      spdlog::error("cannot join cluster [{}]: {}", config.cluster_name,
                    uuid.ok() ? "its uuid is " + *uuid + ", this volume belongs to " + id.cluster_uuid
                              : uuid.status().message());
      MarkCleanShutdownAfterFailure(*node.store);
      return uuid.ok() ? kExitClusterMismatch : kExitFailure;
    }
  }
  switch (node.last_stop) {
    case LastStop::kFirstStart: spdlog::info("new volume created at {}", config.data_dir); break;
    case LastStop::kClean: spdlog::info("last stop was clean"); break;
    case LastStop::kUnclean:
      spdlog::warn("last stop was NOT clean (crash or kill); recovering from the op log");
      break;
  }
  if (!node.run_recorded) spdlog::warn("cannot record the node start (no space left on the volume); starting anyway");
  if (!node.store->writable()) {
    spdlog::warn("node store opened read-only (no space left on the volume): index changes wait for free space");
  }

  // The disk watermarks: measured before any shard opens, so a full disk
  // blocks writes from the first request on.
  WriteBlock write_block;
  std::atomic<ShardRegistry*> registry_for_disk{nullptr};
  std::atomic<EtcdClusterState*> cluster_for_disk{nullptr};
  DiskMonitor disk({node.volume->data_dir(), config.disk_watermarks, config.disk_check_interval, nullptr,
                    OnDiskSample(&write_block, node.store.get(), &registry_for_disk, config.disk_watermarks.enabled,
                                 &cluster_for_disk),
                    config.node_name});
  (void)disk.Refresh();
  disk.Start();
  auto transport = ShardTransportFromName(config.shard_transport);
  if (!transport.ok()) {
    spdlog::error("{}", transport.status().message());
    return kExitFailure;
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
  ctx.volume = node.volume.get();
  ctx.readiness = &readiness;
  ctx.last_stop = node.last_stop;
  ctx.disk = &disk;
  HttpRouter router;
  AddNodeRoutes(&ctx, &router);
  // Shard requests of one search run on this pool. In a cluster most of
  // them wait on other nodes (gRPC round trips), not on this CPU: a pool
  // sized for the cores would let two of them be in flight at a time.
  ThreadPool search_pool(std::max<uint64_t>(2, config.worker_threads / 2) + (cluster_mode ? 32 : 0));
  ApiContext api;
  api.config = &config;
  api.search_pool = &search_pool;
  StatsCache stats_cache(kStatsCacheBytes);
  api.stats_cache = &stats_cache;
  ctx.stats_cache = &stats_cache;
  api.disk = &disk;
  api.admin_token = admin_token;
  api.indices_dir = node.volume->indices_dir();
  TaskRegistry tasks(config.node_name);
  api.tasks = &tasks;
  AddIndexApiRoutes(&api, &router);
  AddSearchApiRoutes(&api, &router);
  HttpMetrics metrics(router.RouteNames());
  ctx.metrics = &metrics;

  // Request bodies of bulk requests spill here; leftovers of a crash are removed.
  const std::string spill_dir = node.volume->data_dir() + "/tmp";
  std::error_code ec;
  std::filesystem::remove_all(spill_dir, ec);
  std::filesystem::create_directories(spill_dir, ec);
  ThreadPool workers(config.worker_threads);
  HttpServerOptions http_options = HttpOptionsFrom(config);
  http_options.spill_dir = spill_dir;
  http_options.workers = &workers;
  HttpServer http(http_options, &router, &metrics);
  GrpcServer grpc({config.node_name, &id, &readiness, admin_token});
  ClusterGrpcService cluster_service;
  if (cluster_mode) grpc.AddService(&cluster_service);
  Status s = http.Start();
  if (s.ok()) s = grpc.Start(config.grpc_address);
  if (!s.ok()) {
    spdlog::error("{}", s.message());
    http.Shutdown(std::chrono::milliseconds(0));
    MarkCleanShutdownAfterFailure(*node.store);
    return kExitFailure;
  }
  spdlog::info(
      "holdfast {} started: node_name={} node_id={} cluster_name={} cluster_uuid={} "
      "volume_uuid={} data_dir={} http_address={} grpc_address={} published_grpc_address={} shard_transport={} "
      "pid={}",
      kHoldfastVersion, config.node_name, id.node_id, config.cluster_name, id.cluster_uuid,
      id.volume_uuid, config.data_dir, WithPort(config.http_address, http.port()),
      WithPort(config.grpc_address, grpc.port()),
      PublishedAddress(config.grpc_address, config.publish_host, grpc.port()), config.shard_transport, getpid());

  // Startup, step 2: the cluster state and every shard copy (op log replay).
  // Other nodes dial the published addresses (--publish-host).
  NodeShardsOptions shard_options;
  shard_options.node = ClusterNode{id.node_id, config.node_name,
                                   PublishedAddress(config.http_address, config.publish_host, http.port()),
                                   PublishedAddress(config.grpc_address, config.publish_host, grpc.port()),
                                   config.node_attributes};
  shard_options.cluster_name = config.cluster_name;
  shard_options.engine.source_cache = source_cache;
  shard_options.engine.store_log = rocksdb_log;
  shard_options.service.write_block = &write_block;
  shard_options.recovery_max_bytes_per_sec = config.recovery_max_bytes_per_sec;
  shard_options.engine.hold_background_writes = [&write_block] { return write_block.on(); };
  shard_options.on_shard_failure = LogShardFailure;
  std::unique_ptr<EtcdClusterState> cluster;
  if (cluster_mode) {
    EtcdClusterOptions co;
    co.cluster_name = config.cluster_name;
    co.cluster_uuid = id.cluster_uuid;
    co.self.node_id = id.node_id;
    co.self.name = config.node_name;
    co.self.http_address = shard_options.node.http_address;
    co.self.grpc_address = shard_options.node.grpc_address;
    co.self.attributes = config.node_attributes;
    co.self.attributes["volume.uuid"] = id.volume_uuid;  // what reconcile matches a task's volume_id with
    co.lease_ttl = config.cluster_lease_ttl;
    co.on_master_change = [](bool is_master) {
      if (is_master) {
        spdlog::info("this node is now the master");
      } else {
        spdlog::warn("this node is no longer the master");
      }
    };
    auto started = EtcdClusterState::Start(etcd.get(), std::move(co));
    if (!started.ok()) {
      spdlog::error("cannot join cluster [{}] through etcd: {}", config.cluster_name, started.status().message());
      http.Shutdown(std::chrono::milliseconds(0));
      grpc.Shutdown(std::chrono::milliseconds(0));
      MarkCleanShutdownAfterFailure(*node.store);
      return started.status().code() == StatusCode::kAlreadyExists ? kExitNameTaken : kExitFailure;
    }
    cluster = std::move(started).value();
    cluster_service.SetClusterState(cluster.get());
    shard_options.cluster = cluster.get();
    spdlog::info("joined cluster [{}] through etcd {}{} (lease {}s)", config.cluster_name,
                 fmt::join(config.etcd_endpoints, ","), config.etcd_tls ? " over TLS" : "",
                 config.cluster_lease_ttl.count());
  }
  GrpcShardClients remote_clients(static_cast<int>(config.max_batches_in_flight),
                                  static_cast<int>(config.coalesce_full_at));
  if (cluster) ctx.peers.store(&remote_clients, std::memory_order_release);
  if (cluster) {
    shard_options.peer = [&remote_clients, state = cluster.get()](const std::string& node_id) -> ShardClient* {
      ClusterStatePtr current = state->Current();
      auto n = current->nodes.find(node_id);
      return n == current->nodes.end() ? nullptr : remote_clients.Get(n->second.grpc_address).get();
    };
  }
  auto shards = RecoverShards(node, std::move(shard_options));
  if (!shards.ok()) {
    spdlog::error("startup recovery failed: {}", shards.status().ToString());
    http.Shutdown(std::chrono::milliseconds(0));
    grpc.Shutdown(std::chrono::milliseconds(0));
    MarkCleanShutdownAfterFailure(*node.store);
    return shards.status().code() == StatusCode::kCorruption ? kExitVolumeCorrupt : kExitFailure;
  }
  // indices.recovery.max_bytes_per_sec: the cluster setting (validated when
  // put) over this node's own.
  auto apply_recovery_rate = [registry = shards->registry.get(),
                              own = config.recovery_max_bytes_per_sec](const ClusterStatePtr& state) {
    auto setting = state->settings.find(kRecoveryMaxBytesSetting);
    auto rate = setting == state->settings.end() ? Result<uint64_t>(own) : ParseByteSize(setting->second);
    registry->SetRecoveryRate(rate.ok() ? rate.value() : own);
  };
  std::unique_ptr<ClusterStateWatch> recovery_rate_watch = shards->cluster_state->Watch(apply_recovery_rate);
  apply_recovery_rate(shards->cluster_state->Current());
  grpc.SetShardService(shards->service.get());
  grpc.SetCluster(shards->cluster_state, cluster.get());
  ShardRouter shard_router(shards->service.get(), id.node_id, transport.value(),
                           [&remote_clients](const std::string& address) -> ShardClient* {
                             return remote_clients.Get(address).get();
                           });
  ClusterIndices indices(shards->cluster_state, &shard_router);
  ctx.cluster_state.store(shards->cluster_state, std::memory_order_release);
  ctx.shards.store(shards->registry.get(), std::memory_order_release);
  registry_for_disk.store(shards->registry.get(), std::memory_order_release);
  api.indices.store(&indices, std::memory_order_release);
  api.cluster.store(cluster.get(), std::memory_order_release);
  cluster_for_disk.store(cluster.get(), std::memory_order_release);  // the disk monitor is stopped before it goes
  api.registry.store(shards->registry.get(), std::memory_order_release);
  NodeDrainerOptions drain_options;
  drain_options.node_id = id.node_id;
  drain_options.state = shards->cluster_state;
  drain_options.cluster = cluster.get();
  drain_options.registry = shards->registry.get();
  drain_options.readiness = &readiness;
  drain_options.shard_requests_in_flight = [&grpc] { return grpc.ShardRequestsInFlight(); };
  auto drainer = std::make_unique<NodeDrainer>(std::move(drain_options));
  api.drainer.store(drainer.get(), std::memory_order_release);
  ctx.drainer.store(drainer.get(), std::memory_order_release);
  grpc.SetDrainer(drainer.get(), id.node_id);
  // In a cluster, ready once the copies this node held before it started
  // are back and in sync (a restart: they catch up from their primaries),
  // at most kCatchUpLimit — a load balancer or orchestrator that waits for
  // ready then waits for them too. Shard requests are served meanwhile.
  std::atomic<bool> stop_catch_up{false};
  std::thread catch_up([&] {
    const auto until = std::chrono::steady_clock::now() + kCatchUpLimit;
    const std::set<ShardId> own = cluster ? CopiesOf(*shards->cluster_state->Current(), id.node_id) : std::set<ShardId>{};
    if (!own.empty()) spdlog::info("waiting for {} shard copies of this node to be in sync before turning ready", own.size());
    while (!own.empty() && !stop_catch_up && std::chrono::steady_clock::now() < until &&
           !CaughtUp(*shards->cluster_state->Current(), id.node_id, own)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (stop_catch_up) return;
    if (!own.empty() && std::chrono::steady_clock::now() >= until) {
      spdlog::warn("shard copies of this node still not in sync after {} s; turning ready anyway", kCatchUpLimit.count());
    }
    NodePhase starting = NodePhase::kStarting;
    readiness.compare_and_set(starting, NodePhase::kReady);
    grpc.SetServing(true);
    spdlog::info("node ready ({} shard copies)", shards->registry->All().size());
  });

  int sig = 0;
  while (sigwait(&stop, &sig) != 0) {
  }
  stop_catch_up = true;
  catch_up.join();
  spdlog::info("received {}; stopping (grace period {} ms)", strsignal(sig), config.shutdown_grace.count());
  DrainSteps steps;
  steps.announce = [&] {
    http.CloseConnectionsAfterResponses();
    grpc.SetServing(false);  // the gRPC health check says so too; shard requests are still answered
  };
  steps.hand_off = [&](std::chrono::steady_clock::time_point deadline) {
    // A drain asked for before keeps its type; otherwise a restart.
    const DrainProgress before = drainer->Progress();
    (void)drainer->Start(before.state == "none" ? "restart" : before.type, /*forced=*/true);
    if (!drainer->WaitHandoffsSettled(deadline)) {
      spdlog::warn("drain: {} primaries still here when the hand-off time ran out", drainer->Progress().primaries_left);
    }
  };
  steps.stop_http = [&](std::chrono::milliseconds grace) { return http.Shutdown(grace); };
  steps.stop_grpc = [&](std::chrono::milliseconds left) { grpc.Shutdown(left); };
  steps.close_shards = [&] {
    tasks.Stop();  // background reindexes end before the indices they write go
    api.drainer.store(nullptr);
    ctx.drainer.store(nullptr);
    ctx.peers.store(nullptr);
    grpc.SetDrainer(nullptr, "");
    drainer.reset();
    for (const auto& release : api.before_close) release();
    api.indices.store(nullptr);
    api.cluster.store(nullptr);
    api.registry.store(nullptr);
    ctx.shards.store(nullptr);
    ctx.cluster_state.store(nullptr);
    registry_for_disk.store(nullptr);
    disk.Stop();  // no reopen runs while the copies close
    grpc.SetShardService(nullptr);
    grpc.SetCluster(nullptr, nullptr);
    recovery_rate_watch.reset();
    Status closed = shards->Close();
    if (cluster) {
      // Leave at once rather than when the lease expires: the master keeps
      // this node's copies' place (node_left delay) for its return.
      cluster_service.SetClusterState(nullptr);
      cluster_for_disk.store(nullptr);
      cluster->Leave();
      // Until the master has recorded that this node left (its copies keep
      // their place, NODE_LEFT), or 3 s: a node started again at once must
      // find its copies waiting for it, not still counted as started here —
      // then they catch up from the primaries' ops instead of being failed.
      const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(3);
      auto still_here = [&] {
        ClusterStatePtr s = cluster->Current();
        if (s->nodes.size() <= (s->nodes.count(id.node_id) ? 1u : 0u)) return false;  // no one else to record it
        for (const auto& [uuid, index] : s->routing) {
          for (const ShardRouting& shard : index.shards) {
            for (const ShardCopyRouting& c : shard.copies) {
              if (c.node_id == id.node_id) return true;
            }
          }
        }
        return false;
      };
      while (still_here() && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
    return closed;
  };
  steps.mark_clean = [&] { return node.store->MarkCleanShutdown(); };
  DrainOutcome drained = RunDrain(&readiness, config.shutdown_grace, steps, config.shutdown_readiness_delay);
  if (!drained.status.ok()) return kExitFailure;
  spdlog::info("stopped cleanly");
  return kExitOk;
}

}  // namespace holdfast
