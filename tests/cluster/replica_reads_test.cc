// Replicas answer searches (docs/replication.md "Reads") on real nodes and a
// real etcd: a node coordinating a search reads its own copy, replica or
// primary; a custom preference reads the same copies through every node; a
// write acknowledged with refresh=wait_for is found at once through every
// node (each reading its own copy); a node killed leaves the others reading
// theirs; a replica that caught up after a restart answers with all of it;
// a get reads the coordinating node's own copy (realtime), so it answers
// while the primary's node is paused.
#include <csignal>
#include <map>
#include <set>
#include <string>

#include "tests/cluster/cluster_fixture.h"

namespace holdfast::testing {
namespace {

// The node id of every node name, from node i's view.
std::map<std::string, std::string> NodeIds(ClusterFixture* f, size_t i) {
  std::map<std::string, std::string> ids;
  auto st = f->HttpJson(i, "GET", "/_cluster/state/nodes");
  if (!st.IsObject() || !st.HasMember("nodes")) return ids;
  for (const auto& n : st["nodes"].GetObject()) ids[n.value["name"].GetString()] = n.name.GetString();
  return ids;
}

// The nodes whose copies answered a search through node i (explain: true
// shows each hit's `_node`), and the total it found; `query` the extra
// parameters.
std::pair<std::set<std::string>, uint64_t> Answered(ClusterFixture* f, size_t i, const std::string& query = "") {
  auto d = f->HttpJson(i, "POST", "/books/_search" + query, R"({"size": 20, "explain": true})");
  std::set<std::string> nodes;
  if (!d.IsObject() || !d.HasMember("hits")) return {nodes, 0};
  for (const auto& hit : d["hits"]["hits"].GetArray()) nodes.insert(hit["_node"].GetString());
  return {nodes, d["hits"]["total"]["value"].GetUint64()};
}

TEST_F(ClusterFixture, EachNodeSearchesItsOwnCopyAndAWriteWaitedForIsFoundThroughEveryNode) {
  StartNodes(3);
  ASSERT_EQ(Http(0, "PUT", "/books", R"({"settings": {"number_of_shards": 1, "number_of_replicas": 2}})").status, 200);
  ASSERT_TRUE(WaitHealth(0, "green", 60s)) << Http(0, "GET", "/_cat/shards?v").body;
  std::string bulk;
  for (int i = 0; i < 50; ++i) {
    bulk += R"({"index": {"_id": ")" + std::to_string(i) + "\"}}\n" + R"({"title": "book )" + std::to_string(i) + "\"}\n";
  }
  auto r = Http(0, "POST", "/books/_bulk?refresh=wait_for", bulk);
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(r.body.find("\"errors\":true"), std::string::npos) << r.body.substr(0, 400);
  const std::map<std::string, std::string> ids = NodeIds(this, 0);
  ASSERT_EQ(ids.size(), 3u) << Http(0, "GET", "/_cluster/state/nodes").body;

  // Through each node, its own copy answers (two of the three are replicas).
  for (size_t i = 0; i < 3; ++i) {
    auto [nodes, total] = Answered(this, i);
    EXPECT_EQ(total, 50u) << "through n" << i + 1;
    EXPECT_EQ(nodes, std::set<std::string>{ids.at("n" + std::to_string(i + 1))}) << "through n" << i + 1;
  }
  // A custom preference reads the same copy through every node.
  for (const std::string session : {"alice", "bob", "carol"}) {
    std::set<std::string> seen;
    for (size_t i = 0; i < 3; ++i) {
      auto [nodes, total] = Answered(this, i, "?preference=" + session);
      EXPECT_EQ(total, 50u);
      seen.insert(nodes.begin(), nodes.end());
    }
    EXPECT_EQ(seen.size(), 1u) << session;
  }
  // _prefer_nodes: n3's copy, whichever node coordinates.
  EXPECT_EQ(Answered(this, 0, "?preference=_prefer_nodes:n3").first, std::set<std::string>{ids.at("n3")});

  // A write acknowledged with refresh=wait_for is searchable on every copy:
  // found at once through every node, each reading its own.
  for (int i = 0; i < 10; ++i) {
    const std::string id = "w" + std::to_string(i);
    auto w = Http(static_cast<size_t>(i % 3), "PUT", "/books/_doc/" + id + "?refresh=wait_for",
                  R"({"title": "waited )" + id + "\"}");
    ASSERT_EQ(w.status, 201) << w.body;
    for (size_t n = 0; n < 3; ++n) {
      auto d = HttpJson(n, "GET", "/books/_search?q=title:" + id);
      EXPECT_EQ(d["hits"]["total"]["value"].GetUint64(), 1u) << id << " through n" << n + 1;
    }
  }

  // n3 killed: n1 and n2 go on reading their own copies, every document there.
  node(2).process().Signal(SIGKILL);
  for (size_t i = 0; i < 2; ++i) {
    auto [nodes, total] = Answered(this, i);
    EXPECT_EQ(total, 60u) << "through n" << i + 1;
    EXPECT_EQ(nodes, std::set<std::string>{ids.at("n" + std::to_string(i + 1))}) << "through n" << i + 1;
  }
}

// A replica whose node restarts catches up from the primary's ops; once it
// reports started it answers searches with every document — even with
// refresh_interval -1, where nothing refreshes it but its recovery.
TEST_F(ClusterFixture, AReplicaIsSearchableWithEverythingItRecoveredOnceStarted) {
  StartNodes(2);
  ASSERT_EQ(Http(0, "PUT", "/books", R"({"settings": {"number_of_shards": 1, "number_of_replicas": 1,
      "refresh_interval": "-1"}})").status, 200);
  ASSERT_TRUE(WaitHealth(0, "green", 60s)) << Http(0, "GET", "/_cat/shards?v").body;
  auto write = [&](size_t via, int from, int to) {
    std::string bulk;
    for (int i = from; i < to; ++i) {
      bulk += R"({"index": {"_id": ")" + std::to_string(i) + "\"}}\n" + R"({"title": "book )" + std::to_string(i) +
              "\"}\n";
    }
    auto r = Http(via, "POST", "/books/_bulk?refresh=true", bulk);
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_EQ(r.body.find("\"errors\":true"), std::string::npos) << r.body.substr(0, 400);
  };
  write(0, 0, 20);
  node(1).process().Signal(SIGKILL);
  ASSERT_TRUE(WaitUntil([&] { return NodesSeen(0) == 1; }, 20s)) << "n2 did not leave";
  write(0, 20, 30);  // n2's copy misses these: it catches up from ops
  StartNode(1);
  ASSERT_TRUE(WaitHealth(0, "green", 60s)) << Http(0, "GET", "/_cat/shards?v").body;
  for (size_t i = 0; i < 2; ++i) {
    auto c = HttpJson(i, "GET", "/books/_count?preference=_only_local");
    ASSERT_TRUE(c.IsObject() && c.HasMember("count")) << Http(i, "GET", "/books/_count?preference=_only_local").body;
    EXPECT_EQ(c["count"].GetUint64(), 30u) << "n" << i + 1 << "'s own copy\n" << Http(0, "GET", "/_cat/recovery?v").body;
  }
}

TEST_F(ClusterFixture, AGetReadsTheNodesOwnCopyRealtimeWhileThePrimarysNodeIsPaused) {
  StartNodes(2);
  ASSERT_EQ(Http(0, "PUT", "/books", R"({"settings": {"number_of_shards": 1, "number_of_replicas": 1,
      "refresh_interval": "-1"}})").status, 200);
  ASSERT_TRUE(WaitHealth(0, "green", 60s)) << Http(0, "GET", "/_cat/shards?v").body;
  auto write = Http(0, "PUT", "/books/_doc/1", R"({"title": "dune"})");  // acknowledged, never refreshed
  ASSERT_EQ(write.status, 201) << write.body;
  auto rows = HttpJson(0, "GET", "/_cat/shards/books?format=json&h=prirep,node");
  ASSERT_TRUE(rows.IsArray() && rows.Size() == 2) << Http(0, "GET", "/_cat/shards?v").body;
  size_t primary = 2;
  for (const auto& row : rows.GetArray()) {
    if (std::string(row["prirep"].GetString()) == "p") primary = std::string(row["node"].GetString()) == "n1" ? 0 : 1;
  }
  ASSERT_LT(primary, 2u);
  const size_t replica = 1 - primary;
  EXPECT_EQ(Http(replica, "GET", "/books/_doc/1?preference=_primary").status, 400) << "removed in Elasticsearch 7";
  // The primary's node stops answering (SIGSTOP: alive, silent). A get
  // through the replica's node reads its own copy at once; one that asked
  // the primary first would wait for that call's deadline.
  node(primary).process().Signal(SIGSTOP);
  for (const std::string query : {"", "?preference=_local", "?preference=_only_local"}) {
    auto got = HttpCall("127.0.0.1", node(replica).http_port(), "GET", "/books/_doc/1" + query, "", 3s);
    EXPECT_EQ(got.status, 200) << query << ": " << got.body;
    EXPECT_NE(got.body.find(R"("_version":1)"), std::string::npos) << got.body;
    EXPECT_NE(got.body.find(R"("title": "dune")"), std::string::npos) << "realtime on the replica: " << got.body;
  }
  auto many = HttpCall("127.0.0.1", node(replica).http_port(), "POST", "/books/_mget", R"({"ids": ["1", "2"]})", 3s);
  EXPECT_EQ(many.status, 200) << many.body;
  EXPECT_NE(many.body.find(R"("found":true)"), std::string::npos) << many.body;
  EXPECT_NE(many.body.find(R"("found":false)"), std::string::npos) << many.body;
  node(primary).process().Signal(SIGCONT);
}

}  // namespace
}  // namespace holdfast::testing
