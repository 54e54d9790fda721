// Cluster health, derived from the routing table in one place (for
// `_cluster/health`, `_cat/indices`, `_cat/shards` and /_lifecycle/status).
//
// As Elasticsearch: a shard is green when every copy is started, yellow when
// its primary is started but a replica is not, red when its primary is not
// started (unassigned, initializing, failed). An index's status is its worst
// shard's; the cluster's is its worst index's (green with no index). A
// relocating copy counts as active. A closed copy is counted nowhere and
// lowers no status (a closed index is not unhealthy). Pure functions over a
// snapshot.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "replication/cluster_state.h"

namespace holdfast {

enum class HealthStatus : uint8_t { kGreen = 0, kYellow = 1, kRed = 2 };
const char* HealthStatusName(HealthStatus status);  // "green" | "yellow" | "red"

struct ShardCounts {
  uint64_t active_primary_shards = 0;
  uint64_t active_shards = 0;       // started or relocating, primaries and replicas
  uint64_t relocating_shards = 0;
  uint64_t initializing_shards = 0;
  uint64_t unassigned_shards = 0;   // unassigned or failed
  void Add(const ShardCounts& other);
};

struct IndexHealth {
  HealthStatus status = HealthStatus::kGreen;
  uint32_t number_of_shards = 0;
  uint32_t number_of_replicas = 0;
  ShardCounts counts;
  std::vector<HealthStatus> shards;  // per shard number
};

struct ClusterHealth {
  HealthStatus status = HealthStatus::kGreen;
  uint64_t number_of_nodes = 0;
  uint64_t number_of_data_nodes = 0;
  ShardCounts counts;
  std::map<std::string, IndexHealth> indices;  // by index name
  // Percentage of active copies among all copies (100 with none).
  double active_shards_percent() const;
};

IndexHealth ComputeIndexHealth(const ClusterStateSnapshot& state, const IndexMetadata& index);

// Over the named indices (`index_names` empty: every index).
ClusterHealth ComputeClusterHealth(const ClusterStateSnapshot& state, const std::vector<std::string>& index_names);

}  // namespace holdfast
