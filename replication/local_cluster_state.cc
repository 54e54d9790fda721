#include "replication/local_cluster_state.h"

#include "index/util/clock.h"

#include <algorithm>

#include "index/mapping/mapping_serializer.h"
#include "index/util/uuid.h"
#include "replication/allocation.h"

namespace holdfast {

namespace {

// Every primary on `node_id` (initializing, new allocation id, term 1, the
// only in-sync copy); every replica unassigned.
IndexRouting AllocateOnOneNode(const IndexMetadata& metadata, const std::string& node_id) {
  IndexRouting routing;
  for (uint32_t n = 0; n < metadata.settings.number_of_shards; ++n) {
    ShardRouting shard;
    shard.shard = n;
    shard.primary_term = 1;
    ShardCopyRouting primary;
    primary.node_id = node_id;
    primary.primary = true;
    primary.state = ShardCopyState::kInitializing;
    primary.allocation_id = NewUuid();
    shard.in_sync = {primary.allocation_id};
    shard.copies.push_back(std::move(primary));
    shard.copies.resize(1 + metadata.settings.number_of_replicas);  // unassigned replicas
    routing.shards.push_back(std::move(shard));
  }
  return routing;
}

void AddIndex(IndexMetadata metadata, IndexRouting routing, ClusterStateSnapshot* state) {
  const std::string uuid = metadata.uuid;
  state->routing[uuid] = std::move(routing);
  state->indices[uuid] = std::move(metadata);
}

// The copies this node held come back initializing: it reopens them. A copy
// that had failed gets another try (a restart is the retry: a full disk may
// have been freed, a transient I/O error gone).
void ReopenLocalCopies(const std::string& node_id, ClusterStateSnapshot* state) {
  for (auto& [uuid, index] : state->routing) {
    for (ShardRouting& shard : index.shards) {
      for (ShardCopyRouting& copy : shard.copies) {
        if (copy.node_id != node_id) continue;
        if (copy.state == ShardCopyState::kStarted || copy.state == ShardCopyState::kRelocating ||
            copy.state == ShardCopyState::kFailed) {
          copy.state = ShardCopyState::kInitializing;
          copy.failure.clear();
        }
      }
    }
  }
}

// Imports the legacy index list into `state` (version 1) and adds the writes
// that store it and delete the list, in that order.
Status ImportLegacyIndices(MetadataStore* store, const std::string& legacy_indices_dir, const std::string& node_id,
                           ClusterStateSnapshot* state, MetadataMutations* writes) {
  auto legacy = ReadLegacyIndexList(store);
  if (!legacy.ok()) return legacy.status();
  if (legacy->has_value()) {
    for (const auto& [name, uuid] : **legacy) {
      auto metadata = ReadLegacyIndex(legacy_indices_dir, name, uuid);
      if (!metadata.ok()) return metadata.status();
      IndexRouting routing = AllocateOnOneNode(metadata.value(), node_id);
      AppendIndexWrites(metadata.value(), routing, writes);
      AddIndex(std::move(metadata).value(), std::move(routing), state);
    }
    state->version = 1;
  }
  AppendVersionWrite(state->version, writes);
  if (legacy->has_value()) writes->push_back({kLegacyIndicesKey, std::nullopt});
  return Status::OK();
}

// Removes what a store without atomic commits may have left: routing without
// metadata, and the legacy list after an import that committed its state.
Status AppendLeftoverRemovals(MetadataStore* store, const StoredClusterState& stored, MetadataMutations* writes) {
  for (const std::string& key : stored.orphan_keys) writes->push_back({key, std::nullopt});
  auto legacy = store->Get(kLegacyIndicesKey);
  if (legacy.ok()) writes->push_back({kLegacyIndicesKey, std::nullopt});
  if (!legacy.ok() && legacy.status().code() != StatusCode::kNotFound) return legacy.status();
  return Status::OK();
}

}  // namespace

Result<std::unique_ptr<LocalClusterState>> LocalClusterState::Open(MetadataStore* store, ClusterNode local_node,
                                                                   std::string cluster_uuid, std::string cluster_name,
                                                                   std::string legacy_indices_dir) {
  auto state = std::make_shared<ClusterStateSnapshot>();
  state->cluster_uuid = std::move(cluster_uuid);
  state->cluster_name = std::move(cluster_name);
  state->master_node_id = local_node.node_id;
  const std::string node_id = local_node.node_id;
  state->nodes.emplace(node_id, std::move(local_node));

  auto stored = LoadClusterState(store);
  if (!stored.ok()) return stored.status();
  MetadataMutations writes;
  if (stored->has_value()) {
    StoredClusterState& s = **stored;
    HOLDFAST_RETURN_IF_ERROR(AppendLeftoverRemovals(store, s, &writes));
    AdoptStoredState(std::move(s), state.get());
  } else {
    // First open of this store: record version 0 (or 1, the imported legacy
    // indices) so that from now on the store always holds a state.
    HOLDFAST_RETURN_IF_ERROR(ImportLegacyIndices(store, legacy_indices_dir, node_id, state.get(), &writes));
  }
  if (!writes.empty()) {
    Status committed = store->Commit(writes);
    // On a full disk, leftovers of an interrupted change stay until a later
    // open can remove them; a first open must record its state.
    const bool leftovers_only = stored->has_value();
    if (!committed.ok() && !(leftovers_only && committed.code() == StatusCode::kNoSpace)) return committed;
  }
  ReopenLocalCopies(node_id, state.get());
  return std::unique_ptr<LocalClusterState>(new LocalClusterState(store, node_id, std::move(state)));
}

LocalClusterState::LocalClusterState(MetadataStore* store, std::string node_id, ClusterStatePtr initial)
    : store_(store),
      node_id_(std::move(node_id)),
      current_(std::move(initial)),
      watchers_(ClusterStateWatchers::Create()) {}

LocalClusterState::~LocalClusterState() { watchers_->Stop(); }

ClusterStatePtr LocalClusterState::Current() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_;
}

std::unique_ptr<ClusterStateWatch> LocalClusterState::Watch(Watcher watcher) {
  std::lock_guard<std::mutex> lock(mu_);  // no version is published between reading it and registering
  return watchers_->Add(std::move(watcher), current_->version);
}

Result<ClusterStatePtr> LocalClusterState::Change(const Edit& edit, bool publish_without_space) {
  std::lock_guard<std::mutex> change(change_mu_);
  ClusterStatePtr base = Current();
  auto next = std::make_shared<ClusterStateSnapshot>(*base);
  MetadataMutations writes;
  auto changed = edit(next.get(), &writes);
  if (!changed.ok()) return changed.status();
  if (!changed.value()) return base;
  next->version = base->version + 1;
  AppendVersionWrite(next->version, &writes);
  Status committed = store_->Commit(writes);
  if (!committed.ok() && !(publish_without_space && committed.code() == StatusCode::kNoSpace)) return committed;
  ClusterStatePtr published = std::move(next);
  std::lock_guard<std::mutex> lock(mu_);
  current_ = published;
  watchers_->Enqueue(published);  // under mu_: queued in version order, delivered by its thread
  return published;
}

Result<ClusterStatePtr> LocalClusterState::CreateIndex(IndexMetadata metadata) {
  HOLDFAST_RETURN_IF_ERROR(PrepareNewIndex(&metadata));
  return Change([&](ClusterStateSnapshot* next, MetadataMutations* writes) -> Result<bool> {
    auto is_new = CheckNewIndex(*next, metadata, /*retry_is_ok=*/false);
    if (!is_new.ok()) return is_new.status();
    IndexRouting routing = AllocateOnOneNode(metadata, node_id_);
    AppendIndexWrites(metadata, routing, writes);
    AddIndex(metadata, std::move(routing), next);
    return true;
  });
}

Status LocalClusterState::DeleteIndex(std::string_view name) {
  auto deleted = Change([&](ClusterStateSnapshot* next, MetadataMutations* writes) -> Result<bool> {
    auto uuid = RemoveIndex(next, name);
    if (!uuid.ok()) return uuid.status();
    AppendIndexRemoval(uuid.value(), writes);
    return true;
  });
  return deleted.status();
}

Result<std::shared_ptr<const mapping::Mapping>> LocalClusterState::PutMapping(std::string_view index_uuid,
                                                                              const mapping::MappingUpdate& update) {
  std::shared_ptr<const mapping::Mapping> result;
  auto changed = Change([&](ClusterStateSnapshot* next, MetadataMutations* writes) -> Result<bool> {
    auto merged = MergeIndexMapping(next, index_uuid, update, &result);
    if (!merged.ok() || !merged.value()) return merged;
    AppendMetadataWrite(next->indices.at(std::string(index_uuid)), writes);
    return true;
  });
  if (!changed.ok()) return changed.status();
  return result;
}

Status LocalClusterState::UpdateAliases(const std::vector<AliasAction>& actions) {
  auto changed = Change([&](ClusterStateSnapshot* next, MetadataMutations* writes) -> Result<bool> {
    const std::map<std::string, IndexMetadata> before = next->indices;
    HOLDFAST_RETURN_IF_ERROR(ApplyAliasActions(next, actions));
    bool any = false;
    for (const auto& [uuid, index] : before) {
      auto now = next->indices.find(uuid);
      if (now == next->indices.end()) {
        AppendIndexRemoval(uuid, writes);
        any = true;
      } else if (now->second.aliases != index.aliases) {
        AppendMetadataWrite(now->second, writes);
        any = true;
      }
    }
    return any;
  });
  return changed.status();
}

Status LocalClusterState::UpdateIndexSettings(const std::vector<std::string>& index_uuids,
                                              const IndexSettingsUpdate& update) {
  auto changed = Change([&](ClusterStateSnapshot* next, MetadataMutations* writes) -> Result<bool> {
    const ClusterStateSnapshot before = *next;
    HOLDFAST_RETURN_IF_ERROR(ApplyIndexSettings(next, index_uuids, update, WallClockMs()));
    bool any = false;
    for (const std::string& uuid : index_uuids) {
      if (EncodeIndexMetadata(before.indices.at(uuid)) != EncodeIndexMetadata(next->indices.at(uuid))) {
        AppendMetadataWrite(next->indices.at(uuid), writes);
        any = true;
      }
      auto was = before.routing.find(uuid);
      auto now = next->routing.find(uuid);
      if (now != next->routing.end() && (was == before.routing.end() || !(was->second == now->second))) {
        AppendRoutingWrite(uuid, now->second, writes);
        any = true;
      }
    }
    return any;
  });
  return changed.status();
}

Status LocalClusterState::PutTemplates(TemplateKind kind, const TemplateChanges& changes) {
  return Change([&](ClusterStateSnapshot* next, MetadataMutations* writes) -> Result<bool> {
    const std::map<std::string, std::string> before = TemplatesOf(next, kind);
    if (!ApplyTemplateChanges(next, kind, changes)) return false;
    AppendTemplateWrites(kind, before, TemplatesOf(next, kind), writes);
    return true;
  })
      .status();
}

Status LocalClusterState::FailReplica(const ShardId& shard, std::string_view allocation_id, int64_t primary_term,
                                      std::string_view reason) {
  auto changed = Change([&](ClusterStateSnapshot* next, MetadataMutations* writes) -> Result<bool> {
    auto applied = ApplyReplicaFailure(next, shard, std::string(allocation_id), primary_term, std::string(reason), WallClockMs());
    if (!applied.ok() || !applied.value()) return applied;
    AppendRoutingWrite(shard.index_uuid, next->routing.at(shard.index_uuid), writes);
    return true;
  });
  return changed.status();
}

Status LocalClusterState::UpdateShardCopy(const ShardId& shard, std::string_view allocation_id, ShardCopyState state,
                                          std::string_view failure) {
  auto changed = Change([&](ClusterStateSnapshot* next, MetadataMutations* writes) -> Result<bool> {
    auto applied = ApplyCopyReport(next, shard, std::string(allocation_id), state, std::string(failure));
    if (!applied.ok() || !applied.value()) return applied;
    AppendRoutingWrite(shard.index_uuid, next->routing.at(shard.index_uuid), writes);
    return true;
  }, /*publish_without_space=*/true);
  return changed.status();
}

}  // namespace holdfast
