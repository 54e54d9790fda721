// POST /_cluster/reroute's commands on snapshots (replication/allocation.h
// ApplyReroute): what each one forces, and what each refuses and why.
#include <gtest/gtest.h>

#include "replication/allocation.h"
#include "tests/replication/allocation_test_util.h"
#include "tests/replication/cluster_state_test_util.h"

namespace holdfast {
namespace {

using testing::NewIndex;
using testing::ReportEveryCopyStarted;

class RerouteCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* id : {"n1", "n2", "n3"}) {
      s_.nodes[id] = ClusterNode{id, std::string("name-") + id, "127.0.0.1:1", "127.0.0.1:2", {}};
    }
  }
  // Index `name` with `replicas`, every copy started; shard() is its shard 0.
  void CreateStarted(uint32_t replicas, const std::string& name = "books") {
    IndexMetadata m = NewIndex(name, 1, replicas);
    auto routing = AllocateNewIndex(m, s_, AllocationInput{1000, {}, {}});
    ASSERT_TRUE(routing.ok()) << routing.status().ToString();
    uuid_ = m.uuid;
    s_.indices[m.uuid] = m;
    s_.routing[m.uuid] = std::move(routing).value();
    ReportEveryCopyStarted(&s_);
    Pass(2000);
    ReportEveryCopyStarted(&s_);
  }
  void Pass(int64_t now_ms) {
    int64_t next = 0;
    (void)Reallocate(&s_, AllocationInput{now_ms, {}, {}}, &next);
  }
  ShardRouting& shard() { return s_.routing[uuid_].shards[0]; }
  Result<std::vector<RerouteDecision>> Run(RerouteCommand c, bool explain = false) {
    c.index = c.index.empty() ? s_.indices[uuid_].name : c.index;
    return ApplyReroute(&s_, {c}, explain, false, AllocationInput{5000, {}, {}});
  }
  static RerouteCommand Command(const std::string& kind, const std::string& node) {
    RerouteCommand c;
    c.kind = kind;
    c.node = node;
    return c;
  }
  // The index with one replica whose primary's node left for good after
  // its replica's node had left (out of the in-sync set) and returned: the
  // replica's node holds an older copy; the third node none.
  void LoseThePrimaryAfterTheReplicaFellBehind() {
    CreateStarted(1);
    primary_node_ = shard().copies[0].node_id;
    replica_node_ = shard().copies[1].node_id;
    for (const auto& [id, node] : s_.nodes) {
      if (id != primary_node_ && id != replica_node_) other_node_ = id;
    }
    const ClusterNode member = s_.nodes.at(replica_node_);
    s_.nodes.erase(replica_node_);
    Pass(3000);
    ASSERT_EQ(shard().in_sync.size(), 1u);
    s_.nodes.erase(primary_node_);
    Pass(4000);
    s_.nodes[replica_node_] = member;
    Pass(4500);
    ASSERT_EQ(shard().primary(), nullptr);
  }

  ClusterStateSnapshot s_;
  std::string uuid_;
  std::string primary_node_, replica_node_, other_node_;
};

TEST_F(RerouteCommandsTest, CancelCallsOffARelocationNamedByEitherEnd) {
  CreateStarted(0);
  const std::string from = shard().copies[0].node_id;
  const std::string to = from == "n1" ? "n2" : "n1";
  for (const std::string& named : {to, from}) {
    ASSERT_TRUE(StartRelocation(&s_, ShardId{uuid_, 0}, from, to).ok());
    ASSERT_EQ(shard().copies[0].state, ShardCopyState::kRelocating);
    auto done = Run(Command("cancel", named));
    ASSERT_TRUE(done.ok()) << done.status().ToString();
    EXPECT_EQ(shard().copies[0].state, ShardCopyState::kStarted);
    EXPECT_EQ(shard().copies[0].node_id, from);
    EXPECT_TRUE(shard().copies[0].relocating_node_id.empty());
    EXPECT_TRUE(shard().copies[0].relocation_id.empty());
  }
}

TEST_F(RerouteCommandsTest, ACancelledReplicaIsAllocatedAgainUnderANewAllocationIdAndRecovered) {
  CreateStarted(1);
  const std::string node = shard().copies[1].node_id;
  const std::string old_id = shard().copies[1].allocation_id;
  ASSERT_TRUE(shard().IsInSync(old_id));
  ASSERT_TRUE(Run(Command("cancel", "name-" + node)).ok()) << "a node by name";
  EXPECT_FALSE(shard().IsInSync(old_id));
  EXPECT_EQ(shard().copies[1].state, ShardCopyState::kUnassigned);
  EXPECT_EQ(shard().copies[1].unassigned_reason, "REROUTE_CANCELLED");
  Pass(6000);
  EXPECT_EQ(shard().copies[1].state, ShardCopyState::kInitializing);
  EXPECT_NE(shard().copies[1].allocation_id, old_id) << "a new copy, recovered from the primary";
  EXPECT_FALSE(Run(Command("cancel", "n9")).ok()) << "an unknown node";
}

TEST_F(RerouteCommandsTest, CancellingAPrimaryNeedsAllowPrimaryAndAnInSyncReplicaToTakeItsPlace) {
  CreateStarted(1);
  const std::string primary = shard().copies[0].node_id;
  const std::string replica = shard().copies[1].node_id;
  const int64_t term = shard().primary_term;
  auto refused = Run(Command("cancel", primary));
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("allow_primary"), std::string::npos) << refused.status().ToString();
  RerouteCommand c = Command("cancel", primary);
  c.allow_primary = true;
  ASSERT_TRUE(Run(c).ok());
  EXPECT_EQ(shard().copies[0].node_id, replica);
  EXPECT_EQ(shard().primary_term, term + 1);
  // With no replica in sync, nothing can take its place: refused.
  CreateStarted(0, "alone");
  c = Command("cancel", shard().copies[0].node_id);
  c.allow_primary = true;
  auto alone = Run(c);
  ASSERT_FALSE(alone.ok());
  EXPECT_NE(alone.status().message().find("no started in-sync replica"), std::string::npos);
}

TEST_F(RerouteCommandsTest, AllocateReplicaPassesOverAllocationEnableButNotTheRules) {
  s_.settings[kAllocationEnableSetting] = "primaries";
  CreateStarted(1);
  ASSERT_EQ(shard().copies[1].state, ShardCopyState::kUnassigned) << "enable=primaries holds it back";
  const std::string primary = shard().copies[0].node_id;
  auto same = Run(Command("allocate_replica", primary));
  ASSERT_FALSE(same.ok()) << "never two copies of a shard on one node";
  const std::string other = primary == "n1" ? "n2" : "n1";
  auto placed = Run(Command("allocate_replica", other));
  ASSERT_TRUE(placed.ok()) << placed.status().ToString();
  EXPECT_EQ(shard().copies[1].node_id, other);
  EXPECT_EQ(shard().copies[1].state, ShardCopyState::kInitializing);
  auto again = Run(Command("allocate_replica", "n3"));
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.status().message().find("already assigned"), std::string::npos);
}

TEST_F(RerouteCommandsTest, AStalePrimaryNeedsAcceptDataLossAndStartsANewHistory) {
  LoseThePrimaryAfterTheReplicaFellBehind();
  const int64_t term = shard().primary_term;
  auto unconfirmed = Run(Command("allocate_stale_primary", replica_node_));
  ASSERT_FALSE(unconfirmed.ok());
  EXPECT_NE(unconfirmed.status().message().find("accept_data_loss"), std::string::npos);
  RerouteCommand c = Command("allocate_stale_primary", replica_node_);
  c.accept_data_loss = true;
  {
    // A node the routing table knows nothing of is asked to open what its
    // volume holds (it fails there if nothing): on a copy of the state.
    ClusterStateSnapshot copy = s_;
    RerouteCommand elsewhere = c;
    elsewhere.node = other_node_;
    elsewhere.index = "books";
    auto asked = ApplyReroute(&copy, {elsewhere}, false, false, AllocationInput{5000, {}, {}});
    ASSERT_TRUE(asked.ok()) << asked.status().ToString();
    EXPECT_NE((*asked)[0].explanation.find("knows of none there"), std::string::npos) << (*asked)[0].explanation;
    const ShardCopyRouting& forced = copy.routing[uuid_].shards[0].copies[0];
    EXPECT_EQ(forced.node_id, other_node_);
    EXPECT_EQ(forced.forced_primary, "stale");
  }
  ASSERT_TRUE(Run(c).ok());
  const ShardCopyRouting& primary = shard().copies[0];
  EXPECT_TRUE(primary.primary);
  EXPECT_EQ(primary.node_id, replica_node_);
  EXPECT_EQ(primary.state, ShardCopyState::kInitializing);
  EXPECT_EQ(primary.forced_primary, "stale");
  EXPECT_EQ(shard().in_sync, std::vector<std::string>{primary.allocation_id});
  EXPECT_EQ(shard().primary_term, term + 1);
  // The lost primary's entry is a replica waiting for its node.
  EXPECT_FALSE(shard().copies[1].primary);
  EXPECT_EQ(shard().copies[1].last_node_id, primary_node_);
  auto twice = Run(c);
  ASSERT_FALSE(twice.ok());
  EXPECT_NE(twice.status().message().find("already assigned"), std::string::npos);
  // Started: the mark is gone, and a replica is recovered from it.
  ReportEveryCopyStarted(&s_);
  EXPECT_TRUE(shard().copies[0].forced_primary.empty());
  EXPECT_EQ(shard().copies[0].state, ShardCopyState::kStarted);
}

TEST_F(RerouteCommandsTest, AnEmptyPrimaryNeedsAcceptDataLossAndSetsAsideWhatTheNodeHeld) {
  LoseThePrimaryAfterTheReplicaFellBehind();
  const int64_t term = shard().primary_term;
  auto unconfirmed = Run(Command("allocate_empty_primary", replica_node_));
  ASSERT_FALSE(unconfirmed.ok());
  EXPECT_NE(unconfirmed.status().message().find("accept_data_loss"), std::string::npos);
  RerouteCommand c = Command("allocate_empty_primary", replica_node_);
  c.accept_data_loss = true;
  ASSERT_TRUE(Run(c).ok());
  EXPECT_EQ(shard().copies[0].node_id, replica_node_);
  EXPECT_EQ(shard().copies[0].forced_primary, "empty");
  EXPECT_EQ(shard().primary_term, term + 1);
  EXPECT_EQ(shard().in_sync, std::vector<std::string>{shard().copies[0].allocation_id});
  for (const ShardCopyRouting& copy : shard().copies) {
    EXPECT_TRUE(copy.primary || copy.last_node_id != replica_node_) << "nothing goes back to what was set aside";
  }
  // Once started and the lost primary's node is past its delay, the replica
  // is recovered on another node.
  ReportEveryCopyStarted(&s_);
  Pass(7000);
  EXPECT_EQ(shard().copies[1].state, ShardCopyState::kUnassigned) << "its place waits for the node that left";
  Pass(4000 + 60'000 + 1);
  EXPECT_EQ(shard().copies[1].state, ShardCopyState::kInitializing);
  EXPECT_NE(shard().copies[1].node_id, replica_node_);
}

TEST_F(RerouteCommandsTest, WithExplainARefusedCommandIsSkippedAndTheOthersApply) {
  CreateStarted(1);
  const std::string replica = shard().copies[1].node_id;
  RerouteCommand bad = Command("cancel", shard().copies[0].node_id);  // a primary, without allow_primary
  bad.index = "books";
  RerouteCommand good = Command("cancel", replica);
  good.index = "books";
  auto strict = ApplyReroute(&s_, {bad, good}, /*explain=*/false, false, AllocationInput{5000, {}, {}});
  ASSERT_FALSE(strict.ok());
  auto explained = ApplyReroute(&s_, {bad, good}, /*explain=*/true, false, AllocationInput{5000, {}, {}});
  ASSERT_TRUE(explained.ok());
  ASSERT_EQ(explained->size(), 2u);
  EXPECT_FALSE((*explained)[0].applied);
  EXPECT_NE((*explained)[0].explanation.find("allow_primary"), std::string::npos);
  EXPECT_TRUE((*explained)[1].applied);
  EXPECT_EQ(shard().copies[1].unassigned_reason, "REROUTE_CANCELLED");
  RerouteCommand missing = Command("cancel", replica);
  missing.index = "nope";
  EXPECT_EQ(ApplyReroute(&s_, {missing}, false, false, AllocationInput{5000, {}, {}}).status().code(),
            StatusCode::kIndexNotFound);
}

TEST_F(RerouteCommandsTest, RetryFailedEndsTheWaitOfFailedAllocations) {
  CreateStarted(1);
  const ShardCopyRouting replica = shard().copies[1];
  ASSERT_TRUE(ApplyCopyReport(&s_, ShardId{uuid_, 0}, replica.allocation_id, ShardCopyState::kFailed, "disk").ok());
  ASSERT_EQ(shard().copies[1].unassigned_reason, "ALLOCATION_FAILED");
  ASSERT_GT(shard().copies[1].unassigned_at_ms, 0);
  ASSERT_TRUE(ApplyReroute(&s_, {}, false, /*retry_failed=*/true, AllocationInput{5000, {}, {}}).ok());
  EXPECT_EQ(shard().copies[1].unassigned_at_ms, 0);
}

}  // namespace
}  // namespace holdfast
