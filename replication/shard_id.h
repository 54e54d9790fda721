// ShardId: which shard of which index — (index uuid, shard number). Index
// names can be reused after a delete; uuids never are, so every copy, file
// and request is keyed by the uuid. A plain value; hashable and ordered.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace holdfast {

struct ShardId {
  std::string index_uuid;
  uint32_t shard = 0;

  std::string ToString() const { return "[" + index_uuid + "][" + std::to_string(shard) + "]"; }
  friend bool operator==(const ShardId&, const ShardId&) = default;
  friend auto operator<=>(const ShardId&, const ShardId&) = default;
};

struct ShardIdHash {
  size_t operator()(const ShardId& id) const {
    return std::hash<std::string>()(id.index_uuid) * 31 + id.shard;
  }
};

}  // namespace holdfast
