// The orchestrator's questions to this node, under /_lifecycle/ (DESIGN.md
// §7; live, ready and status are node_routes.cc):
//
//   GET /_lifecycle/safe-to-stop[?require=availability|data]
//       200 when stopping this process now loses no acknowledged data and
//       (by default) no availability; else 409 with a reason per shard
//       (lifecycle/safe_to_stop.h). The answer rests on this node's view of
//       the cluster state, whose version it names.
#include "lifecycle/safe_to_stop.h"
#include "replication/etcd_cluster_state.h"
#include "server/api/api_context.h"
#include "server/api/api_errors.h"
#include "server/api/index_api_support.h"
#include "server/http/json_writer.h"
#include "index/mapping/mapping_error.h"

namespace holdfast {

namespace {

HttpResponse SafeToStop(ApiContext* ctx, ClusterIndices& registry, const HttpRequest& req) {
  StopRequirement require = StopRequirement::kAvailability;
  const std::string wanted = req.HasQueryParam("require") ? std::string(req.QueryParam("require")) : "availability";
  if (wanted == "data") {
    require = StopRequirement::kData;
  } else if (wanted != "availability") {
    return ErrorFromStatus(mapping::IllegalArgumentError("[require] must be [availability] or [data], not [" +
                                                         wanted + "]"));
  }
  EtcdClusterState* cluster = ctx->cluster.load(std::memory_order_acquire);
  const bool state_known = cluster == nullptr || cluster->etcd_reachable();
  const ClusterStatePtr state = registry.cluster()->Current();
  const std::string& self = registry.router()->local_node_id();
  const SafeToStopReport report = JudgeSafeToStop(*state, self, require, state_known);
  JsonWriter w;
  w.StartObject();
  w.Field("safe_to_stop", report.safe);
  w.Key("node").StartObject().Field("id", self);
  if (auto node = state->nodes.find(self); node != state->nodes.end()) w.Field("name", node->second.name);
  w.EndObject();
  w.Field("require", wanted);
  w.Field("cluster_state_version", state->version);
  w.Field("copies", report.copies_here);
  w.Key("reasons").StartArray();
  for (const StopReason& r : report.reasons) {
    w.StartObject().Field("reason", r.reason);
    if (r.shard >= 0) w.Field("index", r.index).Field("index_uuid", r.index_uuid).Field("shard", r.shard);
    w.Field("detail", r.detail).EndObject();
  }
  w.EndArray();
  w.EndObject();
  return JsonResponse(report.safe ? 200 : 409, w);
}

}  // namespace

void AddLifecycleApiRoutes(ApiContext* ctx, HttpRouter* router) {
  router->Add(HttpMethod::kGet, "/_lifecycle/safe-to-stop", "lifecycle_safe_to_stop",
              WithIndices(ctx, [ctx](ClusterIndices& r, const HttpRequest& req) { return SafeToStop(ctx, r, req); }));
}

}  // namespace holdfast
