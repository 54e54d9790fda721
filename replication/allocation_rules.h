// The rules allocation decides by (replication/allocation.h), shared by its
// passes and by allocation/explain: the settings read once per pass, and why
// a node may not take — or a copy may not keep — a place. Internal to
// replication/allocation*.cc; pure, stateless.
#pragma once

#include <map>
#include <string>

#include "replication/allocation.h"
#include "replication/allocation_awareness.h"
#include "replication/cluster_state.h"

namespace holdfast::allocation {

// The settings that decide where copies may be, read once per pass.
struct Rules {
  std::map<std::string, std::string> excluded;  // ExcludedNodesWithReasons
  AllocationAwareness awareness;
  std::string enable = "all";      // kAllocationEnableSetting
};

Rules RulesOf(const ClusterStateSnapshot& state);

bool HoldsCopy(const ShardRouting& shard, const std::string& node);

// A primary of an index whose primary never started: nothing to lose by
// allocating it anywhere (Elasticsearch's "new primary").
bool NewPrimary(const ShardCopyRouting& copy);

// The value of cluster.routing.allocation.enable in `state` ("all" when unset).
std::string AllocationEnableOf(const ClusterStateSnapshot& state);

// Why allocation.enable `enable` keeps a copy from being allocated or moved
// ("" when it does not).
std::string EnableRefusal(const std::string& enable, const ShardCopyRouting& copy);
inline std::string EnableRefusal(const Rules& rules, const ShardCopyRouting& copy) {
  return EnableRefusal(rules.enable, copy);
}

// Why `node` cannot take a copy of `shard` ("" when it can): a new one, or
// one that moves away from node `leaving`.
std::string Refusal(const ClusterStateSnapshot& state, const ShardRouting* shard, const std::string& node,
                    const Rules& rules, const AllocationInput& input, const std::string& leaving = "");

// Why a started copy on `node` must move away ("" when it may stay).
std::string MustLeave(const ClusterStateSnapshot& state, const ShardRouting& shard, const std::string& node,
                      const Rules& rules);

// The shard's primary when it is started (or relocating), else null.
const ShardCopyRouting* StartedPrimary(const ShardRouting& shard);

}  // namespace holdfast::allocation
