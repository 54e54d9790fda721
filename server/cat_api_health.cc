// GET /_cluster/health[/{index}]: Elasticsearch's cluster health for one node.
//
// Every primary is open once startup recovery is done, so an index is green
// with number_of_replicas 0 and yellow otherwise (replicas cannot be
// allocated on the primary's node); a named index that does not exist makes
// the answer red. ?wait_for_status=green|yellow|red returns at once when
// already satisfied, else re-checks until ?timeout (default 30s) and then
// answers 408 with "timed_out": true, as Elasticsearch does.
#include <chrono>
#include <thread>

#include "index/mapping/mapping_error.h"
#include "server/api_errors.h"
#include "server/index_api_support.h"
#include "server/node_config.h"

namespace holdfast {

namespace {

enum class Health { kGreen = 0, kYellow = 1, kRed = 2 };
const char* HealthName(Health h) { return h == Health::kGreen ? "green" : h == Health::kYellow ? "yellow" : "red"; }

struct HealthReport {
  Health status = Health::kGreen;
  uint64_t primaries = 0;
  uint64_t unassigned = 0;
};

HealthReport Measure(IndexRegistry& registry, std::string_view expression) {
  HealthReport report;
  auto indices = ResolveIndices(registry, expression);
  if (!indices.ok()) {
    report.status = Health::kRed;
    return report;
  }
  for (const auto& index : *indices) {
    report.primaries += index->num_shards();
    report.unassigned += uint64_t{index->num_shards()} * index->settings().number_of_replicas;
  }
  if (report.unassigned > 0) report.status = Health::kYellow;
  return report;
}

Result<Health> ParseWantedStatus(const HttpRequest& req) {
  const std::string v = req.QueryParam("wait_for_status");
  if (v == "green") return Health::kGreen;
  if (v == "yellow") return Health::kYellow;
  if (v == "red") return Health::kRed;
  return mapping::IllegalArgumentError("unknown cluster health status [" + v + "]");
}

HttpResponse ClusterHealth(ApiContext* ctx, IndexRegistry& registry, const HttpRequest& req) {
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
    const bool satisfied = report.status <= target && !(report.status == Health::kRed && !expression.empty() &&
                                                        (!wanted || *wanted != Health::kRed));
    if (satisfied) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      timed_out = true;
      break;
    }
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
        std::chrono::milliseconds(50), deadline - std::chrono::steady_clock::now()));
  }
  const uint64_t total = report.primaries + report.unassigned;
  JsonWriter w;
  w.StartObject();
  w.Field("cluster_name", ctx->config != nullptr ? ctx->config->cluster_name : std::string("holdfast"));
  w.Field("status", HealthName(report.status)).Field("timed_out", timed_out);
  w.Field("number_of_nodes", 1).Field("number_of_data_nodes", 1);
  w.Field("active_primary_shards", report.primaries).Field("active_shards", report.primaries);
  w.Field("relocating_shards", 0).Field("initializing_shards", 0).Field("unassigned_shards", report.unassigned);
  w.Field("delayed_unassigned_shards", 0).Field("number_of_pending_tasks", 0);
  w.Field("number_of_in_flight_fetch", 0).Field("task_max_waiting_in_queue_millis", 0);
  w.Key("active_shards_percent_as_number")
      .Double(total == 0 ? 100.0 : 100.0 * static_cast<double>(report.primaries) / static_cast<double>(total));
  w.EndObject();
  return JsonResponse(timed_out ? 408 : 200, w);
}

}  // namespace

void AddClusterHealthRoutes(ApiContext* ctx, HttpRouter* router) {
  for (const char* pattern : {"/_cluster/health", "/_cluster/health/{index}"}) {
    router->Add(HttpMethod::kGet, pattern, "cluster_health",
                WithIndices(ctx, [ctx](IndexRegistry& r, const HttpRequest& req) { return ClusterHealth(ctx, r, req); }));
  }
}

}  // namespace holdfast
