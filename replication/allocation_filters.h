// Allocation filtering (Elasticsearch's cluster.routing.allocation.include,
// .exclude and .require): which nodes may hold copies, by name, id, host or
// any node attribute (--node-attr):
//
//   cluster.routing.allocation.exclude.zone: b          nothing on zone b's nodes
//   cluster.routing.allocation.require.zone: a          only on zone a's nodes
//   cluster.routing.allocation.include._name: n1,n2     on n1 or n2 (any include matching)
//
// Values are comma lists; `*` matches any run of characters (`n*`, `10.0.*`).
// Attributes: `_name`, `_id`, `_host` and `_ip` (the host a node publishes)
// and the node's own attributes. A node that lacks an attribute a require or
// include names does not match it. Copies already on a node the filters rule
// out are moved off it (replication/allocation.h, as with an exclusion).
//
// The same filters per index (index.routing.allocation.<op>.<attribute>,
// IndexSettings::allocation_filters) apply to that index's copies only, on
// top of the cluster's. Pure, stateless.
#pragma once

#include <map>
#include <string>

#include "replication/cluster_state.h"

namespace holdfast {

// True for cluster.routing.allocation.{include,exclude,require}.<attribute>,
// the attribute being _name, _id, _host, _ip or a node attribute name.
bool IsAllocationFilterSetting(const std::string& key);

inline constexpr char kIndexAllocationPrefix[] = "index.routing.allocation.";

// True for index.routing.allocation.{include,exclude,require}.<attribute>;
// `*name` is then "<op>.<attribute>" (the IndexSettings::allocation_filters key).
bool IndexAllocationFilterName(const std::string& key, std::string* name);

// The members the cluster's filters rule out, by node id, each with why (one
// sentence naming the setting).
std::map<std::string, std::string> FilteredOutNodes(const ClusterStateSnapshot& state);

// The members that `filters` ("<op>.<attribute>" → comma list; keys that
// name no filter are ignored) rule out; `prefix` + key names the setting in
// the reasons (kIndexAllocationPrefix for an index's).
std::map<std::string, std::string> FilteredOutNodes(const ClusterStateSnapshot& state,
                                                    const std::map<std::string, std::string>& filters,
                                                    const std::string& prefix);

}  // namespace holdfast
