#include "replication/local_cluster_state.h"

#include <algorithm>

#include "index/mapping/mapping_serializer.h"
#include "index/util/uuid.h"
#include "replication/index_names.h"

namespace holdfast {

namespace {

constexpr uint32_t kMaxShards = 1024;  // as DecodeIndexMetadata accepts

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
    state->version = s.version;
    state->indices = std::move(s.indices);
    state->routing = std::move(s.routing);
    HOLDFAST_RETURN_IF_ERROR(AppendLeftoverRemovals(store, s, &writes));
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
  HOLDFAST_RETURN_IF_ERROR(ValidateIndexName(metadata.name));
  if (metadata.uuid.empty()) return Status::InvalidArgument("index [" + metadata.name + "] has no uuid");
  if (metadata.settings.number_of_shards == 0 || metadata.settings.number_of_shards > kMaxShards) {
    return Status::InvalidArgument("index [" + metadata.name + "]: number_of_shards must be between 1 and " +
                                   std::to_string(kMaxShards));
  }
  if (!metadata.mapping) metadata.mapping = std::make_shared<const mapping::Mapping>();
  return Change([&](ClusterStateSnapshot* next, MetadataMutations* writes) -> Result<bool> {
    const IndexMetadata* existing = next->FindIndex(metadata.name);
    if (existing == nullptr) existing = next->FindIndexByUuid(metadata.uuid);
    if (existing != nullptr) {
      return Status::ResourceAlreadyExists("index [" + existing->name + "/" + existing->uuid + "] already exists");
    }
    IndexRouting routing = AllocateOnOneNode(metadata, node_id_);
    AppendIndexWrites(metadata, routing, writes);
    AddIndex(metadata, std::move(routing), next);
    return true;
  });
}

Status LocalClusterState::DeleteIndex(std::string_view name) {
  auto deleted = Change([&](ClusterStateSnapshot* next, MetadataMutations* writes) -> Result<bool> {
    const IndexMetadata* index = next->FindIndex(name);
    if (index == nullptr) {
      return Status::IndexNotFound("no such index [" + std::string(name) + "]");
    }
    const std::string uuid = index->uuid;
    AppendIndexRemoval(uuid, writes);
    next->indices.erase(uuid);
    next->routing.erase(uuid);
    return true;
  });
  return deleted.status();
}

Result<std::shared_ptr<const mapping::Mapping>> LocalClusterState::PutMapping(std::string_view index_uuid,
                                                                              const mapping::MappingUpdate& update) {
  std::shared_ptr<const mapping::Mapping> result;
  auto changed = Change([&](ClusterStateSnapshot* next, MetadataMutations* writes) -> Result<bool> {
    auto it = next->indices.find(std::string(index_uuid));
    if (it == next->indices.end()) {
      return Status::IndexNotFound("no such index [" + std::string(index_uuid) + "]");
    }
    IndexMetadata& index = it->second;
    auto merged = index.mapping->Merge(update);
    if (!merged.ok()) return merged.status();
    if (mapping::MappingToJson(*merged.value()) == mapping::MappingToJson(*index.mapping)) {
      result = index.mapping;  // already merged (by another writer)
      return false;
    }
    index.mapping = std::move(merged).value();
    result = index.mapping;
    AppendMetadataWrite(index, writes);
    return true;
  });
  if (!changed.ok()) return changed.status();
  return result;
}

Status LocalClusterState::UpdateShardCopy(const ShardId& shard, std::string_view allocation_id, ShardCopyState state,
                                          std::string_view failure) {
  if (state == ShardCopyState::kUnassigned || state == ShardCopyState::kRelocating) {
    return Status::InvalidArgument(std::string("a copy cannot report itself ") + ShardCopyStateName(state));
  }
  auto changed = Change([&](ClusterStateSnapshot* next, MetadataMutations* writes) -> Result<bool> {
    auto index = next->routing.find(shard.index_uuid);
    if (allocation_id.empty() || index == next->routing.end() || shard.shard >= index->second.shards.size()) {
      return false;  // a stale report
    }
    ShardRouting& routing = index->second.shards[shard.shard];
    auto copy = std::find_if(routing.copies.begin(), routing.copies.end(),
                             [&](const ShardCopyRouting& c) { return c.allocation_id == allocation_id; });
    if (copy == routing.copies.end()) return false;
    const std::string new_failure = state == ShardCopyState::kFailed ? std::string(failure) : std::string();
    auto in_sync = std::find(routing.in_sync.begin(), routing.in_sync.end(), allocation_id);
    // The last in-sync copy never leaves the set (as in Elasticsearch): its
    // data is the shard's, and it is what a retry reopens.
    const bool leaves_in_sync =
        state == ShardCopyState::kFailed && in_sync != routing.in_sync.end() && routing.in_sync.size() > 1;
    if (copy->state == state && copy->failure == new_failure && !leaves_in_sync) return false;
    copy->state = state;
    copy->failure = new_failure;
    if (leaves_in_sync) routing.in_sync.erase(in_sync);
    AppendRoutingWrite(shard.index_uuid, index->second, writes);
    return true;
  }, /*publish_without_space=*/true);
  return changed.status();
}

}  // namespace holdfast
