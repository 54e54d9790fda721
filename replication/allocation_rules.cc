#include "replication/allocation_rules.h"

#include "replication/allocation_filters.h"

namespace holdfast::allocation {

namespace {

// The copies a node owns: on it and not moving away, or moving to it
// (Elasticsearch counts shard limits so). `index_uuid` "": of every index.
int OwnedCopies(const ClusterStateSnapshot& state, const std::string& index_uuid, const std::string& node) {
  int n = 0;
  auto count = [&](const IndexRouting& routing) {
    for (const ShardRouting& shard : routing.shards) {
      for (const ShardCopyRouting& copy : shard.copies) {
        n += (copy.node_id == node && copy.relocating_node_id.empty()) || copy.relocating_node_id == node;
      }
    }
  };
  if (index_uuid.empty()) {
    for (const auto& [uuid, routing] : state.routing) count(routing);
  } else if (const IndexRouting* routing = state.RoutingOf(index_uuid)) {
    count(*routing);
  }
  return n;
}

}  // namespace

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

void AddIndexRules(const ClusterStateSnapshot& state, const IndexMetadata& index, Rules* rules) {
  if (index.settings.allocation_filters.empty() && index.settings.total_shards_per_node < 0) return;
  IndexRules& r = rules->indices[index.uuid];
  r.name = index.name;
  r.excluded = FilteredOutNodes(state, index.settings.allocation_filters, kIndexAllocationPrefix);
  r.total_shards_per_node = index.settings.total_shards_per_node;
}

Rules RulesOf(const ClusterStateSnapshot& state) {
  Rules rules{ExcludedNodesWithReasons(state), AllocationAwareness::Of(state), AllocationEnableOf(state),
              TotalShardsPerNodeOf(state), {}};
  for (const auto& [uuid, index] : state.indices) AddIndexRules(state, index, &rules);
  return rules;
}

std::string IndexRefusal(const ClusterStateSnapshot& state, const std::string& index_uuid, const std::string& node,
                         const Rules& rules, bool stays) {
  if (auto index = rules.indices.find(index_uuid); index != rules.indices.end()) {
    const IndexRules& r = index->second;
    if (auto excluded = r.excluded.find(node); excluded != r.excluded.end()) {
      return excluded->second + " (index [" + r.name + "])";
    }
    if (r.total_shards_per_node >= 0) {
      const int n = OwnedCopies(state, index_uuid, node);
      if (stays ? n > r.total_shards_per_node : n >= r.total_shards_per_node) {
        return "too many shards [" + std::to_string(n) + "] allocated to this node for index [" + r.name +
               "], index setting [index.routing.allocation.total_shards_per_node=" +
               std::to_string(r.total_shards_per_node) + "]";
      }
    }
  }
  if (rules.total_shards_per_node >= 0) {
    const int n = OwnedCopies(state, "", node);
    if (stays ? n > rules.total_shards_per_node : n >= rules.total_shards_per_node) {
      return "too many shards [" + std::to_string(n) + "] allocated to this node, cluster setting [" +
             std::string(kTotalShardsPerNodeSetting) + "=" + std::to_string(rules.total_shards_per_node) + "]";
    }
  }
  return "";
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

std::string Refusal(const ClusterStateSnapshot& state, const std::string& index_uuid, const ShardRouting* shard,
                    const std::string& node, const Rules& rules, const AllocationInput& input,
                    const std::string& leaving) {
  if (!state.nodes.count(node)) return "the node is not a member of the cluster";
  if (auto excluded = rules.excluded.find(node); excluded != rules.excluded.end()) return excluded->second;
  if (std::string why = IndexRefusal(state, index_uuid, node, rules); !why.empty()) return why;
  if (input.over_high_watermark.count(node)) return "the node is above the high disk watermark";
  if (shard != nullptr && HoldsCopy(*shard, node)) return "a copy of this shard is already allocated to this node";
  return rules.awareness.Refusal(state, shard, node, leaving);
}

std::string MustLeave(const ClusterStateSnapshot& state, const std::string& index_uuid, const ShardRouting& shard,
                      const std::string& node, const Rules& rules) {
  if (auto excluded = rules.excluded.find(node); excluded != rules.excluded.end()) return excluded->second;
  if (std::string why = IndexRefusal(state, index_uuid, node, rules, /*stays=*/true); !why.empty()) return why;
  return rules.awareness.Refusal(state, &shard, node, node);
}

const ShardCopyRouting* StartedPrimary(const ShardRouting& shard) {
  const ShardCopyRouting* p = shard.primary();
  if (p == nullptr || p->node_id.empty()) return nullptr;
  return (p->state == ShardCopyState::kStarted || p->state == ShardCopyState::kRelocating) ? p : nullptr;
}

}  // namespace holdfast::allocation
