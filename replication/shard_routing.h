// Document routing: a document (or an event's user or item) lives on shard
// XXH3-64(key) % number_of_shards of its index, fixed at index creation
// (DESIGN.md §4). The key is the document's custom `routing` value when it
// has one (Elasticsearch's `_routing`: documents sharing it share a shard),
// else its _id. Every node routes with these functions.
#pragma once

#include <xxhash.h>

#include <cstdint>
#include <string_view>

namespace holdfast {

inline uint32_t ShardOfId(std::string_view id, uint32_t num_shards) {
  return static_cast<uint32_t>(XXH3_64bits(id.data(), id.size()) % num_shards);
}

// The shard of a document with `routing` (empty: none, routed by `id`).
inline uint32_t ShardOfRouting(std::string_view id, std::string_view routing, uint32_t num_shards) {
  return ShardOfId(routing.empty() ? id : routing, num_shards);
}

}  // namespace holdfast
