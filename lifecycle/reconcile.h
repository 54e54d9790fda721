// Reconcile (POST /_lifecycle/reconcile, DESIGN.md §7): an orchestrator
// that has just failed over — and knows less than before — says what it
// believes runs; each of its tasks gets a verdict from the cluster state.
//
//   {"orchestrator": {"id": "marathon", "epoch": 7},
//    "tasks": [{"task_id": "t1", "node_name": "n1" | "address": "host:port",
//               "volume_id": "...", "intent": "keep" | "restart" | "kill"}]}
//
// Per task: whether it matches a live member (by name, or by HTTP or gRPC
// address; a volume id must then be the member's own), which shards it
// holds the only in-sync copy of, and a verdict:
//   keep          intent keep, or nothing to decide
//   safe_to_stop  intent restart/kill, stopping it now loses nothing, and a
//                 disruption slot was taken for it (its token comes along)
//   drain_first   intent restart/kill, but not safe now (the reasons say
//                 why: a primary or the only in-sync copy is there, or
//                 another disruption holds the slot)
//   unknown       no live member matches, or the cluster state is unknown
//                 — never a reason to kill: unknown is not unhealthy.
// Members the orchestrator did not mention are listed: alive, so keep.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "index/util/status.h"
#include "lifecycle/safe_to_stop.h"
#include "replication/cluster_state.h"

namespace holdfast {

struct ReconcileTask {
  std::string task_id;
  std::string node_name;
  std::string address;
  std::string volume_id;
  std::string intent;  // keep | restart | kill
};

struct ReconcileRequest {
  std::string orchestrator_id;  // [A-Za-z0-9._-]{1,128}
  int64_t epoch = 0;
  std::vector<ReconcileTask> tasks;
};

// kInvalidArgument naming what is wrong (no orchestrator id or epoch, a
// task without task_id, without node_name and address, or with another
// intent).
Result<ReconcileRequest> ParseReconcileRequest(std::string_view json);

struct TaskVerdict {
  std::string task_id;
  bool matched = false;
  std::string node_id;
  std::string node_name;
  std::string http_address;
  std::string volume_id;  // the member's own (its attribute volume.uuid)
  std::vector<StopReason> sole_copies;  // the shards it holds the only in-sync copy of
  std::string verdict;    // keep | safe_to_stop | drain_first | unknown
  std::vector<StopReason> reasons;
  std::string disruption_token;  // safe_to_stop
  // For the caller: a restart/kill found safe, pending a disruption slot.
  bool wants_slot = false;
};

// The verdicts before any slot is taken: a safe restart/kill has
// `wants_slot` (verdict drain_first with reason waiting_for_disruption_slot
// until FinishVerdicts finds the slot taken).
std::vector<TaskVerdict> JudgeTasks(const ClusterStateSnapshot& state, const ReconcileRequest& request,
                                    bool state_known);

// After the slots were asked for (`tokens[i]` for verdicts[i], empty when
// none was asked): each verdict whose node now holds a slot — by this token,
// or by a drain of its own — turns safe_to_stop with its token.
void FinishVerdicts(const ClusterStateSnapshot& state, const std::vector<std::string>& tokens,
                    std::vector<TaskVerdict>* verdicts);

// The live members no task matched.
std::vector<const ClusterNode*> UnmentionedMembers(const ClusterStateSnapshot& state,
                                                   const std::vector<TaskVerdict>& verdicts);

}  // namespace holdfast
