// An index's own allocation rules (index.routing.allocation.*): filters that
// hold for that index's copies only, and the limits of copies per node
// (index.routing.allocation.total_shards_per_node and the cluster's
// cluster.routing.allocation.total_shards_per_node).
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "replication/allocation.h"
#include "replication/index_metadata.h"
#include "tests/replication/allocation_test_util.h"
#include "tests/replication/cluster_state_test_util.h"

namespace holdfast {
namespace {

using testing::NewIndex;

// n1, n2 (box hot), n3, n4 (box warm).
ClusterStateSnapshot HotAndWarm() {
  ClusterStateSnapshot s;
  for (int i = 0; i < 4; ++i) {
    const std::string id = "id" + std::to_string(i + 1);
    ClusterNode node{id, "n" + std::to_string(i + 1), "127.0.0.1:920" + std::to_string(i),
                     "127.0.0.1:930" + std::to_string(i)};
    node.attributes["box"] = i < 2 ? "hot" : "warm";
    s.nodes[id] = std::move(node);
  }
  return s;
}

const IndexMetadata& Create(ClusterStateSnapshot* s, IndexMetadata m) {
  auto routing = AllocateNewIndex(m, *s, AllocationInput{1000});
  EXPECT_TRUE(routing.ok()) << routing.status().ToString();
  const std::string uuid = m.uuid;
  s->routing[uuid] = routing.ok() ? std::move(routing).value() : IndexRouting{};
  s->indices[uuid] = std::move(m);
  return s->indices[uuid];
}

// Reports every copy started (relocation targets included), then runs
// allocation again, until nothing changes.
void Settle(ClusterStateSnapshot* s, int64_t now_ms = 2000) {
  for (int pass = 0; pass < 20; ++pass) {
    testing::ReportEveryCopyStarted(s);
    int64_t next = 0;
    if (!Reallocate(s, AllocationInput{now_ms}, &next)) return;
  }
  FAIL() << "allocation did not settle";
}

std::map<std::string, int> CopiesPerNode(const ClusterStateSnapshot& s, const std::string& uuid) {
  std::map<std::string, int> out;
  for (const ShardRouting& shard : s.routing.at(uuid).shards) {
    for (const ShardCopyRouting& c : shard.copies) {
      if (!c.node_id.empty()) ++out[c.node_id];
    }
  }
  return out;
}

std::set<std::string> NodesOf(const ClusterStateSnapshot& s, const std::string& uuid) {
  std::set<std::string> out;
  for (const auto& [node, n] : CopiesPerNode(s, uuid)) out.insert(node);
  return out;
}

TEST(IndexAllocationTest, AnIndexRequiringHotNodesStaysOnThemAndMovesToWarmOnAChangeOfItsSetting) {
  ClusterStateSnapshot s = HotAndWarm();
  IndexMetadata logs = NewIndex("logs", 4, 1);
  logs.settings.allocation_filters["require.box"] = "hot";
  const std::string uuid = Create(&s, logs).uuid;
  const std::string other = Create(&s, NewIndex("other", 4, 0)).uuid;
  Settle(&s);
  EXPECT_EQ(NodesOf(s, uuid), (std::set<std::string>{"id1", "id2"}));
  for (const ShardRouting& shard : s.routing[uuid].shards) {
    for (const ShardCopyRouting& c : shard.copies) EXPECT_EQ(c.state, ShardCopyState::kStarted) << shard.shard;
  }
  // The other index is not held by logs' filter: it went to the nodes logs'
  // primaries did not fill.
  const std::map<std::string, int> other_before = CopiesPerNode(s, other);
  EXPECT_EQ(other_before, (std::map<std::string, int>{{"id3", 2}, {"id4", 2}}));
  // allocation/explain names the index setting for the warm nodes.
  auto explained = ExplainAllocation(s, AllocationInput{2000}, "logs", 0, true);
  ASSERT_TRUE(explained.ok());
  for (const auto& [node, why] : explained->node_decisions) {
    if (node == "id3") {
      EXPECT_NE(why.find("index.routing.allocation.require.box [hot]"), std::string::npos) << why;
      EXPECT_NE(why.find("index [logs]"), std::string::npos) << why;
    }
  }
  // Time to go warm: every copy of logs moves to the warm nodes.
  IndexSettingsUpdate update;
  update.allocation_filters["require.box"] = "warm";
  ASSERT_TRUE(ApplyIndexSettings(&s, {uuid}, update, 3000).ok());
  Settle(&s, 3000);
  EXPECT_EQ(NodesOf(s, uuid), (std::set<std::string>{"id3", "id4"}));
  EXPECT_EQ(CopiesPerNode(s, other), other_before) << "the other index did not move";
  // Removing the filter lets the copies be anywhere again (nothing must move).
  update.allocation_filters["require.box"] = std::nullopt;
  ASSERT_TRUE(ApplyIndexSettings(&s, {uuid}, update, 4000).ok());
  EXPECT_TRUE(s.indices[uuid].settings.allocation_filters.empty());
  int64_t next = 0;
  EXPECT_FALSE(Reallocate(&s, AllocationInput{4000}, &next));
}

TEST(IndexAllocationTest, IndexExcludeAndIncludeByNameCombineWithTheClusterFilters) {
  ClusterStateSnapshot s = HotAndWarm();
  s.settings["cluster.routing.allocation.exclude._name"] = "n4";
  IndexMetadata m = NewIndex("books", 3, 0);
  m.settings.allocation_filters["exclude._name"] = "n1";
  const std::string uuid = Create(&s, m).uuid;
  Settle(&s);
  EXPECT_EQ(CopiesPerNode(s, uuid), (std::map<std::string, int>{{"id2", 2}, {"id3", 1}}))
      << "neither n1 (the index's filter) nor n4 (the cluster's)";
  // A new index whose filters leave no node is refused, saying why.
  IndexMetadata nowhere = NewIndex("nowhere", 1, 0);
  nowhere.settings.allocation_filters["include._name"] = "n4,n9";
  auto refused = AllocateNewIndex(nowhere, s, AllocationInput{3000});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("index.routing.allocation.include._name [n4,n9]"), std::string::npos)
      << refused.status().message();
}

TEST(IndexAllocationTest, TotalShardsPerNodeSpreadsAnIndexAndMovesCopiesOverTheLimit) {
  ClusterStateSnapshot s = HotAndWarm();
  s.settings["cluster.routing.allocation.exclude._name"] = "n3,n4";
  // Two nodes, four primaries: two each — then a limit of one leaves two red
  // unless nodes come back; the limit is checked when the index is created.
  IndexMetadata m = NewIndex("books", 4, 0);
  m.settings.total_shards_per_node = 1;
  auto refused = AllocateNewIndex(m, s, AllocationInput{1000});
  ASSERT_FALSE(refused.ok()) << "four primaries, two nodes, one per node";
  EXPECT_NE(refused.status().message().find("index.routing.allocation.total_shards_per_node=1"), std::string::npos)
      << refused.status().message();
  s.settings.clear();
  const std::string uuid = Create(&s, m).uuid;
  Settle(&s);
  EXPECT_EQ(CopiesPerNode(s, uuid), (std::map<std::string, int>{{"id1", 1}, {"id2", 1}, {"id3", 1}, {"id4", 1}}));
  // With no limit, an exclusion piles the copies onto the nodes left ...
  IndexMetadata free_index = NewIndex("free", 4, 0);
  const std::string free_uuid = Create(&s, free_index).uuid;
  Settle(&s);
  s.settings["cluster.routing.allocation.exclude._name"] = "n3,n4";
  Settle(&s, 3000);
  EXPECT_EQ(CopiesPerNode(s, free_uuid), (std::map<std::string, int>{{"id1", 2}, {"id2", 2}}));
  // ... while the limited index keeps two copies where the filters want them
  // gone: it may not go above one per node (MustLeave would otherwise move).
  EXPECT_EQ(CopiesPerNode(s, uuid), (std::map<std::string, int>{{"id1", 1}, {"id2", 1}, {"id3", 1}, {"id4", 1}}));
  // Raising the limit lets them go.
  IndexSettingsUpdate update;
  update.total_shards_per_node = 2;
  ASSERT_TRUE(ApplyIndexSettings(&s, {uuid}, update, 4000).ok());
  Settle(&s, 4000);
  EXPECT_EQ(CopiesPerNode(s, uuid), (std::map<std::string, int>{{"id1", 2}, {"id2", 2}}));
  // Lowering a limit below what a node holds moves the surplus off it.
  s.settings.clear();
  update.total_shards_per_node = 1;
  ASSERT_TRUE(ApplyIndexSettings(&s, {uuid}, update, 5000).ok());
  Settle(&s, 5000);
  EXPECT_EQ(CopiesPerNode(s, uuid), (std::map<std::string, int>{{"id1", 1}, {"id2", 1}, {"id3", 1}, {"id4", 1}}));
}

TEST(IndexAllocationTest, TheClusterLimitCountsCopiesOfEveryIndex) {
  ClusterStateSnapshot s = HotAndWarm();
  s.settings[kTotalShardsPerNodeSetting] = "3";
  EXPECT_EQ(TotalShardsPerNodeOf(s), 3);
  const std::string a = Create(&s, NewIndex("a", 4, 1)).uuid;
  Settle(&s);
  const std::string b = Create(&s, NewIndex("b", 4, 0)).uuid;
  auto c = AllocateNewIndex(NewIndex("c", 1, 0), s, AllocationInput{3000});
  ASSERT_FALSE(c.ok()) << "every node holds three copies";
  EXPECT_NE(c.status().message().find("cluster setting [cluster.routing.allocation.total_shards_per_node=3]"),
            std::string::npos)
      << c.status().message();
  std::map<std::string, int> all = CopiesPerNode(s, a);
  for (const auto& [node, n] : CopiesPerNode(s, b)) all[node] += n;
  EXPECT_EQ(all.size(), 4u);
  for (const auto& [node, n] : all) EXPECT_EQ(n, 3) << node << ": two of a, one of b";
}

TEST(IndexAllocationTest, SettingsTravelInTheIndexMetadata) {
  IndexMetadata m = NewIndex("books", 2, 1);
  m.settings.allocation_filters["require.box"] = "hot";
  m.settings.allocation_filters["exclude._name"] = "n1,n2";
  m.settings.total_shards_per_node = 3;
  m.settings.allocation_enable = "primaries";
  auto back = DecodeIndexMetadata(EncodeIndexMetadata(m), "INDEX");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->settings.allocation_filters, m.settings.allocation_filters);
  EXPECT_EQ(back->settings.total_shards_per_node, 3);
  EXPECT_EQ(back->settings.allocation_enable, "primaries");
  auto plain = DecodeIndexMetadata(EncodeIndexMetadata(NewIndex("plain", 1, 0)), "INDEX");
  ASSERT_TRUE(plain.ok());
  EXPECT_TRUE(plain->settings.allocation_filters.empty());
  EXPECT_EQ(plain->settings.total_shards_per_node, -1);
  EXPECT_EQ(plain->settings.allocation_enable, "");
}

// index.routing.allocation.enable: as Elasticsearch, an index's own value
// takes the place of cluster.routing.allocation.enable for its copies.
TEST(IndexAllocationTest, AnIndexsOwnAllocationEnableOverridesTheClusters) {
  ClusterStateSnapshot s = HotAndWarm();
  // The cluster allows everything; "held" allows nothing of its own.
  IndexMetadata held = NewIndex("held", 2, 1);
  held.settings.allocation_enable = "none";
  const std::string held_uuid = Create(&s, held).uuid;
  const std::string free_uuid = Create(&s, NewIndex("free", 2, 1)).uuid;
  Settle(&s);
  for (const ShardRouting& shard : s.routing[held_uuid].shards) {
    for (const ShardCopyRouting& c : shard.copies) EXPECT_TRUE(c.node_id.empty()) << "held: nothing allocated";
  }
  for (const ShardRouting& shard : s.routing[free_uuid].shards) {
    for (const ShardCopyRouting& c : shard.copies) EXPECT_EQ(c.state, ShardCopyState::kStarted) << "free: all of it";
  }
  auto why = ExplainAllocation(s, AllocationInput{2000}, "held", 0, true);
  ASSERT_TRUE(why.ok());
  EXPECT_NE(why->allocate_explanation.find("index.routing.allocation.enable is [none] for index [held]"),
            std::string::npos)
      << why->allocate_explanation;
  EXPECT_NE(why->allocate_explanation.find("PUT /held/_settings"), std::string::npos) << why->allocate_explanation;
  // primaries: held's primaries go, its replicas wait — while the cluster's
  // own value is none, which held's setting overrides.
  s.settings[kAllocationEnableSetting] = "none";
  IndexSettingsUpdate update;
  update.allocation_enable = "primaries";
  ASSERT_TRUE(ApplyIndexSettings(&s, {held_uuid}, update, 3000).ok());
  Settle(&s, 3000);
  for (const ShardRouting& shard : s.routing[held_uuid].shards) {
    EXPECT_EQ(shard.copies[0].state, ShardCopyState::kStarted);
    EXPECT_TRUE(shard.copies[1].node_id.empty());
  }
  // A new index without a value of its own follows the cluster's none.
  IndexMetadata later = NewIndex("later", 1, 0);
  const std::string later_uuid = Create(&s, later).uuid;
  Settle(&s, 3000);
  EXPECT_TRUE(s.routing[later_uuid].shards[0].copies[0].node_id.empty());
  // Removing held's value ("" as null is): the cluster's none holds it too.
  update.allocation_enable = "";
  ASSERT_TRUE(ApplyIndexSettings(&s, {held_uuid}, update, 4000).ok());
  EXPECT_EQ(s.indices[held_uuid].settings.allocation_enable, "");
  Settle(&s, 4000);
  for (const ShardRouting& shard : s.routing[held_uuid].shards) EXPECT_TRUE(shard.copies[1].node_id.empty());
  // The cluster back to all: everything is allocated.
  s.settings.erase(kAllocationEnableSetting);
  Settle(&s, 5000);
  for (const std::string& uuid : {held_uuid, later_uuid}) {
    for (const ShardRouting& shard : s.routing[uuid].shards) {
      for (const ShardCopyRouting& c : shard.copies) EXPECT_EQ(c.state, ShardCopyState::kStarted);
    }
  }
}

}  // namespace
}  // namespace holdfast
