#include "replication/cluster_state.h"

#include <algorithm>
#include <set>

#include "index/util/glob.h"

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

}  // namespace holdfast
