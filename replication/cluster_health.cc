#include "replication/cluster_health.h"

#include <algorithm>

namespace holdfast {

namespace {

bool IsActive(ShardCopyState state) {
  return state == ShardCopyState::kStarted || state == ShardCopyState::kRelocating;
}

void CountCopy(const ShardCopyRouting& copy, ShardCounts* counts) {
  switch (copy.state) {
    case ShardCopyState::kStarted:
    case ShardCopyState::kRelocating:
      ++counts->active_shards;
      if (copy.primary) ++counts->active_primary_shards;
      if (copy.state == ShardCopyState::kRelocating) ++counts->relocating_shards;
      break;
    case ShardCopyState::kInitializing:
      ++counts->initializing_shards;
      break;
    case ShardCopyState::kUnassigned:
    case ShardCopyState::kFailed:
      ++counts->unassigned_shards;
      break;
    case ShardCopyState::kClosed:
      break;  // a closed index serves nothing and is counted nowhere
  }
}

// Green when every copy is active, yellow when the primary is but a replica
// is not, red when the primary is not (or there is none). Closed copies are
// left out: a closed index is not unhealthy.
HealthStatus ShardStatus(const ShardRouting& shard) {
  bool primary_active = false;
  bool primary_seen = false;
  bool all_active = true;
  for (const ShardCopyRouting& copy : shard.copies) {
    // A closed shard (its replicas may wait unassigned): nothing to serve.
    if (copy.primary && copy.state == ShardCopyState::kClosed) return HealthStatus::kGreen;
  }
  for (const ShardCopyRouting& copy : shard.copies) {
    if (copy.state == ShardCopyState::kClosed) continue;
    if (copy.primary) {
      primary_seen = true;
      primary_active = primary_active || IsActive(copy.state);
    }
    all_active = all_active && IsActive(copy.state);
  }
  if (!primary_seen) return all_active ? HealthStatus::kGreen : HealthStatus::kRed;
  if (!primary_active) return HealthStatus::kRed;
  return all_active ? HealthStatus::kGreen : HealthStatus::kYellow;
}

HealthStatus Worse(HealthStatus a, HealthStatus b) { return std::max(a, b); }

}  // namespace

const char* HealthStatusName(HealthStatus status) {
  switch (status) {
    case HealthStatus::kGreen: return "green";
    case HealthStatus::kYellow: return "yellow";
    case HealthStatus::kRed: return "red";
  }
  return "red";
}

void ShardCounts::Add(const ShardCounts& other) {
  active_primary_shards += other.active_primary_shards;
  active_shards += other.active_shards;
  relocating_shards += other.relocating_shards;
  initializing_shards += other.initializing_shards;
  unassigned_shards += other.unassigned_shards;
}

double ClusterHealth::active_shards_percent() const {
  const uint64_t total = counts.active_shards + counts.initializing_shards + counts.unassigned_shards;
  if (total == 0) return 100.0;
  return 100.0 * static_cast<double>(counts.active_shards) / static_cast<double>(total);
}

IndexHealth ComputeIndexHealth(const ClusterStateSnapshot& state, const IndexMetadata& index) {
  IndexHealth health;
  health.number_of_shards = index.settings.number_of_shards;
  health.number_of_replicas = index.settings.number_of_replicas;
  health.shards.assign(index.settings.number_of_shards, HealthStatus::kRed);
  const IndexRouting* routing = state.RoutingOf(index.uuid);
  if (routing == nullptr) {  // no routing yet: nothing is allocated
    health.status = health.shards.empty() ? HealthStatus::kGreen : HealthStatus::kRed;
    health.counts.unassigned_shards =
        uint64_t{index.settings.number_of_shards} * (1 + uint64_t{index.settings.number_of_replicas});
    return health;
  }
  for (const ShardRouting& shard : routing->shards) {
    for (const ShardCopyRouting& copy : shard.copies) CountCopy(copy, &health.counts);
    const HealthStatus status = ShardStatus(shard);
    if (shard.shard < health.shards.size()) health.shards[shard.shard] = status;
    health.status = Worse(health.status, status);
  }
  for (HealthStatus status : health.shards) health.status = Worse(health.status, status);
  return health;
}

ClusterHealth ComputeClusterHealth(const ClusterStateSnapshot& state, const std::vector<std::string>& index_names) {
  ClusterHealth health;
  health.number_of_nodes = state.nodes.size();
  health.number_of_data_nodes = state.nodes.size();  // every holdfast node holds data
  auto add = [&](const IndexMetadata& index) {
    IndexHealth one = ComputeIndexHealth(state, index);
    health.status = Worse(health.status, one.status);
    health.counts.Add(one.counts);
    health.indices.emplace(index.name, std::move(one));
  };
  if (index_names.empty()) {
    for (const auto& [uuid, index] : state.indices) add(index);
  } else {
    for (const std::string& name : index_names) {
      const IndexMetadata* index = state.FindIndex(name);
      if (index != nullptr && !health.indices.count(name)) add(*index);
    }
  }
  return health;
}

}  // namespace holdfast
