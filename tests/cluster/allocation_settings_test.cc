// Allocation settings on real nodes and a real etcd, put through the HTTP API:
// awareness (nodes started with --node-attr zone=..., a whole zone SIGKILLed —
// every shard still answers from the other zone) and
// cluster.routing.allocation.enable as Elasticsearch's rolling-restart
// procedure uses it; an index's own filters and shard limit moving it from
// hot nodes to a warm one; recoveries held to node_concurrent_recoveries, and
// an index's own index.routing.allocation.enable.
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

// Zone a's nodes hold both copies of every shard when zone b's join; a
// filter excluding zone a moves them all to zone b; with the filter gone and
// awareness turned on, one copy of each moves back, so that zone b can then
// be lost whole (without awareness nothing moves back, and losing zone b
// loses every shard).
TEST_F(ClusterFixture, AZoneFilterEmptiesAZoneAndAwarenessSpreadsEveryShardOverBothSoAZoneCanBeLost) {
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

  // Excluding zone a by its attribute empties it.
  auto exclude = Http(0, "PUT", "/_cluster/settings",
                      R"({"persistent": {"cluster.routing.allocation.exclude.zone": "a"}})");
  ASSERT_EQ(exclude.status, 200) << exclude.body;
  EXPECT_EQ(Http(0, "PUT", "/_cluster/settings", R"({"persistent": {"cluster.routing.allocation.exclude.zone.x": "a"}})")
                .status,
            400);
  EXPECT_TRUE(WaitUntil([&] {
    auto zones = ZonesPerShard(this, 0);
    const std::multiset<std::string> b{"b", "b"};
    return zones.size() == 2 && zones.begin()->second == b && zones.rbegin()->second == b && Health(0) == "green";
  }, 60s)) << Http(0, "GET", "/_cat/shards?v").body;

  // A misspelt attribute would leave every node without it: refused.
  EXPECT_EQ(Http(0, "PUT", "/_cluster/settings",
                 R"({"persistent": {"cluster.routing.allocation.awareness.attributes": "zone.name"}})")
                .status,
            400);
  auto put = Http(0, "PUT", "/_cluster/settings",
                  R"({"persistent": {"cluster.routing.allocation.exclude.zone": null,
                                     "cluster.routing.allocation.awareness.attributes": "zone"}})");
  ASSERT_EQ(put.status, 200) << put.body;
  std::map<std::string, std::multiset<std::string>> zones;
  EXPECT_TRUE(WaitUntil([&] {
    zones = ZonesPerShard(this, 1);
    const std::multiset<std::string> both{"a", "b"};
    return zones.size() == 2 && zones.begin()->second == both && zones.rbegin()->second == both &&
           Health(1) == "green";
  }, 60s)) << Http(1, "GET", "/_cat/shards?v").body;

  // Zone b goes away at once (both its nodes SIGKILLed): zone a holds a
  // copy of every shard — its replicas become primaries, every document is
  // found, writes go on.
  node(1).process().Signal(SIGKILL);
  node(3).process().Signal(SIGKILL);
  uint64_t count = 0;
  EXPECT_TRUE(WaitUntil([&] {
    auto c = HttpJson(0, "GET", "/books/_count");
    count = c.IsObject() && c.HasMember("count") ? c["count"].GetUint64() : 0;
    return count == 200 && Health(0) == "yellow";
  }, 30s)) << "count " << count << "\n" << Http(0, "GET", "/_cat/shards?v").body;
  auto more = Http(2, "POST", "/books/_bulk?refresh=true", Bulk(200, 220));
  ASSERT_EQ(more.status, 200) << more.body;
  EXPECT_FALSE(ParseJson(more.body)["errors"].GetBool()) << more.body.substr(0, 600);
  EXPECT_EQ(HttpJson(0, "GET", "/books/_count")["count"].GetUint64(), 220u);
}

std::string Explain(ClusterFixture* f, size_t i, const std::string& index, bool primary) {
  auto r = f->Http(i, "POST", "/_cluster/allocation/explain",
                   R"({"index": ")" + index + R"(", "shard": 0, "primary": )" + (primary ? "true" : "false") + "}");
  return r.body;
}

// Elasticsearch's rolling restart: allocation set to primaries, a node
// restarted — its replica waits, saying why — then reset to null, and the
// replica goes back to the node. With none, a new index stays red (its
// create answers shards_acknowledged false after its timeout) until reset.
TEST_F(ClusterFixture, AllocationEnableHoldsCopiesBackAsElasticsearchsRollingRestartExpects) {
  StartNodes(2);
  ASSERT_EQ(Http(0, "PUT", "/books", R"({"settings": {"number_of_shards": 1, "number_of_replicas": 1}})").status, 200);
  ASSERT_TRUE(WaitHealth(0, "green", 60s)) << Http(0, "GET", "/_cat/shards?v").body;
  auto bulk = Http(0, "POST", "/books/_bulk?refresh=true", Bulk(0, 50));
  ASSERT_EQ(bulk.status, 200) << bulk.body;
  ASSERT_FALSE(ParseJson(bulk.body)["errors"].GetBool()) << bulk.body.substr(0, 600);

  EXPECT_EQ(Http(0, "PUT", "/_cluster/settings", R"({"persistent": {"cluster.routing.allocation.enable": "replicas"}})")
                .status,
            400);
  auto off = Http(0, "PUT", "/_cluster/settings",
                  R"({"persistent": {"cluster.routing.allocation.enable": "Primaries"}})");
  ASSERT_EQ(off.status, 200) << off.body;
  EXPECT_TRUE(WaitUntil([&] {
    return Http(1, "GET", "/_cluster/settings?flat_settings=true")
               .body.find(R"("cluster.routing.allocation.enable":"primaries")") != std::string::npos;
  }, 10s)) << "stored lower case, seen by every node: " << Http(1, "GET", "/_cluster/settings").body;
  // As Elasticsearch shows them without flat_settings: nested by the dots.
  auto nested = HttpJson(1, "GET", "/_cluster/settings");
  ASSERT_TRUE(nested.IsObject() && nested["persistent"].HasMember("cluster")) << Http(1, "GET", "/_cluster/settings").body;
  EXPECT_STREQ(nested["persistent"]["cluster"]["routing"]["allocation"]["enable"].GetString(), "primaries");
  auto defaults = HttpJson(1, "GET", "/_cluster/settings?include_defaults=true&flat_settings=true");
  ASSERT_TRUE(defaults.IsObject() && defaults.HasMember("defaults")) << "include_defaults";
  EXPECT_STREQ(defaults["defaults"]["cluster.routing.allocation.node_concurrent_recoveries"].GetString(), "2");
  EXPECT_STREQ(defaults["defaults"]["cluster.routing.allocation.node_initial_primaries_recoveries"].GetString(), "4");
  EXPECT_FALSE(defaults["defaults"].HasMember("cluster.routing.allocation.enable")) << "set: not a default";
  // n2 restarts on its volume (SIGKILL: the hard way). Its copy is a replica
  // now (promoted away if it was the primary), and waits; n2 turns ready
  // without it (StartNode waits for ready: not for a copy held back).
  node(1).process().Signal(SIGKILL);
  ASSERT_TRUE(WaitUntil([&] { return NodesSeen(0) == 1; }, 20s)) << "n2 did not leave";
  StartNode(1);
  ASSERT_TRUE(WaitUntil([&] { return NodesSeen(0) == 2; }, 20s)) << "n2 did not rejoin";
  std::string explained;
  EXPECT_TRUE(WaitUntil([&] {
    explained = Explain(this, 0, "books", false);
    return explained.find("cluster.routing.allocation.enable is [primaries]") != std::string::npos;
  }, 20s)) << explained;
  EXPECT_EQ(Health(0), "yellow");
  EXPECT_EQ(HttpJson(1, "GET", "/books/_count")["count"].GetUint64(), 50u) << "the primary answers";
  auto on = Http(0, "PUT", "/_cluster/settings", R"({"persistent": {"cluster.routing.allocation.enable": null}})");
  ASSERT_EQ(on.status, 200) << on.body;
  ASSERT_TRUE(WaitHealth(0, "green", 60s)) << Http(0, "GET", "/_cat/shards?v").body;
  auto on_n2 = HttpJson(1, "POST", "/books/_search?preference=_only_nodes:n2", R"({"size": 0})");
  EXPECT_EQ(on_n2["hits"]["total"]["value"].GetUint64(), 50u) << "the replica is back on n2, with every document";

  // none: a new index is created red and its create says its shards did not start.
  ASSERT_EQ(Http(0, "PUT", "/_cluster/settings", R"({"persistent": {"cluster.routing.allocation.enable": "none"}})").status,
            200);
  auto created = HttpJson(0, "PUT", "/later?timeout=1s");
  ASSERT_TRUE(created.IsObject() && created.HasMember("shards_acknowledged"));
  EXPECT_TRUE(created["acknowledged"].GetBool());
  EXPECT_FALSE(created["shards_acknowledged"].GetBool());
  EXPECT_EQ(Health(0, "later"), "red");
  EXPECT_NE(Explain(this, 0, "later", true).find("cluster.routing.allocation.enable is [none]"), std::string::npos)
      << Explain(this, 0, "later", true);
  auto at_once = HttpJson(0, "PUT", "/later-too?wait_for_active_shards=0");
  EXPECT_TRUE(at_once.IsObject() && at_once["shards_acknowledged"].GetBool());
  ASSERT_EQ(Http(0, "PUT", "/_cluster/settings", R"({"persistent": {"cluster.routing.allocation.enable": "all"}})").status,
            200);
  EXPECT_TRUE(WaitHealth(0, "green", 60s)) << Http(0, "GET", "/_cat/shards?v").body;
  auto write = Http(1, "POST", "/later/_doc/1?refresh=true", R"({"title": "first"})");
  EXPECT_EQ(write.status, 201) << write.body;
}

// Hot and warm nodes (--node-attr box=...): an index created with
// index.routing.allocation.require.box: hot stays on the hot nodes while an
// index without it spreads over all three; its setting changed to warm (and
// one replica fewer, for the one warm node) moves every copy there, with
// every document; total_shards_per_node spreads another index one per node.
TEST_F(ClusterFixture, AnIndexRequiringHotNodesStaysThereAndMovesToTheWarmNodeWhenItsSettingChanges) {
  for (size_t i = 0; i < 3; ++i) StartNode(i, {"--node-attr", i < 2 ? "box=hot" : "box=warm"});
  ASSERT_TRUE(WaitUntil([&] { return NodesSeen(0) == 3; }, 20s));
  auto created = Http(0, "PUT", "/logs", R"({"settings": {"number_of_shards": 2, "number_of_replicas": 1,
      "index.routing.allocation.require.box": "hot"}})");
  ASSERT_EQ(created.status, 200) << created.body;
  ASSERT_TRUE(WaitHealth(0, "green", 60s)) << Http(0, "GET", "/_cat/shards?v").body;
  auto nodes_of = [&](const std::string& index) {
    std::multiset<std::string> nodes;
    auto rows = HttpJson(0, "GET", "/_cat/shards/" + index + "?format=json&h=node,state");
    if (!rows.IsArray()) return nodes;
    for (const auto& row : rows.GetArray()) {
      nodes.insert(std::string(row["node"].IsString() ? row["node"].GetString() : "-") + ":" + row["state"].GetString());
    }
    return nodes;
  };
  EXPECT_EQ(nodes_of("logs"), (std::multiset<std::string>{"n1:STARTED", "n1:STARTED", "n2:STARTED", "n2:STARTED"}));
  auto bulk = Http(0, "POST", "/logs/_bulk?refresh=true", Bulk(0, 100));
  ASSERT_EQ(bulk.status, 200) << bulk.body;
  ASSERT_FALSE(ParseJson(bulk.body)["errors"].GetBool()) << bulk.body.substr(0, 600);
  EXPECT_NE(Explain(this, 0, "logs", true).find("index.routing.allocation.require.box [hot]"), std::string::npos)
      << Explain(this, 0, "logs", true);

  // A limit of one copy per node spreads an index of three shards over all three.
  ASSERT_EQ(Http(0, "PUT", "/spread", R"({"settings": {"number_of_shards": 3, "number_of_replicas": 0,
      "index.routing.allocation.total_shards_per_node": 1}})").status, 200);
  ASSERT_TRUE(WaitHealth(0, "green", 60s)) << Http(0, "GET", "/_cat/shards?v").body;
  EXPECT_EQ(nodes_of("spread"), (std::multiset<std::string>{"n1:STARTED", "n2:STARTED", "n3:STARTED"}));

  auto warm = Http(0, "PUT", "/logs/_settings", R"({"index": {"routing.allocation.require.box": "warm",
      "number_of_replicas": 0}})");
  ASSERT_EQ(warm.status, 200) << warm.body;
  EXPECT_TRUE(WaitUntil([&] {
    return nodes_of("logs") == std::multiset<std::string>{"n3:STARTED", "n3:STARTED"} && Health(0) == "green";
  }, 60s)) << Http(0, "GET", "/_cat/shards?v").body;
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(HttpJson(i, "GET", "/logs/_count")["count"].GetUint64(), 100u) << "through n" << i + 1;
  }
  auto shown = HttpJson(2, "GET", "/logs/_settings");
  ASSERT_TRUE(shown.IsObject() && shown.HasMember("logs")) << Http(2, "GET", "/logs/_settings").body;
  EXPECT_STREQ(shown["logs"]["settings"]["index"]["routing"]["allocation"]["require"]["box"].GetString(), "warm");
  EXPECT_EQ(nodes_of("spread"), (std::multiset<std::string>{"n1:STARTED", "n2:STARTED", "n3:STARTED"}))
      << "the limit keeps spread where it was";

  // The cluster-wide limit: one copy per node is less than the nodes hold,
  // so a new index has nowhere to go (refused, saying why).
  EXPECT_EQ(Http(0, "PUT", "/_cluster/settings",
                 R"({"persistent": {"cluster.routing.allocation.total_shards_per_node": "x"}})").status,
            400);
  ASSERT_EQ(Http(0, "PUT", "/_cluster/settings",
                 R"({"persistent": {"cluster.routing.allocation.total_shards_per_node": 1}})").status,
            200);
  auto refused = Http(0, "PUT", "/one-more", R"({"settings": {"number_of_replicas": 0}})");
  EXPECT_EQ(refused.status, 400) << refused.body;
  EXPECT_NE(refused.body.find("cluster.routing.allocation.total_shards_per_node=1"), std::string::npos) << refused.body;
}

// node_concurrent_recoveries 0: the replicas of a new index wait, explained
// as throttled (with the setting to change), and go once it is reset; an
// index's own allocation.enable none holds a new replica of that index back
// while the cluster allows everything, and null lets it go.
TEST_F(ClusterFixture, RecoveriesWaitForTheirLimitAndAnIndexCanHoldItsOwnCopiesBack) {
  StartNodes(2);
  EXPECT_EQ(Http(0, "PUT", "/_cluster/settings",
                 R"({"persistent": {"cluster.routing.allocation.node_concurrent_recoveries": -1}})").status,
            400);
  ASSERT_EQ(Http(0, "PUT", "/_cluster/settings",
                 R"({"persistent": {"cluster.routing.allocation.node_concurrent_recoveries": 0}})").status,
            200);
  EXPECT_EQ(Http(0, "PUT", "/_cluster/settings",
                 R"({"persistent": {"cluster.routing.allocation.node_initial_primaries_recoveries": "x"}})").status,
            400);
  ASSERT_EQ(Http(1, "PUT", "/books", kTwoShardsOneReplica).status, 200);
  ASSERT_TRUE(WaitHealth(0, "yellow", 60s)) << Http(0, "GET", "/_cat/shards?v").body;
  auto bulk = Http(0, "POST", "/books/_bulk?refresh=true", Bulk(0, 40));
  ASSERT_EQ(bulk.status, 200) << bulk.body;
  ASSERT_FALSE(ParseJson(bulk.body)["errors"].GetBool()) << bulk.body.substr(0, 600);
  std::string explained;
  EXPECT_TRUE(WaitUntil([&] {
    explained = Explain(this, 1, "books", false);
    return explained.find(R"("can_allocate":"throttled")") != std::string::npos;
  }, 20s)) << explained;
  EXPECT_NE(explained.find("cluster.routing.allocation.node_concurrent_incoming_recoveries=0"), std::string::npos)
      << explained;
  EXPECT_EQ(Health(0), "yellow") << "the replicas wait while the limit is 0";
  ASSERT_EQ(Http(0, "PUT", "/_cluster/settings",
                 R"({"persistent": {"cluster.routing.allocation.node_concurrent_recoveries": null}})").status,
            200);
  ASSERT_TRUE(WaitHealth(0, "green", 60s)) << Http(0, "GET", "/_cat/shards?v").body;

  // The index's own none, the cluster's all: one replica more waits.
  auto held = Http(0, "PUT", "/books/_settings", R"({"index.routing.allocation.enable": "none"})");
  ASSERT_EQ(held.status, 200) << held.body;
  StartNode(2);
  ASSERT_TRUE(WaitUntil([&] { return NodesSeen(0) == 3; }, 20s)) << "n3 did not join";
  ASSERT_EQ(Http(1, "PUT", "/books/_settings", R"({"number_of_replicas": 2})").status, 200);
  EXPECT_TRUE(WaitUntil([&] {
    explained = Http(2, "POST", "/_cluster/allocation/explain").body;  // the first unassigned copy
    return explained.find("index.routing.allocation.enable is [none] for index [books]") != std::string::npos;
  }, 20s)) << explained;
  EXPECT_EQ(Health(0), "yellow");
  ASSERT_EQ(Http(2, "PUT", "/books/_settings", R"({"index.routing.allocation.enable": null})").status, 200);
  ASSERT_TRUE(WaitHealth(0, "green", 60s)) << Http(0, "GET", "/_cat/shards?v").body;
  auto on_n3 = HttpJson(0, "POST", "/books/_search?preference=_only_nodes:n3", R"({"size": 0})");
  EXPECT_EQ(on_n3["hits"]["total"]["value"].GetUint64(), 40u) << "n3 holds a copy of each shard, with every document";
}

}  // namespace
}  // namespace holdfast::testing
