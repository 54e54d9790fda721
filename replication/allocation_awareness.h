// Allocation awareness (Elasticsearch's cluster.routing.allocation.awareness.*):
// the copies of one shard spread over the values of node attributes — zones,
// racks, hosts — so that losing every node of one value leaves a copy of
// each shard.
//
//   cluster.routing.allocation.awareness.attributes: zone,rack
//   cluster.routing.allocation.awareness.force.zone.values: a,b
//
// For each attribute named, a node that lacks it takes no copies, and no value
// may hold more than ceil(copies of the shard / values) copies of one shard,
// counting the values of the members' attributes and the forced ones. Forced
// values hold their share even while no member has them: with zone b gone,
// zone a does not take b's copies (they stay unassigned) — one zone's nodes are
// not loaded with the whole cluster's copies. A copy being moved counts at its
// target, not its source. Used by replication/allocation.cc; pure, stateless.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "replication/cluster_state.h"

namespace holdfast {

inline constexpr char kAwarenessAttributesSetting[] = "cluster.routing.allocation.awareness.attributes";

// True for "cluster.routing.allocation.awareness.force.<attribute>.values".
bool IsForcedAwarenessSetting(const std::string& key);

// A node attribute's name as --node-attr and node.attr.<name> take it: letters,
// digits, '_' and '-', not starting with '_' (dotted names are the node's own:
// disk.*, volume.*; _name, _id, _host, _ip are built into the filters).
bool IsNodeAttributeName(const std::string& name);

class AllocationAwareness {
 public:
  // The awareness settings of `state` and the attribute values of its members.
  static AllocationAwareness Of(const ClusterStateSnapshot& state);

  bool enabled() const { return !attributes_.empty(); }

  // Why `node` may not take a copy of `shard` ("" when it may). `shard` null:
  // any shard (only the attributes' presence is checked). `leaving`: the node
  // a copy of `shard` moves away from (not counted), "" for a new copy. A
  // started copy on `node` may stay there when Refusal(state, shard, node,
  // node) is "".
  std::string Refusal(const ClusterStateSnapshot& state, const ShardRouting* shard, const std::string& node,
                      const std::string& leaving) const;

 private:
  std::vector<std::string> attributes_;
  std::map<std::string, std::set<std::string>> values_;  // attribute → members' values and the forced ones
};

}  // namespace holdfast
