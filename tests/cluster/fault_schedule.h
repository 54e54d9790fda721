// A seeded schedule of faults for a ChaosCluster (tests/cluster/
// chaos_cluster.h) and the runner that makes, holds and heals each one.
//
// One round holds every kind of fault once, in a seeded order, with seeded
// durations and seeded choices of node: the same seed gives the same
// schedule. Each fault is followed by its heal and a bounded wait until the
// cluster is whole and green again (one failure at a time: the guarantee
// under test is "no acknowledged write is lost after any single failure"),
// then by a short quiet spell of writes without a fault.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "tests/cluster/chaos_cluster.h"

namespace holdfast::testing {

enum class FaultKind {
  kKillPrimaryNode,   // SIGKILL a node holding a primary; restart it on its volume
  kKillReplicaNode,   // the same for a node holding a replica (only with replicas)
  kPausePrimaryNode,  // SIGSTOP a primary's node for longer than the lease TTL; SIGCONT
  kIsolateNode,       // drop every packet of one node (to the others, etcd, clients)
  kCutNodeFromEtcd,   // drop one node's packets to and from etcd only
  kRestartEtcd,       // stop etcd, start it again on its data
};
const char* FaultKindName(FaultKind kind);

struct FaultStep {
  FaultKind kind;
  uint32_t pick;                    // which candidate node: pick % their number
  std::chrono::milliseconds hold;   // how long the fault lasts
  std::chrono::milliseconds quiet;  // writes without a fault after the cluster is green again
};

// One round: every kind once (kKillReplicaNode only when `replicas` > 0).
std::vector<FaultStep> PlanRound(std::mt19937_64& rng, size_t replicas, int lease_ttl_seconds);

class FaultRunner {
 public:
  // `recovery_timeout` bounds the wait for green after each heal.
  FaultRunner(ChaosCluster* cluster, std::string index, std::chrono::milliseconds recovery_timeout);

  // Makes the fault, holds it, heals it, waits until the cluster is whole and
  // green, then holds the quiet spell. Prints one line per step. "" or what
  // went wrong (a bound that passed, a node that would not start).
  std::string Run(const FaultStep& step);
  size_t faults_run() const { return faults_run_; }

 private:
  // A node holding a started copy of the given role, chosen by `pick`
  // among those that do; any node when none does.
  size_t NodeHolding(bool primary, uint32_t pick);
  void Say(const std::string& line) const;
  // Holds a fault on node `faulted` for `hold` (the schedule's deliberate
  // duration), watching meanwhile how another node sees the cluster;
  // returns what it saw ("n2 saw: green, 3 nodes -> red, 2 nodes").
  std::string Hold(size_t faulted, std::chrono::milliseconds hold);

  ChaosCluster* cluster_;
  std::string index_;
  std::chrono::milliseconds recovery_timeout_;
  std::chrono::steady_clock::time_point started_;
  size_t faults_run_ = 0;
};

}  // namespace holdfast::testing
