// --publish-host (network.publish_host): a node that listens on every
// interface of its host — as in a container — registers the address it is
// given, and the other nodes dial that. Without it a cluster node on
// 0.0.0.0 would register "0.0.0.0:9300", which every other node dials as its
// own host; it refuses to start instead, saying what to set.
//
// The first test runs two nodes on network-namespace hosts (root, iproute2
// and nftables: it fails, not skips, without them), each listening on
// 0.0.0.0 inside its own namespace as a pod does.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <chrono>
#include <set>
#include <string>

#include "tests/cluster/chaos_cluster.h"
#include "tests/support/test_process.h"

namespace holdfast::testing {
namespace {

using namespace std::chrono_literals;

rapidjson::Document Json(const std::string& body) {
  rapidjson::Document d;
  d.Parse(body.c_str(), body.size());
  return d;
}

std::string Str(const rapidjson::Value& v, const char* key) {
  return v.IsObject() && v.HasMember(key) && v[key].IsString() ? v[key].GetString() : "";
}

TEST(PublishHost, NodesListeningOnEveryInterfaceAreDialedAtTheirPublishHost) {
  ChaosCluster cluster(2, /*lease_ttl_seconds=*/5);
  cluster.set_listen_on_every_interface(true);
  const std::string started = cluster.Start();
  ASSERT_EQ(started, "") << cluster.LogTails();

  // Each node is registered at its own host's address, with its ports.
  const HttpReply nodes = cluster.Http(1, "GET", "/_cat/nodes?h=name,http_address,grpc_address&format=json");
  ASSERT_EQ(nodes.status, 200) << nodes.body;
  const rapidjson::Document rows = Json(nodes.body);
  ASSERT_TRUE(rows.IsArray()) << nodes.body;
  ASSERT_EQ(rows.Size(), 2u) << nodes.body;
  for (const auto& row : rows.GetArray()) {
    const size_t i = cluster.IndexOf(Str(row, "name"));
    ASSERT_LT(i, cluster.size()) << nodes.body;
    const std::string host = cluster.net().address(i);
    EXPECT_EQ(Str(row, "grpc_address"), host + ":" + std::to_string(ChaosCluster::kGrpcPort)) << nodes.body;
    EXPECT_EQ(Str(row, "http_address"), host + ":" + std::to_string(ChaosCluster::kHttpPort)) << nodes.body;
  }

  // Shards on both nodes; documents written through one are all found
  // through the other (each node's requests reach the other's copies).
  const HttpReply created =
      cluster.Http(0, "PUT", "/pub", R"({"settings":{"number_of_shards":4,"number_of_replicas":0}})");
  ASSERT_EQ(created.status, 200) << created.body;
  const std::string green = cluster.WaitGreen("pub", 60s);
  ASSERT_EQ(green, "") << cluster.LogTails();
  std::set<std::string> holders;
  for (const ShardCopyRow& copy : cluster.ShardCopies("pub")) holders.insert(copy.node);
  ASSERT_EQ(holders, (std::set<std::string>{"n1", "n2"}));
  std::string bulk;
  constexpr int kDocs = 40;
  for (int d = 0; d < kDocs; ++d) {
    bulk += R"({"index":{"_index":"pub","_id":")" + std::to_string(d) + "\"}}\n";
    bulk += R"({"body":"published )" + std::to_string(d) + "\"}\n";
  }
  const HttpReply written = cluster.Http(0, "POST", "/_bulk?refresh=true", bulk);
  ASSERT_EQ(written.status, 200) << written.body;
  ASSERT_EQ(Json(written.body)["errors"].GetBool(), false) << written.body;
  for (size_t via = 0; via < cluster.size(); ++via) {
    const HttpReply found = cluster.Http(via, "GET", "/pub/_search?size=0&track_total_hits=true");
    ASSERT_EQ(found.status, 200) << found.body;
    const rapidjson::Document d = Json(found.body);
    ASSERT_TRUE(d.IsObject() && d.HasMember("_shards") && d.HasMember("hits")) << found.body;
    EXPECT_EQ(d["_shards"]["successful"].GetInt(), 4) << "through " << cluster.name(via) << ": " << found.body;
    EXPECT_EQ(d["_shards"]["failed"].GetInt(), 0) << "through " << cluster.name(via) << ": " << found.body;
    EXPECT_EQ(d["hits"]["total"]["value"].GetInt(), kDocs) << "through " << cluster.name(via) << ": " << found.body;
  }
}

TEST(PublishHost, AClusterNodeOnEveryInterfaceWithoutOneRefusesToStart) {
  TempDir dir;
  NodeProcess node;
  node.set_listen("0.0.0.0", 0, 0, "127.0.0.1");
  // Nothing listens on the etcd endpoint: the node must refuse before it asks.
  ASSERT_TRUE(node.Launch(dir.Sub("n1"), {"--node-name", "n1", "--etcd-endpoints", "http://127.0.0.1:9"}));
  const std::optional<int> code = node.process().WaitExit(20s);
  ASSERT_TRUE(code.has_value()) << "still running: " << node.Log();
  EXPECT_NE(*code, 0) << node.Log();
  EXPECT_NE(node.Log().find("--publish-host"), std::string::npos) << node.Log();
  EXPECT_NE(node.Log().find("0.0.0.0:0"), std::string::npos) << node.Log();
}

}  // namespace
}  // namespace holdfast::testing
