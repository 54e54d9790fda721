// Allocation: where the master puts shard copies (DESIGN.md §6). Pure
// functions over a ClusterStateSnapshot: the master (etcd_cluster_state.h)
// runs them on the state it read and commits what they change.
//
// Rules, as Elasticsearch's allocation deciders have them where they exist:
//   - never two copies of one shard on one node (same-shard decider);
//   - a new copy goes to the node with the fewest copies (then the least
//     disk used, then the smallest node id): shards spread evenly;
//   - a node that leaves keeps its copies' place: they turn UNASSIGNED with
//     reason NODE_LEFT and `last_node_id`, and go back to that node (same
//     allocation id, same files on its volume: nothing copied) when it
//     returns within `index.unassigned.node_left.delayed_timeout`;
//   - after the delay a replica is re-created on another node (it recovers
//     from the primary); a primary is never re-created empty: it waits for
//     a node that holds its data (red, and allocation/explain says why);
//   - `cluster.routing.allocation.exclude._name` / `._id` (comma lists),
//     and include / exclude / require filters by any node attribute:
//     no new copy goes to a node they rule out, and started copies there
//     are relocated to other nodes;
//   - the same filters per index (`index.routing.allocation.*`) for that
//     index's copies, and `index.routing.allocation.total_shards_per_node`
//     / `cluster.routing.allocation.total_shards_per_node`: no more copies
//     of the index (of all indices) on one node; copies over it move off;
//   - a node over the disk high watermark takes no new copies;
//   - `cluster.routing.allocation.enable`: `primaries` allocates and moves
//     primaries only (a replica whose node returns waits until it is `all`
//     again), `new_primaries` only the primaries of new indices, `none`
//     nothing (a new index's primaries stay unassigned); a replica's
//     promotion is never held back;
//   - allocation awareness (replication/allocation_awareness.h): the copies
//     of a shard spread over the values of the node attributes
//     `cluster.routing.allocation.awareness.attributes` names (zones, racks);
//     a value holding more than its share of a shard's copies gives one up
//     (relocated like a copy off an excluded node);
//   - `cluster.routing.allocation.node_concurrent_{incoming,outgoing}_recoveries`
//     (both default to `node_concurrent_recoveries`, 2): a replica is
//     recovered, or a copy relocated, only while its target node has fewer
//     recoveries coming in and its source (the primary's node, the node
//     the copy leaves) fewer going out; the rest wait for the next pass
//     (Elasticsearch's throttling); likewise a primary allocated (its own
//     volume opened, or a new one) only while its node has fewer than
//     `node_initial_primaries_recoveries` (4) primaries initializing. The
//     admin's explicit moves and a new index's first allocation are not held
//     back.
// Stateless; thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "replication/cluster_state.h"

namespace holdfast {

inline constexpr char kExcludeNameSetting[] = "cluster.routing.allocation.exclude._name";
inline constexpr char kExcludeIdSetting[] = "cluster.routing.allocation.exclude._id";
// all (default) | primaries | new_primaries | none: which copies may be
// allocated or moved at all (Elasticsearch's rolling-restart switch).
inline constexpr char kAllocationEnableSetting[] = "cluster.routing.allocation.enable";
// True for the values kAllocationEnableSetting takes (lower case).
bool IsAllocationEnableValue(const std::string& value);
// At most this many copies (of all indices) on one node; -1 (default): no
// limit. index.routing.allocation.total_shards_per_node is the same per index.
inline constexpr char kTotalShardsPerNodeSetting[] = "cluster.routing.allocation.total_shards_per_node";
// The value of kTotalShardsPerNodeSetting in `state` (-1 when unset).
int32_t TotalShardsPerNodeOf(const ClusterStateSnapshot& state);
// A shard limit as the setting takes it (a whole number, -1: none); nullopt
// for anything else.
std::optional<int32_t> ParseShardLimit(std::string_view text);
inline constexpr char kConcurrentRecoveriesSetting[] = "cluster.routing.allocation.node_concurrent_recoveries";
inline constexpr char kConcurrentIncomingRecoveriesSetting[] =
    "cluster.routing.allocation.node_concurrent_incoming_recoveries";
inline constexpr char kConcurrentOutgoingRecoveriesSetting[] =
    "cluster.routing.allocation.node_concurrent_outgoing_recoveries";
inline constexpr char kInitialPrimariesRecoveriesSetting[] =
    "cluster.routing.allocation.node_initial_primaries_recoveries";
inline constexpr int kDefaultConcurrentRecoveries = 2;
inline constexpr int kDefaultInitialPrimariesRecoveries = 4;
// Peer recoveries (a replica filled from its primary, a relocation) one node
// may take part in at once: as their target, as their source.
struct RecoveryLimits {
  int incoming = kDefaultConcurrentRecoveries;
  int outgoing = kDefaultConcurrentRecoveries;
  int initial_primaries = kDefaultInitialPrimariesRecoveries;  // primaries initializing on one node
};
// The limits the three settings above give in `state` (an incoming or
// outgoing setting overrides node_concurrent_recoveries for its side).
RecoveryLimits RecoveryLimitsOf(const ClusterStateSnapshot& state);
// A recovery limit as the settings take it (a whole number >= 0); nullopt
// for anything else.
std::optional<int32_t> ParseRecoveryLimit(std::string_view text);
// True for the four settings above.
bool IsRecoveryLimitSetting(std::string_view key);

struct AllocationInput {
  int64_t now_ms = 0;
  // Disk use per node id (0..1) and whether the node is over the high
  // watermark; nodes missing here count as empty.
  std::map<std::string, double> disk_used;
  std::set<std::string> over_high_watermark;
};

// The members no copy may be on, each with why: ruled out by the
// allocation filters (`cluster.routing.allocation.exclude._name` / `._id`,
// and include / exclude / require by any attribute:
// replication/allocation_filters.h), or emptied by a remove drain
// (drain_records.h).
std::map<std::string, std::string> ExcludedNodesWithReasons(const ClusterStateSnapshot& state);
std::set<std::string> ExcludedNodes(const ClusterStateSnapshot& state);

// The copies of a new index: primaries spread over the nodes, replicas on
// other nodes than their primary (kUnassigned, reason INDEX_CREATED, when
// no node can take them). kUnavailable when no node can take a primary.
Result<IndexRouting> AllocateNewIndex(const IndexMetadata& index, const ClusterStateSnapshot& state,
                                      const AllocationInput& input);

// One pass over the whole routing table after a change of members,
// settings or time: copies of nodes that left turn unassigned (delayed),
// copies go back to returning nodes, delays that expired are acted on,
// relocations off excluded nodes start. Returns whether `state` changed;
// `*next_check_ms` is the earliest time a delay expires (0: none pending).
bool Reallocate(ClusterStateSnapshot* state, const AllocationInput& input, int64_t* next_check_ms);

// Starts moving a started copy of `shard` from node `from` to node `to`:
// kInvalidArgument (with the reason) when the move is not allowed.
Status StartRelocation(ClusterStateSnapshot* state, const ShardId& shard, const std::string& from,
                       const std::string& to);

// Adds the disk use every member publishes in its member key (node.cc,
// from its disk monitor: "disk.used_percent", "disk.over_high") to `input`.
void AddPublishedDiskUse(const ClusterStateSnapshot& state, AllocationInput* input);

// Why `index.routing.allocation.enable` of the copy's index, else
// `cluster.routing.allocation.enable`, keeps `copy` of the index
// `index_uuid` from being allocated or moved now ("" when it does not).
std::string AllocationEnableRefusal(const ClusterStateSnapshot& state, const std::string& index_uuid,
                                    const ShardCopyRouting& copy);

// For a remove drain of node `from`: the shards whose copy there no member
// may take now, each with why — each member's refusal as the allocation
// decides it (with the members' published disk use), the members in `skip`
// (draining themselves) left out. Copies already moving are not listed.
std::map<ShardId, std::string> CopiesNoNodeCanTake(const ClusterStateSnapshot& state, const std::string& from,
                                                   const std::set<std::string>& skip);

// A command of POST /_cluster/reroute (Elasticsearch's allocation commands):
//   move                   {index, shard, from_node, to_node}
//   cancel                 {index, shard, node, allow_primary}: a relocation
//                          (naming either end) is called off; a replica is
//                          dropped and allocated again, recovered from the
//                          primary; a primary (allow_primary) hands its role
//                          to an in-sync replica.
//   allocate_replica       {index, shard, node}: an unassigned replica to that
//                          node, as the allocation rules allow (not the
//                          allocation.enable settings, as in Elasticsearch).
//   allocate_stale_primary {index, shard, node, accept_data_loss}: the
//                          unassigned primary to the node whose volume holds
//                          an older copy (writes acknowledged after it was
//                          left behind are lost); it starts a new history.
//                          A node the routing table does not know to hold one
//                          checks its volume: the primary fails there if not.
//   allocate_empty_primary {index, shard, node, accept_data_loss}: the
//                          unassigned primary to the node, empty.
// Nodes by id or name.
struct RerouteCommand {
  std::string kind;
  std::string index;
  uint32_t shard = 0;
  std::string node;
  std::string from_node;  // move
  std::string to_node;    // move
  bool allow_primary = false;
  bool accept_data_loss = false;
};
bool IsRerouteCommand(const std::string& kind);

// What became of one command (the `explanations` of `?explain`).
struct RerouteDecision {
  bool applied = false;
  std::string explanation;
};

// Applies `commands` in order to `state` (one change): without `explain`,
// the first one refused is the error (kInvalidArgument naming why; kNotFound
// for an unknown index) and the caller keeps the state it had; with
// `explain`, a refused one is skipped and its decision says why. With
// `retry_failed`, copies whose allocation failed are tried again now rather
// than after their pause. The caller runs the allocation pass after.
Result<std::vector<RerouteDecision>> ApplyReroute(ClusterStateSnapshot* state, const std::vector<RerouteCommand>& commands,
                                                  bool explain, bool retry_failed, const AllocationInput& input);

// A copy reports its state (started, failed, closed, initializing): applies
// it — a relocation target that started takes its source's place; a failed
// copy leaves the in-sync set unless it is the last one. A report naming no
// copy is stale: false, nothing changes. kInvalidArgument for kUnassigned
// and kRelocating, which are the master's decisions, not reports.
Result<bool> ApplyCopyReport(ClusterStateSnapshot* state, const ShardId& shard, const std::string& allocation_id,
                             ShardCopyState reported, const std::string& failure);

// The primary of `primary_term` could not replicate to the copy
// `allocation_id`: the copy leaves the in-sync set and turns unassigned
// ("ALLOCATION_FAILED", `reason` kept), to be allocated again with a new
// allocation id (so it is recovered from the primary, never taken back as
// it is). kFenced when the shard's primary term is not `primary_term` (the
// caller is no longer the primary); false when the copy is gone already.
Result<bool> ApplyReplicaFailure(ClusterStateSnapshot* state, const ShardId& shard, const std::string& allocation_id,
                                 int64_t primary_term, const std::string& reason, int64_t now_ms);

// The moves a rebalance would make now (one copy at a time to the node with
// the fewest copies, from the fullest node that has a copy it may take, while
// that lowers their difference below two), with the reason for each.
struct PlannedMove {
  ShardId shard;
  std::string index_name;
  std::string from;
  std::string to;
  std::string reason;
};
std::vector<PlannedMove> PlanRebalance(const ClusterStateSnapshot& state, const AllocationInput& input);

// Why a copy is where it is, or why it is not anywhere (for
// _cluster/allocation/explain): one sentence per fact.
struct CopyExplanation {
  std::string index;
  uint32_t shard = 0;
  bool primary = true;
  std::string current_state;   // "unassigned", "started", ...
  std::string current_node;    // id, empty when unassigned
  std::string unassigned_reason;
  int64_t unassigned_at_ms = 0;
  int64_t delay_left_ms = 0;   // > 0 while a NODE_LEFT delay runs
  std::string allocate_explanation;
  std::vector<std::pair<std::string, std::string>> node_decisions;  // node id → why not / "yes"
  bool throttled = false;  // every node that may take it is at a recovery limit now
};
// The first unassigned (or, when none, the first not started) copy when
// `index` is empty; kNotFound when there is nothing to explain.
Result<CopyExplanation> ExplainAllocation(const ClusterStateSnapshot& state, const AllocationInput& input,
                                          const std::string& index, int shard, bool primary);

}  // namespace holdfast
