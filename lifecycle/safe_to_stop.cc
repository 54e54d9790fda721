#include "lifecycle/safe_to_stop.h"

#include <algorithm>

#include "replication/drain_records.h"

namespace holdfast {

namespace {

bool Active(const ShardCopyRouting& copy) {
  return copy.state == ShardCopyState::kStarted || copy.state == ShardCopyState::kRelocating;
}

std::string NameOf(const ClusterStateSnapshot& state, const std::string& node_id) {
  auto it = state.nodes.find(node_id);
  return it == state.nodes.end() ? node_id : it->second.name;
}

}  // namespace

SafeToStopReport JudgeSafeToStop(const ClusterStateSnapshot& state, const std::string& self_node_id,
                                 StopRequirement require, bool state_known) {
  SafeToStopReport report;
  if (!state_known) {
    report.reasons.push_back({"cluster_state_unknown", "", "", -1,
                              "this node cannot reach etcd: its view of the cluster may be stale, so no copy "
                              "elsewhere can be vouched for"});
  }
  for (const IndexMetadata* index : state.IndicesByName()) {
    const IndexRouting* routing = state.RoutingOf(index->uuid);
    if (routing == nullptr) continue;
    for (const ShardRouting& shard : routing->shards) {
      const ShardCopyRouting* here = nullptr;
      for (const ShardCopyRouting& copy : shard.copies) {
        if (copy.node_id == self_node_id && copy.state != ShardCopyState::kUnassigned &&
            copy.state != ShardCopyState::kFailed) {
          here = &copy;
        }
      }
      if (here == nullptr) continue;
      ++report.copies_here;
      if (require == StopRequirement::kData) continue;
      auto add = [&](const char* reason, std::string detail) {
        report.reasons.push_back({reason, index->name, index->uuid, static_cast<int64_t>(shard.shard),
                                  std::move(detail)});
      };
      // Another started in-sync copy on a live member: what keeps the data
      // available when this one stops.
      const ShardCopyRouting* other = nullptr;
      for (const ShardCopyRouting& copy : shard.copies) {
        if (&copy == here || copy.node_id.empty() || copy.node_id == self_node_id) continue;
        if (Active(copy) && shard.IsInSync(copy.allocation_id) && state.nodes.count(copy.node_id) > 0 &&
            !IsDraining(state, copy.node_id)) {
          other = &copy;
        }
      }
      if (other == nullptr) {
        add("sole_in_sync_copy", "no other started in-sync copy of this shard is on a live node that is not draining");
      }
      if (here->primary) {
        add("primary_here", other != nullptr
                                ? "the primary is here: writes would wait for the copy on " +
                                      NameOf(state, other->node_id) + " to be promoted"
                                : "the primary is here");
      }
      if (here->state == ShardCopyState::kRelocating) {
        add("recovery_source", "this copy is moving to " + NameOf(state, here->relocating_node_id));
      }
      if (here->primary) {
        for (const ShardCopyRouting& copy : shard.copies) {
          if (copy.state == ShardCopyState::kInitializing && !copy.node_id.empty() && copy.node_id != self_node_id) {
            add("recovery_source", "the copy on " + NameOf(state, copy.node_id) + " recovers from this primary");
          }
        }
      }
    }
  }
  report.safe = report.reasons.empty();
  return report;
}

}  // namespace holdfast
