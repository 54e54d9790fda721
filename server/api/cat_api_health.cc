// GET /_cluster/health[/{index}]: Elasticsearch's cluster health for one node.
//
// The status and counts come from the routing table
// (replication/cluster_health.h): green when every copy is started, yellow
// when a replica is not (on one node replicas stay unassigned), red when a
// primary is not; a named index that does not exist makes the answer red. ?wait_for_status=green|yellow|red returns at once when
// already satisfied, else re-checks until ?timeout (default 30s) and then
// answers 408 with "timed_out": true, as Elasticsearch does.
#include <chrono>
#include <thread>

#include "index/mapping/mapping_error.h"
#include "replication/cluster_health.h"
#include "server/api/api_errors.h"
#include "server/api/index_api_support.h"
#include "server/process/node_config.h"

namespace holdfast {

namespace {

using Health = HealthStatus;

struct HealthReport {
  Health status = Health::kGreen;
  bool missing = false;  // a named index does not exist
  ClusterHealth cluster;
};

HealthReport Measure(ClusterIndices& registry, std::string_view expression) {
  HealthReport report;
  ClusterStatePtr state = registry.cluster()->Current();
  std::vector<std::string> names;
  if (!expression.empty()) {
    auto resolved = state->ResolveIndices(expression);
    if (!resolved.ok()) {
      report.status = Health::kRed;
      report.missing = true;
      return report;
    }
    names = std::move(resolved).value();
    if (names.empty()) return report;  // a wildcard that matched nothing
  }
  report.cluster = ComputeClusterHealth(*state, names);
  report.status = report.cluster.status;
  return report;
}

Result<Health> ParseWantedStatus(const HttpRequest& req) {
  const std::string v = req.QueryParam("wait_for_status");
  if (v == "green") return Health::kGreen;
  if (v == "yellow") return Health::kYellow;
  if (v == "red") return Health::kRed;
  return mapping::IllegalArgumentError("unknown cluster health status [" + v + "]");
}

HttpResponse ClusterHealthResponse(ApiContext* ctx, ClusterIndices& registry, const HttpRequest& req) {
  std::optional<Health> wanted;
  if (req.HasQueryParam("wait_for_status")) {
    auto w = ParseWantedStatus(req);
    if (!w.ok()) return ErrorFromStatus(w.status());
    wanted = *w;
  }
  std::chrono::milliseconds timeout(30'000);
  if (req.HasQueryParam("timeout")) {
    auto t = ParseDuration(req.QueryParam("timeout"));
    if (!t.ok()) {
      return ErrorFromStatus(mapping::IllegalArgumentError("failed to parse [timeout]: " + t.status().message()));
    }
    timeout = *t;
  }
  const std::string_view expression = req.PathParam("index");
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  HealthReport report;
  bool timed_out = false;
  for (;;) {  // bounded by the deadline
    report = Measure(registry, expression);
    const Health target = wanted.value_or(Health::kRed);
    // A missing index is waited for even without wait_for_status (Elasticsearch does too).
    const bool satisfied = report.status <= target && !(report.missing && (!wanted || *wanted != Health::kRed));
    if (satisfied) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      timed_out = true;
      break;
    }
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
        std::chrono::milliseconds(50), deadline - std::chrono::steady_clock::now()));
  }
  const ShardCounts& counts = report.cluster.counts;
  const uint64_t nodes = std::max<uint64_t>(1, registry.cluster()->Current()->nodes.size());
  JsonWriter w;
  w.StartObject();
  w.Field("cluster_name", ctx->config != nullptr ? ctx->config->cluster_name : std::string("holdfast"));
  w.Field("status", HealthStatusName(report.status)).Field("timed_out", timed_out);
  w.Field("number_of_nodes", nodes).Field("number_of_data_nodes", nodes);
  w.Field("active_primary_shards", counts.active_primary_shards).Field("active_shards", counts.active_shards);
  w.Field("relocating_shards", counts.relocating_shards).Field("initializing_shards", counts.initializing_shards);
  w.Field("unassigned_shards", counts.unassigned_shards);
  w.Field("delayed_unassigned_shards", 0).Field("number_of_pending_tasks", 0);
  w.Field("number_of_in_flight_fetch", 0).Field("task_max_waiting_in_queue_millis", 0);
  w.Key("active_shards_percent_as_number").Double(report.cluster.active_shards_percent());
  w.EndObject();
  return JsonResponse(timed_out ? 408 : 200, w);
}

}  // namespace

void AddClusterHealthRoutes(ApiContext* ctx, HttpRouter* router) {
  for (const char* pattern : {"/_cluster/health", "/_cluster/health/{index}"}) {
    router->Add(HttpMethod::kGet, pattern, "cluster_health",
                WithIndices(ctx, [ctx](ClusterIndices& r, const HttpRequest& req) { return ClusterHealthResponse(ctx, r, req); }));
  }
}

}  // namespace holdfast
