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

// An index's own rules: index.routing.allocation.*.
struct IndexRules {
  std::string name;
  std::map<std::string, std::string> excluded;  // by its filters: node id → why
  int32_t total_shards_per_node = -1;           // -1: no limit
  std::string enable;                           // index.routing.allocation.enable; "": the cluster's
};

// The settings that decide where copies may be, read once per pass.
struct Rules {
  std::map<std::string, std::string> excluded;  // ExcludedNodesWithReasons
  AllocationAwareness awareness;
  std::string enable = "all";      // kAllocationEnableSetting
  int32_t total_shards_per_node = -1;  // kTotalShardsPerNodeSetting; -1: no limit
  RecoveryLimits recoveries;           // node_concurrent_{incoming,outgoing}_recoveries
  std::map<std::string, IndexRules> indices;  // by uuid: the indices with rules of their own
};

Rules RulesOf(const ClusterStateSnapshot& state);
// Adds the rules of `index` (one not yet in the state: a new index).
void AddIndexRules(const ClusterStateSnapshot& state, const IndexMetadata& index, Rules* rules);

// Why the rules of the index `index_uuid` and the shard limits keep `node`
// from holding one more of its copies ("" when they do not); `stays`: the
// copy is on the node already (it may stay at the limit, not above it).
std::string IndexRefusal(const ClusterStateSnapshot& state, const std::string& index_uuid, const std::string& node,
                         const Rules& rules, bool stays = false);

bool HoldsCopy(const ShardRouting& shard, const std::string& node);

// A primary of an index whose primary never started: nothing to lose by
// allocating it anywhere (Elasticsearch's "new primary").
bool NewPrimary(const ShardCopyRouting& copy);

// The value of cluster.routing.allocation.enable in `state` ("all" when unset).
std::string AllocationEnableOf(const ClusterStateSnapshot& state);

// Why allocation.enable keeps a copy of the index `index_uuid` from being
// allocated or moved ("" when it does not): the index's own
// index.routing.allocation.enable when it has one (as Elasticsearch, it
// overrides the cluster's), else cluster.routing.allocation.enable.
std::string EnableRefusal(const Rules& rules, const std::string& index_uuid, const ShardCopyRouting& copy);
// The allocation.enable value that holds for the index `index_uuid`.
const std::string& EnableOf(const Rules& rules, const std::string& index_uuid);

// Why `node` cannot take a copy of `shard` of the index `index_uuid` ("" when
// it can): a new one, or one that moves away from node `leaving`. A null
// shard (and "" index): a copy of any shard, as far as the node goes.
std::string Refusal(const ClusterStateSnapshot& state, const std::string& index_uuid, const ShardRouting* shard,
                    const std::string& node, const Rules& rules, const AllocationInput& input,
                    const std::string& leaving = "");

// Why a started copy on `node` must move away ("" when it may stay).
std::string MustLeave(const ClusterStateSnapshot& state, const std::string& index_uuid, const ShardRouting& shard,
                      const std::string& node, const Rules& rules);

// Peer recoveries under way, per node: as their target (a replica
// initializing from its primary, a relocation's target) and as their source
// (the primary's node, a relocating copy's node); and the primaries
// initializing on each node.
struct RecoveryCounts {
  std::map<std::string, int> incoming;
  std::map<std::string, int> outgoing;
  std::map<std::string, int> primaries;

  static RecoveryCounts Of(const ClusterStateSnapshot& state);
  // Why a recovery onto `target` from `source` ("": none known) waits for
  // the limits now ("" when it may start), in Elasticsearch's words.
  std::string Throttled(const RecoveryLimits& limits, const std::string& target, const std::string& source) const;
  // Why one more primary waits to initialize on `node` ("" when it may).
  std::string PrimaryThrottled(const RecoveryLimits& limits, const std::string& node) const;
  void Add(const std::string& target, const std::string& source) {
    ++incoming[target];
    if (!source.empty()) ++outgoing[source];
  }
};

// The shard's primary when it is started (or relocating), else null.
const ShardCopyRouting* StartedPrimary(const ShardRouting& shard);

// Steps shared by the passes and the reroute commands.
//
// The copy turns unassigned for `reason` at `now_ms`, remembering the node
// that held it (its volume may still hold the data).
void MarkUnassigned(ShardCopyRouting* copy, const std::string& reason, int64_t now_ms);
// The copy is allocated to `node` (initializing), under a new allocation id
// unless `keep_allocation` (a copy going back to the volume that holds it).
void AssignTo(ShardCopyRouting* copy, const std::string& node, bool keep_allocation);
// The primary's copy is lost: a started in-sync replica on a member node
// becomes the primary of the next term, the old primary's copy an
// unassigned replica (out of the in-sync set). False, nothing changed, when
// no such replica exists.
bool PromoteReplica(ShardRouting* shard, const ClusterStateSnapshot& state, const std::string& reason, int64_t now_ms);

}  // namespace holdfast::allocation
