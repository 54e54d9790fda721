// Allocation awareness on real nodes and a real etcd: nodes started with
// --node-attr zone=..., the awareness setting put through the HTTP API, and a
// whole zone SIGKILLed — every shard still answers from the other zone.
#include <map>
#include <set>
#include <string>

#include "tests/cluster/cluster_fixture.h"

namespace holdfast::testing {
namespace {

constexpr char kTwoShardsOneReplica[] =
    R"({"settings": {"number_of_shards": 2, "number_of_replicas": 1}, "mappings": {"properties": {"title": {"type": "text"}}}})";

std::string Bulk(int from, int to) {
  std::string body;
  for (int i = from; i < to; ++i) {
    body += R"({"index": {"_id": ")" + std::to_string(i) + "\"}}\n";
    body += R"({"title": "book number )" + std::to_string(i) + "\"}\n";
  }
  return body;
}

// n1 and n3 in zone a, n2 and n4 in zone b.
const char* ZoneOf(size_t i) { return i % 2 == 0 ? "a" : "b"; }

// The zones of each shard's copies, from _cat/shards through node i.
std::map<std::string, std::multiset<std::string>> ZonesPerShard(ClusterFixture* f, size_t i) {
  std::map<std::string, std::multiset<std::string>> zones;
  auto shards = f->HttpJson(i, "GET", "/_cat/shards/books?format=json&h=shard,prirep,node");
  if (!shards.IsArray()) return zones;
  for (const auto& row : shards.GetArray()) {
    const std::string node = row["node"].IsString() ? row["node"].GetString() : "";
    if (node.size() > 1) zones[row["shard"].GetString()].insert(ZoneOf(std::stoul(node.substr(1)) - 1));
  }
  return zones;
}

// Zone a's nodes hold both copies of every shard when zone b's join; with
// awareness turned on, one copy of each moves to zone b, so that zone a can
// then be lost whole (without awareness nothing moves, and losing zone a
// loses every shard).
TEST_F(ClusterFixture, AwarenessMovesACopyOfEveryShardToTheOtherZoneSoAZoneCanBeLost) {
  auto start = [&](size_t i) {
    StartNode(i, {"--node-attr", std::string("zone=") + ZoneOf(i) + ",rack=r" + std::to_string(i)});
  };
  start(0);
  start(2);
  ASSERT_TRUE(WaitUntil([&] { return NodesSeen(0) == 2; }, 20s)) << "zone a's nodes did not both join";
  ASSERT_EQ(Http(0, "PUT", "/books", kTwoShardsOneReplica).status, 200);
  ASSERT_TRUE(WaitHealth(0, "green", 60s)) << Http(0, "GET", "/_cat/shards?v").body;
  auto bulk = Http(0, "POST", "/books/_bulk?refresh=true", Bulk(0, 200));
  ASSERT_EQ(bulk.status, 200) << bulk.body;
  ASSERT_FALSE(ParseJson(bulk.body)["errors"].GetBool()) << bulk.body.substr(0, 600);
  start(1);
  start(3);
  ASSERT_TRUE(WaitUntil([&] { return NodesSeen(0) == 4; }, 20s)) << "zone b's nodes did not both join";

  // _cat/nodeattrs lists what the nodes were started with (not their disk.* or
  // volume.*), once node n2's view holds all four members.
  std::string attrs;
  EXPECT_TRUE(WaitUntil([&] {
    attrs = Http(1, "GET", "/_cat/nodeattrs?h=node,attr,value").body;
    for (size_t i = 0; i < 4; ++i) {
      const std::string n = "n" + std::to_string(i + 1);
      if (attrs.find(n + " zone " + ZoneOf(i)) == std::string::npos) return false;
      if (attrs.find(n + " rack r" + std::to_string(i)) == std::string::npos) return false;
    }
    return true;
  }, 10s)) << attrs;
  EXPECT_EQ(attrs.find("disk."), std::string::npos) << attrs;
  EXPECT_EQ(attrs.find("volume."), std::string::npos) << attrs;
  // The attributes stay in the member keys when the nodes publish their disk use.
  EXPECT_TRUE(WaitUntil([&] {
    auto st = HttpJson(2, "GET", "/_cluster/state/nodes");
    if (!st.IsObject() || !st.HasMember("nodes")) return false;
    int both = 0;
    for (const auto& n : st["nodes"].GetObject()) {
      both += n.value["attributes"].HasMember("disk.used_percent") && n.value["attributes"].HasMember("zone");
    }
    return both == 4;
  }, 10s)) << Http(2, "GET", "/_cluster/state/nodes").body;
  for (const auto& [shard, z] : ZonesPerShard(this, 0)) {
    EXPECT_EQ(z, (std::multiset<std::string>{"a", "a"})) << "shard " << shard << ": nothing moves by itself";
  }

  // A misspelt attribute would leave every node without it: refused.
  EXPECT_EQ(Http(0, "PUT", "/_cluster/settings",
                 R"({"persistent": {"cluster.routing.allocation.awareness.attributes": "zone.name"}})")
                .status,
            400);
  auto put = Http(0, "PUT", "/_cluster/settings",
                  R"({"persistent": {"cluster.routing.allocation.awareness.attributes": "zone"}})");
  ASSERT_EQ(put.status, 200) << put.body;
  std::map<std::string, std::multiset<std::string>> zones;
  EXPECT_TRUE(WaitUntil([&] {
    zones = ZonesPerShard(this, 1);
    const std::multiset<std::string> both{"a", "b"};
    return zones.size() == 2 && zones.begin()->second == both && zones.rbegin()->second == both &&
           Health(1) == "green";
  }, 60s)) << Http(1, "GET", "/_cat/shards?v").body;

  // Zone a goes away at once (both its nodes SIGKILLed, the master among
  // them): zone b holds a copy of every shard — its replicas become
  // primaries, every document is found, writes go on.
  node(0).process().Signal(SIGKILL);
  node(2).process().Signal(SIGKILL);
  uint64_t count = 0;
  EXPECT_TRUE(WaitUntil([&] {
    auto c = HttpJson(1, "GET", "/books/_count");
    count = c.IsObject() && c.HasMember("count") ? c["count"].GetUint64() : 0;
    return count == 200 && Health(1) == "yellow";
  }, 30s)) << "count " << count << "\n" << Http(1, "GET", "/_cat/shards?v").body;
  auto more = Http(3, "POST", "/books/_bulk?refresh=true", Bulk(200, 220));
  ASSERT_EQ(more.status, 200) << more.body;
  EXPECT_FALSE(ParseJson(more.body)["errors"].GetBool()) << more.body.substr(0, 600);
  EXPECT_EQ(HttpJson(1, "GET", "/books/_count")["count"].GetUint64(), 220u);
}

}  // namespace
}  // namespace holdfast::testing
