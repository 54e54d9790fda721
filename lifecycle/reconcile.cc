#include "lifecycle/reconcile.h"

#include <rapidjson/document.h>

#include <set>

#include "replication/drain_records.h"

namespace holdfast {

namespace {

bool ValidOrchestratorId(const std::string& id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string Text(const rapidjson::Value& object, const char* name) {
  auto m = object.FindMember(name);
  return m != object.MemberEnd() && m->value.IsString() ? std::string(m->value.GetString(), m->value.GetStringLength())
                                                        : std::string();
}

const ClusterNode* MatchMember(const ClusterStateSnapshot& state, const ReconcileTask& task) {
  for (const auto& [id, node] : state.nodes) {
    if (!task.node_name.empty() && node.name == task.node_name) return &node;
    if (!task.address.empty() && (node.http_address == task.address || node.grpc_address == task.address)) return &node;
  }
  return nullptr;
}

std::string VolumeOf(const ClusterNode& node) {
  auto it = node.attributes.find("volume.uuid");
  return it == node.attributes.end() ? "" : it->second;
}

}  // namespace

Result<ReconcileRequest> ParseReconcileRequest(std::string_view json) {
  rapidjson::Document d;
  d.Parse(json.data(), json.size());
  if (d.HasParseError() || !d.IsObject()) return Status::InvalidArgument("request body is not a JSON object");
  ReconcileRequest r;
  auto orchestrator = d.FindMember("orchestrator");
  if (orchestrator == d.MemberEnd() || !orchestrator->value.IsObject()) {
    return Status::InvalidArgument("[orchestrator] {\"id\", \"epoch\"} is required");
  }
  r.orchestrator_id = Text(orchestrator->value, "id");
  if (!ValidOrchestratorId(r.orchestrator_id)) {
    return Status::InvalidArgument("[orchestrator.id] must be 1 to 128 of [A-Za-z0-9._-]");
  }
  auto epoch = orchestrator->value.FindMember("epoch");
  if (epoch == orchestrator->value.MemberEnd() || !epoch->value.IsInt64() || epoch->value.GetInt64() < 0) {
    return Status::InvalidArgument("[orchestrator.epoch] must be a whole number >= 0");
  }
  r.epoch = epoch->value.GetInt64();
  auto tasks = d.FindMember("tasks");
  if (tasks != d.MemberEnd()) {
    if (!tasks->value.IsArray()) return Status::InvalidArgument("[tasks] must be an array");
    std::set<std::string> ids;
    for (const auto& t : tasks->value.GetArray()) {
      if (!t.IsObject()) return Status::InvalidArgument("every task must be an object");
      ReconcileTask task;
      task.task_id = Text(t, "task_id");
      task.node_name = Text(t, "node_name");
      task.address = Text(t, "address");
      task.volume_id = Text(t, "volume_id");
      task.intent = Text(t, "intent");
      if (task.intent.empty()) task.intent = "keep";
      if (task.task_id.empty()) return Status::InvalidArgument("a task without [task_id]");
      if (!ids.insert(task.task_id).second) return Status::InvalidArgument("task [" + task.task_id + "] is listed twice");
      if (task.node_name.empty() && task.address.empty()) {
        return Status::InvalidArgument("task [" + task.task_id + "] names neither [node_name] nor [address]");
      }
      if (task.intent != "keep" && task.intent != "restart" && task.intent != "kill") {
        return Status::InvalidArgument("task [" + task.task_id + "]: [intent] must be keep, restart or kill, not [" +
                                       task.intent + "]");
      }
      r.tasks.push_back(std::move(task));
    }
  }
  return r;
}

std::vector<TaskVerdict> JudgeTasks(const ClusterStateSnapshot& state, const ReconcileRequest& request,
                                    bool state_known) {
  std::vector<TaskVerdict> out;
  for (const ReconcileTask& task : request.tasks) {
    TaskVerdict v;
    v.task_id = task.task_id;
    const ClusterNode* node = MatchMember(state, task);
    if (node == nullptr) {
      v.verdict = "unknown";
      v.reasons.push_back({"no_such_member", "", "", -1,
                           "no live member has this name or address: it may be starting, cut off or gone — "
                           "not a reason to stop anything"});
      out.push_back(std::move(v));
      continue;
    }
    v.matched = true;
    v.node_id = node->node_id;
    v.node_name = node->name;
    v.http_address = node->http_address;
    v.volume_id = VolumeOf(*node);
    if (!task.volume_id.empty() && !v.volume_id.empty() && task.volume_id != v.volume_id) {
      v.matched = false;
      v.verdict = "unknown";
      v.reasons.push_back({"volume_mismatch", "", "", -1,
                           "member [" + node->name + "] runs on volume " + v.volume_id + ", not " + task.volume_id});
      out.push_back(std::move(v));
      continue;
    }
    const SafeToStopReport report = JudgeSafeToStop(state, node->node_id, StopRequirement::kAvailability, state_known);
    for (const StopReason& r : report.reasons) {
      if (r.reason == "sole_in_sync_copy") v.sole_copies.push_back(r);
    }
    if (!state_known) {
      v.verdict = "unknown";
      v.reasons = report.reasons;
    } else if (task.intent == "keep") {
      v.verdict = "keep";
    } else if (!report.safe) {
      v.verdict = "drain_first";
      v.reasons = report.reasons;
    } else {
      v.verdict = "drain_first";
      v.wants_slot = true;
      v.reasons.push_back({"waiting_for_disruption_slot", "", "", -1,
                           "another disruption holds the cluster's slot (cluster.lifecycle.max_concurrent_disruptions)"});
    }
    out.push_back(std::move(v));
  }
  return out;
}

void FinishVerdicts(const ClusterStateSnapshot& state, const std::vector<std::string>& tokens,
                    std::vector<TaskVerdict>* verdicts) {
  for (size_t i = 0; i < verdicts->size(); ++i) {
    TaskVerdict& v = (*verdicts)[i];
    if (!v.wants_slot) continue;
    const NodeDrain* d = DrainOf(state, v.node_id);
    if (d == nullptr || d->slot_at_ms == 0) continue;
    const bool ours = i < tokens.size() && !tokens[i].empty() && d->incarnation == tokens[i];
    const bool its_own_drain = d->incarnation.rfind(kTokenPrefix, 0) != 0;
    if (!ours && !its_own_drain) continue;
    v.verdict = "safe_to_stop";
    v.reasons.clear();
    v.disruption_token = ours ? tokens[i] : "drain:" + d->incarnation;
  }
}

std::vector<const ClusterNode*> UnmentionedMembers(const ClusterStateSnapshot& state,
                                                   const std::vector<TaskVerdict>& verdicts) {
  std::set<std::string> mentioned;
  for (const TaskVerdict& v : verdicts) {
    if (!v.node_id.empty()) mentioned.insert(v.node_id);
  }
  std::vector<const ClusterNode*> out;
  for (const auto& [id, node] : state.nodes) {
    if (!mentioned.count(id)) out.push_back(&node);
  }
  return out;
}

}  // namespace holdfast
