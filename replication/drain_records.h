// Drain records and disruption slots (DESIGN.md §7): what the master keeps
// of nodes being drained (POST /_lifecycle/drain), and the handoff of a
// primary to an in-sync replica. Pure functions over a ClusterStateSnapshot:
// the master (etcd_cluster_state.h) runs them and commits what they change.
//
// One disruption at a time, cluster-wide: a drain holds one of
// `cluster.lifecycle.max_concurrent_disruptions` slots (default 1) from
// when it gets it until its record ends; the other drains are queued, first
// asked first served. A record ends by itself:
//   - restart: once the node has been away (stopped) and is back, every copy
//     it holds started and in sync, and the cluster's health green again;
//     or when it stays away longer than the indices' node_left delay (its
//     copies are then rebuilt elsewhere: the disruption is over);
//   - remove: once the node has left the cluster;
//   - queued (no slot yet): when its node goes away;
//   - cancelled (DELETE /_lifecycle/drain): at once;
//   - granted to an orchestrator by reconcile (a disruption token) and its
//     node never stopped: after kTokenTtlMs.
// Nothing else is changed by a drain, so nothing else is left behind: a
// remove drain's exclusion is the record itself (ExcludedNodes counts it).
// Stateless; thread-safe.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "index/util/status.h"
#include "replication/cluster_state.h"
#include "replication/shard_id.h"

namespace holdfast {

inline constexpr char kMaxConcurrentDisruptionsSetting[] = "cluster.lifecycle.max_concurrent_disruptions";
inline constexpr int kDefaultMaxConcurrentDisruptions = 1;
inline constexpr char kDrainRestart[] = "restart";
inline constexpr char kDrainRemove[] = "remove";
// A record a reconcile created for an orchestrator: its incarnation is the
// token ("token:<uuid>"), not a process of the node.
inline constexpr char kTokenPrefix[] = "token:";
inline constexpr int64_t kTokenTtlMs = 5 * 60 * 1000;

// The slot count the cluster settings give (default 1; a bad value counts as 1).
int MaxConcurrentDisruptions(const ClusterStateSnapshot& state);

// The node's drain record, or null.
const NodeDrain* DrainOf(const ClusterStateSnapshot& state, const std::string& node_id);

// Whether `node_id` is being drained now: its record holds a slot and the
// process that asked still runs (no new shard requests go there, and its
// copies do not count as the ones that keep a shard available).
bool IsDraining(const ClusterStateSnapshot& state, const std::string& node_id);

// Nodes whose remove drain holds a slot: their copies move to other nodes.
std::set<std::string> NodesBeingRemoved(const ClusterStateSnapshot& state);

// A drain is asked for (or asked again) by the process `incarnation` of
// member `node_id`: kInvalidArgument for another type than restart/remove
// or a node that is not a member. The same request again changes nothing
// (false); a new type or process replaces the record's, keeping its place
// in the queue and its slot.
Result<bool> ApplyDrainRequest(ClusterStateSnapshot* state, const std::string& node_id, const std::string& type,
                               const std::string& incarnation, int64_t now_ms);

// DELETE /_lifecycle/drain: the record goes (false when there is none).
bool ApplyDrainCancel(ClusterStateSnapshot* state, const std::string& node_id);

// Process `incarnation` of `node_id` started: a record of an earlier process
// of that node now waits for it to be in sync (false: nothing to change).
bool ApplyDrainReturn(ClusterStateSnapshot* state, const std::string& node_id, const std::string& incarnation);

// The master's pass over the records after any change of members, routing
// or time: ends the records that are over (above), notes nodes that went
// away, and gives free slots to the oldest queued drains. True when it
// changed `state`.
bool AdvanceDrains(ClusterStateSnapshot* state, int64_t now_ms);

// A reconcile (POST /_lifecycle/reconcile) by orchestrator `id` at `epoch`:
// refused (kFailedPrecondition) when a newer epoch of `id` was seen; else
// the epoch is kept and each grant — a node the orchestrator may stop now
// (`type` restart or remove), with the token it will be given — takes a
// disruption slot if one is free: a record with incarnation `token`. A
// grant that gets no slot leaves nothing behind (it is not queued); a node
// that has a drain record of its own keeps it. True when `state` changed.
struct DisruptionGrant {
  std::string node_id;
  std::string type;
  std::string token;  // kTokenPrefix + uuid
};
Result<bool> ApplyReconcile(ClusterStateSnapshot* state, const std::string& orchestrator_id, int64_t epoch,
                            const std::vector<DisruptionGrant>& grants, int64_t now_ms);

// The primary of `shard` at `primary_term` (allocation `from`) hands over
// to the copy `to`: that copy must be started, in sync and on a member. The
// two swap roles, the old primary staying an in-sync replica (it holds
// every acknowledged write: its node stopped writes before asking), and the
// primary term goes up by one. kFenced when the term moved on; false when
// `to` is the primary already (a retry); kInvalidArgument with the reason
// when the handoff is not possible.
Result<bool> ApplyPrimaryHandoff(ClusterStateSnapshot* state, const ShardId& shard, const std::string& from,
                                 const std::string& to, int64_t primary_term);

}  // namespace holdfast
