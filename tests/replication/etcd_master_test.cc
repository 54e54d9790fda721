// The master election on a real etcd: one master among the nodes, the next
// one takes over when the master's lease ends, and a deposed master can
// never write — its guarded transaction fails and it steps down.
#include "replication/etcd_master.h"

#include <gtest/gtest.h>

#include <atomic>
#include <vector>

#include "tests/replication/etcd_test_util.h"
#include "tests/support/etcd_process.h"
#include "tests/support/test_process.h"

namespace holdfast {
namespace {

using namespace std::chrono_literals;
using testing::EtcdProcess;
using testing::TempDir;
using testing::WaitFor;

// One node: its own etcd client, membership (lease) and election.
struct TestNode {
  std::string id;
  std::unique_ptr<EtcdClient> client;
  std::unique_ptr<EtcdMembership> membership;
  std::unique_ptr<EtcdMasterElection> election;
  std::atomic<int> changes{0};
};

class EtcdMasterTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(etcd_.Start(tmp_.Sub("etcd"))) << etcd_.Log(); }

  std::unique_ptr<TestNode> StartNode(const std::string& id, std::chrono::seconds ttl = 2s) {
    auto node = std::make_unique<TestNode>();
    node->id = id;
    node->client = testing::ConnectTo(etcd_, 2s);
    testing::EtcdTestMember m = testing::JoinAndCampaign(node->client.get(), id, "name-" + id, ttl,
                                                         [p = node.get()](bool, int64_t) { ++p->changes; });
    node->membership = std::move(m.membership);
    node->election = std::move(m.election);
    return node;
  }

  static int Masters(const std::vector<std::unique_ptr<TestNode>>& nodes) {
    int n = 0;
    for (const auto& node : nodes) n += node && node->election->is_master() ? 1 : 0;
    return n;
  }

  TempDir tmp_;
  EtcdProcess etcd_;
};

TEST_F(EtcdMasterTest, OneMasterAndTheNextTakesOverWithinTheLeaseTtlWhenItDies) {
  std::vector<std::unique_ptr<TestNode>> nodes;
  for (const char* id : {"a", "b", "c"}) nodes.push_back(StartNode(id));
  ASSERT_TRUE(WaitFor([&] { return Masters(nodes) == 1; }, 10s)) << "no single master";
  size_t master = 0;
  while (!nodes[master]->election->is_master()) ++master;
  auto named = nodes[(master + 1) % 3]->election->Master();
  ASSERT_TRUE(named.ok()) << named.status().ToString();
  EXPECT_EQ(named.value(), nodes[master]->id) << "every node sees the same master";
  const int64_t old_term = nodes[master]->election->term();
  EXPECT_GT(old_term, 0);
  // Stays single over time.
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(Masters(nodes), 1);
    std::this_thread::sleep_for(100ms);
  }

  // The master dies (no resign, no leave): its lease lapses, another node leads.
  const std::string dead = nodes[master]->id;
  nodes[master]->election.reset();    // no resign
  nodes[master]->membership.reset();  // keep-alives stop
  nodes[master].reset();
  const auto died = std::chrono::steady_clock::now();
  ASSERT_TRUE(WaitFor([&] { return Masters(nodes) == 1; }, 2s + 2s + 2s)) << "no new master within TTL + 2 s";
  const auto took = std::chrono::steady_clock::now() - died;
  EXPECT_LT(took, 4s + 500ms) << "took " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms";
  for (const auto& node : nodes) {
    if (node && node->election->is_master()) {
      EXPECT_NE(node->id, dead);
      EXPECT_GT(node->election->term(), old_term) << "a later master has a larger term";
    }
  }
}

TEST_F(EtcdMasterTest, ADeposedMasterCannotWriteAndStepsDown) {
  auto a = StartNode("a");
  ASSERT_TRUE(WaitFor([&] { return a->election->is_master(); }, 10s));
  auto write = a->election->WriteAsMaster({EtcdCompare::CreateRevision("/holdfast/c1/state/version", 0)},
                                          {EtcdOp::Put("/holdfast/c1/state/version", "1")});
  ASSERT_TRUE(write.ok()) << write.status().ToString();
  EXPECT_TRUE(write->succeeded);
  // A guard of the caller's that fails is not a loss of mastership.
  auto moved = a->election->WriteAsMaster({EtcdCompare::Value("/holdfast/c1/state/version", "0")},
                                          {EtcdOp::Put("/holdfast/c1/state/version", "2")});
  ASSERT_TRUE(moved.ok()) << moved.status().ToString();
  EXPECT_FALSE(moved->succeeded);
  EXPECT_TRUE(a->election->is_master());

  // What a paused master misses: its lease ends and another node leads.
  // (Its own check would notice within check_interval; the write must be
  // refused even before that, so the lease is ended between two checks by
  // another client and the write goes first.)
  auto b = StartNode("b");
  auto other = b->client.get();
  ASSERT_TRUE(other->RevokeLease(a->membership->lease()).ok());
  auto stale = a->election->WriteAsMaster({}, {EtcdOp::Put("/holdfast/c1/state/version", "stale")});
  EXPECT_EQ(stale.status().code(), StatusCode::kFenced) << stale.status().ToString();
  EXPECT_FALSE(a->election->is_master()) << "a fenced master steps down at once";
  EXPECT_EQ(other->Get("/holdfast/c1/state/version")->kvs.at(0).value, "1") << "the stale write was applied";
  EXPECT_TRUE(WaitFor([&] { return b->election->is_master() || a->election->is_master(); }, 6s));
}

TEST_F(EtcdMasterTest, AnUnreachableEtcdMakesTheMasterStepDownAndItLeadsAgainWhenBack) {
  auto a = StartNode("a", 10s);
  ASSERT_TRUE(WaitFor([&] { return a->election->is_master(); }, 10s));
  etcd_.Stop();
  EXPECT_TRUE(WaitFor([&] { return !a->election->is_master(); }, 5s)) << "still master with etcd gone";
  ASSERT_TRUE(etcd_.Restart()) << etcd_.Log();
  EXPECT_TRUE(WaitFor([&] { return a->election->is_master(); }, 15s)) << "no master after etcd came back";
  EXPECT_GE(a->changes.load(), 3);
}

TEST_F(EtcdMasterTest, AWaitingNodeWhoseLeaseWasLostCampaignsAgainOnItsNewLease) {
  auto a = StartNode("a", 30s);
  ASSERT_TRUE(WaitFor([&] { return a->election->is_master(); }, 10s));
  auto b = StartNode("b", 30s);
  std::this_thread::sleep_for(500ms);
  const int64_t old_lease = b->membership->lease();
  // b's lease goes (as after a pause past its TTL): its campaign key with it.
  auto admin = testing::ConnectTo(etcd_, 2s);
  ASSERT_TRUE(admin->RevokeLease(old_lease).ok());
  ASSERT_TRUE(WaitFor([&] { return b->membership->lease() != old_lease; }, 30s)) << "b did not join again";
  std::this_thread::sleep_for(500ms);
  // The master leaves: b, campaigning on its new lease, takes over at once
  // rather than after a 30 s campaign round on the lease it lost.
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(a->election->Resign().ok());
  EXPECT_TRUE(WaitFor([&] { return b->election->is_master(); }, 10s));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST_F(EtcdMasterTest, AMasterThatResignsHandsOverAtOnce) {
  auto a = StartNode("a", 30s);
  ASSERT_TRUE(WaitFor([&] { return a->election->is_master(); }, 10s));
  auto b = StartNode("b", 30s);
  std::this_thread::sleep_for(500ms);
  EXPECT_FALSE(b->election->is_master());
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(a->election->Resign().ok());
  EXPECT_FALSE(a->election->is_master());
  EXPECT_TRUE(WaitFor([&] { return b->election->is_master(); }, 5s));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s) << "the hand-over waited for the lease";
}

TEST_F(EtcdMasterTest, WaitingForTheLeadWritesNothingAndAStopEndsTheWaitAtOnce) {
  auto a = StartNode("a", 30s);
  ASSERT_TRUE(WaitFor([&] { return a->election->is_master(); }, 10s));
  auto b = StartNode("b", 30s);
  auto c = StartNode("c", 30s);
  std::this_thread::sleep_for(1s);  // b and c are campaigning now
  const int64_t before = a->client->Get("/none")->revision;
  std::this_thread::sleep_for(3s);
  const int64_t after = a->client->Get("/none")->revision;
  EXPECT_EQ(after, before) << "waiting campaigners wrote " << (after - before) << " revisions in 3 s";
  // A waiting node that stops returns at once and leaves no campaign key.
  const auto start = std::chrono::steady_clock::now();
  c->election.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s) << "the stop waited for the campaign";
  EXPECT_TRUE(WaitFor(
      [&] {
        auto keys = a->client->GetPrefix(EtcdMasterElection::ElectionName("c1") + "/");
        return keys.ok() && keys->kvs.size() == 2;
      },
      5s))
      << "the stopped node's campaign key stayed";
  EXPECT_TRUE(a->election->is_master());
  EXPECT_FALSE(b->election->is_master());
}

}  // namespace
}  // namespace holdfast
