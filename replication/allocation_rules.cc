#include "replication/allocation_rules.h"

namespace holdfast::allocation {

bool HoldsCopy(const ShardRouting& shard, const std::string& node) {
  for (const ShardCopyRouting& copy : shard.copies) {
    if (copy.node_id == node || copy.relocating_node_id == node) return true;
  }
  return false;
}

std::string AllocationEnableOf(const ClusterStateSnapshot& state) {
  auto enable = state.settings.find(kAllocationEnableSetting);
  return enable != state.settings.end() && IsAllocationEnableValue(enable->second) ? enable->second : "all";
}

Rules RulesOf(const ClusterStateSnapshot& state) {
  return Rules{ExcludedNodesWithReasons(state), AllocationAwareness::Of(state), AllocationEnableOf(state)};
}

bool NewPrimary(const ShardCopyRouting& copy) {
  return copy.primary && copy.state == ShardCopyState::kUnassigned && copy.last_node_id.empty() &&
         copy.unassigned_reason == "INDEX_CREATED";
}

std::string EnableRefusal(const std::string& enable, const ShardCopyRouting& copy) {
  if (enable == "all" || (enable == "primaries" && copy.primary) || (enable == "new_primaries" && NewPrimary(copy))) {
    return "";
  }
  const char* allowed = enable == "primaries"       ? "only primaries are allocated"
                        : enable == "new_primaries" ? "only the primaries of new indices are allocated"
                                                    : "no copy is allocated";
  return "cluster.routing.allocation.enable is [" + enable + "]: " + allowed;
}

std::string Refusal(const ClusterStateSnapshot& state, const ShardRouting* shard, const std::string& node,
                    const Rules& rules, const AllocationInput& input, const std::string& leaving) {
  if (!state.nodes.count(node)) return "the node is not a member of the cluster";
  if (auto excluded = rules.excluded.find(node); excluded != rules.excluded.end()) return excluded->second;
  if (input.over_high_watermark.count(node)) return "the node is above the high disk watermark";
  if (shard != nullptr && HoldsCopy(*shard, node)) return "a copy of this shard is already allocated to this node";
  return rules.awareness.Refusal(state, shard, node, leaving);
}

std::string MustLeave(const ClusterStateSnapshot& state, const ShardRouting& shard, const std::string& node,
                      const Rules& rules) {
  if (auto excluded = rules.excluded.find(node); excluded != rules.excluded.end()) return excluded->second;
  return rules.awareness.Refusal(state, &shard, node, node);
}

const ShardCopyRouting* StartedPrimary(const ShardRouting& shard) {
  const ShardCopyRouting* p = shard.primary();
  if (p == nullptr || p->node_id.empty()) return nullptr;
  return (p->state == ShardCopyState::kStarted || p->state == ShardCopyState::kRelocating) ? p : nullptr;
}

}  // namespace holdfast::allocation
