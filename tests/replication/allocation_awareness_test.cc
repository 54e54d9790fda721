// Allocation awareness (replication/allocation_awareness.h): the copies of a
// shard spread over zones, so that losing a zone's nodes leaves a copy of
// every shard — what a cluster spread over an orchestrator's zones relies on.
#include "replication/allocation_awareness.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "replication/allocation.h"
#include "tests/replication/cluster_state_test_util.h"

namespace holdfast {
namespace {

using testing::NewIndex;

void AddNode(ClusterStateSnapshot* s, const std::string& id, const std::string& zone) {
  ClusterNode node{id, "name-" + id, "127.0.0.1:1", "127.0.0.1:2"};
  if (!zone.empty()) node.attributes["zone"] = zone;
  node.attributes["disk.used_percent"] = "10";
  s->nodes[id] = std::move(node);
}

// n1, n2 in zone a; n3, n4 in zone b.
ClusterStateSnapshot TwoZones() {
  ClusterStateSnapshot s;
  AddNode(&s, "n1", "a");
  AddNode(&s, "n2", "a");
  AddNode(&s, "n3", "b");
  AddNode(&s, "n4", "b");
  return s;
}

std::string Create(ClusterStateSnapshot* s, const std::string& name, uint32_t shards, uint32_t replicas) {
  IndexMetadata m = NewIndex(name, shards, replicas);
  auto routing = AllocateNewIndex(m, *s, AllocationInput{1000});
  EXPECT_TRUE(routing.ok()) << routing.status().ToString();
  s->indices[m.uuid] = m;
  s->routing[m.uuid] = routing.ok() ? std::move(routing).value() : IndexRouting{};
  return m.uuid;
}

// Every copy that initializes (a new copy, a relocation target) reports
// itself started, as its node would.
void StartAll(ClusterStateSnapshot* s) {
  for (auto& [uuid, index] : s->routing) {
    for (ShardRouting& shard : index.shards) {
      for (ShardCopyRouting& copy : shard.copies) {
        std::string id = !copy.relocation_id.empty() ? copy.relocation_id
                         : copy.state == ShardCopyState::kInitializing ? copy.allocation_id
                                                                        : "";
        if (!id.empty()) ASSERT_TRUE(ApplyCopyReport(s, ShardId{uuid, shard.shard}, id, ShardCopyState::kStarted, "").ok());
      }
    }
  }
}

// Allocation passes until nothing changes (copies reporting started between
// them); the number of copies that were moved.
int Settle(ClusterStateSnapshot* s, int64_t now_ms = 5000) {
  int moves = 0;
  int64_t next = 0;
  for (int pass = 0; pass < 20; ++pass) {
    if (!Reallocate(s, AllocationInput{now_ms}, &next)) return moves;
    for (const auto& [uuid, index] : s->routing) {
      for (const ShardRouting& shard : index.shards) {
        for (const ShardCopyRouting& copy : shard.copies) moves += !copy.relocating_node_id.empty();
      }
    }
    StartAll(s);
  }
  ADD_FAILURE() << "allocation did not settle in 20 passes";
  return moves;
}

// shard → the zones of its assigned copies.
std::map<uint32_t, std::multiset<std::string>> ZonesPerShard(const ClusterStateSnapshot& s, const std::string& uuid) {
  std::map<uint32_t, std::multiset<std::string>> out;
  for (const ShardRouting& shard : s.routing.at(uuid).shards) {
    for (const ShardCopyRouting& copy : shard.copies) {
      if (!copy.node_id.empty()) out[shard.shard].insert(s.nodes.at(copy.node_id).attributes.at("zone"));
    }
  }
  return out;
}

TEST(AllocationAwarenessTest, EachShardKeepsACopyInEveryZone) {
  ClusterStateSnapshot s = TwoZones();
  s.settings[kAwarenessAttributesSetting] = "zone";
  const std::string uuid = Create(&s, "books", 4, 1);
  StartAll(&s);
  Settle(&s);
  const auto zones = ZonesPerShard(s, uuid);
  ASSERT_EQ(zones.size(), 4u);
  for (const auto& [shard, z] : zones) {
    EXPECT_EQ(z, (std::multiset<std::string>{"a", "b"})) << "shard " << shard;
  }
  // Three copies over two zones: two in one, one in the other, never three in one.
  ClusterStateSnapshot t = TwoZones();
  t.settings[kAwarenessAttributesSetting] = "zone";
  const std::string wide = Create(&t, "wide", 2, 2);
  StartAll(&t);
  Settle(&t);
  for (const auto& [shard, z] : ZonesPerShard(t, wide)) {
    EXPECT_EQ(z.size(), 3u);
    EXPECT_EQ(z.count("a") == 2 || z.count("b") == 2, true) << "shard " << shard;
  }
}

TEST(AllocationAwarenessTest, ANodeWithoutTheAttributeTakesNoCopies) {
  ClusterStateSnapshot s = TwoZones();
  AddNode(&s, "n5", "");
  s.settings[kAwarenessAttributesSetting] = "zone";
  const std::string uuid = Create(&s, "books", 5, 1);
  StartAll(&s);
  Settle(&s);
  for (const ShardRouting& shard : s.routing.at(uuid).shards) {
    for (const ShardCopyRouting& copy : shard.copies) EXPECT_NE(copy.node_id, "n5");
  }
  auto explained = ExplainAllocation(s, AllocationInput{5000}, "books", 0, true);
  ASSERT_TRUE(explained.ok());
  bool named = false;
  for (const auto& [node, why] : explained->node_decisions) {
    if (node == "n5") named = why.find("no attribute [zone]") != std::string::npos;
  }
  EXPECT_TRUE(named) << "allocation/explain says why n5 takes nothing";
  // With no node carrying the attribute, a new index says why it has nowhere to go.
  ClusterStateSnapshot bare;
  AddNode(&bare, "x1", "");
  bare.settings[kAwarenessAttributesSetting] = "zone";
  auto refused = AllocateNewIndex(NewIndex("none", 1, 0), bare, AllocationInput{1000});
  ASSERT_EQ(refused.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(refused.status().message().find("no attribute [zone]"), std::string::npos) << refused.status().message();
}

TEST(AllocationAwarenessTest, TurningAwarenessOnMovesOneCopyOfEachShardThatSitsInOneZone) {
  ClusterStateSnapshot s;
  AddNode(&s, "n1", "a");
  AddNode(&s, "n2", "a");
  const std::string uuid = Create(&s, "books", 2, 1);
  StartAll(&s);
  Settle(&s);
  AddNode(&s, "n3", "b");
  AddNode(&s, "n4", "b");
  EXPECT_EQ(Settle(&s), 0) << "without awareness nothing moves";
  for (const auto& [shard, z] : ZonesPerShard(s, uuid)) EXPECT_EQ(z, (std::multiset<std::string>{"a", "a"}));
  s.settings[kAwarenessAttributesSetting] = "zone";
  EXPECT_EQ(Settle(&s), 2) << "one move per shard, no more";
  for (const auto& [shard, z] : ZonesPerShard(s, uuid)) {
    EXPECT_EQ(z, (std::multiset<std::string>{"a", "b"})) << "shard " << shard;
  }
  for (const ShardRouting& shard : s.routing.at(uuid).shards) {
    EXPECT_EQ(shard.in_sync.size(), 2u) << "the moved copy took its source's place in the in-sync set";
  }
}

TEST(AllocationAwarenessTest, ForcedValuesKeepAGoneZonesCopiesUnassigned) {
  // Zone b's nodes are gone: without forced values its replicas are
  // re-created in zone a; with them they wait for zone b.
  for (bool forced : {false, true}) {
    ClusterStateSnapshot s;
    AddNode(&s, "n1", "a");
    AddNode(&s, "n2", "a");
    s.settings[kAwarenessAttributesSetting] = "zone";
    if (forced) s.settings["cluster.routing.allocation.awareness.force.zone.values"] = "a,b";
    const std::string uuid = Create(&s, "books", 2, 1);
    StartAll(&s);
    Settle(&s);
    int unassigned = 0;
    for (const ShardRouting& shard : s.routing.at(uuid).shards) {
      for (const ShardCopyRouting& copy : shard.copies) unassigned += copy.node_id.empty();
    }
    EXPECT_EQ(unassigned, forced ? 2 : 0) << (forced ? "forced" : "not forced");
    if (forced) {
      auto explained = ExplainAllocation(s, AllocationInput{5000}, "", 0, false);
      ASSERT_TRUE(explained.ok());
      EXPECT_EQ(explained->current_state, "unassigned");
      std::string decisions;
      for (const auto& [node, why] : explained->node_decisions) decisions += node + ": " + why + "\n";
      EXPECT_NE(decisions.find("2 values of awareness attribute [zone]"), std::string::npos) << decisions;
    }
  }
}

TEST(AllocationAwarenessTest, MovesAndRebalancesKeepTheZonesApart) {
  ClusterStateSnapshot s = TwoZones();
  s.settings[kAwarenessAttributesSetting] = "zone";
  const std::string uuid = Create(&s, "books", 1, 1);
  StartAll(&s);
  Settle(&s);
  const ShardRouting& shard = s.routing.at(uuid).shards[0];
  const std::string primary = shard.copies[0].node_id;
  const std::string replica = shard.copies[1].node_id;
  const std::string zone = s.nodes.at(primary).attributes.at("zone");
  std::string same_zone_free, replica_zone_free;
  for (const auto& [id, node] : s.nodes) {
    if (id == primary || id == replica) continue;
    (node.attributes.at("zone") == zone ? same_zone_free : replica_zone_free) = id;
  }
  // Into the replica's zone: two copies in one zone, refused with the reason.
  Status refused = StartRelocation(&s, ShardId{uuid, 0}, primary, replica_zone_free);
  ASSERT_EQ(refused.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.message().find("awareness attribute [zone]"), std::string::npos) << refused.message();
  // Within its own zone: allowed (the copy leaving does not count).
  ASSERT_TRUE(StartRelocation(&s, ShardId{uuid, 0}, primary, same_zone_free).ok());
  StartAll(&s);
  // A rebalance from a full node never plans a move that puts two copies in one zone.
  ClusterStateSnapshot r;
  AddNode(&r, "n1", "a");
  AddNode(&r, "n3", "b");
  r.settings[kAwarenessAttributesSetting] = "zone";
  Create(&r, "books", 4, 1);
  StartAll(&r);
  Settle(&r);
  AddNode(&r, "n2", "a");
  // n1 and n3 hold 4 copies each: n2 takes two of n1's (n3's would put two
  // copies of a shard in zone a), and zone b's only node keeps its four.
  const std::vector<PlannedMove> plan = PlanRebalance(r, AllocationInput{});
  ASSERT_EQ(plan.size(), 2u);
  for (const PlannedMove& m : plan) {
    EXPECT_EQ(m.from, "n1");
    EXPECT_EQ(m.to, "n2");
    EXPECT_EQ(m.index_name, "books");
  }
}

// A remove drain's blocker (lifecycle/node_drain.cc) says why no node may
// take its copy, as the allocation decides it.
// Why no node may take the copy of shard 0 of `uuid` on `from` ("" when one may).
std::string WhyNoNodeCanTake(const ClusterStateSnapshot& s, const std::string& uuid, const std::string& from,
                             const std::set<std::string>& skip) {
  const auto stuck = CopiesNoNodeCanTake(s, from, skip);
  auto why = stuck.find(ShardId{uuid, 0});
  return why == stuck.end() ? "" : why->second;
}

TEST(AllocationAwarenessTest, ADrainIsToldWhyNoNodeMayTakeItsCopy) {
  ClusterStateSnapshot s;
  AddNode(&s, "n1", "a");
  AddNode(&s, "n3", "b");
  s.settings[kAwarenessAttributesSetting] = "zone";
  const std::string uuid = Create(&s, "books", 1, 1);
  StartAll(&s);
  Settle(&s);
  AddNode(&s, "n2", "a");
  // n1's copy may go to n2 (same zone); n3's may not (zone a would hold both).
  EXPECT_EQ(WhyNoNodeCanTake(s, uuid, "n1", {}), "");
  const std::string why = WhyNoNodeCanTake(s, uuid, "n3", {});
  EXPECT_NE(why.find("name-n2: there are 2 copies of this shard"), std::string::npos) << why;
  EXPECT_NE(why.find("name-n1: a copy of this shard is already allocated"), std::string::npos) << why;
  EXPECT_NE(WhyNoNodeCanTake(s, uuid, "n1", {"n2"}), "") << "a draining member takes nothing";
  s.settings[kAllocationEnableSetting] = "none";
  EXPECT_NE(WhyNoNodeCanTake(s, uuid, "n1", {}).find("allocation.enable is [none]"), std::string::npos);
}

TEST(AllocationAwarenessTest, ForcedValueSettingsAndAttributeNames) {
  EXPECT_TRUE(IsForcedAwarenessSetting("cluster.routing.allocation.awareness.force.zone.values"));
  EXPECT_TRUE(IsForcedAwarenessSetting("cluster.routing.allocation.awareness.force.rack_id.values"));
  EXPECT_FALSE(IsForcedAwarenessSetting("cluster.routing.allocation.awareness.force..values"));
  EXPECT_FALSE(IsForcedAwarenessSetting("cluster.routing.allocation.awareness.force.a.b.values"));
  EXPECT_FALSE(IsForcedAwarenessSetting("cluster.routing.allocation.awareness.force.zone"));
  EXPECT_TRUE(IsNodeAttributeName("zone"));
  EXPECT_TRUE(IsNodeAttributeName("rack-7_b"));
  EXPECT_FALSE(IsNodeAttributeName("disk.used_percent"));
  EXPECT_FALSE(IsNodeAttributeName(""));
  EXPECT_FALSE(IsNodeAttributeName("a b"));
  EXPECT_FALSE(IsNodeAttributeName("_name")) << "the filters' built-in attributes start with '_'";
}

}  // namespace
}  // namespace holdfast
