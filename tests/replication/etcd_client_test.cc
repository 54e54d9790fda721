// EtcdClient against a real etcd (Debian's etcd-server) the test starts on
// free loopback ports: KV and guarded transactions, leases that expire,
// watches from a revision (and what compaction does to them), elections,
// and an etcd that goes away.
#include "replication/etcd_client.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "tests/support/etcd_process.h"
#include "tests/support/test_process.h"

namespace holdfast {
namespace {

using namespace std::chrono_literals;
using testing::EtcdProcess;
using testing::TempDir;
using testing::WaitFor;

class EtcdClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(etcd_.Start(tmp_.Sub("etcd"))) << etcd_.Log();
    client_ = Connect(5s);
  }
  std::unique_ptr<EtcdClient> Connect(std::chrono::milliseconds timeout) {
    EtcdClientOptions options;
    options.endpoints = {etcd_.endpoint()};
    options.call_timeout = timeout;
    auto c = EtcdClient::Connect(options);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? std::move(c).value() : nullptr;
  }

  TempDir tmp_;
  EtcdProcess etcd_;
  std::unique_ptr<EtcdClient> client_;
};

TEST(EtcdEndpointsTest, ParsesListsAndRefusesWhatItCannotUse) {
  auto e = ParseEtcdEndpoints("http://127.0.0.1:2379, 10.0.0.2:2380/,etcd-0.etcd:2379");
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e.value(), (std::vector<std::string>{"127.0.0.1:2379", "10.0.0.2:2380", "etcd-0.etcd:2379"}));
  EXPECT_EQ(ParseEtcdEndpoints("127.0.0.1").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseEtcdEndpoints("127.0.0.1:port").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseEtcdEndpoints(" , ").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(EtcdPrefixEnd("/holdfast/c1/"), "/holdfast/c10");
  EXPECT_EQ(EtcdPrefixEnd(std::string("a\xff", 2)), "b");
}

TEST_F(EtcdClientTest, KeysAndTransactionsGuardedByRevision) {
  auto r1 = client_->Put("/t/nodes/a", "1");
  ASSERT_TRUE(r1.ok()) << r1.status().ToString();
  ASSERT_TRUE(client_->Put("/t/nodes/b", "2").ok());
  ASSERT_TRUE(client_->Put("/t/other", "x").ok());
  auto got = client_->GetPrefix("/t/nodes/");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->kvs.size(), 2u);
  EXPECT_EQ(got->kvs[0].key, "/t/nodes/a");
  EXPECT_EQ(got->kvs[0].value, "1");
  EXPECT_EQ(got->kvs[0].mod_revision, r1.value());
  EXPECT_EQ(got->kvs[1].value, "2");
  EXPECT_GE(got->revision, r1.value() + 2);
  auto missing = client_->Get("/t/none");
  ASSERT_TRUE(missing.ok());
  EXPECT_TRUE(missing->kvs.empty());

  // A writer that read revision R writes only if nobody wrote since.
  const int64_t seen = got->kvs[0].mod_revision;
  auto first = client_->Txn({EtcdCompare::ModRevision("/t/nodes/a", seen)}, {EtcdOp::Put("/t/nodes/a", "writer-1")});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(first->succeeded);
  auto stale = client_->Txn({EtcdCompare::ModRevision("/t/nodes/a", seen)}, {EtcdOp::Put("/t/nodes/a", "writer-2")},
                            {EtcdOp::Put("/t/lost", "yes")});
  ASSERT_TRUE(stale.ok()) << stale.status().ToString();
  EXPECT_FALSE(stale->succeeded);
  EXPECT_EQ(client_->Get("/t/nodes/a")->kvs[0].value, "writer-1");
  EXPECT_EQ(client_->Get("/t/lost")->kvs.size(), 1u) << "the failure branch ran";
  // Create-if-absent, and value guards.
  auto create = client_->Txn({EtcdCompare::CreateRevision("/t/uuid", 0)}, {EtcdOp::Put("/t/uuid", "u1")});
  ASSERT_TRUE(create.ok() && create->succeeded);
  auto again = client_->Txn({EtcdCompare::CreateRevision("/t/uuid", 0)}, {EtcdOp::Put("/t/uuid", "u2")});
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->succeeded);
  auto by_value = client_->Txn({EtcdCompare::Value("/t/uuid", "u1")}, {EtcdOp::DeletePrefix("/t/nodes/")});
  ASSERT_TRUE(by_value.ok() && by_value->succeeded);
  EXPECT_TRUE(client_->GetPrefix("/t/nodes/")->kvs.empty());
  int64_t deleted = 0;
  ASSERT_TRUE(client_->Delete("/t/other", &deleted).ok());
  EXPECT_EQ(deleted, 1);
}

TEST_F(EtcdClientTest, LeasedKeysLiveWhileKeptAliveAndGoWhenTheLeaseLapses) {
  auto lease = client_->GrantLease(2s);
  ASSERT_TRUE(lease.ok()) << lease.status().ToString();
  ASSERT_TRUE(client_->Put("/t/members/n1", "alive", lease.value()).ok());
  EXPECT_EQ(client_->Get("/t/members/n1")->kvs.at(0).lease, lease.value());
  // Kept alive for twice its TTL: still there.
  const auto until = std::chrono::steady_clock::now() + 4s;
  while (std::chrono::steady_clock::now() < until) {
    auto ttl = client_->KeepAliveOnce(lease.value());
    ASSERT_TRUE(ttl.ok()) << ttl.status().ToString();
    EXPECT_GT(ttl.value(), 0);
    std::this_thread::sleep_for(300ms);
  }
  ASSERT_EQ(client_->Get("/t/members/n1")->kvs.size(), 1u);
  // Not kept alive: gone within the TTL (plus etcd's lease check slack).
  EXPECT_TRUE(WaitFor([&] { return client_->Get("/t/members/n1")->kvs.empty(); }, 6s))
      << "the key outlived its lease";
  EXPECT_EQ(client_->KeepAliveOnce(lease.value()).status().code(), StatusCode::kNotFound);

  // A revoked lease takes its keys at once.
  auto other = client_->GrantLease(60s);
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE(client_->Put("/t/members/n2", "alive", other.value()).ok());
  ASSERT_TRUE(client_->RevokeLease(other.value()).ok());
  EXPECT_TRUE(client_->Get("/t/members/n2")->kvs.empty());
}

TEST_F(EtcdClientTest, AWatchDeliversEveryChangeInOrderFromItsRevisionAndReportsCompaction) {
  auto r1 = client_->Put("/t/state/a", "1");
  ASSERT_TRUE(r1.ok());
  ASSERT_TRUE(client_->Put("/t/state/b", "1").ok());
  ASSERT_TRUE(client_->Put("/t/elsewhere", "1").ok());
  ASSERT_TRUE(client_->Delete("/t/state/a").ok());

  std::mutex mu;
  std::vector<std::string> seen;
  int64_t last_revision = 0;
  auto watch = client_->WatchPrefix(
      "/t/state/", r1.value(),
      [&](const std::vector<EtcdWatchEvent>& events, int64_t) {
        std::lock_guard<std::mutex> lock(mu);
        for (const EtcdWatchEvent& e : events) {
          EXPECT_GT(e.kv.mod_revision, last_revision) << "out of order";
          last_revision = e.kv.mod_revision;
          seen.push_back((e.type == EtcdWatchEvent::Type::kPut ? "put " : "delete ") + e.kv.key +
                         (e.type == EtcdWatchEvent::Type::kPut ? "=" + e.kv.value : ""));
        }
      },
      [](const Status& why) { ADD_FAILURE() << "the watch ended: " << why.ToString(); });
  ASSERT_TRUE(client_->Put("/t/state/c", "2").ok());
  const std::vector<std::string> want = {"put /t/state/a=1", "put /t/state/b=1", "delete /t/state/a",
                                         "put /t/state/c=2"};
  EXPECT_TRUE(WaitFor(
      [&] {
        std::lock_guard<std::mutex> lock(mu);
        return seen.size() >= want.size();
      },
      10s));
  {
    std::lock_guard<std::mutex> lock(mu);
    EXPECT_EQ(seen, want);
  }
  watch.reset();  // the owner ends it: no end reported

  // History compacted past the start: the watch says so, it does not skip silently.
  auto now = client_->Put("/t/state/d", "3");
  ASSERT_TRUE(now.ok());
  testing::ChildProcess compact;
  ASSERT_TRUE(compact.Start({testing::OnPath("etcdctl"), "--endpoints", etcd_.endpoint(), "compact", std::to_string(now.value())},
                            tmp_.Sub("etcdctl.log")));
  ASSERT_EQ(compact.WaitExit(20s), std::optional<int>(0)) << compact.Log();
  std::atomic<bool> ended{false};
  Status why;
  std::mutex why_mu;
  auto late = client_->WatchPrefix(
      "/t/state/", r1.value(), [](const std::vector<EtcdWatchEvent>&, int64_t) { ADD_FAILURE() << "events after compaction"; },
      [&](const Status& s) {
        std::lock_guard<std::mutex> lock(why_mu);
        why = s;
        ended = true;
      });
  ASSERT_TRUE(WaitFor([&] { return ended.load(); }, 10s));
  std::lock_guard<std::mutex> lock(why_mu);
  EXPECT_EQ(why.code(), StatusCode::kHistoryTrimmed) << why.ToString();
  EXPECT_NE(why.message().find("compacted up to revision " + std::to_string(now.value())), std::string::npos)
      << why.message();
}

TEST_F(EtcdClientTest, OneLeaderAtATimeAndLeadershipEndsWithItsLease) {
  auto other_client = Connect(5s);
  ASSERT_NE(other_client, nullptr);
  auto lease_a = client_->GrantLease(2s);
  auto lease_b = other_client->GrantLease(30s);
  ASSERT_TRUE(lease_a.ok() && lease_b.ok());
  auto a = client_->Campaign("/t/election", lease_a.value(), "node-a", 5s);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  auto leader = client_->Leader("/t/election");
  ASSERT_TRUE(leader.ok()) << leader.status().ToString();
  EXPECT_EQ(leader->value, "node-a");
  EXPECT_EQ(leader->create_revision, a->revision);

  // B waits while A leads: its campaign times out (outcome unknown, so it is withdrawn by revoking).
  const auto start = std::chrono::steady_clock::now();
  auto b = other_client->Campaign("/t/election", lease_b.value(), "node-b", 1s);
  EXPECT_EQ(b.status().code(), StatusCode::kUnavailable) << b.status().ToString();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 4s) << "the deadline was not kept";
  ASSERT_TRUE(other_client->RevokeLease(lease_b.value()).ok());

  // A resigns: a new campaign of B wins at once.
  ASSERT_TRUE(client_->Resign(a.value()).ok());
  auto lease_b2 = other_client->GrantLease(30s);
  ASSERT_TRUE(lease_b2.ok());
  auto b2 = other_client->Campaign("/t/election", lease_b2.value(), "node-b", 5s);
  ASSERT_TRUE(b2.ok()) << b2.status().ToString();
  EXPECT_EQ(other_client->Leader("/t/election")->value, "node-b");

  // B's lease revoked (or expired): nobody leads until someone campaigns.
  ASSERT_TRUE(other_client->RevokeLease(lease_b2.value()).ok());
  EXPECT_EQ(client_->Leader("/t/election").status().code(), StatusCode::kNotFound);
  // A leader whose lease lapses without keep-alives loses the lead by itself.
  auto lease_c = client_->GrantLease(2s);
  ASSERT_TRUE(lease_c.ok());
  ASSERT_TRUE(client_->Campaign("/t/election", lease_c.value(), "node-c", 5s).ok());
  EXPECT_TRUE(WaitFor([&] { return client_->Leader("/t/election").status().code() == StatusCode::kNotFound; }, 6s));
}

TEST_F(EtcdClientTest, AnEtcdThatIsGoneIsUnavailableWithinTheDeadlineAndUsableWhenBack) {
  auto quick = Connect(500ms);
  ASSERT_NE(quick, nullptr);
  ASSERT_TRUE(quick->Put("/t/k", "v").ok());
  etcd_.process().Signal(SIGSTOP);  // a paused etcd: connected, silent
  auto start = std::chrono::steady_clock::now();
  auto put = quick->Put("/t/k", "w");
  EXPECT_EQ(put.status().code(), StatusCode::kUnavailable) << put.status().ToString();
  EXPECT_NE(put.status().message().find("outcome is unknown"), std::string::npos) << put.status().message();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  etcd_.process().Signal(SIGCONT);
  // The put may or may not have been applied: the value is one of the two.
  ASSERT_TRUE(WaitFor([&] { return quick->Get("/t/k").ok(); }, 10s));
  const std::string value = quick->Get("/t/k")->kvs.at(0).value;
  EXPECT_TRUE(value == "v" || value == "w") << value;

  etcd_.Stop();
  start = std::chrono::steady_clock::now();
  EXPECT_EQ(quick->Get("/t/k").status().code(), StatusCode::kUnavailable);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  ASSERT_TRUE(etcd_.Restart()) << etcd_.Log();
  EXPECT_TRUE(WaitFor([&] { return quick->Get("/t/k").ok(); }, 10s)) << "no recovery after etcd came back";
  EXPECT_EQ(quick->Get("/t/k")->kvs.at(0).value, value) << "etcd kept its data";
}

TEST_F(EtcdClientTest, AfterAnEndpointFailsTheNextCallGoesToTheNextOne) {
  // The first endpoint has nobody listening: the call says so (outcome
  // unknown, not retried), and the next call uses the live endpoint.
  EtcdClientOptions options;
  options.endpoints = {"http://127.0.0.1:" + std::to_string(testing::FreeLoopbackPort()), etcd_.endpoint()};
  options.call_timeout = 1s;
  auto client = EtcdClient::Connect(options);
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  ASSERT_EQ((*client)->endpoints().size(), 2u);
  auto first = (*client)->Put("/t/failover", "1");
  EXPECT_EQ(first.status().code(), StatusCode::kUnavailable) << first.status().ToString();
  auto second = (*client)->Put("/t/failover", "2");
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(client_->Get("/t/failover")->kvs.at(0).value, "2");
}

}  // namespace
}  // namespace holdfast
