// LocalClusterState: the cluster state of a one-node cluster (the embedded
// default, DESIGN.md §6), kept in the node's MetadataStore with the layout of
// stored_cluster_state.h.
//
// Allocation on one node: every primary on this node, every replica
// kUnassigned (never two copies of a shard on one node).
//
// Durability: every change is written to the store in one Commit before it
// is published; when the write fails, the published state stays as it was
// and the error is returned. A change that changes nothing (a stale copy
// report, a mapping update already merged) writes nothing and makes no
// version. One exception, for a full disk (kNoSpace): a copy's state
// change (UpdateShardCopy) is still published — copy states are this node's
// own report, rebuilt at every open — so that copies recovered on a full
// volume come up started (searchable) rather than stuck initializing; the
// next successful change stores them.
//
// Opening: the copies on this node that were initializing, started or
// relocating come back kInitializing with their allocation ids and primary
// terms (the node reopens them and reports them started), and so do failed
// copies (a restart is their retry); closed copies keep their state. A store
// written before the cluster state existed (the "indices" key earlier
// versions wrote) is imported once: every
// legacy index with its primaries on this node, then the key is deleted; the
// legacy INDEX files are left in place.
//
// Thread-safe. Watchers are called on a delivery thread of this object's
// (cluster_state_watchers.h), never on the thread that made the change, so a
// caller may hold its own locks while changing the state; destroying this
// object ends deliveries. The store must outlive this object.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "replication/cluster_state.h"
#include "replication/cluster_state_watchers.h"
#include "replication/metadata_store.h"
#include "replication/stored_cluster_state.h"

namespace holdfast {

class LocalClusterState : public ClusterState {
 public:
  // `legacy_indices_dir` is where the pre-cluster-state layout kept its
  // INDEX files (<data-dir>/indices), read only for the import.
  static Result<std::unique_ptr<LocalClusterState>> Open(MetadataStore* store, ClusterNode local_node,
                                                         std::string cluster_uuid, std::string cluster_name,
                                                         std::string legacy_indices_dir);
  ~LocalClusterState() override;

  ClusterStatePtr Current() const override;
  Result<ClusterStatePtr> CreateIndex(IndexMetadata metadata) override;
  Status DeleteIndex(std::string_view name) override;
  Status UpdateAliases(const std::vector<AliasAction>& actions) override;
  Status UpdateIndexSettings(const std::vector<std::string>& index_uuids, const IndexSettingsUpdate& update) override;
  Status PutTemplates(TemplateKind kind, const TemplateChanges& changes) override;
  Result<std::shared_ptr<const mapping::Mapping>> PutMapping(std::string_view index_uuid,
                                                             const mapping::MappingUpdate& update) override;
  // Accepts kInitializing, kStarted, kFailed and kClosed (InvalidArgument for
  // kUnassigned and kRelocating, which are allocation decisions, not reports).
  Status FailReplica(const ShardId& shard, std::string_view allocation_id, int64_t primary_term,
                     std::string_view reason) override;
  Status UpdateShardCopy(const ShardId& shard, std::string_view allocation_id, ShardCopyState state,
                         std::string_view failure) override;
  std::unique_ptr<ClusterStateWatch> Watch(Watcher watcher) override;

 private:
  // Fills `next` (a copy of the current snapshot) and the writes that store
  // the difference; returns false when nothing changes.
  using Edit = std::function<Result<bool>(ClusterStateSnapshot* next, MetadataMutations* writes)>;

  LocalClusterState(MetadataStore* store, std::string node_id, ClusterStatePtr initial);
  // Applies `edit` as the next version: writes durably, publishes, queues it for the watchers.
  // Returns the published snapshot (the current one when nothing changed).
  // `publish_without_space`: a write refused for lack of space (kNoSpace)
  // still publishes (copy states only, see above).
  Result<ClusterStatePtr> Change(const Edit& edit, bool publish_without_space = false);

  MetadataStore* const store_;
  const std::string node_id_;  // this node: where every primary goes
  std::mutex change_mu_;  // serializes changes, store writes included
  mutable std::mutex mu_;  // guards current_; held only to swap or copy it
  ClusterStatePtr current_;
  const std::shared_ptr<ClusterStateWatchers> watchers_;
};

}  // namespace holdfast
