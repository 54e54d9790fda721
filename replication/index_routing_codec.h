// The stored form of one index's routing table (the value of
// `state/routing/<index-uuid>`, docs/formats.md "Cluster state"): JSON
//
//   {"format_version": 1,
//    "shards": [{"shard": 0, "primary_term": 1, "in_sync": ["<allocation id>"],
//                "copies": [{"node_id": "..", "primary": true, "state": "STARTED",
//                            "allocation_id": "..", "failure": "",
//                            "unassigned_reason": "NODE_LEFT", "unassigned_at_ms": 0,
//                            "last_node_id": "..", "relocating_node_id": "..",
//                            "relocation_id": "..", "forced_primary": "empty"}]}]}
//
// (the last six only when set)
//
// with states named as ShardCopyStateName prints them. A reader refuses a
// newer format_version. Stateless and thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "index/util/status.h"
#include "replication/cluster_state.h"

namespace holdfast {

inline constexpr int kIndexRoutingFormatVersion = 1;

std::string EncodeIndexRouting(const IndexRouting& routing);

// Corruption naming `what` (the key) when the JSON is malformed or a field is
// missing or of the wrong type; FailedPrecondition for a newer format.
Result<IndexRouting> DecodeIndexRouting(std::string_view json, std::string_view what);

// The inverse of ShardCopyStateName; nullopt for an unknown name.
std::optional<ShardCopyState> ShardCopyStateFromName(std::string_view name);

}  // namespace holdfast
