#include "replication/cluster_admin.h"
#include "index/util/comma_list.h"
#include "index/util/clock.h"

#include <chrono>

#include "replication/etcd_cluster_state.h"

namespace holdfast {

namespace {

std::string Trimmed(const std::string& text) {
  const size_t first = text.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

}  // namespace

std::string UnassignedReasonOf(const ShardCopyRouting& copy) {
  if (copy.state == ShardCopyState::kFailed) return "ALLOCATION_FAILED";
  if (copy.state != ShardCopyState::kUnassigned) return "";
  return copy.unassigned_reason.empty() ? "INDEX_CREATED" : copy.unassigned_reason;
}

std::map<std::string, uint64_t> CopiesPerNode(const ClusterStateSnapshot& state) {
  std::map<std::string, uint64_t> copies;
  for (const auto& [id, node] : state.nodes) copies[id] = 0;
  for (const auto& [uuid, routing] : state.routing) {
    for (const ShardRouting& shard : routing.shards) {
      for (const ShardCopyRouting& copy : shard.copies) {
        if (!copy.node_id.empty()) ++copies[copy.node_id];
      }
    }
  }
  return copies;
}

std::string NodeNameOf(const ClusterStateSnapshot& state, const std::string& node_id) {
  auto node = state.nodes.find(node_id);
  return node == state.nodes.end() ? std::string() : node->second.name;
}

AllocationInput AllocationInputNow(const EtcdClusterState* cluster_or_null) {
  return cluster_or_null != nullptr ? cluster_or_null->allocation_input() : AllocationInput{WallClockMs()};
}

Result<CopyExplanation> ExplainCopy(const ClusterStateSnapshot& state, const EtcdClusterState* cluster_or_null,
                                    const ExplainTarget& target) {
  const bool any = !target.index.empty() || target.shard || target.primary;
  const bool all = !target.index.empty() && target.shard && target.primary;
  if (any && !all) {
    return Status::InvalidArgument("the index, shard and primary parameters must all be given, or none of them");
  }
  return ExplainAllocation(state, AllocationInputNow(cluster_or_null), target.index, target.shard.value_or(0),
                           target.primary.value_or(true));
}

std::string CanAllocateOf(const CopyExplanation& explanation) {
  if (explanation.current_state != "unassigned") return "";
  if (explanation.delay_left_ms > 0) return "allocation_delayed";
  if (explanation.throttled) return "throttled";
  return explanation.primary ? "no_valid_shard_copy" : "no";
}

std::string ExclusionListWith(const std::string& list, const std::string& name, bool excluded) {
  std::vector<std::string> kept;
  for (std::string& item : SplitCommaList(list)) {
    if (item == name) continue;
    bool seen = false;
    for (const std::string& k : kept) seen |= k == item;
    if (!seen) kept.push_back(std::move(item));
  }
  if (excluded) kept.push_back(name);
  std::string out;
  for (const std::string& item : kept) out += (out.empty() ? "" : ",") + item;
  return out;
}

Result<NodeExclusion> SetNodeExcluded(EtcdClusterState* cluster, const std::string& node, bool excluded) {
  const ClusterStatePtr state = cluster->Current();
  std::string name = Trimmed(node);
  if (auto member = state->nodes.find(name); member != state->nodes.end()) name = member->second.name;
  if (name.empty() || name.find(',') != std::string::npos) {
    return Status::InvalidArgument("[" + node + "] is not a node name");
  }
  auto setting = state->settings.find(kExcludeNameSetting);
  const std::string before = setting == state->settings.end() ? std::string() : setting->second;
  NodeExclusion result;
  result.exclude_name = ExclusionListWith(before, name, excluded);
  result.changed = result.exclude_name != before;
  if (!result.changed) return result;
  std::optional<std::string> value;
  if (!result.exclude_name.empty()) value = result.exclude_name;
  HOLDFAST_RETURN_IF_ERROR(cluster->PutSettings({{kExcludeNameSetting, value}}));
  return result;
}

std::vector<PlannedMove> PlanRebalanceNow(const ClusterStateSnapshot& state, const EtcdClusterState* cluster_or_null) {
  return PlanRebalance(state, AllocationInputNow(cluster_or_null));
}

std::vector<RebalanceStep> ExecuteRebalance(EtcdClusterState* cluster) {
  std::vector<RebalanceStep> steps;
  for (PlannedMove& move : PlanRebalanceNow(*cluster->Current(), cluster)) {
    Status started = cluster->MoveShard(move.index_name, move.shard.shard, move.from, move.to);
    steps.push_back({std::move(move), std::move(started)});
  }
  return steps;
}

}  // namespace holdfast
