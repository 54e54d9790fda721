// GET /_cluster/health[/{index}]: Elasticsearch's cluster health.
//
// Also waits, as Elasticsearch does, for ?wait_for_nodes (N, >=N, <=N, >N,
// <N), ?wait_for_no_relocating_shards=true and
// ?wait_for_no_initializing_shards=true; ?level=indices|shards adds the
// per-index (and per-shard) health.
//
// The status and counts come from the routing table
// (replication/cluster_health.h): green when every copy is started, yellow
// when a replica is not (on one node replicas stay unassigned), red when a
// primary is not; a named index that does not exist makes the answer red. ?wait_for_status=green|yellow|red returns at once when
// already satisfied, else re-checks until ?timeout (default 30s) and then
// answers 408 with "timed_out": true, as Elasticsearch does.
#include <ctime>
#include <charconv>
#include <chrono>
#include <functional>
#include <thread>

#include "index/mapping/mapping_error.h"
#include "index/util/clock.h"
#include "replication/cluster_health.h"
#include "server/api/api_errors.h"
#include "server/api/cat_table.h"
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

// "3", ">=3", "<=2", ">1", "<4", "ge(3)": a predicate on the node count.
Result<std::function<bool(uint64_t)>> ParseWaitForNodes(const std::string& text) {
  std::string op, number = text;
  for (const char* o : {">=", "<=", ">", "<"}) {
    if (text.rfind(o, 0) == 0) {
      op = o;
      number = text.substr(op.size());
      break;
    }
  }
  for (const char* f : {"ge", "le", "gt", "lt"}) {
    if (text.rfind(std::string(f) + "(", 0) == 0 && text.back() == ')') {
      op = f;
      number = text.substr(3, text.size() - 4);
    }
  }
  uint64_t n = 0;
  auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), n);
  if (ec != std::errc() || end != number.data() + number.size() || number.empty()) {
    return mapping::IllegalArgumentError("failed to parse [wait_for_nodes]: [" + text + "]");
  }
  if (op == ">=" || op == "ge") return std::function<bool(uint64_t)>([n](uint64_t v) { return v >= n; });
  if (op == "<=" || op == "le") return std::function<bool(uint64_t)>([n](uint64_t v) { return v <= n; });
  if (op == ">" || op == "gt") return std::function<bool(uint64_t)>([n](uint64_t v) { return v > n; });
  if (op == "<" || op == "lt") return std::function<bool(uint64_t)>([n](uint64_t v) { return v < n; });
  return std::function<bool(uint64_t)>([n](uint64_t v) { return v == n; });
}

uint64_t DelayedUnassigned(const ClusterStateSnapshot& state) {
  const int64_t now = WallClockMs();
  uint64_t delayed = 0;
  for (const auto& [uuid, routing] : state.routing) {
    const IndexMetadata* index = state.FindIndexByUuid(uuid);
    if (index == nullptr) continue;
    for (const ShardRouting& shard : routing.shards) {
      for (const ShardCopyRouting& copy : shard.copies) {
        delayed += copy.state == ShardCopyState::kUnassigned && copy.unassigned_reason == "NODE_LEFT" &&
                   now < copy.unassigned_at_ms + index->settings.node_left_delayed_timeout.count();
      }
    }
  }
  return delayed;
}

void WriteCounts(JsonWriter& w, const ShardCounts& counts) {
  w.Field("active_primary_shards", counts.active_primary_shards).Field("active_shards", counts.active_shards);
  w.Field("relocating_shards", counts.relocating_shards).Field("initializing_shards", counts.initializing_shards);
  w.Field("unassigned_shards", counts.unassigned_shards);
}

HttpResponse ClusterHealthResponse(ApiContext* ctx, ClusterIndices& registry, const HttpRequest& req) {
  std::function<bool(uint64_t)> nodes_ok = [](uint64_t) { return true; };
  if (req.HasQueryParam("wait_for_nodes")) {
    auto p = ParseWaitForNodes(req.QueryParam("wait_for_nodes"));
    if (!p.ok()) return ErrorFromStatus(p.status());
    nodes_ok = std::move(p).value();
  }
  const bool no_relocating = req.QueryParam("wait_for_no_relocating_shards") == "true";
  const bool no_initializing = req.QueryParam("wait_for_no_initializing_shards") == "true";
  const std::string level = req.HasQueryParam("level") ? req.QueryParam("level") : "cluster";
  if (level != "cluster" && level != "indices" && level != "shards") {
    return ErrorFromStatus(mapping::IllegalArgumentError("level must be one of [cluster, indices, shards], got [" + level + "]"));
  }
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
    const uint64_t node_count = registry.cluster()->Current()->nodes.size();
    const bool satisfied = report.status <= target && !(report.missing && (!wanted || *wanted != Health::kRed)) &&
                           nodes_ok(node_count) && (!no_relocating || report.cluster.counts.relocating_shards == 0) &&
                           (!no_initializing || report.cluster.counts.initializing_shards == 0);
    if (satisfied) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      timed_out = true;
      break;
    }
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
        std::chrono::milliseconds(50), deadline - std::chrono::steady_clock::now()));
  }
  const ShardCounts& counts = report.cluster.counts;
  const ClusterStatePtr state = registry.cluster()->Current();
  const uint64_t nodes = std::max<uint64_t>(1, state->nodes.size());
  JsonWriter w;
  w.StartObject();
  w.Field("cluster_name", ctx->config != nullptr ? ctx->config->cluster_name : std::string("holdfast"));
  w.Field("status", HealthStatusName(report.status)).Field("timed_out", timed_out);
  w.Field("number_of_nodes", nodes).Field("number_of_data_nodes", nodes);
  WriteCounts(w, counts);
  w.Field("delayed_unassigned_shards", DelayedUnassigned(*state)).Field("number_of_pending_tasks", 0);
  w.Field("number_of_in_flight_fetch", 0).Field("task_max_waiting_in_queue_millis", 0);
  w.Key("active_shards_percent_as_number").Double(report.cluster.active_shards_percent());
  if (level != "cluster") {
    w.Key("indices").StartObject();
    for (const auto& [name, index] : report.cluster.indices) {
      w.Key(name).StartObject();
      w.Field("status", HealthStatusName(index.status));
      w.Field("number_of_shards", static_cast<uint64_t>(index.number_of_shards));
      w.Field("number_of_replicas", static_cast<uint64_t>(index.number_of_replicas));
      WriteCounts(w, index.counts);
      if (level == "shards") {
        w.Key("shards").StartObject();
        for (size_t n = 0; n < index.shards.size(); ++n) {
          w.Key(std::to_string(n)).StartObject().Field("status", HealthStatusName(index.shards[n])).EndObject();
        }
        w.EndObject();
      }
      w.EndObject();
    }
    w.EndObject();
  }
  w.EndObject();
  return JsonResponse(timed_out ? 408 : 200, w);
}

// GET /_cat/health: the cluster's health as one row of Elasticsearch's table.
HttpResponse CatHealth(ApiContext* ctx, ClusterIndices& registry, const HttpRequest& req) {
  const HealthReport report = Measure(registry, "");
  const ClusterHealth& c = report.cluster;
  const auto [epoch, timestamp] = CatNow();
  char percent[16];
  std::snprintf(percent, sizeof(percent), "%.1f%%", c.active_shards_percent());
  CatTable table({{"epoch", true}, {"timestamp", false}, {"cluster", false}, {"status", false},
                  {"node.total", true}, {"node.data", true}, {"shards", true}, {"pri", true}, {"relo", true},
                  {"init", true}, {"unassign", true}, {"pending_tasks", true}, {"max_task_wait_time", true},
                  {"active_shards_percent", true}});
  table.AddRow({epoch, timestamp, ctx->config != nullptr ? ctx->config->cluster_name : "",
                HealthStatusName(report.status), std::to_string(c.number_of_nodes), std::to_string(c.number_of_data_nodes),
                std::to_string(c.counts.active_shards), std::to_string(c.counts.active_primary_shards),
                std::to_string(c.counts.relocating_shards), std::to_string(c.counts.initializing_shards),
                std::to_string(c.counts.unassigned_shards), "0", "-", percent});
  return table.Render(req);
}

}  // namespace

void AddClusterHealthRoutes(ApiContext* ctx, HttpRouter* router) {
  router->Add(HttpMethod::kGet, "/_cat/health", "cat_health",
              WithIndices(ctx, [ctx](ClusterIndices& r, const HttpRequest& req) { return CatHealth(ctx, r, req); }));
  for (const char* pattern : {"/_cluster/health", "/_cluster/health/{index}"}) {
    router->Add(HttpMethod::kGet, pattern, "cluster_health",
                WithIndices(ctx, [ctx](ClusterIndices& r, const HttpRequest& req) { return ClusterHealthResponse(ctx, r, req); }));
  }
}

}  // namespace holdfast
