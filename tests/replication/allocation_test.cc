// Allocation by the master (replication/allocation.h), on snapshots: the
// rules a cluster's placement of copies relies on.
#include "replication/allocation.h"

#include <gtest/gtest.h>

#include <map>

#include "tests/replication/cluster_state_test_util.h"

namespace holdfast {
namespace {

using testing::NewIndex;

ClusterStateSnapshot ThreeNodes() {
  ClusterStateSnapshot s;
  for (const char* id : {"n1", "n2", "n3"}) {
    s.nodes[id] = ClusterNode{id, std::string("name-") + id, "127.0.0.1:1", "127.0.0.1:2"};
  }
  return s;
}

// Creates index `name` in `s` the way the master does.
const IndexRouting& Create(ClusterStateSnapshot* s, const std::string& name, uint32_t shards, uint32_t replicas,
                           int64_t now_ms = 1000) {
  IndexMetadata m = NewIndex(name, shards, replicas);
  auto routing = AllocateNewIndex(m, *s, AllocationInput{now_ms});
  EXPECT_TRUE(routing.ok()) << routing.status().ToString();
  s->indices[m.uuid] = m;
  s->routing[m.uuid] = std::move(routing).value();
  return s->routing[m.uuid];
}

void StartAll(ClusterStateSnapshot* s) {
  for (auto& [uuid, index] : s->routing) {
    for (ShardRouting& shard : index.shards) {
      for (ShardCopyRouting& copy : shard.copies) {
        if (copy.state == ShardCopyState::kInitializing) {
          auto r = ApplyCopyReport(s, ShardId{uuid, shard.shard}, copy.allocation_id, ShardCopyState::kStarted, "");
          ASSERT_TRUE(r.ok());
        }
      }
    }
  }
}

std::map<std::string, int> PrimariesPerNode(const IndexRouting& routing) {
  std::map<std::string, int> out;
  for (const ShardRouting& shard : routing.shards) ++out[shard.primary()->node_id];
  return out;
}

TEST(AllocationTest, SixShardsSpreadTwoPerNode) {
  ClusterStateSnapshot s = ThreeNodes();
  const IndexRouting& routing = Create(&s, "books", 6, 0);
  EXPECT_EQ(PrimariesPerNode(routing), (std::map<std::string, int>{{"n1", 2}, {"n2", 2}, {"n3", 2}}));
  for (const ShardRouting& shard : routing.shards) {
    EXPECT_EQ(shard.copies[0].state, ShardCopyState::kInitializing);
    EXPECT_EQ(shard.in_sync, std::vector<std::string>{shard.copies[0].allocation_id});
  }
  // A second index fills the nodes evenly again.
  const IndexRouting& more = Create(&s, "more", 3, 0);
  EXPECT_EQ(PrimariesPerNode(more), (std::map<std::string, int>{{"n1", 1}, {"n2", 1}, {"n3", 1}}));
}

TEST(AllocationTest, EqualCountsGoToTheEmptierDiskAndNeverOverTheHighWatermark) {
  ClusterStateSnapshot s = ThreeNodes();
  AllocationInput in{1000};
  in.disk_used = {{"n1", 0.70}, {"n2", 0.20}, {"n3", 0.40}};
  IndexMetadata m = NewIndex("one", 1, 0);
  auto routing = AllocateNewIndex(m, s, in);
  ASSERT_TRUE(routing.ok());
  EXPECT_EQ(routing->shards[0].copies[0].node_id, "n2");
  in.over_high_watermark = {"n2"};
  routing = AllocateNewIndex(m, s, in);
  ASSERT_TRUE(routing.ok());
  EXPECT_EQ(routing->shards[0].copies[0].node_id, "n3");
  in.over_high_watermark = {"n1", "n2", "n3"};
  EXPECT_EQ(AllocateNewIndex(m, s, in).status().code(), StatusCode::kUnavailable) << "no node may take it";
}

TEST(AllocationTest, ReplicasNeverShareANodeWithTheirPrimary) {
  ClusterStateSnapshot s = ThreeNodes();
  Create(&s, "books", 3, 2);
  StartAll(&s);
  int64_t next = 0;
  ASSERT_TRUE(Reallocate(&s, AllocationInput{2000}, &next));  // replicas go once primaries started
  StartAll(&s);
  for (const auto& [uuid, index] : s.routing) {
    for (const ShardRouting& shard : index.shards) {
      std::set<std::string> nodes;
      for (const ShardCopyRouting& c : shard.copies) {
        EXPECT_EQ(c.state, ShardCopyState::kStarted);
        EXPECT_TRUE(nodes.insert(c.node_id).second) << "two copies of shard " << shard.shard << " on " << c.node_id;
      }
    }
  }
  // A fourth replica has no node left: it stays unassigned.
  ClusterStateSnapshot t = ThreeNodes();
  Create(&t, "wide", 1, 3);
  StartAll(&t);
  (void)Reallocate(&t, AllocationInput{2000}, &next);
  int unassigned = 0;
  for (const ShardCopyRouting& c : t.routing.begin()->second.shards[0].copies) unassigned += c.node_id.empty();
  EXPECT_EQ(unassigned, 1);
}

TEST(AllocationTest, ANodeThatLeavesKeepsItsCopiesPlaceAndGetsThemBack) {
  ClusterStateSnapshot s = ThreeNodes();
  Create(&s, "books", 6, 0);
  StartAll(&s);
  const ClusterStateSnapshot before = s;
  s.nodes.erase("n2");
  int64_t next = 0;
  ASSERT_TRUE(Reallocate(&s, AllocationInput{10'000}, &next));
  EXPECT_EQ(next, 10'000 + 60'000) << "the default node_left delay is 1m";
  const IndexRouting& routing = s.routing.begin()->second;
  int delayed = 0;
  for (const ShardRouting& shard : routing.shards) {
    const ShardCopyRouting& c = shard.copies[0];
    if (c.last_node_id == "n2") {
      ++delayed;
      EXPECT_EQ(c.state, ShardCopyState::kUnassigned);
      EXPECT_EQ(c.unassigned_reason, "NODE_LEFT");
    } else {
      EXPECT_EQ(c.state, ShardCopyState::kStarted);
    }
  }
  EXPECT_EQ(delayed, 2);
  // Within the delay nothing moves.
  EXPECT_FALSE(Reallocate(&s, AllocationInput{30'000}, &next));
  // The node returns: the same copies (same allocation ids: its files) go back to it.
  s.nodes["n2"] = before.nodes.at("n2");
  ASSERT_TRUE(Reallocate(&s, AllocationInput{40'000}, &next));
  const IndexRouting& old_routing = before.routing.begin()->second;
  for (size_t i = 0; i < routing.shards.size(); ++i) {
    const ShardCopyRouting& now = routing.shards[i].copies[0];
    const ShardCopyRouting& was = old_routing.shards[i].copies[0];
    EXPECT_EQ(now.node_id, was.node_id);
    EXPECT_EQ(now.allocation_id, was.allocation_id);
    if (was.node_id == "n2") EXPECT_EQ(now.state, ShardCopyState::kInitializing);
  }
}

// A primary already unassigned (its node left before any replica could take
// over) is replaced as soon as an in-sync replica is started: found in the
// benchmark of a primary's node that was also the master — the new master
// marked the primary unassigned and never promoted the started replica.
TEST(AllocationTest, AnUnassignedPrimaryIsReplacedByAStartedInSyncReplica) {
  ClusterStateSnapshot s = ThreeNodes();
  Create(&s, "books", 1, 1);
  StartAll(&s);
  int64_t unused = 0;
  (void)Reallocate(&s, AllocationInput{2'000}, &unused);  // the replica, once the primary started
  StartAll(&s);
  ShardRouting& shard = s.routing.begin()->second.shards[0];
  ASSERT_EQ(shard.in_sync.size(), 2u);
  const std::string replica_id = shard.copies[1].allocation_id;
  const std::string primary_node = shard.copies[0].node_id;
  const int64_t term = shard.primary_term;
  // The primary's node left; it was marked unassigned without a promotion.
  shard.copies[0].last_node_id = primary_node;
  shard.copies[0].node_id.clear();
  shard.copies[0].state = ShardCopyState::kUnassigned;
  shard.copies[0].unassigned_reason = "NODE_LEFT";
  s.nodes.erase(primary_node);
  int64_t next = 0;
  ASSERT_TRUE(Reallocate(&s, AllocationInput{10'000}, &next));
  const ShardRouting& now = s.routing.begin()->second.shards[0];
  ASSERT_NE(now.primary(), nullptr);
  EXPECT_EQ(now.primary()->allocation_id, replica_id);
  EXPECT_EQ(now.primary()->state, ShardCopyState::kStarted);
  EXPECT_EQ(now.primary_term, term + 1);
}

TEST(AllocationTest, APrimaryWhoseNodeStaysAwayIsNeverRecreatedEmpty) {
  ClusterStateSnapshot s = ThreeNodes();
  Create(&s, "books", 3, 0);
  StartAll(&s);
  s.nodes.erase("n1");
  int64_t next = 0;
  ASSERT_TRUE(Reallocate(&s, AllocationInput{10'000}, &next));
  EXPECT_FALSE(Reallocate(&s, AllocationInput{10'000 + 120'000}, &next)) << "past the delay: still nothing to do";
  const ShardCopyRouting* lost = nullptr;
  for (const ShardRouting& shard : s.routing.begin()->second.shards) {
    if (shard.copies[0].last_node_id == "n1") lost = &shard.copies[0];
  }
  ASSERT_NE(lost, nullptr);
  EXPECT_EQ(lost->state, ShardCopyState::kUnassigned);
  auto explained = ExplainAllocation(s, AllocationInput{10'000 + 120'000}, "", 0, true);
  ASSERT_TRUE(explained.ok()) << explained.status().ToString();
  EXPECT_EQ(explained->current_state, "unassigned");
  EXPECT_EQ(explained->unassigned_reason, "NODE_LEFT");
  EXPECT_NE(explained->allocate_explanation.find("[n1]"), std::string::npos) << explained->allocate_explanation;
  EXPECT_NE(explained->allocate_explanation.find("no empty primary"), std::string::npos);
  // Within the delay the explanation says how long is left.
  auto early = ExplainAllocation(s, AllocationInput{20'000}, "", 0, true);
  ASSERT_TRUE(early.ok());
  EXPECT_EQ(early->delay_left_ms, 50'000);
}

TEST(AllocationTest, ExcludingANodeMovesItsCopiesOffOneShardAtATime) {
  ClusterStateSnapshot s = ThreeNodes();
  Create(&s, "books", 6, 0);
  StartAll(&s);
  s.settings[kExcludeNameSetting] = "name-n3";
  EXPECT_EQ(ExcludedNodes(s), std::set<std::string>{"n3"});
  int64_t next = 0;
  for (int round = 0; round < 10; ++round) {
    (void)Reallocate(&s, AllocationInput{5000}, &next);
    // Targets finish their recovery and report started.
    for (auto& [uuid, index] : s.routing) {
      for (ShardRouting& shard : index.shards) {
        const std::string target = shard.copies[0].relocation_id;
        if (target.empty()) continue;
        EXPECT_NE(shard.copies[0].relocating_node_id, "n3");
        ASSERT_TRUE(ApplyCopyReport(&s, ShardId{uuid, shard.shard}, target, ShardCopyState::kStarted, "").value());
        EXPECT_EQ(shard.copies[0].allocation_id, target);
        EXPECT_EQ(shard.in_sync, std::vector<std::string>{target});
      }
    }
  }
  EXPECT_EQ(PrimariesPerNode(s.routing.begin()->second), (std::map<std::string, int>{{"n1", 3}, {"n2", 3}}));
  // A new index avoids the excluded node too.
  EXPECT_EQ(PrimariesPerNode(Create(&s, "new", 4, 0)).count("n3"), 0u);
}

TEST(AllocationTest, AMoveIsRefusedWhenTheTargetHoldsACopyOrIsUnknown) {
  ClusterStateSnapshot s = ThreeNodes();
  const IndexRouting& routing = Create(&s, "books", 1, 1);
  StartAll(&s);
  int64_t next = 0;
  (void)Reallocate(&s, AllocationInput{2000}, &next);
  StartAll(&s);
  const std::string uuid = s.routing.begin()->first;
  const std::string primary_node = routing.shards[0].copies[0].node_id;
  const std::string replica_node = routing.shards[0].copies[1].node_id;
  Status same = StartRelocation(&s, ShardId{uuid, 0}, primary_node, replica_node);
  EXPECT_EQ(same.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(same.message().find("already allocated"), std::string::npos) << same.message();
  EXPECT_EQ(StartRelocation(&s, ShardId{uuid, 0}, primary_node, "nope").code(), StatusCode::kInvalidArgument);
  std::string free_node;
  for (const char* n : {"n1", "n2", "n3"}) {
    if (n != primary_node && n != replica_node) free_node = n;
  }
  ASSERT_TRUE(StartRelocation(&s, ShardId{uuid, 0}, primary_node, free_node).ok());
  EXPECT_EQ(routing.shards[0].copies[0].state, ShardCopyState::kRelocating);
  // A failed target leaves the source where it was.
  const std::string target = routing.shards[0].copies[0].relocation_id;
  ASSERT_TRUE(ApplyCopyReport(&s, ShardId{uuid, 0}, target, ShardCopyState::kFailed, "disk").value());
  EXPECT_EQ(routing.shards[0].copies[0].state, ShardCopyState::kStarted);
  EXPECT_EQ(routing.shards[0].copies[0].node_id, primary_node);
}

TEST(AllocationTest, RebalancePlanEvensOutCopies) {
  ClusterStateSnapshot s = ThreeNodes();
  s.nodes.erase("n3");
  Create(&s, "books", 6, 0);
  StartAll(&s);
  s.nodes["n3"] = ClusterNode{"n3", "name-n3", "", ""};
  auto plan = PlanRebalance(s, AllocationInput{});
  ASSERT_EQ(plan.size(), 2u);
  for (const PlannedMove& m : plan) {
    EXPECT_EQ(m.to, "n3");
    EXPECT_FALSE(m.reason.empty());
  }
  EXPECT_NE(plan[0].from, plan[1].from) << "one from each full node";
}

// cluster.routing.allocation.enable, as Elasticsearch's rolling-restart
// procedure uses it: none, then new_primaries, then all.
TEST(AllocationTest, AllocationEnableNoneThenNewPrimariesThenAll) {
  ClusterStateSnapshot s = ThreeNodes();
  s.settings[kAllocationEnableSetting] = "none";
  const IndexRouting& routing = Create(&s, "books", 2, 1);
  for (const ShardRouting& shard : routing.shards) {
    EXPECT_TRUE(shard.copies[0].node_id.empty()) << "no primary is allocated while allocation is none";
    EXPECT_EQ(shard.copies[0].unassigned_reason, "INDEX_CREATED");
  }
  int64_t next = 0;
  EXPECT_FALSE(Reallocate(&s, AllocationInput{2000}, &next));
  auto why = ExplainAllocation(s, AllocationInput{2000}, "books", 0, true);
  ASSERT_TRUE(why.ok());
  EXPECT_NE(why->allocate_explanation.find("cluster.routing.allocation.enable is [none]"), std::string::npos)
      << why->allocate_explanation;
  // new_primaries: the new index's primaries go, its replicas wait.
  s.settings[kAllocationEnableSetting] = "new_primaries";
  ASSERT_TRUE(Reallocate(&s, AllocationInput{3000}, &next));
  for (const ShardRouting& shard : routing.shards) {
    EXPECT_FALSE(shard.copies[0].node_id.empty());
    EXPECT_EQ(shard.in_sync, std::vector<std::string>{shard.copies[0].allocation_id});
  }
  EXPECT_NE(PrimariesPerNode(routing).size(), 1u) << "spread as a new index's primaries are";
  StartAll(&s);
  (void)Reallocate(&s, AllocationInput{4000}, &next);
  for (const ShardRouting& shard : routing.shards) EXPECT_TRUE(shard.copies[1].node_id.empty());
  s.settings.erase(kAllocationEnableSetting);  // null: all
  ASSERT_TRUE(Reallocate(&s, AllocationInput{5000}, &next));
  for (const ShardRouting& shard : routing.shards) EXPECT_FALSE(shard.copies[1].node_id.empty());
  EXPECT_TRUE(IsAllocationEnableValue("primaries"));
  EXPECT_FALSE(IsAllocationEnableValue("replicas"));
}

TEST(AllocationTest, AllocationEnablePrimariesHoldsReplicasBackUntilTheNodeReturns) {
  ClusterStateSnapshot s = ThreeNodes();
  const IndexRouting& routing = Create(&s, "books", 3, 1);
  StartAll(&s);
  int64_t next = 0;
  (void)Reallocate(&s, AllocationInput{2000}, &next);
  StartAll(&s);
  s.settings[kAllocationEnableSetting] = "primaries";
  // A replica may not move; a primary may.
  const std::string uuid = s.routing.begin()->first;
  const ShardRouting& first = routing.shards[0];
  std::string free_node;
  for (const char* n : {"n1", "n2", "n3"}) {
    if (n != first.copies[0].node_id && n != first.copies[1].node_id) free_node = n;
  }
  Status replica_move = StartRelocation(&s, ShardId{uuid, 0}, first.copies[1].node_id, free_node);
  EXPECT_EQ(replica_move.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(replica_move.message().find("allocation.enable is [primaries]"), std::string::npos) << replica_move.message();
  // n2 stops for longer than the delay: its primaries' replicas take over,
  // and nothing is re-created anywhere.
  const ClusterStateSnapshot before = s;
  s.nodes.erase("n2");
  (void)Reallocate(&s, AllocationInput{10'000}, &next);
  (void)Reallocate(&s, AllocationInput{200'000}, &next);
  int placed = 0;
  for (const ShardRouting& shard : routing.shards) {
    EXPECT_NE(shard.copies[0].node_id, "") << "every shard keeps a started primary (promotion is never held back)";
    for (const ShardCopyRouting& c : shard.copies) EXPECT_NE(c.node_id, "n2");
    for (const ShardCopyRouting& c : shard.copies) placed += !c.node_id.empty();
  }
  EXPECT_EQ(placed, 4) << "n2's two copies are not re-created elsewhere while allocation is primaries";
  // n2 is back: its copies wait for allocation to be all again, then go back to it.
  s.nodes["n2"] = before.nodes.at("n2");
  EXPECT_FALSE(Reallocate(&s, AllocationInput{210'000}, &next));
  s.settings[kAllocationEnableSetting] = "all";
  ASSERT_TRUE(Reallocate(&s, AllocationInput{220'000}, &next));
  int back_on_n2 = 0;
  for (const ShardRouting& shard : routing.shards) {
    for (const ShardCopyRouting& c : shard.copies) back_on_n2 += c.node_id == "n2";
  }
  EXPECT_EQ(back_on_n2, 2) << "n2's two copies went back to its volume";
}


// A replica that was out of the in-sync set when the primary's node went
// away holds none of the writes acknowledged without it: when its node
// returns it must not open what its volume holds and join the in-sync set
// (it would then be promoted, and those writes lost). It waits for a
// started primary to recover from; the shard stays red.
TEST(AllocationTest, AStaleReplicaWhoseNodeReturnsNeverJoinsTheInSyncSetWithoutAPrimary) {
  ClusterStateSnapshot s = ThreeNodes();
  Create(&s, "books", 1, 1);
  StartAll(&s);
  int64_t next = 0;
  (void)Reallocate(&s, AllocationInput{2'000}, &next);
  StartAll(&s);
  const ShardId id{s.routing.begin()->first, 0};
  auto shard = [&]() -> const ShardRouting& { return s.routing.begin()->second.shards[0]; };
  ASSERT_EQ(shard().in_sync.size(), 2u);
  const std::string primary_node = shard().copies[0].node_id;
  const std::string replica_node = shard().copies[1].node_id;
  const ClusterNode replica_member = s.nodes.at(replica_node);
  // The replica's node leaves: out of the in-sync set; writes go on without it.
  s.nodes.erase(replica_node);
  ASSERT_TRUE(Reallocate(&s, AllocationInput{3'000}, &next));
  ASSERT_EQ(shard().in_sync.size(), 1u);
  // Then the primary's node.
  s.nodes.erase(primary_node);
  (void)Reallocate(&s, AllocationInput{4'000}, &next);
  ASSERT_EQ(shard().primary(), nullptr);
  // The replica's node returns (the third node stays): nothing may open its stale copy.
  s.nodes[replica_node] = replica_member;
  (void)Reallocate(&s, AllocationInput{5'000}, &next);
  for (const ShardCopyRouting& c : shard().copies) {
    EXPECT_EQ(c.state, ShardCopyState::kUnassigned) << "the copy last on " << c.last_node_id << " was allocated";
  }
  auto explained = ExplainAllocation(s, AllocationInput{5'000}, "books", 0, false);
  ASSERT_TRUE(explained.ok()) << explained.status().ToString();
  EXPECT_NE(explained->allocate_explanation.find("until the primary is started"), std::string::npos)
      << explained->allocate_explanation;
  // Even a started report of such a copy (a node that opened it anyway) does
  // not put it in sync, and nothing is promoted.
  ShardCopyRouting& replica = s.routing.begin()->second.shards[0].copies[1];
  ASSERT_FALSE(replica.primary);
  replica.node_id = replica_node;
  replica.state = ShardCopyState::kInitializing;
  replica.allocation_id = "opened-anyway";
  auto report = ApplyCopyReport(&s, id, "opened-anyway", ShardCopyState::kStarted, "");
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_FALSE(report.value()) << "a replica with no primary to recover from joined the in-sync set";
  (void)Reallocate(&s, AllocationInput{6'000}, &next);
  EXPECT_EQ(shard().primary(), nullptr);
  EXPECT_EQ(shard().in_sync.size(), 1u);
}

}  // namespace
}  // namespace holdfast
