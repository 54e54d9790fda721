// JudgeSafeToStop on cluster states made by hand: each reason appears
// exactly when its case holds, shard by shard, and `require=data` drops the
// availability reasons but not an unknown cluster state.
#include "lifecycle/safe_to_stop.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace holdfast {
namespace {

ShardCopyRouting Copy(const std::string& node, bool primary, ShardCopyState state, const std::string& id) {
  ShardCopyRouting c;
  c.node_id = node;
  c.primary = primary;
  c.state = state;
  c.allocation_id = id;
  return c;
}

// Members n1..n3; index "books" with one shard of `copies`, `in_sync` ids.
ClusterStateSnapshot State(std::vector<ShardCopyRouting> copies, std::vector<std::string> in_sync) {
  ClusterStateSnapshot s;
  for (const char* id : {"n1", "n2", "n3"}) s.nodes[id] = ClusterNode{id, id, "127.0.0.1:1", "127.0.0.1:2"};
  IndexMetadata m;
  m.name = "books";
  m.uuid = "u-books";
  s.indices[m.uuid] = m;
  ShardRouting shard;
  shard.copies = std::move(copies);
  shard.in_sync = std::move(in_sync);
  s.routing[m.uuid].shards.push_back(std::move(shard));
  return s;
}

std::multiset<std::string> Reasons(const SafeToStopReport& r) {
  std::multiset<std::string> out;
  for (const StopReason& reason : r.reasons) out.insert(reason.reason);
  return out;
}

constexpr auto kStarted = ShardCopyState::kStarted;
constexpr auto kAvail = StopRequirement::kAvailability;
constexpr auto kData = StopRequirement::kData;

TEST(SafeToStopTest, AReplicaWithAStartedInSyncPrimaryElsewhereMayStop) {
  auto s = State({Copy("n1", true, kStarted, "a"), Copy("n2", false, kStarted, "b")}, {"a", "b"});
  auto r = JudgeSafeToStop(s, "n2", kAvail, true);
  EXPECT_TRUE(r.safe);
  EXPECT_TRUE(r.reasons.empty());
  EXPECT_EQ(r.copies_here, 1u);
  // A node without copies may stop too.
  EXPECT_TRUE(JudgeSafeToStop(s, "n3", kAvail, true).safe);
}

TEST(SafeToStopTest, ThePrimaryIsNotSafeToStopButLosesNoData) {
  auto s = State({Copy("n1", true, kStarted, "a"), Copy("n2", false, kStarted, "b")}, {"a", "b"});
  auto r = JudgeSafeToStop(s, "n1", kAvail, true);
  EXPECT_FALSE(r.safe);
  EXPECT_EQ(Reasons(r), (std::multiset<std::string>{"primary_here"}));
  EXPECT_EQ(r.reasons[0].index, "books");
  EXPECT_EQ(r.reasons[0].shard, 0);
  EXPECT_NE(r.reasons[0].detail.find("n2"), std::string::npos) << r.reasons[0].detail;
  EXPECT_TRUE(JudgeSafeToStop(s, "n1", kData, true).safe);
}

TEST(SafeToStopTest, TheOnlyInSyncCopyIsNotSafeToStop) {
  // No replica at all.
  auto alone = State({Copy("n1", true, kStarted, "a")}, {"a"});
  EXPECT_EQ(Reasons(JudgeSafeToStop(alone, "n1", kAvail, true)),
            (std::multiset<std::string>{"sole_in_sync_copy", "primary_here"}));
  EXPECT_TRUE(JudgeSafeToStop(alone, "n1", kData, true).safe) << "its data is on its volume";
  // The other copy is stale (not in the in-sync set).
  auto stale = State({Copy("n1", true, kStarted, "a"), Copy("n2", false, kStarted, "b")}, {"a"});
  EXPECT_EQ(Reasons(JudgeSafeToStop(stale, "n1", kAvail, true)),
            (std::multiset<std::string>{"sole_in_sync_copy", "primary_here"}));
  // The other copy's node is gone from the members.
  auto gone = State({Copy("n1", true, kStarted, "a"), Copy("n2", false, kStarted, "b")}, {"a", "b"});
  gone.nodes.erase("n1");
  EXPECT_EQ(Reasons(JudgeSafeToStop(gone, "n2", kAvail, true)), (std::multiset<std::string>{"sole_in_sync_copy"}));
}

TEST(SafeToStopTest, AReplicaOutOfSyncStillCountsTheInSyncPrimary) {
  // The replica here is not in sync; the primary elsewhere is: stopping the
  // replica loses nothing.
  auto s = State({Copy("n1", true, kStarted, "a"), Copy("n2", false, kStarted, "b")}, {"a"});
  EXPECT_TRUE(JudgeSafeToStop(s, "n2", kAvail, true).safe);
}

TEST(SafeToStopTest, ARecoverySourceIsNotSafeToStop) {
  // A replica initializing on n2 copies from the primary on n1.
  auto s = State({Copy("n1", true, kStarted, "a"), Copy("n2", false, ShardCopyState::kInitializing, "b")}, {"a"});
  EXPECT_EQ(Reasons(JudgeSafeToStop(s, "n1", kAvail, true)),
            (std::multiset<std::string>{"sole_in_sync_copy", "primary_here", "recovery_source"}));
  // A copy moving from n3 to n1.
  auto moving = State({Copy("n3", true, ShardCopyState::kRelocating, "a"), Copy("n2", false, kStarted, "b")},
                      {"a", "b"});
  moving.routing["u-books"].shards[0].copies[0].relocating_node_id = "n1";
  auto r = JudgeSafeToStop(moving, "n3", kAvail, true);
  EXPECT_EQ(Reasons(r), (std::multiset<std::string>{"primary_here", "recovery_source"}));
  EXPECT_TRUE(JudgeSafeToStop(moving, "n2", kAvail, true).safe) << "the relocating primary is started and in sync";
}

TEST(SafeToStopTest, AnUnknownClusterStateIsNeverSafe) {
  auto s = State({Copy("n1", true, kStarted, "a"), Copy("n2", false, kStarted, "b")}, {"a", "b"});
  for (auto require : {kAvail, kData}) {
    auto r = JudgeSafeToStop(s, "n2", require, false);
    EXPECT_FALSE(r.safe);
    ASSERT_EQ(Reasons(r), (std::multiset<std::string>{"cluster_state_unknown"}));
    EXPECT_EQ(r.reasons[0].shard, -1);
  }
}

}  // namespace
}  // namespace holdfast
