#include "replication/cluster_state.h"

#include <algorithm>
#include <set>

#include "index/mapping/mapping_serializer.h"
#include "index/util/glob.h"
#include "replication/index_names.h"

namespace holdfast {

const char* ShardCopyStateName(ShardCopyState state) {
  switch (state) {
    case ShardCopyState::kUnassigned: return "UNASSIGNED";
    case ShardCopyState::kInitializing: return "INITIALIZING";
    case ShardCopyState::kStarted: return "STARTED";
    case ShardCopyState::kRelocating: return "RELOCATING";
    case ShardCopyState::kClosed: return "CLOSED";
    case ShardCopyState::kFailed: return "FAILED";
  }
  return "UNKNOWN";
}

const ShardCopyRouting* ShardRouting::primary() const {
  for (const ShardCopyRouting& copy : copies) {
    if (copy.primary && !copy.node_id.empty()) return &copy;
  }
  return nullptr;
}

const IndexMetadata* ClusterStateSnapshot::FindIndex(std::string_view name) const {
  for (const auto& [uuid, index] : indices) {
    if (index.name == name) return &index;
  }
  return nullptr;
}

const IndexMetadata* ClusterStateSnapshot::FindIndexByUuid(std::string_view uuid) const {
  auto it = indices.find(std::string(uuid));
  return it == indices.end() ? nullptr : &it->second;
}

const IndexRouting* ClusterStateSnapshot::RoutingOf(std::string_view index_uuid) const {
  auto it = routing.find(std::string(index_uuid));
  return it == routing.end() ? nullptr : &it->second;
}

const ShardRouting* ClusterStateSnapshot::RoutingOf(const ShardId& shard) const {
  const IndexRouting* index = RoutingOf(shard.index_uuid);
  if (index == nullptr || shard.shard >= index->shards.size()) return nullptr;
  return &index->shards[shard.shard];
}

Result<std::vector<std::string>> ClusterStateSnapshot::ResolveIndices(std::string_view expression) const {
  std::set<std::string, std::less<>> names;
  for (const auto& [uuid, index] : indices) names.insert(index.name);
  if (expression.empty() || expression == "_all" || expression == "*") {
    return std::vector<std::string>(names.begin(), names.end());
  }
  std::set<std::string> out;
  size_t start = 0;
  while (start <= expression.size()) {
    size_t comma = expression.find(',', start);
    std::string_view part =
        expression.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    start = comma == std::string_view::npos ? expression.size() + 1 : comma + 1;
    if (part.empty()) continue;
    if (part.find('*') != std::string_view::npos) {
      for (const std::string& name : names) {
        if (GlobMatch(part, name)) out.insert(name);
      }
    } else if (names.count(part)) {
      out.insert(std::string(part));
    } else {
      return Status::IndexNotFound("no such index [" + std::string(part) + "]");
    }
  }
  return std::vector<std::string>(out.begin(), out.end());
}

std::vector<const IndexMetadata*> ClusterStateSnapshot::IndicesByName() const {
  std::vector<const IndexMetadata*> out;
  out.reserve(indices.size());
  for (const auto& [uuid, index] : indices) out.push_back(&index);
  std::sort(out.begin(), out.end(), [](const IndexMetadata* a, const IndexMetadata* b) { return a->name < b->name; });
  return out;
}

constexpr uint32_t kMaxShards = 1024;  // as DecodeIndexMetadata accepts

Status PrepareNewIndex(IndexMetadata* metadata) {
  HOLDFAST_RETURN_IF_ERROR(ValidateIndexName(metadata->name));
  if (metadata->uuid.empty()) return Status::InvalidArgument("index [" + metadata->name + "] has no uuid");
  if (metadata->settings.number_of_shards == 0 || metadata->settings.number_of_shards > kMaxShards) {
    return Status::InvalidArgument("index [" + metadata->name + "]: number_of_shards must be between 1 and " +
                                   std::to_string(kMaxShards));
  }
  if (!metadata->mapping) metadata->mapping = std::make_shared<const mapping::Mapping>();
  return Status::OK();
}

Result<bool> CheckNewIndex(const ClusterStateSnapshot& state, const IndexMetadata& metadata, bool retry_is_ok) {
  const IndexMetadata* existing = state.FindIndex(metadata.name);
  if (existing == nullptr) existing = state.FindIndexByUuid(metadata.uuid);
  if (existing == nullptr) return true;
  if (retry_is_ok && existing->uuid == metadata.uuid && existing->name == metadata.name) return false;
  return Status::ResourceAlreadyExists("index [" + existing->name + "/" + existing->uuid + "] already exists");
}

Result<std::string> RemoveIndex(ClusterStateSnapshot* state, std::string_view name) {
  const IndexMetadata* index = state->FindIndex(name);
  if (index == nullptr) return Status::IndexNotFound("no such index [" + std::string(name) + "]");
  const std::string uuid = index->uuid;
  state->indices.erase(uuid);
  state->routing.erase(uuid);
  return uuid;
}

Result<bool> MergeIndexMapping(ClusterStateSnapshot* state, std::string_view index_uuid,
                               const mapping::MappingUpdate& update, std::shared_ptr<const mapping::Mapping>* merged) {
  auto it = state->indices.find(std::string(index_uuid));
  if (it == state->indices.end()) return Status::IndexNotFound("no such index [" + std::string(index_uuid) + "]");
  IndexMetadata& index = it->second;
  auto next = index.mapping->Merge(update);
  if (!next.ok()) return next.status();
  if (mapping::MappingToJson(*next.value()) == mapping::MappingToJson(*index.mapping)) {
    *merged = index.mapping;  // already merged (by another writer)
    return false;
  }
  index.mapping = std::move(next).value();
  *merged = index.mapping;
  return true;
}

}  // namespace holdfast
