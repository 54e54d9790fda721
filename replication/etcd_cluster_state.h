// EtcdClusterState: the ClusterState of a cluster whose shared truth lives
// in etcd (DESIGN.md §6) — the implementation every node of a multi-node
// cluster runs. It puts together:
//
//   EtcdMembership      this node's member key on its lease (etcd_membership.h)
//   EtcdMasterElection  one elected master (etcd_master.h)
//   EtcdStateFollower   the state every node reads and watches (etcd_state_follower.h)
//   EtcdStateStore      the master's guarded writes (etcd_state_store.h)
//   allocation.h        where the master puts copies
//
// Reads: Current() is the follower's newest snapshot; its `version` is the
// etcd revision it was read at (so every change of members, master or
// state makes a larger version). Nodes converge to it (ShardRegistry,
// ClusterIndices watch it).
//
// Changes (CreateIndex, DeleteIndex, PutMapping, UpdateShardCopy, cluster
// settings, moves) are made by the master only: on the master they run as
// a guarded etcd transaction (re-read and retried when the state moved
// on); on any other node they are sent to the master's internal Cluster
// service (proto/holdfast/v1/cluster.proto), retried while there is no
// master or it changes. Either way the call returns once this node's own
// view holds the change — or kUnavailable ("outcome unknown") at the
// deadline. With etcd unreachable, no change happens; reads keep the last
// snapshot, so the node keeps serving what it holds.
//
// The master also reallocates (allocation.h Reallocate) after every change
// of members or settings and when a node_left delay expires.
//
// Shard copy reports that cannot be delivered (no master, etcd away) are
// kept and sent again until the master takes them or they are stale.
// Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "replication/allocation.h"
#include "replication/drain_records.h"
#include "replication/cluster_state.h"
#include "replication/cluster_state_watchers.h"
#include "replication/etcd_client.h"
#include "replication/etcd_master.h"
#include "replication/etcd_membership.h"
#include "replication/etcd_state_follower.h"
#include "replication/etcd_state_store.h"

namespace holdfast::v1 {
class RerouteRequest;
class RerouteResponse;
}  // namespace holdfast::v1

namespace holdfast {

class ClusterForwarder;  // the Cluster service client (etcd_cluster_state.cc)

struct EtcdClusterOptions {
  std::string cluster_name;
  std::string cluster_uuid;
  ClusterMember self;                  // node id, name, addresses
  std::chrono::seconds lease_ttl{10};  // --cluster-lease-ttl
  // How long a change may take, forwarding and waiting included.
  std::chrono::milliseconds change_timeout{30000};
  // Hears this node becoming master (true) or stepping down (false), for the log.
  std::function<void(bool is_master)> on_master_change;
  // Disk use of the nodes etc. for allocation (null: none known).
  std::function<AllocationInput()> allocation_input;
};

class EtcdClusterState : public ClusterState {
 public:
  // Joins (membership, then the election), reads the state and starts
  // following it. kAlreadyExists: a live node of another id holds the name;
  // kUnavailable: etcd did not answer.
  static Result<std::unique_ptr<EtcdClusterState>> Start(EtcdClient* etcd, EtcdClusterOptions options);
  ~EtcdClusterState() override;

  // The cluster uuid in etcd: the one stored, or `proposed` stored now when
  // none is (the first node of a cluster). kUnavailable when etcd does not answer.
  static Result<std::string> ClusterUuid(EtcdClient* etcd, const std::string& cluster_name, const std::string& proposed);

  ClusterStatePtr Current() const override;
  Result<ClusterStatePtr> CreateIndex(IndexMetadata metadata) override;
  Status DeleteIndex(std::string_view name) override;
  Status UpdateAliases(const std::vector<AliasAction>& actions) override;
  Status UpdateIndexSettings(const std::vector<std::string>& index_uuids, const IndexSettingsUpdate& update) override;
  Status PutTemplates(TemplateKind kind, const TemplateChanges& changes) override;
  Result<std::shared_ptr<const mapping::Mapping>> PutMapping(std::string_view index_uuid,
                                                             const mapping::MappingUpdate& update) override;
  Status UpdateShardCopy(const ShardId& shard, std::string_view allocation_id, ShardCopyState state,
                         std::string_view failure) override;
  Status FailReplica(const ShardId& shard, std::string_view allocation_id, int64_t primary_term,
                     std::string_view reason) override;
  std::unique_ptr<ClusterStateWatch> Watch(Watcher watcher) override;

  // Sets (value) or removes (nullopt) persistent cluster settings.
  Status PutSettings(const std::map<std::string, std::optional<std::string>>& settings);
  // Moves the copy of `index`/`shard` on node `from` to node `to` (ids or names).
  Status MoveShard(const std::string& index, uint32_t shard, const std::string& from, const std::string& to);
  // POST /_cluster/reroute: the commands applied by the master in one
  // change (ApplyReroute), then the allocation pass; returns once this
  // node's view holds the result. dry_run: nothing is written, and
  // `routing` holds the routing of every index the commands would change.
  struct RerouteRequest {
    std::vector<RerouteCommand> commands;
    bool dry_run = false;
    bool explain = false;
    bool retry_failed = false;
  };
  struct RerouteResult {
    std::vector<RerouteDecision> decisions;  // one per command
    std::map<std::string, IndexRouting> routing;  // dry_run: by index uuid
  };
  Result<RerouteResult> Reroute(const RerouteRequest& request);
  static RerouteRequest RerouteRequestFromProto(const holdfast::v1::RerouteRequest& message);
  static RerouteResult RerouteResultFromProto(const holdfast::v1::RerouteResponse& message);
  static void RerouteResultToProto(const RerouteResult& result, holdfast::v1::RerouteResponse* message);
  // A node's drain record (replication/drain_records.h): `op` "request"
  // (with `type`), "cancel" or "returned", for the process `incarnation`.
  struct DrainChange {
    std::string node_id;
    std::string op;
    std::string type;
    std::string incarnation;
  };
  Status ChangeDrain(const DrainChange& change);
  // The primary of `shard` at `primary_term` (allocation `from`) hands its
  // role to the in-sync copy `to` (ApplyPrimaryHandoff). Returns once this
  // node's view holds the change.
  Status HandOffPrimary(const ShardId& shard, const std::string& from, const std::string& to, int64_t primary_term);
  // An orchestrator's reconcile (ApplyReconcile): kFailedPrecondition for a
  // stale epoch. Returns once this node's view holds the result.
  Status Reconcile(const std::string& orchestrator_id, int64_t epoch, const std::vector<DisruptionGrant>& grants);

  // The master's side of the Cluster service: applies one change here
  // (kUnavailable "not the master" on another node). Return the etcd
  // revision that holds the change.
  Result<int64_t> MasterCreateIndex(IndexMetadata metadata);
  Result<int64_t> MasterDeleteIndex(const std::string& name);
  Result<int64_t> MasterUpdateAliases(const std::vector<AliasAction>& actions);
  Result<int64_t> MasterUpdateIndexSettings(const std::vector<std::string>& index_uuids,
                                            const IndexSettingsUpdate& update);
  Result<int64_t> MasterPutMapping(const std::string& index_uuid, const mapping::MappingUpdate& update,
                                   std::shared_ptr<const mapping::Mapping>* merged);
  Result<int64_t> MasterUpdateShardCopy(const ShardId& shard, const std::string& allocation_id, ShardCopyState state,
                                        const std::string& failure);
  Result<int64_t> MasterFailReplica(const ShardId& shard, const std::string& allocation_id, int64_t primary_term,
                                    const std::string& reason);
  Result<int64_t> MasterPutTemplates(TemplateKind kind, const TemplateChanges& changes);
  Result<int64_t> MasterPutSettings(const std::map<std::string, std::optional<std::string>>& settings);
  Result<int64_t> MasterMoveShard(const std::string& index, uint32_t shard, const std::string& from,
                                  const std::string& to);
  Result<int64_t> MasterReroute(const RerouteRequest& request, RerouteResult* out);
  Result<int64_t> MasterChangeDrain(const DrainChange& change);
  Result<int64_t> MasterHandOffPrimary(const ShardId& shard, const std::string& from, const std::string& to,
                                       int64_t primary_term);
  Result<int64_t> MasterReconcile(const std::string& orchestrator_id, int64_t epoch,
                                  const std::vector<DisruptionGrant>& grants);

  // Publishes this node's attributes (disk use) in its member key.
  Status SetNodeAttributes(std::map<std::string, std::string> attributes);

  bool is_master() const;
  // False while etcd does not answer (the state may be stale: unknown).
  bool etcd_reachable() const;
  const std::string& node_id() const { return options_.self.node_id; }
  AllocationInput allocation_input() const;

  // A clean stop: hands the master role over and leaves the member list at
  // once (instead of after the lease TTL).
  void Leave();

 private:
  using Edit = std::function<Result<bool>(ClusterStateSnapshot* next)>;

  EtcdClusterState(EtcdClient* etcd, EtcdClusterOptions options);
  // On the master: reads the state at one revision, applies `edit`,
  // commits the difference guarded by the state's revision and the master's
  // key; retried on a conflict. Returns the revision holding the result.
  Result<int64_t> MasterChange(const Edit& edit);
  // Runs `on_master` here when master, else `forward` to the master; retried
  // while there is no master, then waits for this node's view to reach the
  // revision. `forward` gets the master's gRPC address. `moot` (optional)
  // is asked before every retry: an error it returns ends the wait (this
  // node's view already shows the change cannot matter any more).
  Result<ClusterStatePtr> Change(const std::function<Result<int64_t>()>& on_master,
                                 const std::function<Result<int64_t>(const std::string& address)>& forward,
                                 const std::function<Status()>& moot = nullptr);
  // Waits until Current() was read at `revision` or later.
  Result<ClusterStatePtr> WaitForRevision(int64_t revision, std::chrono::steady_clock::time_point deadline);
  void OnState(const ClusterStatePtr& state);
  void Loop();  // reallocation on the master; resends of copy reports

  EtcdClient* const etcd_;
  const EtcdClusterOptions options_;
  std::unique_ptr<ClusterForwarder> forwarder_;
  std::unique_ptr<EtcdMembership> membership_;
  std::unique_ptr<EtcdMasterElection> election_;
  std::unique_ptr<EtcdStateStore> store_;  // the master's writes
  std::unique_ptr<EtcdStateFollower> follower_;
  const std::shared_ptr<ClusterStateWatchers> watchers_;
  std::mutex master_mu_;  // one master change at a time

  mutable std::mutex mu_;
  std::condition_variable cv_;
  ClusterStatePtr current_;  // under mu_
  struct PendingReport {
    ShardId shard;
    ShardCopyState state;
    std::string failure;
  };
  std::map<std::string, PendingReport> pending_reports_;  // by allocation id, under mu_
  bool wake_ = false;   // under mu_: members, settings or mastership changed
  bool stop_ = false;   // under mu_
  std::thread thread_;
};

}  // namespace holdfast
