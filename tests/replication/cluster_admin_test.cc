// The operator's helpers over the cluster state (replication/cluster_admin.h):
// the exclusion list edits, the shared renderings and the explain request's
// all-or-none rule. The cluster commands themselves run against real nodes
// in tests/cluster/admin_ctl_test.cc.
#include "replication/cluster_admin.h"

#include <gtest/gtest.h>

#include "tests/replication/cluster_state_test_util.h"

namespace holdfast {
namespace {

ShardCopyRouting Copy(const std::string& node_id, bool primary) {
  ShardCopyRouting copy;
  copy.node_id = node_id;
  copy.primary = primary;
  return copy;
}

TEST(ClusterAdminTest, ExclusionListAddsAndRemovesOneNameKeepingTheOthers) {
  EXPECT_EQ(ExclusionListWith("", "n3", true), "n3");
  EXPECT_EQ(ExclusionListWith("n3", "n3", true), "n3");
  EXPECT_EQ(ExclusionListWith("n3", "n2", true), "n3,n2");
  EXPECT_EQ(ExclusionListWith(" n1 , n3,,n1 ", "n2", true), "n1,n3,n2");
  EXPECT_EQ(ExclusionListWith("n3,n2", "n3", false), "n2");
  EXPECT_EQ(ExclusionListWith("n2", "n2", false), "");
  EXPECT_EQ(ExclusionListWith("n1", "n2", false), "n1");
  EXPECT_EQ(ExclusionListWith("n10,n1", "n1", false), "n10") << "whole names only";
}

TEST(ClusterAdminTest, UnassignedReasonAsCatShardsPrintsIt) {
  ShardCopyRouting copy;
  EXPECT_EQ(UnassignedReasonOf(copy), "INDEX_CREATED");
  copy.unassigned_reason = "NODE_LEFT";
  EXPECT_EQ(UnassignedReasonOf(copy), "NODE_LEFT");
  copy.state = ShardCopyState::kFailed;
  EXPECT_EQ(UnassignedReasonOf(copy), "ALLOCATION_FAILED");
  copy.state = ShardCopyState::kStarted;
  copy.node_id = "n1";
  copy.unassigned_reason.clear();
  EXPECT_EQ(UnassignedReasonOf(copy), "");
}

TEST(ClusterAdminTest, CopiesPerNodeCountsEveryMember) {
  ClusterStateSnapshot s;
  for (const char* id : {"n1", "n2"}) s.nodes[id] = ClusterNode{id, id, "", ""};
  IndexRouting routing;
  routing.shards.resize(2);
  routing.shards[0].copies = {Copy("n1", true), Copy("", false)};
  routing.shards[1].copies = {Copy("n1", true)};
  s.routing["u"] = routing;
  EXPECT_EQ(CopiesPerNode(s), (std::map<std::string, uint64_t>{{"n1", 2}, {"n2", 0}}));
  EXPECT_EQ(NodeNameOf(s, "n2"), "n2");
  EXPECT_EQ(NodeNameOf(s, ""), "");
}

TEST(ClusterAdminTest, ExplainTakesIndexShardAndPrimaryAllOrNone) {
  ClusterStateSnapshot s;
  IndexMetadata m = testing::NewIndex("books", 1, 0);
  s.indices[m.uuid] = m;
  IndexRouting routing;
  routing.shards.resize(1);
  routing.shards[0].copies = {Copy("", true)};
  s.routing[m.uuid] = routing;
  for (const ExplainTarget& partial :
       {ExplainTarget{"books", std::nullopt, true}, ExplainTarget{"books", 0, std::nullopt},
        ExplainTarget{"", 0, std::nullopt}, ExplainTarget{"", std::nullopt, false}}) {
    auto e = ExplainCopy(s, nullptr, partial);
    ASSERT_FALSE(e.ok());
    EXPECT_EQ(e.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(e.status().message(), "the index, shard and primary parameters must all be given, or none of them");
  }
  auto first = ExplainCopy(s, nullptr, ExplainTarget{});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->index, "books");
  EXPECT_EQ(CanAllocateOf(*first), "no_valid_shard_copy");
  auto named = ExplainCopy(s, nullptr, ExplainTarget{"books", 0, true});
  ASSERT_TRUE(named.ok());
  EXPECT_EQ(named->current_state, "unassigned");
}

}  // namespace
}  // namespace holdfast
