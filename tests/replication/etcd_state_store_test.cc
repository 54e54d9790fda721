// The cluster state's keys in a real etcd: the master commits, any node
// loads the same state at one revision, a commit based on a stale read is a
// conflict, and neither a non-master nor a deposed master can commit.
#include "replication/etcd_state_store.h"

#include <gtest/gtest.h>

#include "replication/stored_cluster_state.h"
#include "tests/replication/cluster_state_test_util.h"
#include "tests/replication/etcd_test_util.h"
#include "tests/support/etcd_process.h"
#include "tests/support/test_process.h"

namespace holdfast {
namespace {

using namespace std::chrono_literals;
using testing::EtcdProcess;
using testing::NewIndex;
using testing::TempDir;
using testing::WaitFor;

IndexRouting PrimariesOn(const std::string& node, uint32_t shards) {
  IndexRouting r;
  for (uint32_t s = 0; s < shards; ++s) {
    ShardRouting shard;
    shard.shard = s;
    ShardCopyRouting copy;
    copy.node_id = node;
    copy.primary = true;
    copy.state = ShardCopyState::kInitializing;
    copy.allocation_id = "alloc-" + std::to_string(s);
    shard.copies.push_back(copy);
    shard.in_sync.push_back(copy.allocation_id);
    r.shards.push_back(shard);
  }
  return r;
}

class EtcdStateStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(etcd_.Start(tmp_.Sub("etcd"))) << etcd_.Log();
    client_ = testing::ConnectTo(etcd_, 2s);
    ASSERT_NE(client_, nullptr);
    node_ = testing::JoinAndCampaign(client_.get(), "node-a", "a", 5s);
    ASSERT_NE(node_.election, nullptr);
    master_ = node_.election.get();
    ASSERT_TRUE(WaitFor([&] { return master_->is_master(); }, 10s));
  }

  TempDir tmp_;
  EtcdProcess etcd_;
  std::unique_ptr<EtcdClient> client_;
  testing::EtcdTestMember node_;
  EtcdMasterElection* master_ = nullptr;
};

TEST_F(EtcdStateStoreTest, TheMastersCommitIsWhatEveryNodeLoads) {
  EtcdStateStore mine(client_.get(), master_, "c1");
  ASSERT_TRUE(mine.Refresh().ok());
  auto empty = LoadClusterState(&mine);
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_FALSE(empty->has_value());

  const IndexMetadata logs = NewIndex("logs", 3, 0);
  MetadataMutations writes;
  AppendIndexWrites(logs, PrimariesOn("node-a", 3), &writes);
  AppendVersionWrite(1, &writes);
  ASSERT_TRUE(mine.Commit(writes).ok());

  EtcdStateStore theirs(client_.get(), nullptr, "c1");
  auto revision = theirs.Refresh();
  ASSERT_TRUE(revision.ok()) << revision.status().ToString();
  EXPECT_EQ(revision.value(), mine.revision());
  auto loaded = LoadClusterState(&theirs);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  ASSERT_TRUE(loaded->has_value());
  EXPECT_EQ((*loaded)->version, 1);
  ASSERT_EQ((*loaded)->indices.count(logs.uuid), 1u);
  EXPECT_EQ((*loaded)->indices.at(logs.uuid).name, "logs");
  EXPECT_EQ((*loaded)->routing.at(logs.uuid), PrimariesOn("node-a", 3));
  // The keys are where DESIGN.md §6 says.
  EXPECT_EQ(client_->Get("/holdfast/c1/state/version")->kvs.at(0).value, "1");
  EXPECT_EQ(client_->GetPrefix("/holdfast/c1/state/routing/")->kvs.size(), 1u);

  // Single writes are refused: only whole commits change the state.
  EXPECT_EQ(mine.Put("state/version", "9").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(theirs.Commit(writes).code(), StatusCode::kFenced) << "a node that is not master committed";
}

TEST_F(EtcdStateStoreTest, ACommitBasedOnAStaleReadIsAConflictAndChangesNothing) {
  EtcdStateStore first(client_.get(), master_, "c1");
  EtcdStateStore second(client_.get(), master_, "c1");
  ASSERT_TRUE(first.Refresh().ok());
  ASSERT_TRUE(second.Refresh().ok());
  MetadataMutations a;
  AppendIndexWrites(NewIndex("a", 1, 0), PrimariesOn("node-a", 1), &a);
  AppendVersionWrite(1, &a);
  ASSERT_TRUE(first.Commit(a).ok());
  MetadataMutations b;
  const IndexMetadata index_b = NewIndex("b", 1, 0);
  AppendIndexWrites(index_b, PrimariesOn("node-a", 1), &b);
  AppendVersionWrite(1, &b);
  Status stale = second.Commit(b);
  EXPECT_EQ(stale.code(), StatusCode::kConflict) << stale.ToString();
  EXPECT_TRUE(client_->Get("/holdfast/c1/state/metadata/" + index_b.uuid)->kvs.empty());
  // Re-read, decide again: now it goes through.
  ASSERT_TRUE(second.Refresh().ok());
  MetadataMutations b2;
  AppendIndexWrites(index_b, PrimariesOn("node-a", 1), &b2);
  AppendVersionWrite(2, &b2);
  ASSERT_TRUE(second.Commit(b2).ok());
  // And the first store's snapshot is now the stale one.
  MetadataMutations c;
  AppendVersionWrite(3, &c);
  EXPECT_EQ(first.Commit(c).code(), StatusCode::kConflict);
}

TEST_F(EtcdStateStoreTest, ADeposedMasterCannotCommit) {
  EtcdStateStore store(client_.get(), master_, "c1");
  ASSERT_TRUE(store.Refresh().ok());
  ASSERT_TRUE(client_->RevokeLease(node_.membership->lease()).ok());  // its lease ended, unnoticed yet
  MetadataMutations writes;
  AppendVersionWrite(1, &writes);
  const Status refused = store.Commit(writes);
  EXPECT_EQ(refused.code(), StatusCode::kFenced) << refused.ToString();
  EXPECT_TRUE(client_->Get("/holdfast/c1/state/version")->kvs.empty()) << "a deposed master wrote";
}

TEST_F(EtcdStateStoreTest, TheOneNodeClusterStateLogicRunsOnEtcd) {
  // The same create-index logic as one node, its commits guarded in etcd.
  EtcdStateStore store(client_.get(), master_, "c1");
  ASSERT_TRUE(store.Refresh().ok());
  auto state = testing::OpenState(&store);
  ASSERT_NE(state, nullptr);
  auto created = state->CreateIndex(NewIndex("products", 2, 0));
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EtcdStateStore reader(client_.get(), nullptr, "c1");
  ASSERT_TRUE(reader.Refresh().ok());
  auto loaded = LoadClusterState(&reader);
  ASSERT_TRUE(loaded.ok() && loaded->has_value()) << loaded.status().ToString();
  ASSERT_EQ((*loaded)->indices.size(), 1u);
  EXPECT_EQ((*loaded)->indices.begin()->second.name, "products");
  EXPECT_EQ((*loaded)->routing.begin()->second.shards.size(), 2u);
  EXPECT_EQ((*loaded)->version, (*created)->version);
}

}  // namespace
}  // namespace holdfast
