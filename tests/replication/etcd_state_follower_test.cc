// Following the cluster state in a real etcd: every committed version
// reaches a follower, in order; an etcd that goes away leaves the last
// state in place; changes made (and compacted away) while the follower
// could not watch are picked up by reading again.
#include "replication/etcd_state_follower.h"

#include <gtest/gtest.h>

#include <mutex>

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

class EtcdStateFollowerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(etcd_.Start(tmp_.Sub("etcd"))) << etcd_.Log();
    client_ = Connect();
    ASSERT_NE(client_, nullptr);
  }
  std::unique_ptr<EtcdClient> Connect() { return testing::ConnectTo(etcd_, 1s); }
  // The master side: membership, election and the one-node state logic on etcd.
  void BecomeMaster() {
    node_ = testing::JoinAndCampaign(client_.get(), "node-a", "a", 10s);
    ASSERT_NE(node_.election, nullptr);
    master_ = node_.election.get();
    ASSERT_TRUE(WaitFor([&] { return master_->is_master(); }, 10s));
    store_ = std::make_unique<EtcdStateStore>(client_.get(), master_, "c1");
    ASSERT_TRUE(store_->Refresh().ok());
    state_ = testing::OpenState(store_.get());
    ASSERT_NE(state_, nullptr);
  }
  std::unique_ptr<EtcdStateFollower> Follow(std::vector<int64_t>* versions, std::mutex* mu,
                                            EtcdClient* client = nullptr) {
    EtcdStateFollowerOptions o;
    o.cluster_name = "c1";
    o.cluster_uuid = "uuid-1";
    o.retry_interval = 200ms;
    o.on_state = [versions, mu](const ClusterStatePtr& s, int64_t) {
      std::lock_guard<std::mutex> lock(*mu);
      versions->push_back(s->version);
    };
    auto f = EtcdStateFollower::Start(client != nullptr ? client : client_.get(), o);
    EXPECT_TRUE(f.ok()) << f.status().ToString();
    return f.ok() ? std::move(f).value() : nullptr;
  }

  TempDir tmp_;
  EtcdProcess etcd_;
  std::unique_ptr<EtcdClient> client_;
  testing::EtcdTestMember node_;
  EtcdMasterElection* master_ = nullptr;
  std::unique_ptr<EtcdStateStore> store_;
  std::unique_ptr<LocalClusterState> state_;
};

TEST_F(EtcdStateFollowerTest, EveryCommittedVersionReachesTheFollowerInOrder) {
  ASSERT_NO_FATAL_FAILURE(BecomeMaster());
  auto follower_client = Connect();
  std::mutex mu;
  std::vector<int64_t> versions;
  auto follower = Follow(&versions, &mu, follower_client.get());
  ASSERT_NE(follower, nullptr);
  const int64_t start = follower->Current()->version;
  for (int i = 0; i < 5; ++i) {
    auto created = state_->CreateIndex(NewIndex("index-" + std::to_string(i), 2, 0));
    ASSERT_TRUE(created.ok()) << created.status().ToString();
  }
  ASSERT_TRUE(state_->DeleteIndex("index-0").ok());
  const int64_t last = state_->Current()->version;
  ASSERT_TRUE(WaitFor([&] { return follower->Current()->version == last; }, 10s))
      << "the follower stopped at version " << follower->Current()->version << " of " << last;
  {
    std::lock_guard<std::mutex> lock(mu);
    for (size_t i = 1; i < versions.size(); ++i) EXPECT_LT(versions[i - 1], versions[i]) << "out of order";
    EXPECT_EQ(versions.front(), start);
    EXPECT_EQ(versions.back(), last);
  }
  const ClusterStatePtr seen = follower->Current();
  EXPECT_EQ(seen->indices.size(), 4u);
  EXPECT_EQ(seen->FindIndex("index-0"), nullptr);
  ASSERT_NE(seen->FindIndex("index-4"), nullptr);
  EXPECT_EQ(seen->routing, state_->Current()->routing) << "the follower's routing table differs from the master's";
  EXPECT_EQ(seen->cluster_uuid, "uuid-1");
}

TEST_F(EtcdStateFollowerTest, AnEtcdThatGoesAwayKeepsTheLastStateAndChangesMadeMeanwhileAreReadAgain) {
  ASSERT_NO_FATAL_FAILURE(BecomeMaster());
  ASSERT_TRUE(state_->CreateIndex(NewIndex("before", 1, 0)).ok());
  auto follower_client = Connect();
  std::mutex mu;
  std::vector<int64_t> versions;
  auto follower = Follow(&versions, &mu, follower_client.get());
  ASSERT_NE(follower, nullptr);
  ASSERT_NE(follower->Current()->FindIndex("before"), nullptr);
  const uint64_t reads_before = follower->reads();

  // etcd gone: the follower keeps what it has.
  etcd_.Stop();
  std::this_thread::sleep_for(1s);
  ASSERT_NE(follower->Current()->FindIndex("before"), nullptr);

  // Back: the master changes the state and compacts history before the
  // follower resumes; the follower must still end at the latest state.
  ASSERT_TRUE(etcd_.Restart()) << etcd_.Log();
  // Its session may have lapsed meanwhile: it campaigns again, with
  // backoff, which a loaded machine stretches.
  ASSERT_TRUE(WaitFor([&] { return master_->is_master(); }, 40s)) << "the master did not return";
  ASSERT_TRUE(store_->Refresh().ok());
  state_ = testing::OpenState(store_.get());
  ASSERT_NE(state_, nullptr);
  ASSERT_TRUE(state_->CreateIndex(NewIndex("after", 1, 0)).ok());
  ASSERT_TRUE(state_->DeleteIndex("before").ok());
  auto now = client_->Get("/holdfast/c1/state/version");
  ASSERT_TRUE(now.ok());
  testing::ChildProcess compact;
  ASSERT_TRUE(compact.Start({testing::OnPath("etcdctl"), "--endpoints", etcd_.endpoint(), "compact",
                             std::to_string(now->revision)},
                            tmp_.Sub("compact.log")));
  ASSERT_EQ(compact.WaitExit(20s), std::optional<int>(0)) << compact.Log();

  EXPECT_TRUE(WaitFor(
      [&] {
        const ClusterStatePtr s = follower->Current();
        return s->FindIndex("after") != nullptr && s->FindIndex("before") == nullptr;
      },
      15s))
      << "the follower did not converge; it is at version " << follower->Current()->version;
  EXPECT_GT(follower->reads(), reads_before);
  EXPECT_EQ(follower->Current()->version, state_->Current()->version);
}

TEST_F(EtcdStateFollowerTest, TheSnapshotNamesTheMembersAndTheMasterAndFollowsAMasterChange) {
  ASSERT_NO_FATAL_FAILURE(BecomeMaster());
  // A second node: member and campaigner.
  auto b_client = Connect();
  testing::EtcdTestMember b = testing::JoinAndCampaign(b_client.get(), "node-b", "b", 10s);
  ASSERT_NE(b.election, nullptr);

  auto follower_client = Connect();
  std::mutex mu;
  std::vector<int64_t> versions;
  auto follower = Follow(&versions, &mu, follower_client.get());
  ASSERT_NE(follower, nullptr);
  ASSERT_TRUE(WaitFor([&] { return follower->Current()->nodes.size() == 2; }, 5s));
  const ClusterStatePtr s = follower->Current();
  EXPECT_EQ(s->master_node_id, "node-a");
  EXPECT_EQ(s->nodes.at("node-b").name, "b");
  EXPECT_EQ(s->nodes.at("node-a").name, "a");

  // Campaign rounds of the waiting node do not make the follower read.
  const uint64_t reads = follower->reads();
  std::this_thread::sleep_for(2500ms);
  EXPECT_LE(follower->reads(), reads + 1) << "a read per campaign round";

  // node-a's lease ends (it died): node-b leads, node-a is no member.
  state_.reset();
  store_.reset();
  node_.election.reset();
  ASSERT_TRUE(client_->RevokeLease(node_.membership->lease()).ok());
  node_.membership.reset();
  EXPECT_TRUE(WaitFor(
      [&] {
        const ClusterStatePtr now = follower->Current();
        return now->master_node_id == "node-b" && now->nodes.count("node-a") == 0;
      },
      10s))
      << "master " << follower->Current()->master_node_id << ", " << follower->Current()->nodes.size() << " nodes";
}

}  // namespace
}  // namespace holdfast
