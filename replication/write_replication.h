// WriteReplicator: the primary's side of write replication (DESIGN.md §6,
// docs/replication.md).
//
// After a write is durable on the primary, its ops go to every other
// assigned copy of the shard (in-sync replicas and copies being recovered)
// in one Replicate call per copy, all at once; the answer waits for the
// in-sync ones. An in-sync copy that does not take the ops within the
// deadline (or refuses them) leaves the in-sync set through the master
// (ClusterState::FailReplica, an etcd transaction) before the write is
// acknowledged. When the master answers that the shard's primary term moved
// on, this copy is no longer the primary: nothing is acknowledged and the
// write answers kFenced, which the coordinator retries on the new primary.
// When the master cannot be reached, the write answers kUnavailable: not
// acknowledged, and the client cannot know whether it stays (unknown).
//
// The primary's global checkpoint — the lowest local checkpoint of its
// in-sync copies — advances with the replicas' answers and goes to them with
// the next ops.
//
// Resync: a copy promoted to primary sends every op it holds above the
// global checkpoint to the other in-sync copies; one whose history there
// differs (ops of the old primary that never reached this copy) answers
// `diverged` and leaves the in-sync set, to be recovered again.
// Thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <unordered_map>
#include <utility>
#include <string>
#include <vector>

#include "holdfast/v1/shard.pb.h"
#include "replication/cluster_state.h"
#include "replication/shard_client.h"
#include "replication/shard_copy.h"

namespace holdfast {

struct WriteReplicatorOptions {
  ClusterState* cluster = nullptr;  // null: no replicas (a test's service)
  std::string node_id;              // this node
  // Another node's Shard service by node id (null when not reachable).
  std::function<ShardClient*(const std::string& node_id)> peer;
  // How long a replica may take to answer (then it is failed).
  std::chrono::milliseconds timeout{10'000};
};

// The retention lease a primary holds for the copy on a node (so that
// history stays for it across a restart of that node, whatever allocation
// id the copy gets when it comes back).
std::string PeerRetentionLeaseId(const std::string& node_id);

class WriteReplicator {
 public:
  explicit WriteReplicator(WriteReplicatorOptions options) : options_(std::move(options)) {}

  // `seq_nos`: the ops this write put in `primary`'s op log (any order;
  // empty: nothing to send, the copies are only counted). Fills `info`.
  Status Replicate(ShardCopy& primary, const std::vector<int64_t>& seq_nos, pb::ReplicationInfo* info) const;

  // After `primary` was promoted: the resync described above. Returns once
  // every other in-sync copy answered or was failed.
  Status Resync(ShardCopy& primary) const;

  // Sends `primary`'s global checkpoint to its in-sync copies when it moved
  // since the last time (a replica otherwise learns it with the next ops):
  // on a quiet shard every copy then shows the same checkpoints.
  void SyncGlobalCheckpoint(ShardCopy& primary) const;

  // A copy finished its recovery from `primary` (its allocation id): the
  // primary keeps its ops from `retained_from` for the copy's node, so that
  // it can come back with ops alone should it go away.
  void RetainForCopy(ShardCopy& primary, const std::string& allocation_id, int64_t retained_from) const;

  // `primary` was just promoted: it keeps every op it holds for each other
  // copy of the shard (the old primary's among them; an unassigned copy's
  // last node), whose leases were the old primary's. A copy whose node
  // restarts then comes back with ops alone, even after this primary
  // flushed meanwhile; its next answer sets its own retained seq_no.
  void RetainForOtherCopies(ShardCopy& primary) const;

  bool enabled() const { return options_.cluster != nullptr; }

 private:
  struct Target {
    std::string node_id;
    std::string allocation_id;
    bool in_sync = false;
  };
  // The copies to send to; kFenced when the routing table no longer names
  // `primary` as the shard's primary.
  Status Targets(const ShardCopy& primary, std::vector<Target>* targets, uint32_t* total) const;
  // Sends `request` (its allocation_id set per target) to every target at
  // once; the answers, or the errors, by target.
  void Send(const std::vector<Target>& targets, const pb::ReplicateRequest& request,
            std::vector<pb::ReplicateResponse>* answers, std::vector<Status>* statuses) const;
  // Keeps `primary`'s ops from `retained_from` on for the copy on
  // `node_id` (a retention lease, PeerRetentionLeaseId).
  void RetainFor(ShardCopy& primary, const std::string& node_id, int64_t retained_from) const;
  // An in-sync copy did not take the ops: out of the in-sync set first.
  Status FailCopy(ShardCopy& primary, const Target& target, const std::string& why) const;
  void AdvanceGlobalCheckpoint(ShardCopy& primary, const std::vector<Target>& targets) const;

  const WriteReplicatorOptions options_;
  // RetainFor's last renewal per shard and lease: (seq_no, when).
  mutable std::mutex leases_mu_;
  mutable std::unordered_map<std::string, std::pair<int64_t, std::chrono::steady_clock::time_point>> renewed_;
};

}  // namespace holdfast
