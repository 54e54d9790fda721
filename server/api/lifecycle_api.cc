// The orchestrator's questions to this node, under /_lifecycle/ (DESIGN.md
// §7; live, ready and status are node_routes.cc):
//
//   GET /_lifecycle/safe-to-stop[?require=availability|data]
//       200 when stopping this process now loses no acknowledged data and
//       (by default) no availability; else 409 with a reason per shard
//       (lifecycle/safe_to_stop.h). The answer rests on this node's view of
//       the cluster state, whose version it names.
//   POST /_lifecycle/drain {"type": "restart"|"remove"}   starts a drain
//   GET /_lifecycle/drain                                  its progress
//   DELETE /_lifecycle/drain                               cancels it
//       (lifecycle/node_drain.h). Idempotent; the answer is the progress.
//
//   POST /_lifecycle/reconcile   an orchestrator's view after its failover:
//       a verdict per task (lifecycle/reconcile.h); 409 for a stale epoch.
//
// With an admin token (--admin-token-file), the calls that change
// something need `Authorization: Bearer <token>`: 401 otherwise, and
// nothing changes.
#include <rapidjson/document.h>

#include <map>
#include <mutex>
#include <optional>

#include "index/util/uuid.h"
#include "lifecycle/node_drain.h"
#include "lifecycle/reconcile.h"
#include "replication/drain_records.h"
#include "lifecycle/safe_to_stop.h"
#include "server/grpc/admin_token.h"
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

// 401 unless the request carries the admin token (when one is set).
std::optional<HttpResponse> Unauthorized(const ApiContext* ctx, const HttpRequest& req) {
  if (ctx->admin_token.empty() || BearerMatches(req.authorization, ctx->admin_token)) return std::nullopt;
  HttpResponse r = ErrorResponse(401, "security_exception",
                                 req.authorization.empty()
                                     ? "missing authentication credentials for a /_lifecycle/ change (Authorization: Bearer <token>)"
                                     : "the admin token does not match");
  r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"holdfast\"");
  return r;
}

HttpResponse DrainAnswer(int status, const DrainProgress& p) {
  JsonWriter w;
  w.StartObject();
  w.Field("state", p.state);
  if (p.state != "none") {
    w.Field("type", p.type).Field("forced", p.forced);
    w.Field("started_at_ms", p.started_at_ms).Field("state_since_ms", p.state_since_ms);
    w.Key("left").StartObject();
    w.Field("primaries", p.primaries_left).Field("copies", p.copies_left);
    w.Field("shard_requests_in_flight", static_cast<int64_t>(p.shard_requests_in_flight));
    w.EndObject();
    w.Field("primaries_handed_off", p.primaries_handed_off).Field("flushed", p.flushed);
    w.Key("reasons").StartArray();
    for (const DrainBlocker& b : p.blockers) {
      w.StartObject().Field("reason", b.reason);
      if (b.shard >= 0) w.Field("index", b.index).Field("shard", b.shard);
      w.Field("detail", b.detail).EndObject();
    }
    w.EndArray();
  }
  w.EndObject();
  return JsonResponse(status, w);
}

NodeDrainer* DrainerOr503(ApiContext* ctx, HttpResponse* error) {
  NodeDrainer* d = ctx->drainer.load(std::memory_order_acquire);
  if (d == nullptr) *error = ErrorResponse(503, "unavailable_exception", "the node is starting or stopping: no drain now");
  return d;
}

HttpResponse StartDrain(ApiContext* ctx, const HttpRequest& req) {
  if (auto denied = Unauthorized(ctx, req)) return *denied;
  HttpResponse error;
  NodeDrainer* drainer = DrainerOr503(ctx, &error);
  if (drainer == nullptr) return error;
  std::string type = "restart";
  if (!req.body.empty()) {
    rapidjson::Document d;
    d.Parse(req.body.data(), req.body.size());
    if (d.HasParseError() || !d.IsObject()) {
      return ErrorFromStatus(mapping::IllegalArgumentError("request body is not a JSON object"));
    }
    for (const auto& m : d.GetObject()) {
      const std::string key = m.name.GetString();
      if (key != "type") return ErrorFromStatus(mapping::IllegalArgumentError("unknown field [" + key + "] in a drain request"));
      if (!m.value.IsString()) return ErrorFromStatus(mapping::IllegalArgumentError("[type] must be a string"));
      type = m.value.GetString();
    }
  }
  Status s = drainer->Start(type);
  if (!s.ok()) return ErrorFromStatus(s);
  return DrainAnswer(200, drainer->Progress());
}

HttpResponse GetDrain(ApiContext* ctx) {
  HttpResponse error;
  NodeDrainer* drainer = DrainerOr503(ctx, &error);
  if (drainer == nullptr) return error;
  return DrainAnswer(200, drainer->Progress());
}

HttpResponse CancelDrain(ApiContext* ctx, const HttpRequest& req) {
  if (auto denied = Unauthorized(ctx, req)) return *denied;
  HttpResponse error;
  NodeDrainer* drainer = DrainerOr503(ctx, &error);
  if (drainer == nullptr) return error;
  Status s = drainer->Cancel();
  if (!s.ok()) return ErrorFromStatus(s);
  return DrainAnswer(200, drainer->Progress());
}

void WriteReasons(JsonWriter& w, const std::vector<StopReason>& reasons) {
  w.Key("reasons").StartArray();
  for (const StopReason& r : reasons) {
    w.StartObject().Field("reason", r.reason);
    if (r.shard >= 0) w.Field("index", r.index).Field("shard", r.shard);
    w.Field("detail", r.detail).EndObject();
  }
  w.EndArray();
}

// The epochs an embedded one-node cluster has seen (it has no shared state
// to keep them in: they last as long as the process).
struct LocalEpochs {
  std::mutex mu;
  std::map<std::string, int64_t> seen;
};

HttpResponse Reconcile(ApiContext* ctx, ClusterIndices& registry, const HttpRequest& req) {
  if (auto denied = Unauthorized(ctx, req)) return *denied;
  auto request = ParseReconcileRequest(req.body);
  if (!request.ok()) return ErrorFromStatus(mapping::IllegalArgumentError(request.status().message()));
  EtcdClusterState* cluster = ctx->cluster.load(std::memory_order_acquire);
  const bool state_known = cluster == nullptr || cluster->etcd_reachable();
  ClusterStatePtr state = registry.cluster()->Current();
  std::vector<TaskVerdict> verdicts = JudgeTasks(*state, *request, state_known);
  std::vector<std::string> tokens(verdicts.size());
  std::vector<DisruptionGrant> grants;
  for (size_t i = 0; i < verdicts.size(); ++i) {
    if (!verdicts[i].wants_slot) continue;
    tokens[i] = kTokenPrefix + NewUuid();
    const std::string type = request->tasks[i].intent == "kill" ? kDrainRemove : kDrainRestart;
    grants.push_back({verdicts[i].node_id, type, tokens[i]});
  }
  Status recorded;
  if (cluster != nullptr) {
    recorded = cluster->Reconcile(request->orchestrator_id, request->epoch, grants);
  } else {
    static LocalEpochs local;
    std::lock_guard<std::mutex> lock(local.mu);
    auto seen = local.seen.find(request->orchestrator_id);
    if (seen != local.seen.end() && request->epoch < seen->second) {
      recorded = Status::FailedPrecondition("orchestrator [" + request->orchestrator_id + "] reconciles with epoch " +
                                            std::to_string(request->epoch) + ", older than epoch " +
                                            std::to_string(seen->second) + " already seen");
    } else {
      local.seen[request->orchestrator_id] = request->epoch;
    }
  }
  if (recorded.code() == StatusCode::kFailedPrecondition) {
    return ErrorResponse(409, "stale_orchestrator_epoch_exception", recorded.message());
  }
  if (!recorded.ok()) return ErrorFromStatus(recorded);
  state = registry.cluster()->Current();
  // One node alone: nothing else can disrupt it, no slot to take.
  if (cluster == nullptr) {
    for (size_t i = 0; i < verdicts.size(); ++i) {
      if (!verdicts[i].wants_slot) continue;
      verdicts[i].verdict = "safe_to_stop";
      verdicts[i].reasons.clear();
      verdicts[i].disruption_token = tokens[i];
    }
  } else {
    FinishVerdicts(*state, tokens, &verdicts);
  }
  JsonWriter w;
  w.StartObject();
  w.Field("cluster_state_version", state->version);
  w.Key("orchestrator").StartObject().Field("id", request->orchestrator_id).Field("epoch", request->epoch).EndObject();
  w.Key("tasks").StartArray();
  for (const TaskVerdict& v : verdicts) {
    w.StartObject().Field("task_id", v.task_id).Field("matched", v.matched);
    if (!v.node_id.empty()) {
      w.Key("node").StartObject().Field("id", v.node_id).Field("name", v.node_name);
      w.Field("http_address", v.http_address).Field("volume_id", v.volume_id).EndObject();
    }
    w.Field("holds_sole_in_sync_copy", !v.sole_copies.empty());
    w.Key("sole_in_sync_copies").StartArray();
    for (const StopReason& r : v.sole_copies) w.StartObject().Field("index", r.index).Field("shard", r.shard).EndObject();
    w.EndArray();
    w.Field("verdict", v.verdict);
    WriteReasons(w, v.reasons);
    if (!v.disruption_token.empty()) w.Field("disruption_token", v.disruption_token);
    w.EndObject();
  }
  w.EndArray();
  w.Key("unmentioned_members").StartArray();
  for (const ClusterNode* node : UnmentionedMembers(*state, verdicts)) {
    w.StartObject().Field("id", node->node_id).Field("name", node->name).Field("http_address", node->http_address);
    w.Field("verdict", "keep").Field("reason", "alive: not in the orchestrator's list, and unknown is not unhealthy");
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return JsonResponse(200, w);
}

}  // namespace

void AddLifecycleApiRoutes(ApiContext* ctx, HttpRouter* router) {
  router->Add(HttpMethod::kGet, "/_lifecycle/safe-to-stop", "lifecycle_safe_to_stop",
              WithIndices(ctx, [ctx](ClusterIndices& r, const HttpRequest& req) { return SafeToStop(ctx, r, req); }));
  router->Add(HttpMethod::kPost, "/_lifecycle/reconcile", "lifecycle_reconcile",
              WithIndices(ctx, [ctx](ClusterIndices& r, const HttpRequest& req) { return Reconcile(ctx, r, req); }));
  router->Add(HttpMethod::kPost, "/_lifecycle/drain", "lifecycle_drain_start",
              [ctx](const HttpRequest& req) { return StartDrain(ctx, req); });
  router->Add(HttpMethod::kGet, "/_lifecycle/drain", "lifecycle_drain_get",
              [ctx](const HttpRequest&) { return GetDrain(ctx); });
  router->Add(HttpMethod::kDelete, "/_lifecycle/drain", "lifecycle_drain_cancel",
              [ctx](const HttpRequest& req) { return CancelDrain(ctx, req); });
}

}  // namespace holdfast
