// Cluster administration: the operator's reads and changes of the cluster
// state, in one place for the two surfaces that offer them — the HTTP
// endpoints (server/api/cluster_api.cc, cat_api.cc) and the gRPC Admin
// service holdfastctl talks to (server/grpc/admin_service.h).
//
// Reads are pure functions over a snapshot. Changes go through an
// EtcdClusterState (cluster mode); the callers refuse them without one.
// The allocation rules themselves live in allocation.h: this file only
// shapes their inputs and answers.
//
// Stateless; thread-safe as EtcdClusterState is.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "index/util/status.h"
#include "replication/allocation.h"
#include "replication/cluster_state.h"

namespace holdfast {

class EtcdClusterState;

// Why a copy has no node, as _cat/shards and _cluster/state print it:
// "ALLOCATION_FAILED" for a failed copy, the recorded reason, or
// "INDEX_CREATED" when none was recorded; "" for a copy that has a node.
std::string UnassignedReasonOf(const ShardCopyRouting& copy);

// Copies assigned to each member (every member present, 0 included).
std::map<std::string, uint64_t> CopiesPerNode(const ClusterStateSnapshot& state);

// The member's name; "" when `node_id` is empty or not a member.
std::string NodeNameOf(const ClusterStateSnapshot& state, const std::string& node_id);

// The allocation input at this moment: the cluster's disk use (none
// without a cluster) and the wall clock.
AllocationInput AllocationInputNow(const EtcdClusterState* cluster_or_null);

// Which copy an allocation explanation is about: all three, or none (the
// first unassigned copy).
struct ExplainTarget {
  std::string index;
  std::optional<int> shard;
  std::optional<bool> primary;
};

// ExplainAllocation (allocation.h) for `target` now. kInvalidArgument when
// only some of index, shard and primary are given; otherwise its answers
// (kIndexNotFound, kInvalidArgument "... There are no unassigned shards in
// this cluster to explain.").
Result<CopyExplanation> ExplainCopy(const ClusterStateSnapshot& state, const EtcdClusterState* cluster_or_null,
                                    const ExplainTarget& target);

// Elasticsearch's can_allocate for an unassigned copy: "allocation_delayed"
// while a node_left delay runs, "no_valid_shard_copy" for a primary, "no"
// for a replica; "" for a copy that is not unassigned.
std::string CanAllocateOf(const CopyExplanation& explanation);

// `list` (a comma list of names, as cluster.routing.allocation.exclude._name
// holds) with `name` added (`excluded`) or removed; items trimmed, no
// duplicates, order kept.
std::string ExclusionListWith(const std::string& list, const std::string& name, bool excluded);

struct NodeExclusion {
  std::string exclude_name;  // the setting afterwards ("" when unset)
  bool changed = false;      // false: nothing to write, the list already said so
};

// Adds (`excluded`) or removes `node` in cluster.routing.allocation.exclude._name
// through PutSettings; a member's id stands for its name. The list is read
// from this node's view and written whole, like PUT _cluster/settings: two
// edits at the same moment may lose one. kInvalidArgument for an empty name
// or one with a comma; PutSettings' errors otherwise.
Result<NodeExclusion> SetNodeExcluded(EtcdClusterState* cluster, const std::string& node, bool excluded);

// The moves PlanRebalance (allocation.h) makes of `state` now.
std::vector<PlannedMove> PlanRebalanceNow(const ClusterStateSnapshot& state, const EtcdClusterState* cluster_or_null);

struct RebalanceStep {
  PlannedMove move;
  Status status;  // OK: the relocation started
};

// Plans on the cluster's current state and starts each move with
// MoveShard, in plan order; a refused move does not stop the next ones.
// Returns once every move was started or refused, not when they complete.
std::vector<RebalanceStep> ExecuteRebalance(EtcdClusterState* cluster);

}  // namespace holdfast
