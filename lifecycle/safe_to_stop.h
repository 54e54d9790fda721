// Whether stopping this node's process now is safe (GET
// /_lifecycle/safe-to-stop, DESIGN.md §7): judged from the cluster state
// this node holds, shard by shard, with machine-readable reasons.
//
//   require kAvailability (the default): no acknowledged data is lost and
//     nothing becomes unavailable — every copy here has another started
//     in-sync copy on another member (else `sole_in_sync_copy`), no primary
//     is here (`primary_here`: its writes would wait for a promotion), and
//     no copy recovers from one here (`recovery_source`);
//   require kData: only no acknowledged data is lost. Every acknowledged
//     write is durable on this node's volume and on every in-sync copy, so
//     a stop loses none; availability reasons do not count (a cluster with
//     0 replicas restarts this way).
//
// Either way, a node that cannot trust its view — cluster mode with etcd
// unreachable — is never safe: `cluster_state_unknown`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "replication/cluster_state.h"

namespace holdfast {

enum class StopRequirement { kAvailability, kData };

struct StopReason {
  std::string reason;      // sole_in_sync_copy | primary_here | recovery_source | cluster_state_unknown
  std::string index;       // empty for node-wide reasons
  std::string index_uuid;  // empty for node-wide reasons
  int64_t shard = -1;      // -1 for node-wide reasons
  std::string detail;      // for people
};

struct SafeToStopReport {
  bool safe = false;
  std::vector<StopReason> reasons;  // empty when safe
  uint64_t copies_here = 0;         // shard copies this node holds
};

// `state_known`: false when this node's view may be stale (etcd unreachable).
SafeToStopReport JudgeSafeToStop(const ClusterStateSnapshot& state, const std::string& self_node_id,
                                 StopRequirement require, bool state_known);

}  // namespace holdfast
