// IndexMetadata: an index's identity, settings and mapping — the index
// part of the cluster state (replication/cluster_state.h), which stores it
// encoded with EncodeIndexMetadata (JSON body + file footer with checksum).
// Volumes of earlier versions kept the same bytes in `<index-dir>/INDEX`,
// which LocalClusterState imports. Plain value type.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "index/mapping/mapping.h"
#include "index/recommend/recommend_settings.h"
#include "index/shard/shard_store.h"
#include "index/util/status.h"

namespace holdfast {

struct IndexSettings {
  uint32_t number_of_shards = 1;
  uint32_t number_of_replicas = 1;  // recorded; a single node holds primaries only
  std::chrono::milliseconds refresh_interval{1000};  // <= 0: refresh on demand only
  Durability durability = Durability::kRequest;
  // index.unassigned.node_left.delayed_timeout: how long the copies of a
  // node that left keep their place before the master reassigns them.
  std::chrono::milliseconds node_left_delayed_timeout{60000};
  recommend::RecommendSettings recommend;  // index.recommend.*
};

struct IndexMetadata {
  std::string name;
  std::string uuid;
  int64_t creation_date_ms = 0;
  IndexSettings settings;
  std::shared_ptr<const mapping::Mapping> mapping;
};

std::string EncodeIndexMetadata(const IndexMetadata& m);
Result<IndexMetadata> DecodeIndexMetadata(std::string_view bytes, std::string_view file_name);

}  // namespace holdfast
