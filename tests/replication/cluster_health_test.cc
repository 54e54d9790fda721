// Cluster health from hand-built routing tables (Elasticsearch semantics:
// cluster_health.h).
#include "replication/cluster_health.h"

#include <gtest/gtest.h>

#include "tests/replication/cluster_state_test_util.h"

namespace holdfast {
namespace {

using S = ShardCopyState;

ShardCopyRouting Copy(bool primary, S state) {
  ShardCopyRouting c;
  c.primary = primary;
  c.state = state;
  if (state != S::kUnassigned) {
    c.node_id = primary ? "node-a" : "node-b";
    c.allocation_id = NewUuid();
  }
  return c;
}

// One index `name` whose shard n has copies `states[n]` (primary first).
void AddIndex(ClusterStateSnapshot* s, const std::string& name, const std::vector<std::vector<S>>& states) {
  IndexMetadata m = testing::NewIndex(name, static_cast<uint32_t>(states.size()),
                                      static_cast<uint32_t>(states.at(0).size() - 1));
  IndexRouting routing;
  for (uint32_t n = 0; n < states.size(); ++n) {
    ShardRouting shard;
    shard.shard = n;
    for (size_t c = 0; c < states[n].size(); ++c) shard.copies.push_back(Copy(c == 0, states[n][c]));
    routing.shards.push_back(shard);
  }
  s->routing[m.uuid] = routing;
  s->indices[m.uuid] = m;
}

ClusterStateSnapshot TwoNodes() {
  ClusterStateSnapshot s;
  s.nodes["node-a"] = {"node-a", "a", "", ""};
  s.nodes["node-b"] = {"node-b", "b", "", ""};
  return s;
}

TEST(ClusterHealthTest, NoIndexIsGreen) {
  ClusterHealth h = ComputeClusterHealth(TwoNodes(), {});
  EXPECT_EQ(h.status, HealthStatus::kGreen);
  EXPECT_EQ(h.number_of_nodes, 2u);
  EXPECT_EQ(h.number_of_data_nodes, 2u);
  EXPECT_EQ(h.active_shards_percent(), 100.0);
  EXPECT_STREQ(HealthStatusName(HealthStatus::kYellow), "yellow");
}

TEST(ClusterHealthTest, AllStartedIsGreen) {
  ClusterStateSnapshot s = TwoNodes();
  AddIndex(&s, "a", {{S::kStarted, S::kStarted}, {S::kStarted, S::kRelocating}});
  ClusterHealth h = ComputeClusterHealth(s, {});
  EXPECT_EQ(h.status, HealthStatus::kGreen);
  EXPECT_EQ(h.counts.active_primary_shards, 2u);
  EXPECT_EQ(h.counts.active_shards, 4u);
  EXPECT_EQ(h.counts.relocating_shards, 1u);
  EXPECT_EQ(h.counts.unassigned_shards, 0u);
  const IndexHealth& a = h.indices.at("a");
  EXPECT_EQ(a.number_of_shards, 2u);
  EXPECT_EQ(a.number_of_replicas, 1u);
  EXPECT_EQ(a.shards, (std::vector<HealthStatus>{HealthStatus::kGreen, HealthStatus::kGreen}));
  EXPECT_EQ(h.active_shards_percent(), 100.0);
}

TEST(ClusterHealthTest, AnUnassignedOrInitializingReplicaIsYellow) {
  ClusterStateSnapshot s = TwoNodes();
  AddIndex(&s, "a", {{S::kStarted, S::kUnassigned}, {S::kStarted, S::kInitializing}, {S::kStarted, S::kStarted}});
  ClusterHealth h = ComputeClusterHealth(s, {});
  EXPECT_EQ(h.status, HealthStatus::kYellow);
  EXPECT_EQ(h.indices.at("a").shards,
            (std::vector<HealthStatus>{HealthStatus::kYellow, HealthStatus::kYellow, HealthStatus::kGreen}));
  EXPECT_EQ(h.counts.active_primary_shards, 3u);
  EXPECT_EQ(h.counts.active_shards, 4u);
  EXPECT_EQ(h.counts.initializing_shards, 1u);
  EXPECT_EQ(h.counts.unassigned_shards, 1u);
  EXPECT_DOUBLE_EQ(h.active_shards_percent(), 100.0 * 4 / 6);
}

TEST(ClusterHealthTest, APrimaryNotStartedIsRed) {
  for (S primary : {S::kInitializing, S::kFailed, S::kUnassigned}) {
    ClusterStateSnapshot s = TwoNodes();
    AddIndex(&s, "ok", {{S::kStarted, S::kStarted}});
    AddIndex(&s, "bad", {{S::kStarted, S::kStarted}, {primary, S::kStarted}});
    ClusterHealth h = ComputeClusterHealth(s, {});
    EXPECT_EQ(h.status, HealthStatus::kRed) << ShardCopyStateName(primary);
    EXPECT_EQ(h.indices.at("ok").status, HealthStatus::kGreen);
    EXPECT_EQ(h.indices.at("bad").status, HealthStatus::kRed);
    EXPECT_EQ(h.indices.at("bad").shards[1], HealthStatus::kRed);
    EXPECT_EQ(h.counts.active_primary_shards, 2u);
    EXPECT_EQ(h.counts.active_shards, 5u);
    EXPECT_EQ(h.counts.initializing_shards, primary == S::kInitializing ? 1u : 0u);
    EXPECT_EQ(h.counts.unassigned_shards, primary == S::kInitializing ? 0u : 1u);
    // Only the named indices count.
    ClusterHealth ok = ComputeClusterHealth(s, {"ok"});
    EXPECT_EQ(ok.status, HealthStatus::kGreen);
    EXPECT_EQ(ok.indices.size(), 1u);
    EXPECT_EQ(ok.counts.active_shards, 2u);
  }
}

TEST(ClusterHealthTest, ClosedCopiesCountNowhere) {
  ClusterStateSnapshot s = TwoNodes();
  AddIndex(&s, "closed", {{S::kClosed, S::kClosed}});
  ClusterHealth h = ComputeClusterHealth(s, {});
  EXPECT_EQ(h.status, HealthStatus::kGreen);
  EXPECT_EQ(h.counts.active_shards + h.counts.unassigned_shards + h.counts.initializing_shards, 0u);
}

TEST(ClusterHealthTest, ALocalClusterStateStartsRedAndTurnsYellowThenGreen) {
  ClusterStateSnapshot s = TwoNodes();
  AddIndex(&s, "one", {{S::kInitializing, S::kUnassigned}});
  EXPECT_EQ(ComputeClusterHealth(s, {}).status, HealthStatus::kRed);
  s.routing.begin()->second.shards[0].copies[0].state = S::kStarted;
  EXPECT_EQ(ComputeClusterHealth(s, {}).status, HealthStatus::kYellow);
  s.routing.begin()->second.shards[0].copies[1] = Copy(false, S::kStarted);
  EXPECT_EQ(ComputeClusterHealth(s, {}).status, HealthStatus::kGreen);
  EXPECT_EQ(ComputeIndexHealth(s, *s.FindIndex("one")).status, HealthStatus::kGreen);
}

}  // namespace
}  // namespace holdfast
