// Helpers shared by the cluster state tests: index metadata, the local node,
// mapping updates, opening a LocalClusterState.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "index/mapping/mapping.h"
#include "index/mapping/mapping_serializer.h"
#include "replication/index_metadata.h"
#include "index/util/uuid.h"
#include "replication/local_cluster_state.h"

namespace holdfast::testing {

inline ClusterNode LocalNode() { return {"node-a", "a", "127.0.0.1:9200", "127.0.0.1:9300"}; }

inline IndexMetadata NewIndex(const std::string& name, uint32_t shards = 1, uint32_t replicas = 1) {
  IndexMetadata m;
  m.name = name;
  m.uuid = NewUuid();
  m.creation_date_ms = 1700000000123;
  m.settings.number_of_shards = shards;
  m.settings.number_of_replicas = replicas;
  m.mapping = std::make_shared<const mapping::Mapping>();
  return m;
}

inline mapping::MappingUpdate FieldUpdate(const std::string& path, mapping::FieldType type) {
  mapping::MappingUpdate update;
  update.fields.emplace_back(path, mapping::FieldMapping::Of(type));
  return update;
}

inline std::unique_ptr<LocalClusterState> OpenState(MetadataStore* store, const std::string& legacy_dir = "") {
  auto state = LocalClusterState::Open(store, LocalNode(), "cluster-uuid", "test-cluster", legacy_dir);
  EXPECT_TRUE(state.ok()) << state.status().ToString();
  return state.ok() ? std::move(state).value() : nullptr;
}

inline std::string MappingJson(const IndexMetadata* index) {
  return index == nullptr ? "<no index>" : mapping::MappingToJson(*index->mapping);
}

}  // namespace holdfast::testing
