// Drain records and disruption slots (replication/drain_records.h), on
// snapshots: one disruption at a time, records that end by themselves, and
// the primary handoff a restart drain makes.
#include "replication/drain_records.h"

#include <gtest/gtest.h>

#include "replication/allocation.h"
#include "tests/replication/cluster_state_test_util.h"

namespace holdfast {
namespace {

using testing::NewIndex;

class DrainRecordsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* id : {"n1", "n2", "n3"}) {
      s_.nodes[id] = ClusterNode{id, std::string("name-") + id, "127.0.0.1:1", "127.0.0.1:2"};
    }
    IndexMetadata m = NewIndex("books", 3, 1);
    uuid_ = m.uuid;
    auto routing = AllocateNewIndex(m, s_, AllocationInput{1000});
    ASSERT_TRUE(routing.ok());
    s_.indices[m.uuid] = m;
    s_.routing[m.uuid] = std::move(routing).value();
    Settle();
  }

  // Replicas placed, every copy started: green.
  void Settle() {
    for (int round = 0; round < 3; ++round) {
      int64_t next = 0;
      Reallocate(&s_, AllocationInput{now_}, &next);
      for (ShardRouting& shard : s_.routing[uuid_].shards) {
        for (ShardCopyRouting& copy : shard.copies) {
          if (copy.state != ShardCopyState::kInitializing) continue;
          ASSERT_TRUE(ApplyCopyReport(&s_, ShardId{uuid_, shard.shard}, copy.allocation_id, ShardCopyState::kStarted, "").ok());
        }
      }
    }
  }

  bool HoldsSlot(const std::string& node) const {
    const NodeDrain* d = DrainOf(s_, node);
    return d != nullptr && d->slot_at_ms > 0;
  }

  ClusterStateSnapshot s_;
  std::string uuid_;
  int64_t now_ = 10'000;
};

TEST_F(DrainRecordsTest, OneDisruptionAtATimeFirstAskedFirstServed) {
  ASSERT_TRUE(ApplyDrainRequest(&s_, "n1", "restart", "p1", now_).value());
  ASSERT_TRUE(ApplyDrainRequest(&s_, "n2", "restart", "p2", now_ + 1).value());
  ASSERT_TRUE(ApplyDrainRequest(&s_, "n3", "restart", "p3", now_ + 2).value());
  EXPECT_TRUE(HoldsSlot("n1"));
  EXPECT_FALSE(HoldsSlot("n2")) << "queued behind n1";
  EXPECT_FALSE(HoldsSlot("n3"));
  EXPECT_TRUE(IsDraining(s_, "n1"));
  EXPECT_FALSE(IsDraining(s_, "n2"));
  // Asked again by the same process: nothing changes.
  EXPECT_FALSE(ApplyDrainRequest(&s_, "n1", "restart", "p1", now_ + 5).value());
  EXPECT_EQ(ApplyDrainRequest(&s_, "n1", "sometimes", "p1", now_).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ApplyDrainRequest(&s_, "n9", "restart", "p9", now_).status().code(), StatusCode::kInvalidArgument);

  // Cancelled: the slot goes to the oldest queued drain.
  EXPECT_TRUE(ApplyDrainCancel(&s_, "n1"));
  EXPECT_FALSE(ApplyDrainCancel(&s_, "n1"));
  EXPECT_TRUE(AdvanceDrains(&s_, now_ + 10));
  EXPECT_TRUE(HoldsSlot("n2"));
  EXPECT_FALSE(HoldsSlot("n3"));

  // Two slots: both run.
  s_.settings[kMaxConcurrentDisruptionsSetting] = "2";
  EXPECT_TRUE(AdvanceDrains(&s_, now_ + 20));
  EXPECT_TRUE(HoldsSlot("n3"));
  s_.settings[kMaxConcurrentDisruptionsSetting] = "zero";
  EXPECT_EQ(MaxConcurrentDisruptions(s_), 1) << "a bad value counts as the default";
}

TEST_F(DrainRecordsTest, ARestartRecordEndsOnceTheNodeIsBackInSyncAndGreen) {
  ASSERT_TRUE(ApplyDrainRequest(&s_, "n1", "restart", "p1", now_).value());
  ASSERT_TRUE(ApplyDrainRequest(&s_, "n2", "restart", "p2", now_ + 1).value());
  // n1 stops: its copies wait for it, its record keeps the slot.
  const ClusterNode n1 = s_.nodes["n1"];
  s_.nodes.erase("n1");
  int64_t next = 0;
  Reallocate(&s_, AllocationInput{now_ + 100}, &next);
  EXPECT_TRUE(AdvanceDrains(&s_, now_ + 100));
  ASSERT_NE(DrainOf(s_, "n1"), nullptr);
  EXPECT_EQ(DrainOf(s_, "n1")->away_since_ms, now_ + 100);
  EXPECT_FALSE(IsDraining(s_, "n1")) << "away, not draining";
  EXPECT_FALSE(HoldsSlot("n2"));
  // Back: not over until its copies are started and in sync and health is green.
  s_.nodes["n1"] = n1;
  Reallocate(&s_, AllocationInput{now_ + 200}, &next);
  AdvanceDrains(&s_, now_ + 200);
  ASSERT_NE(DrainOf(s_, "n1"), nullptr) << "its copies are recovering";
  EXPECT_TRUE(DrainOf(s_, "n1")->returned);
  EXPECT_FALSE(HoldsSlot("n2"));
  Settle();
  EXPECT_TRUE(AdvanceDrains(&s_, now_ + 300));
  EXPECT_EQ(DrainOf(s_, "n1"), nullptr) << "over: nothing left behind";
  EXPECT_TRUE(HoldsSlot("n2")) << "the next disruption may start";
}

TEST_F(DrainRecordsTest, ANewProcessOfTheNodeTakesItsRecordUp) {
  ASSERT_TRUE(ApplyDrainRequest(&s_, "n1", "restart", "p1", now_).value());
  // The node restarted faster than the master saw it go.
  EXPECT_FALSE(ApplyDrainReturn(&s_, "n1", "p1")) << "the same process";
  EXPECT_TRUE(ApplyDrainReturn(&s_, "n1", "p1-again"));
  EXPECT_TRUE(DrainOf(s_, "n1")->returned);
  EXPECT_TRUE(AdvanceDrains(&s_, now_ + 10));
  EXPECT_EQ(DrainOf(s_, "n1"), nullptr) << "green and in sync already";
  // A queued drain of a process that is gone just ends.
  ASSERT_TRUE(ApplyDrainRequest(&s_, "n2", "restart", "p2", now_).value());
  ASSERT_TRUE(ApplyDrainRequest(&s_, "n3", "restart", "p3", now_ + 1).value());
  EXPECT_TRUE(ApplyDrainReturn(&s_, "n3", "p3-again"));
  EXPECT_EQ(DrainOf(s_, "n3"), nullptr);
}

TEST_F(DrainRecordsTest, RecordsOfNodesThatVanishEnd) {
  ASSERT_TRUE(ApplyDrainRequest(&s_, "n1", "restart", "p1", now_).value());
  ASSERT_TRUE(ApplyDrainRequest(&s_, "n2", "restart", "p2", now_ + 1).value());
  s_.nodes.erase("n2");
  EXPECT_TRUE(AdvanceDrains(&s_, now_ + 10));
  EXPECT_EQ(DrainOf(s_, "n2"), nullptr) << "queued, and its node went away";
  // A restarting node that stays away longer than the node_left delay (1 min).
  s_.nodes.erase("n1");
  AdvanceDrains(&s_, now_ + 100);
  ASSERT_NE(DrainOf(s_, "n1"), nullptr);
  EXPECT_FALSE(AdvanceDrains(&s_, now_ + 100 + 60'000));
  EXPECT_TRUE(AdvanceDrains(&s_, now_ + 100 + 60'001));
  EXPECT_EQ(DrainOf(s_, "n1"), nullptr);
}

TEST_F(DrainRecordsTest, ARemoveDrainExcludesItsNodeUntilItLeaves) {
  ASSERT_TRUE(ApplyDrainRequest(&s_, "n3", "remove", "p3", now_).value());
  EXPECT_EQ(ExcludedNodes(s_), (std::set<std::string>{"n3"}));
  int64_t next = 0;
  EXPECT_TRUE(Reallocate(&s_, AllocationInput{now_}, &next)) << "its copies start moving";
  bool moving = false;
  for (const ShardRouting& shard : s_.routing[uuid_].shards) {
    for (const ShardCopyRouting& c : shard.copies) moving |= c.node_id == "n3" && c.state == ShardCopyState::kRelocating;
  }
  EXPECT_TRUE(moving);
  s_.nodes.erase("n3");
  EXPECT_TRUE(AdvanceDrains(&s_, now_ + 10));
  EXPECT_EQ(DrainOf(s_, "n3"), nullptr);
  EXPECT_TRUE(ExcludedNodes(s_).empty()) << "no exclusion left behind";
  // Cancelled before it left: the exclusion goes with the record.
  ASSERT_TRUE(ApplyDrainRequest(&s_, "n2", "remove", "p2", now_).value());
  EXPECT_EQ(ExcludedNodes(s_), (std::set<std::string>{"n2"}));
  EXPECT_TRUE(ApplyDrainCancel(&s_, "n2"));
  EXPECT_TRUE(ExcludedNodes(s_).empty());
}

TEST_F(DrainRecordsTest, APrimaryHandsOverToAnInSyncReplica) {
  ShardRouting& shard = s_.routing[uuid_].shards[0];
  const std::string from = shard.copies[0].allocation_id;
  const std::string to = shard.copies[1].allocation_id;
  const std::string to_node = shard.copies[1].node_id;
  const ShardId id{uuid_, 0};
  EXPECT_EQ(ApplyPrimaryHandoff(&s_, id, from, to, 2).status().code(), StatusCode::kFenced) << "not its term";
  EXPECT_EQ(ApplyPrimaryHandoff(&s_, id, to, from, 1).status().code(), StatusCode::kInvalidArgument)
      << "the replica is not the primary";
  ASSERT_TRUE(ApplyPrimaryHandoff(&s_, id, from, to, 1).value());
  EXPECT_EQ(shard.primary_term, 2);
  EXPECT_TRUE(shard.copies[0].primary);
  EXPECT_EQ(shard.copies[0].allocation_id, to);
  EXPECT_EQ(shard.copies[0].node_id, to_node);
  EXPECT_FALSE(shard.copies[1].primary);
  EXPECT_EQ(shard.copies[1].state, ShardCopyState::kStarted);
  EXPECT_TRUE(shard.IsInSync(from)) << "the old primary stays an in-sync replica";
  EXPECT_TRUE(shard.IsInSync(to));
  EXPECT_FALSE(ApplyPrimaryHandoff(&s_, id, from, to, 1).value()) << "a retry changes nothing";
  // A replica that is not in sync cannot take over.
  shard.in_sync = {to};
  EXPECT_EQ(ApplyPrimaryHandoff(&s_, id, to, from, 2).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(DrainRecordsTest, AReconcileRefusesAStaleEpochAndGrantsOnlyAFreeSlot) {
  ASSERT_TRUE(ApplyReconcile(&s_, "marathon", 5, {}, now_).value());
  EXPECT_EQ(s_.orchestrator_epochs["marathon"], 5);
  EXPECT_FALSE(ApplyReconcile(&s_, "marathon", 5, {}, now_).value()) << "the same epoch again: nothing new";
  EXPECT_EQ(ApplyReconcile(&s_, "marathon", 4, {}, now_).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(ApplyReconcile(&s_, "other", 1, {}, now_).value()) << "epochs are per orchestrator";

  // Two nodes the orchestrator may stop, one slot: one grant, no queue left behind.
  std::vector<DisruptionGrant> grants = {{"n1", "restart", "token:a"}, {"n2", "remove", "token:b"}};
  ASSERT_TRUE(ApplyReconcile(&s_, "marathon", 6, grants, now_).value());
  EXPECT_EQ(s_.drains.size(), 1u);
  ASSERT_NE(DrainOf(s_, "n1"), nullptr);
  EXPECT_EQ(DrainOf(s_, "n1")->incarnation, "token:a");
  EXPECT_TRUE(HoldsSlot("n1"));
  EXPECT_TRUE(IsDraining(s_, "n1")) << "coordinators keep away from a node about to stop";
  // A node with a drain of its own keeps it.
  ASSERT_TRUE(ApplyDrainCancel(&s_, "n1"));
  ASSERT_TRUE(ApplyDrainRequest(&s_, "n2", "restart", "p2", now_).value());
  ASSERT_TRUE(ApplyReconcile(&s_, "marathon", 6, {{"n2", "restart", "token:c"}}, now_ + 1).ok());
  EXPECT_EQ(DrainOf(s_, "n2")->incarnation, "p2");
  // A token the orchestrator never used ends after its TTL.
  ASSERT_TRUE(ApplyDrainCancel(&s_, "n2"));
  ASSERT_TRUE(ApplyReconcile(&s_, "marathon", 6, {{"n3", "restart", "token:d"}}, now_).value());
  EXPECT_FALSE(AdvanceDrains(&s_, now_ + kTokenTtlMs));
  EXPECT_TRUE(AdvanceDrains(&s_, now_ + kTokenTtlMs + 1));
  EXPECT_TRUE(s_.drains.empty());
}

}  // namespace
}  // namespace holdfast
