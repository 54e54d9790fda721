// Helpers shared by the allocation tests (pure: snapshots in, snapshots out).
#pragma once

#include <gtest/gtest.h>

#include "replication/allocation.h"

namespace holdfast::testing {

// Reports every initializing copy and every relocation's target started, as
// their nodes would once recovered.
inline void ReportEveryCopyStarted(ClusterStateSnapshot* s) {
  for (auto& [uuid, routing] : s->routing) {
    for (ShardRouting& shard : routing.shards) {
      for (ShardCopyRouting& c : shard.copies) {
        if (!c.relocation_id.empty()) {
          ASSERT_TRUE(ApplyCopyReport(s, ShardId{uuid, shard.shard}, c.relocation_id, ShardCopyState::kStarted, "").ok());
        } else if (c.state == ShardCopyState::kInitializing) {
          ASSERT_TRUE(ApplyCopyReport(s, ShardId{uuid, shard.shard}, c.allocation_id, ShardCopyState::kStarted, "").ok());
        }
      }
    }
  }
}

}  // namespace holdfast::testing
