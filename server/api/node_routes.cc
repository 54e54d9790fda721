#include "server/api/node_routes.h"
#include "lifecycle/node_drain.h"
#include "server/coordinator/stats_cache.h"
#include "replication/grpc_shard_client.h"

#include <algorithm>
#include <fmt/format.h>

#include <cmath>

#include "index/shard/shard_store.h"
#include "index/util/mmap_file.h"
#include "server/http/http_metrics.h"
#include "server/http/http_router.h"
#include "server/http/json_writer.h"
#include "server/process/version.h"

namespace holdfast {

namespace {

HttpResponse Json(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

HttpResponse Root(const NodeRouteContext& ctx) {
  const bool compat = ctx.config->elasticsearch_compat;
  const VolumeIdentity& id = ctx.volume->identity();
  JsonWriter w;
  w.StartObject()
      .Field("name", ctx.config->node_name)
      .Field("cluster_name", ctx.config->cluster_name)
      .Field("cluster_uuid", id.cluster_uuid)
      .Key("version")
      .StartObject()
      .Field("number", compat ? kCompatEsVersion : kHoldfastVersion)
      .Field("build_flavor", "default")
      .Field("build_type", "holdfast")
      .Field("build_hash", "")
      .Field("build_date", "")
      .Field("build_snapshot", false)
      .Field("lucene_version", kCompatLuceneVersion)
      .Field("minimum_wire_compatibility_version", "6.8.0")
      .Field("minimum_index_compatibility_version", "6.0.0-beta1")
      .Field("distribution", "holdfast")
      .Field("holdfast_version", kHoldfastVersion)
      .EndObject();
  if (compat) w.Field("tagline", "You Know, for Search");
  w.EndObject();
  return Json(200, w.TakeString());
}

// Gauges of the memory the index keeps in the process (segments, source cache).
std::string MemoryMetrics(const NodeRouteContext& ctx) {
  std::string out;
  auto gauge = [&out](const char* name, const char* help, uint64_t value) {
    out += fmt::format("# HELP {} {}\n# TYPE {} gauge\n{} {}\n", name, help, name, name, value);
  };
  gauge("holdfast_segments_memory_bytes", "Index segment bytes held in process memory.", MmapFile::memory_bytes());
  gauge("holdfast_segments_memory_budget_bytes", "At most this many segment bytes are held in process memory.",
        MmapFile::memory_budget());
  gauge("holdfast_source_cache_bytes", "Bytes in the cache of document source blocks.",
        ctx.source_cache ? SourceCacheUsage(*ctx.source_cache) : 0);
  gauge("holdfast_source_cache_capacity_bytes", "Capacity of the cache of document source blocks.",
        ctx.source_cache_capacity);
  if (ctx.stats_cache != nullptr) {
    const StatsCache::Counters c = ctx.stats_cache->counters();
    auto counter = [&out](const char* name, const char* help, uint64_t value) {
      out += fmt::format("# HELP {} {}\n# TYPE {} counter\n{} {}\n", name, help, name, name, value);
    };
    counter("holdfast_stats_cache_hits_total", "Searches that took their statistics sums from the cache.", c.hits);
    counter("holdfast_stats_cache_term_hits_total",
            "Searches not seen before whose every field and term sum the cache held.", c.term_hits);
    counter("holdfast_stats_cache_misses_total", "Searches that ran a statistics phase (no cached sums).", c.misses);
    counter("holdfast_stats_cache_stale_total", "Cached sums a shard found stale (the search ran a statistics phase).",
            c.stale);
    gauge("holdfast_stats_cache_bytes", "Bytes of statistics sums kept by this coordinator.", c.bytes);
    gauge("holdfast_stats_cache_term_bytes", "Bytes of field and term sums kept by this coordinator.", c.term_bytes);
  }
  return out;
}

// The batch rpcs to other nodes and the batches they carried
// (replication/grpc_shard_client.h, "Coalescing").
std::string PeerMetrics(const NodeRouteContext& ctx) {
  std::string out;
  if (const GrpcShardClients* peers = ctx.peers.load(std::memory_order_acquire)) {
    const GrpcShardClients::Totals t = peers->totals();
    auto counter = [&out](const char* name, const char* help, uint64_t value) {
      out += fmt::format("# HELP {} {}\n# TYPE {} counter\n{} {}\n", name, help, name, name, value);
    };
    counter("holdfast_shard_batch_rpcs_total", "Batch rpcs this node sent to other nodes.", t.rpcs);
    counter("holdfast_shard_batches_total",
            "Batches of shard calls those rpcs carried (more than rpcs: batches that travelled together).", t.batches);
  }
  return out;
}

// The data volume against the disk watermarks (lifecycle/disk_monitor.h).
std::string DiskMetrics(const NodeRouteContext& ctx) {
  if (ctx.disk == nullptr) return "";
  const DiskStatus disk = ctx.disk->Current();
  std::string out;
  auto gauge = [&out](const char* name, const char* help, auto value) {
    out += fmt::format("# HELP {} {}\n# TYPE {} gauge\n{} {}\n", name, help, name, name, value);
  };
  gauge("holdfast_disk_total_bytes", "Size of the data volume's filesystem.", disk.usage.total_bytes);
  gauge("holdfast_disk_free_bytes", "Bytes of the data volume still free for the node.", disk.usage.available_bytes);
  gauge("holdfast_disk_used_ratio", "Share of the data volume in use (0 to 1).", disk.usage.used_percent() / 100);
  gauge("holdfast_disk_write_block", "1 while writes are blocked past the flood stage disk watermark.",
        disk.write_block ? 1 : 0);
  out += "# HELP holdfast_disk_watermark_exceeded 1 when the disk watermark is exceeded.\n"
         "# TYPE holdfast_disk_watermark_exceeded gauge\n";
  const std::pair<const char*, DiskLevel> marks[] = {
      {"low", DiskLevel::kOverLow}, {"high", DiskLevel::kOverHigh}, {"flood_stage", DiskLevel::kOverFloodStage}};
  for (const auto& [name, level] : marks) {
    out += fmt::format("holdfast_disk_watermark_exceeded{{watermark=\"{}\"}} {}\n", name, disk.level >= level ? 1 : 0);
  }
  return out;
}

void WriteDisk(const DiskMonitor& monitor, JsonWriter& w) {
  const DiskStatus disk = monitor.Current();
  const DiskWatermarks& marks = monitor.watermarks();
  w.Key("disk").StartObject()
      .Field("path", disk.path)
      .Field("total_bytes", disk.usage.total_bytes)
      .Field("free_bytes", disk.usage.available_bytes)
      .Field("used_bytes", disk.usage.used_bytes())
      .Key("used_percent").Double(std::round(disk.usage.used_percent() * 10) / 10)
      .Key("watermarks").StartObject()
      .Field("enabled", marks.enabled)
      .Field("low", marks.low.text)
      .Field("high", marks.high.text)
      .Field("flood_stage", marks.flood_stage.text)
      .EndObject()
      .Field("state", DiskLevelName(disk.level))
      .Field("write_block", disk.write_block);
  if (!disk.error.ok()) w.Field("error", disk.error.message());
  w.EndObject();
}

HttpResponse Ready(const NodeRouteContext& ctx) {
  const bool ready = ctx.readiness->ready();
  JsonWriter w;
  w.StartObject()
      .Field("ready", ready)
      .Field("phase", NodePhaseName(ctx.readiness->phase()))
      .EndObject();
  return Json(ready ? 200 : 503, w.TakeString());
}

HttpResponse StatusReport(const NodeRouteContext& ctx) {
  const VolumeIdentity& id = ctx.volume->identity();
  const auto uptime = std::chrono::steady_clock::now() - ctx.started;
  JsonWriter w;
  w.StartObject()
      .Key("node").StartObject()
      .Field("name", ctx.config->node_name)
      .Field("id", id.node_id)
      .EndObject()
      .Key("cluster").StartObject()
      .Field("name", ctx.config->cluster_name)
      .Field("uuid", id.cluster_uuid)
      .EndObject()
      .Key("volume").StartObject()
      .Field("uuid", id.volume_uuid)
      .Field("format_version", id.format_version)
      .Field("created_at", id.created_at)
      .Field("data_dir", ctx.volume->data_dir())
      .EndObject()
      .Field("version", kHoldfastVersion)
      .Field("phase", NodePhaseName(ctx.readiness->phase()))
      .Field("ready", ctx.readiness->ready())
      .Field("previous_shutdown", LastStopName(ctx.last_stop))
      .Field("uptime_ms",
             static_cast<int64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(uptime).count()))
      .Key("drain").StartObject();
  if (const NodeDrainer* drainer = ctx.drainer.load(std::memory_order_acquire)) {
    const DrainProgress p = drainer->Progress();
    w.Field("state", p.state);
    if (p.state != "none") {
      w.Field("type", p.type).Field("primaries_left", p.primaries_left).Field("copies_left", p.copies_left);
    }
  } else {
    w.Field("state", "none");
  }
  w.EndObject();
  if (ctx.disk != nullptr) WriteDisk(*ctx.disk, w);
  w.Key("shards").StartArray();
  if (const ShardRegistry* shards = ctx.shards.load(std::memory_order_acquire)) {
    ClusterState* cluster = ctx.cluster_state.load(std::memory_order_acquire);
    const ClusterStatePtr state = cluster != nullptr ? cluster->Current() : nullptr;
    for (const auto& copy : shards->All()) {
      const ShardStats st = copy->engine().Stats();
      const ShardRouting* routing = state ? state->RoutingOf(copy->id()) : nullptr;
      const bool in_sync = routing != nullptr && routing->IsInSync(copy->allocation_id());
      w.StartObject()
          .Field("index", copy->index_name())
          .Field("index_uuid", copy->id().index_uuid)
          .Field("shard", uint64_t{copy->id().shard})
          .Field("primary", copy->primary())
          .Field("state", ShardCopyStateName(copy->state()))
          .Field("allocation_id", copy->allocation_id())
          .Field("in_sync", in_sync)
          .Field("primary_term", copy->engine().primary_term())
          .Field("local_checkpoint", st.local_checkpoint)
          .Field("global_checkpoint", st.global_checkpoint)
          .Field("max_seq_no", st.max_seq_no)
          .Field("docs", st.docs);
      const std::string failure = copy->failure();
      if (!failure.empty()) w.Field("failure", failure);
      // Serving reads, refusing writes until the disk has room (shard_copy.h).
      if (copy->out_of_space()) w.Field("out_of_space", true);
      w.EndObject();
    }
  }
  w.EndArray().EndObject();
  return Json(200, w.TakeString());
}

}  // namespace

void AddNodeRoutes(const NodeRouteContext* ctx, HttpRouter* router) {
  // Cheap and non-blocking: answered on the I/O threads even when every worker is busy.
  const HttpRouteOptions kInline{.inline_handler = true};
  router->Add(HttpMethod::kGet, "/", "root", [ctx](const HttpRequest&) { return Root(*ctx); }, kInline);
  router->Add(HttpMethod::kGet, "/_lifecycle/live", "lifecycle_live", [](const HttpRequest&) {
    return Json(200, R"({"live":true})");
  }, kInline);
  router->Add(HttpMethod::kGet, "/_lifecycle/ready", "lifecycle_ready",
              [ctx](const HttpRequest&) { return Ready(*ctx); }, kInline);
  router->Add(HttpMethod::kGet, "/_lifecycle/status", "lifecycle_status",
              [ctx](const HttpRequest&) { return StatusReport(*ctx); }, kInline);
  router->Add(HttpMethod::kGet, "/metrics", "metrics", [ctx](const HttpRequest&) {
    HttpResponse r;
    r.content_type = "text/plain; version=0.0.4";
    r.body = ctx->metrics->RenderPrometheus(std::chrono::steady_clock::now() - ctx->started);
    r.body += MemoryMetrics(*ctx);
    r.body += PeerMetrics(*ctx);
    r.body += DiskMetrics(*ctx);
    return r;
  }, kInline);
}

}  // namespace holdfast
