// Cluster membership on a real etcd the tests start: one live holder per
// node name, a restarted node takes its own keys back, a dead node leaves by
// itself, a lost lease is re-joined, and an etcd that stops answering makes
// membership "unknown" rather than gone.
#include "replication/etcd_membership.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>

#include "tests/support/etcd_process.h"
#include "tests/support/test_process.h"

namespace holdfast {
namespace {

using namespace std::chrono_literals;
using testing::EtcdProcess;
using testing::TempDir;
using testing::WaitFor;

ClusterMember Member(const std::string& id, const std::string& name) {
  ClusterMember m;
  m.node_id = id;
  m.name = name;
  m.http_address = "127.0.0.1:92" + std::to_string(id.size());
  m.grpc_address = "127.0.0.1:93" + std::to_string(id.size());
  m.attributes["zone"] = "a";
  return m;
}

class EtcdMembershipTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(etcd_.Start(tmp_.Sub("etcd"))) << etcd_.Log();
    client_ = Connect(5s);
    ASSERT_NE(client_, nullptr);
  }
  std::unique_ptr<EtcdClient> Connect(std::chrono::milliseconds timeout) {
    EtcdClientOptions options;
    options.endpoints = {etcd_.endpoint()};
    options.call_timeout = timeout;
    auto c = EtcdClient::Connect(options);
    return c.ok() ? std::move(c).value() : nullptr;
  }
  EtcdMembershipOptions Options(const std::string& id, const std::string& name,
                                std::chrono::seconds ttl = std::chrono::seconds(10)) {
    EtcdMembershipOptions o;
    o.cluster_name = "c1";
    o.self = Member(id, name);
    o.lease_ttl = ttl;
    return o;
  }
  std::vector<std::string> MemberIds() {
    std::vector<std::string> ids;
    auto range = client_->GetPrefix("/holdfast/c1/members/");
    EXPECT_TRUE(range.ok()) << range.status().ToString();
    if (range.ok()) {
      for (const auto& kv : range->kvs) ids.push_back(kv.key.substr(std::string("/holdfast/c1/members/").size()));
    }
    return ids;
  }

  TempDir tmp_;
  EtcdProcess etcd_;
  std::unique_ptr<EtcdClient> client_;
};

TEST_F(EtcdMembershipTest, MembersAreListedAndALiveNodesNameCannotBeTaken) {
  auto a = EtcdMembership::Join(client_.get(), Options("id-a", "n1"));
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  auto members = (*a)->Members();
  ASSERT_TRUE(members.ok()) << members.status().ToString();
  ASSERT_EQ(members->size(), 1u);
  EXPECT_EQ(members->at(0).name, "n1");
  EXPECT_EQ(members->at(0).http_address, Member("id-a", "n1").http_address);
  EXPECT_EQ(members->at(0).attributes.at("zone"), "a");
  EXPECT_EQ(client_->Get("/holdfast/c1/members/id-a")->kvs.at(0).lease, (*a)->lease());

  auto b = EtcdMembership::Join(client_.get(), Options("id-b", "n1"));
  ASSERT_EQ(b.status().code(), StatusCode::kAlreadyExists) << b.status().ToString();
  EXPECT_NE(b.status().message().find("taken by live node id-a at " + Member("id-a", "n1").http_address),
            std::string::npos)
      << b.status().message();
  EXPECT_EQ(MemberIds(), std::vector<std::string>{"id-a"}) << "the refused node left nothing behind";

  auto c = EtcdMembership::Join(client_.get(), Options("id-c", "n2"));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(MemberIds(), (std::vector<std::string>{"id-a", "id-c"}));
  // A clean stop leaves at once and frees the name.
  ASSERT_TRUE((*a)->Leave().ok());
  EXPECT_EQ(MemberIds(), std::vector<std::string>{"id-c"});
  EXPECT_TRUE(EtcdMembership::Join(client_.get(), Options("id-b", "n1")).ok());
}

TEST_F(EtcdMembershipTest, ARestartedNodeTakesItsOwnKeysBackAndADeadOneLeavesByItself) {
  auto first = EtcdMembership::Join(client_.get(), Options("id-a", "n1", 2s));
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  const int64_t old_lease = (*first)->lease();
  first->reset();  // a crash: no Leave, the keys stay until the lease expires
  EXPECT_EQ(MemberIds(), std::vector<std::string>{"id-a"});

  // The same node (same volume, same id) back within the TTL: it may take its name.
  auto again = EtcdMembership::Join(client_.get(), Options("id-a", "n1", 2s));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_NE((*again)->lease(), old_lease);
  EXPECT_EQ(client_->Get("/holdfast/c1/names/n1")->kvs.at(0).lease, (*again)->lease());
  // Kept alive past several TTLs, even as the old lease expires.
  std::this_thread::sleep_for(5s);
  EXPECT_EQ(MemberIds(), std::vector<std::string>{"id-a"});

  // Dead for good: gone within the TTL (and etcd's lease check), name free.
  again->reset();
  EXPECT_TRUE(WaitFor([&] { return MemberIds().empty(); }, 6s)) << "a dead node stayed a member";
  EXPECT_TRUE(client_->Get("/holdfast/c1/names/n1")->kvs.empty());
  EXPECT_TRUE(EtcdMembership::Join(client_.get(), Options("id-b", "n1", 2s)).ok());
}

TEST_F(EtcdMembershipTest, ALostLeaseIsJoinedAgainWithANewOne) {
  std::atomic<int64_t> rejoined{0};
  EtcdMembershipOptions options = Options("id-a", "n1", 2s);
  options.on_rejoined = [&](int64_t lease) { rejoined = lease; };
  auto a = EtcdMembership::Join(client_.get(), options);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  const int64_t lost = (*a)->lease();
  // What etcd does to a lease it has not heard from: it ends, keys and all.
  ASSERT_TRUE(client_->RevokeLease(lost).ok());
  EXPECT_TRUE(MemberIds().empty());
  ASSERT_TRUE(WaitFor([&] { return rejoined.load() != 0; }, 5s)) << "never joined again";
  EXPECT_NE(rejoined.load(), lost);
  EXPECT_EQ((*a)->lease(), rejoined.load());
  EXPECT_TRUE(WaitFor([&] { return MemberIds() == std::vector<std::string>{"id-a"}; }, 2s));
  EXPECT_EQ(client_->Get("/holdfast/c1/members/id-a")->kvs.at(0).lease, rejoined.load());
}

TEST_F(EtcdMembershipTest, AnEtcdThatStopsAnsweringMakesMembershipUnknownNotGone) {
  auto quick = Connect(500ms);
  ASSERT_NE(quick, nullptr);
  auto a = EtcdMembership::Join(quick.get(), Options("id-a", "n1", 3s));
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_TRUE((*a)->reachable());
  etcd_.process().Signal(SIGSTOP);
  EXPECT_TRUE(WaitFor([&] { return !(*a)->reachable(); }, 5s)) << "a silent etcd went unnoticed";
  etcd_.process().Signal(SIGCONT);
  EXPECT_TRUE(WaitFor([&] { return (*a)->reachable(); }, 10s)) << "no recovery after etcd answered again";
  // Paused for less than... or more than the TTL: either way the node is a member again.
  EXPECT_TRUE(WaitFor([&] { return MemberIds() == std::vector<std::string>{"id-a"}; }, 10s));
}

}  // namespace
}  // namespace holdfast
