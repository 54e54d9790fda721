// Document routing: a document (or an event's user or item) lives on shard
// XXH3-64(id) % number_of_shards of its index, fixed at index creation
// (DESIGN.md §4). Every node routes with this one function.
#pragma once

#include <xxhash.h>

#include <cstdint>
#include <string_view>

namespace holdfast {

inline uint32_t ShardOfId(std::string_view id, uint32_t num_shards) {
  return static_cast<uint32_t>(XXH3_64bits(id.data(), id.size()) % num_shards);
}

}  // namespace holdfast
