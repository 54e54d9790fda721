// Recovery throttling (replication/allocation.h): replicas filled from their
// primary and relocations start only while their target node has fewer
// than node_concurrent_incoming_recoveries coming in and their source fewer
// than node_concurrent_outgoing_recoveries going out — so that a node that
// returns, or a new replica count, does not start a recovery of every shard
// at once on one node's disk and network.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "replication/allocation.h"
#include "replication/cluster_admin.h"
#include "tests/replication/allocation_test_util.h"
#include "tests/replication/cluster_state_test_util.h"

namespace holdfast {
namespace {

using testing::NewIndex;

ClusterStateSnapshot Nodes(int n) {
  ClusterStateSnapshot s;
  for (int i = 1; i <= n; ++i) {
    const std::string id = "n" + std::to_string(i);
    ClusterNode node;
    node.node_id = id;
    node.name = id;
    s.nodes[id] = std::move(node);
  }
  return s;
}

AllocationInput At(int64_t now_ms) {
  AllocationInput in;
  in.now_ms = now_ms;
  return in;
}

std::string Create(ClusterStateSnapshot* s, const std::string& name, uint32_t shards, uint32_t replicas) {
  IndexMetadata m = NewIndex(name, shards, replicas);
  auto routing = AllocateNewIndex(m, *s, At(1000));
  EXPECT_TRUE(routing.ok()) << routing.status().ToString();
  s->routing[m.uuid] = routing.ok() ? std::move(routing).value() : IndexRouting{};
  s->indices[m.uuid] = m;
  return m.uuid;
}

void StartAll(ClusterStateSnapshot* s) { testing::ReportEveryCopyStarted(s); }

// Recoveries under way: per target node (incoming) and per source (outgoing).
struct Under {
  std::map<std::string, int> in, out;
  int total = 0;
};
Under UnderWay(const ClusterStateSnapshot& s) {
  Under u;
  for (const auto& [uuid, routing] : s.routing) {
    for (const ShardRouting& shard : routing.shards) {
      for (const ShardCopyRouting& c : shard.copies) {
        if (!c.relocating_node_id.empty()) {
          ++u.in[c.relocating_node_id], ++u.out[c.node_id], ++u.total;
        } else if (!c.primary && c.state == ShardCopyState::kInitializing) {
          ++u.in[c.node_id], ++u.out[shard.primary()->node_id], ++u.total;
        }
      }
    }
  }
  return u;
}

int MaxOf(const std::map<std::string, int>& m) {
  int most = 0;
  for (const auto& [node, n] : m) most = std::max(most, n);
  return most;
}

int Unassigned(const ClusterStateSnapshot& s) {
  int n = 0;
  for (const auto& [uuid, routing] : s.routing) {
    for (const ShardRouting& shard : routing.shards) {
      for (const ShardCopyRouting& c : shard.copies) n += c.state == ShardCopyState::kUnassigned;
    }
  }
  return n;
}

TEST(RecoveryThrottlingTest, NewReplicasStartAtMostTheLimitPerNodeAndTheRestFollowAsRecoveriesFinish) {
  ClusterStateSnapshot s = Nodes(3);
  s.settings[kConcurrentRecoveriesSetting] = "1";
  const std::string uuid = Create(&s, "books", 6, 1);
  StartAll(&s);  // the six primaries, 2 per node
  int64_t next = 0;
  ASSERT_TRUE(Reallocate(&s, At(2000), &next));
  Under u = UnderWay(s);
  EXPECT_EQ(MaxOf(u.in), 1) << "one recovery into each node at most";
  EXPECT_EQ(MaxOf(u.out), 1) << "one recovery out of each node at most";
  EXPECT_GE(u.total, 2) << "recoveries did start";
  EXPECT_EQ(Unassigned(s), 6 - u.total);
  // A waiting replica is explained as throttled, naming the setting.
  const IndexRouting& routing = s.routing[uuid];
  int waiting_shard = -1;
  for (const ShardRouting& shard : routing.shards) {
    if (shard.copies[1].state == ShardCopyState::kUnassigned) waiting_shard = static_cast<int>(shard.shard);
  }
  ASSERT_GE(waiting_shard, 0);
  auto explained = ExplainAllocation(s, At(2000), "books", waiting_shard, false);
  ASSERT_TRUE(explained.ok());
  EXPECT_TRUE(explained->throttled) << explained->allocate_explanation;
  EXPECT_EQ(CanAllocateOf(*explained), "throttled");
  EXPECT_NE(explained->allocate_explanation.find("shard recoveries [1] on node"), std::string::npos)
      << explained->allocate_explanation;
  EXPECT_NE(explained->allocate_explanation.find(kConcurrentRecoveriesSetting), std::string::npos)
      << explained->allocate_explanation;
  // Nothing more starts until a recovery finishes; then the rest follow,
  // never above the limit.
  EXPECT_FALSE(Reallocate(&s, At(3000), &next));
  for (int pass = 0; pass < 10 && Unassigned(s) > 0; ++pass) {
    StartAll(&s);
    (void)Reallocate(&s, At(4000 + pass), &next);
    u = UnderWay(s);
    EXPECT_LE(MaxOf(u.in), 1);
    EXPECT_LE(MaxOf(u.out), 1);
  }
  StartAll(&s);
  EXPECT_EQ(Unassigned(s), 0) << "every replica was allocated in the end";
  for (const ShardRouting& shard : routing.shards) {
    EXPECT_EQ(shard.copies[1].state, ShardCopyState::kStarted);
    EXPECT_NE(shard.copies[1].node_id, shard.copies[0].node_id);
  }
}

TEST(RecoveryThrottlingTest, AnOutgoingLimitHoldsBackThePrimarysSecondReplica) {
  ClusterStateSnapshot s = Nodes(3);
  const std::string uuid = Create(&s, "one", 1, 2);
  StartAll(&s);
  int64_t next = 0;
  // The default (2 each way): both replicas recover from the primary at once.
  ClusterStateSnapshot by_default = s;
  ASSERT_TRUE(Reallocate(&by_default, At(2000), &next));
  EXPECT_EQ(UnderWay(by_default).total, 2);
  // An outgoing limit of 1 (the incoming one unchanged): one at a time.
  s.settings[kConcurrentOutgoingRecoveriesSetting] = "1";
  ASSERT_TRUE(Reallocate(&s, At(2000), &next));
  EXPECT_EQ(UnderWay(s).total, 1);
  auto explained = ExplainAllocation(s, At(2000), "one", 0, false);
  ASSERT_TRUE(explained.ok());
  // The explained replica is the first of the shard: maybe the one under way.
  const ShardRouting& shard = s.routing[uuid].shards[0];
  if (shard.copies[1].state == ShardCopyState::kUnassigned) {
    EXPECT_NE(explained->allocate_explanation.find("limit of outgoing shard recoveries [1]"), std::string::npos)
        << explained->allocate_explanation;
    EXPECT_NE(explained->allocate_explanation.find(kConcurrentOutgoingRecoveriesSetting), std::string::npos);
  }
  StartAll(&s);
  ASSERT_TRUE(Reallocate(&s, At(3000), &next));
  EXPECT_EQ(UnderWay(s).total, 1);
  StartAll(&s);
  EXPECT_EQ(Unassigned(s), 0);
  // An incoming limit of 0 overrides node_concurrent_recoveries for that side:
  // a replica added now waits, and goes once the setting is removed.
  s.settings[kConcurrentRecoveriesSetting] = "5";
  s.settings[kConcurrentIncomingRecoveriesSetting] = "0";
  const std::string more = Create(&s, "more", 1, 1);
  StartAll(&s);
  (void)Reallocate(&s, At(4000), &next);
  EXPECT_EQ(s.routing[more].shards[0].copies[1].state, ShardCopyState::kUnassigned);
  auto waiting = ExplainAllocation(s, At(4000), "more", 0, false);
  ASSERT_TRUE(waiting.ok());
  EXPECT_EQ(CanAllocateOf(*waiting), "throttled") << waiting->allocate_explanation;
  EXPECT_NE(waiting->allocate_explanation.find(std::string(kConcurrentIncomingRecoveriesSetting) + "=0"),
            std::string::npos)
      << waiting->allocate_explanation;
  s.settings.erase(kConcurrentIncomingRecoveriesSetting);
  ASSERT_TRUE(Reallocate(&s, At(5000), &next));
  EXPECT_EQ(s.routing[more].shards[0].copies[1].state, ShardCopyState::kInitializing);
}

TEST(RecoveryThrottlingTest, CopiesLeaveAnExcludedNodeAtTheOutgoingLimit) {
  ClusterStateSnapshot s = Nodes(3);
  const std::string uuid = Create(&s, "books", 6, 0);
  StartAll(&s);
  int64_t next = 0;
  s.settings[kExcludeNameSetting] = "n1";
  ClusterStateSnapshot by_default = s;
  ASSERT_TRUE(Reallocate(&by_default, At(2000), &next));
  EXPECT_EQ(UnderWay(by_default).out["n1"], 2) << "both of n1's copies move at once by default";
  s.settings[kConcurrentOutgoingRecoveriesSetting] = "1";
  ASSERT_TRUE(Reallocate(&s, At(2000), &next));
  EXPECT_EQ(UnderWay(s).out["n1"], 1) << "one at a time with an outgoing limit of 1";
  StartAll(&s);
  ASSERT_TRUE(Reallocate(&s, At(3000), &next));
  EXPECT_EQ(UnderWay(s).out["n1"], 1);
  StartAll(&s);
  for (const ShardRouting& shard : s.routing[uuid].shards) EXPECT_NE(shard.copies[0].node_id, "n1");
}

TEST(RecoveryThrottlingTest, AReturningReplicaWaitsItsTurnLikeAnyRecovery) {
  ClusterStateSnapshot s = Nodes(3);
  const std::string uuid = Create(&s, "books", 6, 1);
  StartAll(&s);
  int64_t next = 0;
  for (int pass = 0; pass < 5; ++pass) {
    (void)Reallocate(&s, At(2000 + pass), &next);
    StartAll(&s);
  }
  ASSERT_EQ(Unassigned(s), 0);
  // n3 leaves and comes back within the delay: its replicas go back to it,
  // at most one recovery at a time with a limit of 1.
  s.settings[kConcurrentRecoveriesSetting] = "1";
  const ClusterNode n3 = s.nodes.at("n3");
  s.nodes.erase("n3");
  (void)Reallocate(&s, At(10'000), &next);
  StartAll(&s);  // promotions of n3's primaries' replicas
  s.nodes["n3"] = n3;
  int back = 0;
  for (int pass = 0; pass < 10; ++pass) {
    (void)Reallocate(&s, At(11'000 + pass), &next);
    Under u = UnderWay(s);
    EXPECT_LE(u.in["n3"], 1) << "pass " << pass;
    StartAll(&s);
  }
  for (const ShardRouting& shard : s.routing[uuid].shards) {
    for (const ShardCopyRouting& c : shard.copies) back += c.node_id == "n3";
  }
  EXPECT_EQ(back, 4) << "n3 holds its four copies again";
  EXPECT_EQ(Unassigned(s), 0);
}

// A node back after a full restart opens its primaries a few at a time
// (node_initial_primaries_recoveries), not all at once.
TEST(RecoveryThrottlingTest, AReturningNodeOpensItsPrimariesAtMostTheLimitAtATime) {
  ClusterStateSnapshot s = Nodes(1);
  const std::string uuid = Create(&s, "books", 6, 0);
  StartAll(&s);
  int64_t next = 0;
  const ClusterNode n1 = s.nodes.at("n1");
  s.nodes.erase("n1");
  (void)Reallocate(&s, At(10'000), &next);
  ASSERT_EQ(Unassigned(s), 6);
  s.nodes["n1"] = n1;
  s.settings[kInitialPrimariesRecoveriesSetting] = "4";
  ASSERT_TRUE(Reallocate(&s, At(11'000), &next));
  auto initializing = [&] {
    int n = 0;
    for (const ShardRouting& shard : s.routing[uuid].shards) n += shard.copies[0].state == ShardCopyState::kInitializing;
    return n;
  };
  EXPECT_EQ(initializing(), 4);
  EXPECT_EQ(Unassigned(s), 2);
  int waiting = -1;
  for (const ShardRouting& shard : s.routing[uuid].shards) {
    if (shard.copies[0].state == ShardCopyState::kUnassigned) waiting = static_cast<int>(shard.shard);
  }
  ASSERT_GE(waiting, 0);
  auto explained = ExplainAllocation(s, At(11'000), "books", waiting, true);
  ASSERT_TRUE(explained.ok());
  EXPECT_EQ(CanAllocateOf(*explained), "throttled") << explained->allocate_explanation;
  EXPECT_NE(explained->allocate_explanation.find(std::string(kInitialPrimariesRecoveriesSetting) + "=4"),
            std::string::npos)
      << explained->allocate_explanation;
  EXPECT_FALSE(Reallocate(&s, At(12'000), &next)) << "nothing more until one has started";
  StartAll(&s);
  ASSERT_TRUE(Reallocate(&s, At(13'000), &next));
  EXPECT_EQ(initializing(), 2);
  StartAll(&s);
  EXPECT_EQ(Unassigned(s), 0);
  for (const ShardRouting& shard : s.routing[uuid].shards) EXPECT_EQ(shard.copies[0].node_id, "n1");
}

TEST(RecoveryThrottlingTest, LimitsParseAsTheSettingsTakeThem) {
  EXPECT_EQ(ParseRecoveryLimit("0"), 0);
  EXPECT_EQ(ParseRecoveryLimit("4"), 4);
  EXPECT_FALSE(ParseRecoveryLimit("-1"));
  EXPECT_FALSE(ParseRecoveryLimit("two"));
  EXPECT_FALSE(ParseRecoveryLimit(""));
  ClusterStateSnapshot s;
  EXPECT_EQ(RecoveryLimitsOf(s).incoming, 2);
  EXPECT_EQ(RecoveryLimitsOf(s).outgoing, 2);
  EXPECT_EQ(RecoveryLimitsOf(s).initial_primaries, 4);
  s.settings[kConcurrentRecoveriesSetting] = "3";
  s.settings[kConcurrentOutgoingRecoveriesSetting] = "1";
  EXPECT_EQ(RecoveryLimitsOf(s).incoming, 3);
  EXPECT_EQ(RecoveryLimitsOf(s).outgoing, 1);
}

}  // namespace
}  // namespace holdfast
