// GET /_lifecycle/safe-to-stop on real nodes and a real etcd: the answer
// follows the cluster state — the replica's node may stop, the primary's
// may not (primary_here), the last in-sync copy may not
// (sole_in_sync_copy), nobody may while etcd is unreachable
// (cluster_state_unknown) — and require=data drops the availability reasons.
#include <csignal>
#include <set>
#include <string>

#include "tests/cluster/cluster_fixture.h"

namespace holdfast::testing {
namespace {

class SafeToStopClusterTest : public ClusterFixture {
 protected:
  struct Answer {
    int status = 0;
    std::set<std::string> reasons;
    std::string body;
  };
  Answer Ask(size_t i, const std::string& query = "") {
    Answer a;
    auto r = Http(i, "GET", "/_lifecycle/safe-to-stop" + query);
    a.status = r.status;
    a.body = r.body;
    auto d = ParseJson(r.body);
    if (d.IsObject() && d.HasMember("reasons") && d["reasons"].IsArray()) {
      for (const auto& reason : d["reasons"].GetArray()) a.reasons.insert(reason["reason"].GetString());
    }
    return a;
  }
};

TEST_F(SafeToStopClusterTest, FollowsTheClusterStateAndSaysWhy) {
  StartNodes(2);
  ASSERT_EQ(Http(0, "PUT", "/books", R"({"settings": {"number_of_shards": 1, "number_of_replicas": 1,
      "index.unassigned.node_left.delayed_timeout": "5m"}})").status, 200);
  ASSERT_TRUE(WaitHealth(0, "green")) << Http(0, "GET", "/_cat/shards?v").body;
  auto rows = HttpJson(0, "GET", "/_cat/shards/books?format=json&h=prirep,node");
  ASSERT_TRUE(rows.IsArray() && rows.Size() == 2);
  size_t p = 0;
  for (const auto& row : rows.GetArray()) {
    if (std::string(row["prirep"].GetString()) == "p") p = std::string(row["node"].GetString()) == "n1" ? 0 : 1;
  }
  const size_t k = 1 - p;

  // The replica's node may stop; the primary's may not, though it loses no data.
  Answer replica = Ask(k);
  EXPECT_EQ(replica.status, 200) << replica.body;
  EXPECT_TRUE(replica.reasons.empty()) << replica.body;
  auto body = ParseJson(replica.body);
  EXPECT_TRUE(body["safe_to_stop"].GetBool());
  EXPECT_EQ(body["copies"].GetUint(), 1u);
  EXPECT_EQ(std::string(body["node"]["name"].GetString()), "n" + std::to_string(k + 1));
  // The orchestrator's view of the same node: its copy, a replica, in sync.
  auto status = HttpJson(k, "GET", "/_lifecycle/status");
  ASSERT_TRUE(status.IsObject() && status["shards"].IsArray() && status["shards"].Size() == 1);
  EXPECT_FALSE(status["shards"][0]["primary"].GetBool());
  EXPECT_TRUE(status["shards"][0]["in_sync"].GetBool());
  Answer primary = Ask(p);
  EXPECT_EQ(primary.status, 409) << primary.body;
  EXPECT_EQ(primary.reasons, (std::set<std::string>{"primary_here"})) << primary.body;
  auto detail = ParseJson(primary.body)["reasons"][0].GetObject();
  EXPECT_EQ(std::string(detail["index"].GetString()), "books");
  EXPECT_EQ(detail["shard"].GetInt(), 0);
  EXPECT_EQ(Ask(p, "?require=data").status, 200);
  EXPECT_EQ(Ask(k, "?require=sometimes").status, 400);

  // The replica's node gone: the primary holds the only in-sync copy left.
  node(k).process().Signal(SIGKILL);
  ASSERT_TRUE(WaitUntil([&] { return Ask(p).reasons.count("sole_in_sync_copy") == 1; }, 20s)) << Ask(p).body;
  EXPECT_EQ(Ask(p).reasons, (std::set<std::string>{"primary_here", "sole_in_sync_copy"}));
  EXPECT_EQ(Ask(p, "?require=data").status, 200) << "its data is on its volume";

  // etcd away: nothing can be vouched for, not even the data.
  etcd_.Stop();
  ASSERT_TRUE(WaitUntil([&] { return Ask(p, "?require=data").reasons.count("cluster_state_unknown") == 1; }, 20s))
      << Ask(p, "?require=data").body;
  EXPECT_EQ(Ask(p, "?require=data").status, 409);
  ASSERT_TRUE(etcd_.Restart()) << etcd_.Log();
  StartNode(k);
  ASSERT_TRUE(WaitHealth(p, "green", 60s)) << Http(p, "GET", "/_cat/shards?v").body;
  ASSERT_TRUE(WaitUntil([&] { return Ask(p, "?require=data").status == 200; }, 20s)) << Ask(p, "?require=data").body;
  // Whichever holds the primary now, the other node may stop.
  EXPECT_TRUE(WaitUntil([&] { return Ask(0).status == 200 || Ask(1).status == 200; }, 20s))
      << Ask(0).body << "\n" << Ask(1).body;
}

}  // namespace
}  // namespace holdfast::testing
