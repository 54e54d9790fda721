// _cluster/allocation/explain (replication/allocation.h, ExplainAllocation):
// why a copy is where it is, or why it is not anywhere.
#include <algorithm>

#include "replication/allocation.h"
#include "replication/allocation_rules.h"

namespace holdfast {

using namespace allocation;

namespace {

constexpr const char* kForcePrimary =
    "If that node is gone for good, POST /_cluster/reroute forces a primary: allocate_stale_primary onto a node whose "
    "volume holds an older copy, or allocate_empty_primary, each with accept_data_loss";

// Why a primary whose node is back waits to open there ("" when it does not).
std::string PrimaryWait(const ClusterStateSnapshot& state, const Rules& rules, const ShardCopyRouting& copy) {
  if (!copy.primary || NewPrimary(copy) || copy.last_node_id.empty() || !state.nodes.count(copy.last_node_id)) {
    return "";
  }
  return RecoveryCounts::Of(state).PrimaryThrottled(rules.recoveries, copy.last_node_id);
}

}  // namespace

Result<CopyExplanation> ExplainAllocation(const ClusterStateSnapshot& state, const AllocationInput& input,
                                          const std::string& index_name, int shard_number, bool primary) {
  const ShardRouting* shard = nullptr;
  const ShardCopyRouting* copy = nullptr;
  const IndexMetadata* index = nullptr;
  if (!index_name.empty()) {
    index = state.FindIndex(index_name);
    if (index == nullptr) return Status::IndexNotFound("no such index [" + index_name + "]");
    const IndexRouting* routing = state.RoutingOf(index->uuid);
    if (routing == nullptr || shard_number < 0 || static_cast<size_t>(shard_number) >= routing->shards.size()) {
      return Status::InvalidArgument("No shard was specified in the explain API request, or shard [" +
                                     std::to_string(shard_number) + "] does not exist in index [" + index_name + "]");
    }
    shard = &routing->shards[shard_number];
    for (const ShardCopyRouting& c : shard->copies) {
      if (c.primary == primary) {
        copy = &c;
        break;
      }
    }
  } else {
    // The first unassigned copy, else the first one not started.
    for (int pass = 0; pass < 2 && copy == nullptr; ++pass) {
      for (const IndexMetadata* m : state.IndicesByName()) {
        const IndexRouting* routing = state.RoutingOf(m->uuid);
        if (routing == nullptr) continue;
        for (const ShardRouting& s : routing->shards) {
          for (const ShardCopyRouting& c : s.copies) {
            const bool wanted = pass == 0 ? c.state == ShardCopyState::kUnassigned
                                          : c.state != ShardCopyState::kStarted;
            if (wanted && copy == nullptr) {
              copy = &c;
              shard = &s;
              index = m;
            }
          }
        }
      }
    }
    if (copy == nullptr) {
      return Status::InvalidArgument(
          "No shard was specified in the explain API request, so this request explains a randomly chosen unassigned "
          "shard. There are no unassigned shards in this cluster to explain.");
    }
  }
  if (copy == nullptr) return Status::InvalidArgument("no " + std::string(primary ? "primary" : "replica") + " copy");
  CopyExplanation e;
  e.index = index->name;
  e.shard = shard->shard;
  e.primary = copy->primary;
  std::string state_name = ShardCopyStateName(copy->state);
  std::transform(state_name.begin(), state_name.end(), state_name.begin(), ::tolower);
  e.current_state = state_name;
  e.current_node = copy->node_id;
  e.unassigned_reason = copy->unassigned_reason;
  e.unassigned_at_ms = copy->unassigned_at_ms;
  const Rules rules = RulesOf(state);
  for (const auto& [id, node] : state.nodes) {
    std::string why = Refusal(state, index->uuid, shard, id, rules, input);
    if (copy->node_id == id) why = "the copy is allocated to this node";
    e.node_decisions.emplace_back(id, why.empty() ? "yes" : why);
  }
  if (copy->state != ShardCopyState::kUnassigned) {
    e.allocate_explanation = "the copy is " + state_name + " on node [" + copy->node_id + "]";
    if (!copy->relocating_node_id.empty()) {
      e.allocate_explanation += ", moving to node [" + copy->relocating_node_id + "]";
    } else if (copy->state == ShardCopyState::kStarted) {
      const std::string leave = MustLeave(state, index->uuid, *shard, copy->node_id, rules);
      if (!leave.empty()) e.allocate_explanation += "; it is to move off that node: " + leave;
    }
    return e;
  }
  const int64_t delay = index->settings.node_left_delayed_timeout.count();
  if (const std::string off = EnableRefusal(rules, index->uuid, *copy); !off.empty()) {
    e.allocate_explanation = "cannot allocate because " + off +
                             (off.rfind("index.", 0) == 0 ? " (PUT /" + index->name + "/_settings with null resets it)"
                                                          : " (PUT /_cluster/settings with null resets it to all)");
  } else if (const std::string wait = PrimaryWait(state, rules, *copy); !wait.empty()) {
    // Its node is back: it opens there once fewer primaries initialize.
    e.throttled = true;
    e.allocate_explanation = "allocation temporarily throttled: " + wait +
                             "; the primary opens on its node's volume when one under way has started";
  } else if (!copy->primary && StartedPrimary(*shard) == nullptr) {
    e.allocate_explanation = "cannot allocate a replica until the primary is started (a replica is recovered from "
                             "its primary, never opened from what a volume holds)";
  } else if (copy->unassigned_reason == "NODE_LEFT" && input.now_ms < copy->unassigned_at_ms + delay) {
    e.delay_left_ms = copy->unassigned_at_ms + delay - input.now_ms;
    e.allocate_explanation = "the node holding this copy [" + copy->last_node_id +
                             "] left the cluster; its copy keeps its place for " + std::to_string(e.delay_left_ms) +
                             " ms more (index.unassigned.node_left.delayed_timeout), so that the node gets it back "
                             "without copying data if it returns" +
                             (copy->primary ? std::string(" (no other copy is in sync. ") + kForcePrimary + ")" : "");
  } else if (NewPrimary(*copy)) {
    bool any = false;
    for (const auto& [id, why] : e.node_decisions) any |= why == "yes";
    e.allocate_explanation = any ? "the primary of a new index is allocated on the next pass"
                                 : "cannot allocate because allocation is not permitted to any of the nodes";
  } else if (copy->primary) {
    e.allocate_explanation =
        "cannot allocate because a previous copy of the primary shard existed but can no longer be found on the nodes "
        "in the cluster: the only in-sync copy was on node [" +
        (copy->last_node_id.empty() ? std::string("unknown") : copy->last_node_id) +
        "]; it is allocated again when that node returns with its volume (no empty primary is created, so no data "
        "is silently lost). " + std::string(kForcePrimary);
  } else {
    // Nodes that may take it, unless they (or the primary's node) are at a
    // recovery limit: then it waits for a recovery under way to finish.
    const RecoveryCounts recoveries = RecoveryCounts::Of(state);
    const std::string source = StartedPrimary(*shard)->node_id;
    std::string throttled;
    bool any = false;
    for (const auto& [id, why] : e.node_decisions) {
      if (why != "yes") continue;
      const std::string wait = recoveries.Throttled(rules.recoveries, id, source);
      if (wait.empty()) {
        any = true;
      } else if (throttled.empty()) {
        throttled = wait;
      }
    }
    e.throttled = !any && !throttled.empty();
    e.allocate_explanation =
        any          ? "the replica is allocated on the next pass"
        : e.throttled ? "allocation temporarily throttled: " + throttled +
                           "; the replica is allocated when a recovery under way finishes"
                      : "cannot allocate because allocation is not permitted to any of the nodes";
  }
  return e;
}

}  // namespace holdfast
