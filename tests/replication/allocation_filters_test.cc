// Allocation filtering (replication/allocation_filters.h): include, exclude
// and require by name, id, host or node attribute — which nodes a cluster's
// copies may be on, and the copies moved off the nodes ruled out.
#include "replication/allocation_filters.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "index/util/glob.h"
#include "replication/allocation.h"
#include "tests/replication/cluster_state_test_util.h"

namespace holdfast {
namespace {

using testing::NewIndex;

// n1 (zone a, 10.0.0.1), n2 (zone a, 10.0.0.2), n3 (zone b, 10.0.1.3), n4 (no zone).
ClusterStateSnapshot FourNodes() {
  ClusterStateSnapshot s;
  const char* zones[] = {"a", "a", "b", ""};
  const char* hosts[] = {"10.0.0.1", "10.0.0.2", "10.0.1.3", "10.0.1.4"};
  for (int i = 0; i < 4; ++i) {
    const std::string id = "id" + std::to_string(i + 1);
    ClusterNode node{id, "n" + std::to_string(i + 1), std::string(hosts[i]) + ":9200", std::string(hosts[i]) + ":9300"};
    if (*zones[i]) node.attributes["zone"] = zones[i];
    s.nodes[id] = std::move(node);
  }
  return s;
}

std::set<std::string> Out(const ClusterStateSnapshot& s) {
  std::set<std::string> out;
  for (const auto& [id, why] : FilteredOutNodes(s)) out.insert(id);
  return out;
}

TEST(AllocationFiltersTest, IncludeExcludeAndRequireRuleNodesOut) {
  ClusterStateSnapshot s = FourNodes();
  EXPECT_TRUE(FilteredOutNodes(s).empty());
  s.settings["cluster.routing.allocation.exclude.zone"] = "b";
  EXPECT_EQ(Out(s), std::set<std::string>{"id3"});
  EXPECT_NE(FilteredOutNodes(s).at("id3").find("cluster.routing.allocation.exclude.zone [b]"), std::string::npos);
  // require: a node without the attribute does not match it.
  s.settings.clear();
  s.settings["cluster.routing.allocation.require.zone"] = "a";
  EXPECT_EQ(Out(s), (std::set<std::string>{"id3", "id4"}));
  // include: any include matching is enough, across attributes.
  s.settings.clear();
  s.settings["cluster.routing.allocation.include._name"] = "n1";
  s.settings["cluster.routing.allocation.include.zone"] = "b";
  EXPECT_EQ(Out(s), (std::set<std::string>{"id2", "id4"}));
  // Wildcards, hosts and ids.
  s.settings.clear();
  s.settings["cluster.routing.allocation.exclude._ip"] = "10.0.1.*";
  EXPECT_EQ(Out(s), (std::set<std::string>{"id3", "id4"}));
  s.settings.clear();
  s.settings["cluster.routing.allocation.exclude._id"] = "id2, id9";
  s.settings["cluster.routing.allocation.exclude._name"] = "n4";
  EXPECT_EQ(Out(s), (std::set<std::string>{"id2", "id4"}));
  EXPECT_EQ(ExcludedNodes(s), (std::set<std::string>{"id2", "id4"}));
}

TEST(AllocationFiltersTest, CopiesLeaveAZoneTheFiltersRuleOutAndNewOnesAvoidIt) {
  ClusterStateSnapshot s = FourNodes();
  IndexMetadata m = NewIndex("books", 4, 0);
  auto routing = AllocateNewIndex(m, s, AllocationInput{1000});
  ASSERT_TRUE(routing.ok());
  s.indices[m.uuid] = m;
  s.routing[m.uuid] = std::move(routing).value();
  auto start_all = [&] {
    for (ShardRouting& shard : s.routing[m.uuid].shards) {
      ShardCopyRouting& c = shard.copies[0];
      const std::string id = !c.relocation_id.empty() ? c.relocation_id : c.allocation_id;
      if (c.state != ShardCopyState::kStarted) {
        ASSERT_TRUE(ApplyCopyReport(&s, ShardId{m.uuid, shard.shard}, id, ShardCopyState::kStarted, "").ok());
      }
    }
  };
  start_all();
  std::set<std::string> used;
  for (const ShardRouting& shard : s.routing[m.uuid].shards) used.insert(shard.copies[0].node_id);
  ASSERT_EQ(used.size(), 4u) << "one shard per node to begin with";
  s.settings["cluster.routing.allocation.require.zone"] = "a";
  int64_t next = 0;
  for (int pass = 0; pass < 10 && Reallocate(&s, AllocationInput{2000}, &next); ++pass) start_all();
  for (const ShardRouting& shard : s.routing[m.uuid].shards) {
    const std::string& node = shard.copies[0].node_id;
    EXPECT_TRUE(node == "id1" || node == "id2") << "shard " << shard.shard << " on " << node;
    EXPECT_EQ(shard.copies[0].state, ShardCopyState::kStarted);
  }
  IndexMetadata more = NewIndex("more", 3, 0);
  auto placed = AllocateNewIndex(more, s, AllocationInput{3000});
  ASSERT_TRUE(placed.ok());
  for (const ShardRouting& shard : placed->shards) {
    EXPECT_TRUE(shard.copies[0].node_id == "id1" || shard.copies[0].node_id == "id2");
  }
  // allocation/explain names the filter for the nodes it rules out.
  auto explained = ExplainAllocation(s, AllocationInput{3000}, "books", 0, true);
  ASSERT_TRUE(explained.ok());
  for (const auto& [node, why] : explained->node_decisions) {
    if (node == "id3") EXPECT_NE(why.find("require.zone [a]"), std::string::npos) << why;
  }
}

TEST(AllocationFiltersTest, SettingNamesAndPatterns) {
  EXPECT_TRUE(IsAllocationFilterSetting("cluster.routing.allocation.exclude._name"));
  EXPECT_TRUE(IsAllocationFilterSetting("cluster.routing.allocation.require.zone"));
  EXPECT_TRUE(IsAllocationFilterSetting("cluster.routing.allocation.include._ip"));
  EXPECT_FALSE(IsAllocationFilterSetting("cluster.routing.allocation.exclude"));
  EXPECT_FALSE(IsAllocationFilterSetting("cluster.routing.allocation.exclude.zone.x"));
  EXPECT_FALSE(IsAllocationFilterSetting("cluster.routing.allocation.prefer.zone"));
  EXPECT_FALSE(IsAllocationFilterSetting("cluster.routing.allocation.exclude._tier"));
  EXPECT_TRUE(GlobMatch("n*", "n12"));
  EXPECT_TRUE(GlobMatch("*", ""));
  EXPECT_TRUE(GlobMatch("10.*.3", "10.0.1.3"));
  EXPECT_TRUE(GlobMatch("a*b*c", "aXbYbZc"));
  EXPECT_FALSE(GlobMatch("n*", "m1"));
  EXPECT_FALSE(GlobMatch("n1", "n12"));
  EXPECT_FALSE(GlobMatch("a*b", "aXbY"));
}

}  // namespace
}  // namespace holdfast
