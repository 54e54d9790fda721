// NodeDrainer: this node's side of a drain (POST/GET/DELETE
// /_lifecycle/drain, and SIGTERM; DESIGN.md §7).
//
//   restart: every primary here is handed to an in-sync replica on a node
//     that is not draining — a real handoff: new writes of the shard wait
//     here (ShardCopy::BeginHandoff), those in flight finish, the master
//     swaps the two copies' roles (term + 1), and the waiting writes are
//     refused as "not applied" so the coordinator sends them to the new
//     primary: none fails. Coordinators stop choosing this node for shard
//     searches (ShardRouter skips draining nodes); shard requests in flight
//     finish; every copy is flushed. The copies and their place stay: no
//     re-replication while the node restarts within the node_left delay.
//     Done (`complete`) = no primary here, no shard request in flight,
//     flushed.
//   remove: the master moves every copy off this node (the drain record
//     excludes it), then as restart. Done = no copy here.
//
// In a cluster the drain is a record in the cluster state that holds a
// disruption slot (replication/drain_records.h): until it has one the
// drain is `queued` and changes nothing — unless forced (SIGTERM: the
// process stops anyway, so its primaries are handed off at once). A drain
// that cannot progress says `stalled` and why, never `complete`. On the
// embedded one-node cluster there is no replica to hand a primary to: such
// a drain is stalled on `no_in_sync_replica` for every primary.
//
// Readiness turns 503 (phase draining) while a drain runs, and 200 again
// when it is cancelled. The work runs on the drainer's own thread.
// Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "index/util/status.h"
#include "lifecycle/readiness.h"
#include "replication/cluster_state.h"

namespace holdfast {

class EtcdClusterState;
class ShardRegistry;

struct NodeDrainerOptions {
  std::string node_id;
  ClusterState* state = nullptr;       // the cluster state the node follows
  EtcdClusterState* cluster = nullptr; // null on the embedded one-node cluster
  ShardRegistry* registry = nullptr;
  Readiness* readiness = nullptr;
  // Shard requests from other nodes being answered here.
  std::function<int()> shard_requests_in_flight;
  std::chrono::milliseconds poll{100};
};

struct DrainBlocker {
  std::string reason;  // no_in_sync_replica | handoff_failed | writes_in_flight | no_node_for_copy | ...
  std::string index;
  int64_t shard = -1;
  std::string detail;
};

struct DrainProgress {
  std::string state = "none";  // none | queued | in_progress | complete | stalled
  std::string type;            // restart | remove
  bool forced = false;         // SIGTERM: runs without a disruption slot
  int64_t started_at_ms = 0;   // when it was asked for
  int64_t state_since_ms = 0;  // when `state` was entered
  uint64_t primaries_left = 0;
  uint64_t copies_left = 0;
  int shard_requests_in_flight = 0;
  uint64_t primaries_handed_off = 0;
  bool flushed = false;
  std::vector<DrainBlocker> blockers;  // stalled (and queued): why
};

class NodeDrainer {
 public:
  explicit NodeDrainer(NodeDrainerOptions options);
  ~NodeDrainer();
  NodeDrainer(const NodeDrainer&) = delete;
  NodeDrainer& operator=(const NodeDrainer&) = delete;

  // Starts a drain of `type` (or changes the running one's type):
  // kInvalidArgument for another type than restart/remove; in a cluster,
  // the master's answer (kUnavailable: outcome unknown, ask again).
  Status Start(const std::string& type, bool forced = false);
  // Cancels it: writes and searches come back, readiness too; the record
  // goes. OK when there is none.
  Status Cancel();
  DrainProgress Progress() const;
  // Waits until the drain is complete (true) or `deadline` passes.
  bool WaitComplete(std::chrono::steady_clock::time_point deadline) const;
  // Waits until every primary here that has a replica to go to was handed
  // over (those without one stay), or `deadline` passes.
  bool WaitHandoffsSettled(std::chrono::steady_clock::time_point deadline) const;

  // This process's identity in drain records (a restarted node is another).
  const std::string& incarnation() const { return incarnation_; }

 private:
  void Loop();
  // One pass: reads the state, hands primaries off, measures what is left.
  void Step();
  void SetState(const std::string& state);  // under mu_
  // Hands the primary `from` of `shard` to `to`: true once the master
  // swapped them, false when there is nothing to hand over here (yet).
  Result<bool> HandOff(const ShardId& id, const ShardRouting& shard, const ShardCopyRouting& from,
                       const ShardCopyRouting& to);
  // A pause HandOff kept (held_) ends: writes go on here if it is still the primary.
  void LetGo(const ShardId& id);
  void LetGoAll();

  const NodeDrainerOptions options_;
  const std::string incarnation_;
  const int64_t started_at_ms_;  // wall clock: records asked for before it are an earlier process's
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  bool active_ = false;         // under mu_
  bool stop_ = false;           // under mu_
  bool returned_told_ = false;  // under mu_: the master heard this process started
  DrainProgress progress_;      // under mu_
  std::map<ShardId, int64_t> retry_at_;  // under mu_: shard → when a failed handoff is tried again
  // Under mu_: primaries here whose writes stay paused after a handoff of
  // unknown outcome (HandOff), until retried, demoted, or let go (Step).
  std::set<ShardId> held_;
  std::thread thread_;
};

}  // namespace holdfast
