// A cluster of real `holdfast` processes on a real etcd (tests/cluster/
// cluster_fixture.h): placement, search and writes across nodes, master
// failover, a node's return within the node_left delay, and etcd going away.
#include <signal.h>
#include <sys/stat.h>

#include <filesystem>

#include <algorithm>
#include <mutex>
#include <atomic>
#include <cmath>
#include <set>
#include <thread>

#include "tests/cluster/cluster_fixture.h"

namespace holdfast::testing {
namespace {

constexpr char kSixShards[] = R"({"settings": {"number_of_shards": 6, "number_of_replicas": 0}})";

std::string Bulk(int from, int to) {
  static const char* kWords[] = {"river", "stone", "lamp", "orbit", "cedar", "violet", "harbor", "ember"};
  std::string body;
  for (int i = from; i < to; ++i) {
    body += R"({"index": {"_id": ")" + std::to_string(i) + "\"}}\n";
    std::string text;
    for (int w = 0; w < 3 + i % 5; ++w) text += std::string(w ? " " : "") + kWords[(i * 7 + w * 3) % 8];
    body += R"({"title": ")" + text + R"(", "n": )" + std::to_string(i) + "}\n";
  }
  return body;
}

// node name → number of started copies (from _cat/shards of node i).
std::map<std::string, int> CopiesPerNode(ClusterFixture* f, size_t i, const std::string& index) {
  std::map<std::string, int> out;
  auto d = f->HttpJson(i, "GET", "/_cat/shards/" + index + "?format=json");
  if (!d.IsArray()) return out;
  for (const auto& row : d.GetArray()) {
    if (std::string(row["state"].GetString()) == "STARTED") ++out[row["node"].GetString()];
  }
  return out;
}

// (total, [(id, score)]) of a search, as node i answers it.
std::pair<uint64_t, std::vector<std::pair<std::string, double>>> Search(ClusterFixture* f, size_t i,
                                                                         const std::string& index, int port = 0) {
  // Every match (no page boundary to fall between equal scores).
  const std::string body = R"({"query": {"match": {"title": "river lamp ember"}}, "size": 1000})";
  auto r = port ? HttpCall(port, "POST", "/" + index + "/_search", body) : f->Http(i, "POST", "/" + index + "/_search", body);
  auto d = ParseJson(r.body);
  std::pair<uint64_t, std::vector<std::pair<std::string, double>>> out;
  if (r.status != 200 || !d.IsObject() || !d.HasMember("hits")) return out;
  out.first = d["hits"]["total"]["value"].GetUint64();
  for (const auto& h : d["hits"]["hits"].GetArray()) out.second.emplace_back(h["_id"].GetString(), h["_score"].GetDouble());
  // Equal scores may come in another order (segments differ): compare by score, then id.
  std::stable_sort(out.second.begin(), out.second.end(), [](const auto& a, const auto& b) {
    if (std::abs(a.second - b.second) > 1e-6) return a.second > b.second;
    return a.first < b.first;
  });
  return out;
}

// Allocation ids of every copy of `index`, by shard (from _cluster/state).
std::map<int, std::string> AllocationIds(ClusterFixture* f, size_t i, const std::string& index) {
  std::map<int, std::string> out;
  auto d = f->HttpJson(i, "GET", "/_cluster/state/routing_table");
  if (!d.IsObject() || !d.HasMember("routing_table")) return out;
  const auto& shards = d["routing_table"]["indices"][index.c_str()]["shards"];
  for (const auto& s : shards.GetObject()) {
    const auto& copy = s.value.GetArray()[0];
    out[std::stoi(s.name.GetString())] = copy.HasMember("allocation_id") ? copy["allocation_id"]["id"].GetString() : "";
  }
  return out;
}

// Segment files under a node's volume → their inode numbers.
std::map<std::string, ino_t> SegmentFiles(const std::string& data_dir) {
  std::map<std::string, ino_t> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::recursive_directory_iterator(data_dir + "/indices", ec)) {
    const std::string path = e.path().string();
    if (!e.is_regular_file() || path.find("/segments/") == std::string::npos) continue;
    if (path.find("MANIFEST") != std::string::npos) continue;  // rewritten by every flush
    struct stat st{};
    if (::stat(path.c_str(), &st) == 0) out[path.substr(data_dir.size())] = st.st_ino;
  }
  return out;
}

// A search's answer as a string that equal answers share: total, hits (id
// and score, equal scores by id) and the aggregations, as the node wrote them.
std::string Canonical(const std::string& body) {
  auto d = ParseJson(body);
  if (!d.IsObject() || !d.HasMember("hits")) return "not an answer: " + body.substr(0, 300);
  std::vector<std::pair<double, std::string>> hits;
  for (const auto& h : d["hits"]["hits"].GetArray()) hits.emplace_back(h["_score"].GetDouble(), h["_id"].GetString());
  std::stable_sort(hits.begin(), hits.end(), [](const auto& a, const auto& b) {
    if (std::abs(a.first - b.first) > 1e-6) return a.first > b.first;
    return a.second < b.second;
  });
  std::string out = "total " + std::to_string(d["hits"]["total"]["value"].GetUint64()) + ";";
  for (const auto& [score, id] : hits) out += " " + id + ":" + std::to_string(std::lround(score * 1e5));
  const size_t aggs = body.find("\"aggregations\"");
  if (aggs != std::string::npos) out += "; " + body.substr(aggs);
  return out;
}

TEST_F(ClusterFixture, SixShardsSpreadTwoPerNodeAndEveryNodeAnswersLikeOneNode) {
  StartNodes(3);
  ASSERT_EQ(Http(0, "PUT", "/books", kSixShards).status, 200);
  // Every node's view (they converge one by one).
  for (size_t i = 0; i < 3; ++i) ASSERT_TRUE(WaitHealth(i, "green")) << Http(i, "GET", "/_cat/shards").body;
  EXPECT_EQ(CopiesPerNode(this, 1, "books"), (std::map<std::string, int>{{"n1", 2}, {"n2", 2}, {"n3", 2}}))
      << Http(1, "GET", "/_cat/shards?v").body;
  // Writes through every node, routed to the primaries' nodes.
  for (size_t i = 0; i < 3; ++i) {
    auto r = Http(i, "POST", "/books/_bulk?refresh=true", Bulk(static_cast<int>(i) * 100, static_cast<int>(i + 1) * 100));
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_EQ(ParseJson(r.body)["errors"].GetBool(), false) << r.body.substr(0, 600);
  }
  // A document written through n1 is read through n3, and the other way round.
  EXPECT_EQ(Http(2, "GET", "/books/_doc/7").status, 200);
  EXPECT_EQ(Http(0, "GET", "/books/_doc/257").status, 200);
  // One node holding all six shards: the reference answer.
  NodeProcess single;
  ASSERT_TRUE(single.Start(dir_.Sub("single"))) << single.Log();
  ASSERT_TRUE(single.WaitReady());
  ASSERT_EQ(HttpCall(single.http_port(), "PUT", "/books", kSixShards).status, 200);
  ASSERT_EQ(HttpCall(single.http_port(), "POST", "/books/_bulk?refresh=true", Bulk(0, 300)).status, 200);
  const auto expected = Search(this, 0, "books", single.http_port());
  ASSERT_GT(expected.first, 0u);
  for (size_t i = 0; i < 3; ++i) {
    const auto got = Search(this, i, "books");
    EXPECT_EQ(got.first, expected.first) << "total through n" << i + 1;
    ASSERT_EQ(got.second.size(), expected.second.size());
    for (size_t h = 0; h < got.second.size(); ++h) {
      EXPECT_EQ(got.second[h].first, expected.second[h].first) << "hit " << h << " through n" << i + 1;
      EXPECT_NEAR(got.second[h].second, expected.second[h].second, 1e-5) << "score of hit " << h;
    }
    auto count = HttpJson(i, "GET", "/books/_count");
    EXPECT_EQ(count["count"].GetUint64(), 300u);
  }
  single.process().Signal(SIGKILL);
  // preference, as Elasticsearch.
  auto shards = [&](const std::string& pref) {
    return HttpJson(0, "POST", "/books/_search?preference=" + pref, R"({"query": {"match_all": {}}})");
  };
  EXPECT_EQ(shards("_shards:0,1")["_shards"]["total"].GetUint(), 2u);
  auto local = shards("_only_local");
  EXPECT_EQ(local["_shards"]["total"].GetUint(), 2u) << "n1 holds two shards";
  EXPECT_LT(local["hits"]["total"]["value"].GetUint64(), 300u);
  auto only_n2 = shards("_only_nodes:n2");
  EXPECT_EQ(only_n2["_shards"]["total"].GetUint(), 6u);
  EXPECT_EQ(only_n2["_shards"]["failed"].GetUint(), 4u);
  EXPECT_EQ(shards("_local")["hits"]["total"]["value"].GetUint64(), 300u);
  EXPECT_EQ(Http(0, "POST", "/books/_search?preference=_nonsense", "{}").status, 400);
  // A scroll coordinated by n1 over shards held by all three nodes.
  auto page = HttpJson(0, "POST", "/books/_search?scroll=1m", R"({"size": 40, "query": {"match_all": {}}})");
  std::set<std::string> seen;
  for (int pages = 0; pages < 20 && page.HasMember("hits") && page["hits"]["hits"].Size() > 0; ++pages) {
    for (const auto& h : page["hits"]["hits"].GetArray()) EXPECT_TRUE(seen.insert(h["_id"].GetString()).second);
    page = HttpJson(0, "POST", "/_search/scroll",
                    std::string(R"({"scroll": "1m", "scroll_id": ")") + page["_scroll_id"].GetString() + "\"}");
  }
  EXPECT_EQ(seen.size(), 300u);
  // Every node publishes its disk use (the master allocates by it).
  EXPECT_TRUE(WaitUntil([&] {
    auto st = HttpJson(2, "GET", "/_cluster/state/nodes");
    if (!st.IsObject() || !st.HasMember("nodes")) return false;
    int with_disk = 0;
    for (const auto& n : st["nodes"].GetObject()) with_disk += n.value["attributes"].HasMember("disk.used_percent");
    return with_disk == 3;
  }, 10s)) << Http(2, "GET", "/_cluster/state/nodes").body;
  // An alias made through one node is in every node's cluster state: its
  // filter applies to searches through another, writes go to its index.
  auto added = Http(1, "POST", "/_aliases",
                    R"({"actions":[{"add":{"index":"books","alias":"first-books","filter":{"range":{"n":{"lt":100}}}}}]})");
  ASSERT_EQ(added.status, 200) << added.body;
  EXPECT_TRUE(WaitUntil([&] { return Http(2, "HEAD", "/_alias/first-books").status == 200; }, 10s));
  EXPECT_EQ(HttpJson(2, "GET", "/first-books/_count")["count"].GetUint64(), 100u);
  EXPECT_EQ(HttpJson(0, "POST", "/first-books/_search", R"({"query":{"match":{"title":"river"}},"size":0})")["hits"]
                    ["total"]["value"].GetUint64(),
            HttpJson(0, "POST", "/books/_search",
                     R"({"query":{"bool":{"must":{"match":{"title":"river"}},"filter":{"range":{"n":{"lt":100}}}}},"size":0})")
                ["hits"]["total"]["value"].GetUint64());
  auto through = Http(2, "PUT", "/first-books/_doc/x1?refresh=true", R"({"title": "lamp", "n": 5})");
  ASSERT_EQ(through.status, 201) << through.body;
  EXPECT_EQ(HttpJson(0, "GET", "/books/_doc/x1")["_index"].GetString(), std::string("books"));
  // number_of_replicas changed live: the master places a replica of every
  // shard on another node, each recovers from its primary, health is green.
  auto replicas = Http(2, "PUT", "/books/_settings", R"({"index": {"number_of_replicas": 1}})");
  ASSERT_EQ(replicas.status, 200) << replicas.body;
  // (n1's view may not hold the change yet when n3 answers: wait on what it shows.)
  std::string twelve_started;
  for (int i = 0; i < 12; ++i) twelve_started += "STARTED\n";
  EXPECT_TRUE(WaitUntil([&] { return Http(0, "GET", "/_cat/shards/books?h=state").body == twelve_started; }, 60s))
      << Http(0, "GET", "/_cat/shards?v").body;
  EXPECT_TRUE(WaitHealth(0, "green"));
  EXPECT_EQ(HttpJson(1, "GET", "/books/_count?preference=_only_nodes:n3")["count"].GetUint64() > 0, true);
  // Custom routing travels to the routed shard's primary (and its replica),
  // wherever it is: written through n1, read and searched through n3 and n2.
  std::string routed;
  for (int n = 0; n < 10; ++n) {
    routed += R"({"index":{"_id":"routed-)" + std::to_string(n) + R"(","routing":"blue"}})" "\n{}\n";
  }
  ASSERT_EQ(ParseJson(Http(0, "POST", "/books/_bulk?refresh=true", routed).body)["errors"].GetBool(), false);
  int missed_without_routing = 0;
  for (int n = 0; n < 10; ++n) {
    auto got = HttpJson(2, "GET", "/books/_doc/routed-" + std::to_string(n) + "?routing=blue");
    EXPECT_TRUE(got["found"].GetBool()) << n;
    EXPECT_STREQ(got["_routing"].GetString(), "blue");
    missed_without_routing += Http(2, "GET", "/books/_doc/routed-" + std::to_string(n)).status == 404;
  }
  EXPECT_GT(missed_without_routing, 0) << "ten ids all on the routing's shard";
  auto routed_hits = HttpJson(1, "GET", "/books/_search?routing=blue&size=300");
  EXPECT_EQ(routed_hits["_shards"]["total"].GetUint(), 1u);
  int routed_seen = 0;
  for (const auto& h : routed_hits["hits"]["hits"].GetArray()) {
    routed_seen += h.HasMember("_routing") && std::string(h["_id"].GetString()).rfind("routed-", 0) == 0;
  }
  EXPECT_EQ(routed_seen, 10);
  // The ten on one shard, searched without routing through every node: the
  // node holding them fetches only its best NodePageFetch(10, 3) = 7 in the
  // query phase, and the other three are fetched after the merge.
  std::string ten_ids;
  for (int n = 0; n < 10; ++n) ten_ids += (n ? ",\"routed-" : "\"routed-") + std::to_string(n) + "\"";
  for (int i = 0; i < 3; ++i) {
    auto page = HttpJson(i, "POST", "/books/_search", R"({"size":10,"query":{"ids":{"values":[)" + ten_ids + "]}}}");
    ASSERT_EQ(page["hits"]["hits"].Size(), 10u) << "through node " << i;
    for (const auto& h : page["hits"]["hits"].GetArray()) {
      EXPECT_TRUE(h.HasMember("_source") && h.HasMember("_routing")) << "through node " << i << ": " << h["_id"].GetString();
    }
  }
  for (int n = 0; n < 10; ++n) {  // deleted on their shard too (the counts below are of the books)
    EXPECT_EQ(Http(2, "DELETE", "/books/_doc/routed-" + std::to_string(n) + "?routing=blue&refresh=true").status, 200);
  }
  ASSERT_EQ(Http(0, "PUT", "/books/_settings", R"({"number_of_replicas": 0})").status, 200);
  EXPECT_TRUE(WaitUntil([&] { return Http(1, "GET", "/_cat/shards/books?h=prirep").body == "p\np\np\np\np\np\n"; },
                        10s));
  // Closed through one node, opened through another: the copies close and
  // reopen where they are, with every document.
  auto closed = Http(1, "POST", "/books/_close");
  ASSERT_EQ(closed.status, 200) << closed.body;
  std::string six_closed;
  for (int i = 0; i < 6; ++i) six_closed += "CLOSED\n";
  EXPECT_TRUE(WaitUntil([&] { return Http(0, "GET", "/_cat/shards/books?h=state").body == six_closed; }, 10s))
      << Http(0, "GET", "/_cat/shards/books?v").body;
  EXPECT_EQ(Http(0, "POST", "/books/_search", "{}").status, 400);
  auto opened = Http(2, "POST", "/books/_open");
  ASSERT_EQ(opened.status, 200) << opened.body;
  EXPECT_TRUE(WaitHealth(0, "green"));
  EXPECT_EQ(HttpJson(0, "GET", "/books/_count")["count"].GetUint64(), 301u);
  // An index template stored through one node applies to an index a write
  // through another creates; _reindex copies across the nodes' shards.
  auto put_template = Http(1, "PUT", "/_index_template/copies",
                           R"({"index_patterns":["copy-*"],"template":{"settings":{"number_of_shards":4,"number_of_replicas":0}}})");
  ASSERT_EQ(put_template.status, 200) << put_template.body;
  EXPECT_TRUE(WaitUntil([&] { return Http(2, "HEAD", "/_index_template/copies").status == 200; }, 10s));
  auto reindexed = Http(2, "POST", "/_reindex?refresh=true", R"({"source":{"index":"books"},"dest":{"index":"copy-books"}})");
  ASSERT_EQ(reindexed.status, 200) << reindexed.body;
  EXPECT_EQ(ParseJson(reindexed.body)["created"].GetUint64(), 301u) << reindexed.body;
  EXPECT_EQ(HttpJson(0, "GET", "/copy-books/_count")["count"].GetUint64(), 301u);
  EXPECT_EQ(Http(0, "GET", "/_cat/shards/copy-books?h=prirep").body, "p\np\np\np\n");
  // _cat/nodes lists the three, one master.
  auto nodes = HttpJson(1, "GET", "/_cat/nodes?format=json");
  ASSERT_TRUE(nodes.IsArray());
  EXPECT_EQ(nodes.Size(), 3u);
  int masters = 0;
  for (const auto& n : nodes.GetArray()) masters += std::string(n["master"].GetString()) == "*";
  EXPECT_EQ(masters, 1);
}


// Searches that meet on the way to a node share one rpc (a coordinator holds
// at most transport.max_batches_in_flight to a node; the batches started
// meanwhile go together): sixteen searches at a time through n1, each answer
// the one it gives alone — hits, scores, totals, aggregations, pages — and
// n1's /metrics shows that batches did travel together.
TEST_F(ClusterFixture, SearchesThatTravelTogetherEachAnswerAsAlone) {
  StartNode(0, {"--max-batches-in-flight", "1"});
  StartNode(1);
  StartNode(2);
  ASSERT_TRUE(WaitUntil([&] { return NodesSeen(0) == 3; }, 20s)) << "the nodes did not all join";
  ASSERT_EQ(Http(0, "PUT", "/books", kSixShards).status, 200);
  ASSERT_TRUE(WaitHealth(0, "green")) << Http(0, "GET", "/_cat/shards").body;
  auto bulk = Http(0, "POST", "/books/_bulk?refresh=true", Bulk(0, 600));
  ASSERT_EQ(bulk.status, 200) << bulk.body;
  ASSERT_EQ(ParseJson(bulk.body)["errors"].GetBool(), false);
  const std::vector<std::string> queries = {
      R"({"query": {"match": {"title": "river lamp"}}, "size": 10})",
      R"({"query": {"match": {"title": "stone"}}, "from": 5, "size": 7})",
      R"({"query": {"match": {"title": "orbit cedar violet"}}, "size": 25})",
      R"({"query": {"match": {"title": "harbor ember"}}, "size": 3, "aggs": {"n": {"histogram": {"field": "n", "interval": 100}}}})",
      R"({"query": {"bool": {"must": {"match": {"title": "lamp"}}, "filter": {"range": {"n": {"lt": 300}}}}}, "size": 10})",
      R"({"query": {"match_all": {}}, "size": 5, "aggs": {"top": {"max": {"field": "n"}}}})",
  };
  // The answers one at a time.
  std::vector<std::string> alone;
  for (const std::string& q : queries) {
    auto r = Http(0, "POST", "/books/_search", q);
    ASSERT_EQ(r.status, 200) << r.body;
    alone.push_back(Canonical(r.body));
    ASSERT_EQ(alone.back().rfind("total ", 0), 0u) << alone.back();
  }
  const auto metric = [&](const std::string& name) -> uint64_t {
    const std::string text = Http(0, "GET", "/metrics").body;
    const size_t at = text.find("\n" + name + " ");
    return at == std::string::npos ? 0 : std::stoull(text.substr(at + name.size() + 2));
  };
  const uint64_t rpcs_before = metric("holdfast_shard_batch_rpcs_total");
  const uint64_t batches_before = metric("holdfast_shard_batches_total");
  // Sixteen at a time, 20 rounds each, every query in turn.
  std::atomic<int> same{0}, different{0};
  std::mutex mu;
  std::string first_difference;
  std::vector<std::thread> threads;
  const int port = node(0).http_port();
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 20; ++round) {
        const size_t q = static_cast<size_t>(t + round) % queries.size();
        const std::string got = Canonical(HttpCall(port, "POST", "/books/_search", queries[q]).body);
        if (got == alone[q]) {
          ++same;
        } else {
          ++different;
          std::lock_guard<std::mutex> lock(mu);
          if (first_difference.empty()) first_difference = "query " + std::to_string(q) + ": " + got + "\nalone: " + alone[q];
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(same.load(), 16 * 20) << first_difference;
  EXPECT_EQ(different.load(), 0);
  const uint64_t rpcs = metric("holdfast_shard_batch_rpcs_total") - rpcs_before;
  const uint64_t batches = metric("holdfast_shard_batches_total") - batches_before;
  EXPECT_GT(rpcs, 0u);
  EXPECT_GT(batches, rpcs) << "no two searches' batches travelled together";
}

TEST_F(ClusterFixture, NodesStartedTogetherOnNewVolumesFormOneCluster) {
  // No cluster uuid in etcd yet and three new volumes: all three must agree
  // on one (a race here once left two nodes refusing to join).
  for (size_t i = 0; i < 3; ++i) LaunchNode(i);
  for (size_t i = 0; i < 3; ++i) {
    ASSERT_TRUE(node(i).WaitStarted()) << node(i).Log();
    ASSERT_TRUE(node(i).WaitReady()) << node(i).Log();
  }
  ASSERT_TRUE(WaitUntil([&] { return NodesSeen(0) == 3 && NodesSeen(2) == 3; }, 20s))
      << "n1 sees " << NodesSeen(0) << ", n2 " << NodesSeen(1) << ", n3 " << NodesSeen(2) << "\n"
      << Http(0, "GET", "/_cat/nodes?v").body << Http(2, "GET", "/_cat/nodes?v").body;
  // A node of another cluster's volume is refused, naming both uuids.
  NodeProcess foreign;
  ASSERT_TRUE(foreign.Start(dir_.Sub("foreign")));  // a one-node cluster of its own
  foreign.process().Signal(SIGTERM);
  ASSERT_TRUE(foreign.process().WaitExit(20s).has_value());
  NodeProcess refused;
  ASSERT_TRUE(refused.Launch(dir_.Sub("foreign"), {"--node-name", "n9", "--cluster-name", "c1", "--etcd-endpoints",
                                                   etcd_.endpoint()}));
  auto code = refused.process().WaitExit(20s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 4) << refused.Log();
  EXPECT_NE(refused.Log().find("belongs to another cluster"), std::string::npos) << refused.Log();
  // A second live node with a name already taken is refused too.
  NodeProcess twin;
  ASSERT_TRUE(twin.Launch(dir_.Sub("twin"), {"--node-name", "n2", "--cluster-name", "c1", "--etcd-endpoints",
                                             etcd_.endpoint()}));
  auto twin_code = twin.process().WaitExit(20s);
  ASSERT_TRUE(twin_code.has_value());
  EXPECT_EQ(*twin_code, 7) << twin.Log();
  EXPECT_NE(twin.Log().find("n2"), std::string::npos);
}

TEST_F(ClusterFixture, KilledMasterIsReplacedWithinTheLeaseAndAPausedOneCannotWriteWhenResumed) {
  StartNodes(3);
  ASSERT_EQ(Http(0, "PUT", "/books", kSixShards).status, 200);
  ASSERT_TRUE(WaitHealth(0, "green"));
  const std::string master = Master(0);
  ASSERT_FALSE(master.empty());
  const size_t m = static_cast<size_t>(master[1] - '1');
  const size_t other = (m + 1) % 3;
  const auto before = HttpJson(other, "GET", "/_cluster/state/metadata");
  node(m).process().Signal(SIGKILL);
  const auto killed_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(WaitUntil([&] { auto now = Master(other); return !now.empty() && now != master; },
                        std::chrono::seconds(kLeaseTtlSeconds + 10), 50ms))
      << "no new master";
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - killed_at);
  EXPECT_LE(took.count(), (kLeaseTtlSeconds + 2) * 1000) << "a new master took " << took.count() << " ms";
  // The indices and mappings are as they were.
  const auto after = HttpJson(other, "GET", "/_cluster/state/metadata");
  EXPECT_TRUE(before["metadata"]["indices"] == after["metadata"]["indices"]);
  // The old master comes back on its volume and gets its copies back.
  StartNode(m);
  ASSERT_TRUE(WaitHealth(other, "green")) << Http(other, "GET", "/_cat/shards?v").body;

  // Pause the (new) master past its lease; another takes over; resume it.
  const std::string second = Master(other);
  const size_t s = static_cast<size_t>(second[1] - '1');
  const size_t watcher = (s + 1) % 3;
  node(s).process().Signal(SIGSTOP);
  ASSERT_TRUE(WaitUntil([&] { auto now = Master(watcher); return !now.empty() && now != second; },
                        std::chrono::seconds(kLeaseTtlSeconds + 10), 50ms));
  node(s).process().Signal(SIGCONT);
  // The resumed node believed it was master: its first write is fenced and it steps down.
  auto created = Http(s, "PUT", "/after-pause", R"({"settings": {"number_of_shards": 1, "number_of_replicas": 0}})");
  EXPECT_EQ(created.status, 200) << created.body;
  EXPECT_TRUE(WaitUntil([&] { return Master(s) != second && !Master(s).empty(); }, 10s))
      << "the resumed node still thinks it is master";
  EXPECT_TRUE(node(s).process().WaitForLog("no longer the master", 10s)) << Tail(node(s).Log());
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(Master(i), Master(watcher)) << "n" << i + 1 << " sees another master";
  EXPECT_TRUE(WaitUntil([&] { return Http(watcher, "GET", "/after-pause").status == 200; }, 10s));
}

TEST_F(ClusterFixture, NodeRestartedWithinTheDelayGetsItsOwnCopiesBackWithoutCopying) {
  StartNodes(3);
  ASSERT_EQ(Http(0, "PUT", "/books", kSixShards).status, 200);
  ASSERT_TRUE(WaitHealth(0, "green"));
  ASSERT_EQ(Http(0, "POST", "/books/_bulk?refresh=true", Bulk(0, 300)).status, 200);
  const auto ids_before = AllocationIds(this, 0, "books");
  ASSERT_EQ(ids_before.size(), 6u);
  ASSERT_EQ(Http(1, "POST", "/books/_flush").status, 200);
  const auto files_before = SegmentFiles(dir_.Sub("n2"));
  ASSERT_FALSE(files_before.empty());
  node(1).process().Signal(SIGKILL);
  // Its copies turn unassigned (delayed) once its lease expires: red, not reassigned.
  ASSERT_TRUE(WaitHealth(0, "red", std::chrono::seconds(kLeaseTtlSeconds + 10)));
  auto health = HttpJson(0, "GET", "/_cluster/health");
  EXPECT_EQ(health["delayed_unassigned_shards"].GetUint(), 2u);
  auto explained = HttpJson(0, "GET", "/_cluster/allocation/explain");
  EXPECT_STREQ(explained["can_allocate"].GetString(), "allocation_delayed") << Http(0, "GET", "/_cluster/allocation/explain").body;
  StartNode(1);
  ASSERT_TRUE(WaitHealth(0, "green"));
  EXPECT_EQ(AllocationIds(this, 0, "books"), ids_before) << "the copies were re-created instead of reopened";
  EXPECT_EQ(CopiesPerNode(this, 0, "books"), (std::map<std::string, int>{{"n1", 2}, {"n2", 2}, {"n3", 2}}));
  EXPECT_EQ(HttpJson(2, "GET", "/books/_count")["count"].GetUint64(), 300u);
  // Nothing was copied: every segment file the node had is still the same
  // file (same inode), and no other was written for the old documents.
  EXPECT_EQ(SegmentFiles(dir_.Sub("n2")), files_before);
}

TEST_F(ClusterFixture, APrimaryWhoseNodeStaysAwayStaysRedAndExplainSaysWhy) {
  StartNodes(2);
  ASSERT_EQ(Http(0, "PUT", "/books",
                 R"({"settings": {"number_of_shards": 2, "number_of_replicas": 0,
                     "index.unassigned.node_left.delayed_timeout": "1s"}})").status, 200);
  ASSERT_TRUE(WaitHealth(0, "green"));
  ASSERT_EQ(Http(0, "POST", "/books/_bulk?refresh=true", Bulk(0, 50)).status, 200);
  node(1).process().Signal(SIGKILL);
  ASSERT_TRUE(WaitHealth(0, "red", std::chrono::seconds(kLeaseTtlSeconds + 10)));
  std::this_thread::sleep_for(3s);  // well past the 1s delay: a reassignment would have happened by now
  EXPECT_EQ(Health(0), "red");
  auto explained = HttpJson(0, "GET", "/_cluster/allocation/explain");
  EXPECT_STREQ(explained["can_allocate"].GetString(), "no_valid_shard_copy");
  EXPECT_NE(std::string(explained["allocate_explanation"].GetString()).find("no empty primary"), std::string::npos);
  // Searches answer with what is there and say what failed.
  auto r = HttpJson(0, "POST", "/books/_search", R"({"query": {"match_all": {}}})");
  ASSERT_TRUE(r.HasMember("_shards")) << Http(0, "POST", "/books/_search").body;
  EXPECT_EQ(r["_shards"]["total"].GetUint(), 2u);
  EXPECT_EQ(r["_shards"]["failed"].GetUint(), 1u);
  EXPECT_GT(r["hits"]["total"]["value"].GetUint64(), 0u);
}

// A replica whose node stays away past the delay is re-created on another
// node, filled from the primary (a new copy: new allocation id, bytes copied).
TEST_F(ClusterFixture, AReplicaWhoseNodeStaysAwayIsRecreatedFromThePrimaryAfterTheDelay) {
  StartNodes(3);
  ASSERT_EQ(Http(0, "PUT", "/rep",
                 R"({"settings": {"number_of_shards": 1, "number_of_replicas": 1,
                     "index.unassigned.node_left.delayed_timeout": "2s"}})").status, 200);
  ASSERT_TRUE(WaitHealth(0, "green"));
  ASSERT_EQ(Http(0, "POST", "/rep/_bulk?refresh=true", Bulk(0, 200)).status, 200);
  ASSERT_EQ(Http(0, "POST", "/rep/_flush").status, 200);
  auto copies = [&](size_t via) {
    std::map<std::string, std::pair<std::string, std::string>> out;  // p|r -> node, state
    auto d = HttpJson(via, "GET", "/_cat/shards/rep?format=json&h=prirep,node,state");
    if (!d.IsArray()) return out;
    for (const auto& row : d.GetArray()) {
      out[row["prirep"].GetString()] = {row["node"].IsString() ? row["node"].GetString() : "",
                                        row["state"].GetString()};
    }
    return out;
  };
  const auto before = copies(0);
  const std::string primary = before.at("p").first, replica = before.at("r").first;
  ASSERT_NE(primary, replica);
  const size_t gone = static_cast<size_t>(replica[1] - '1');
  const size_t via = primary == "n1" || replica == "n1" ? (primary == "n2" || replica == "n2" ? 2 : 1) : 0;
  const std::string third = "n" + std::to_string(via + 1);
  const std::string old_ids = Http(via, "GET", "/_cat/shards/rep?h=prirep,allocation_id").body;
  node(gone).process().Signal(SIGKILL);
  // Yellow while the replica's place is kept (the primary answers), never red.
  ASSERT_TRUE(WaitUntil([&] { return Health(via) == "yellow"; }, std::chrono::seconds(kLeaseTtlSeconds + 10)));
  // Then the replica is re-created on the third node and filled from the primary.
  ASSERT_TRUE(WaitHealth(via, "green", 30s)) << Http(via, "GET", "/_cat/shards?v").body;
  const auto after = copies(via);
  EXPECT_EQ(after.at("p").first, primary);
  EXPECT_EQ(after.at("r").first, third);
  EXPECT_NE(Http(via, "GET", "/_cat/shards/rep?h=prirep,allocation_id").body, old_ids) << "a new copy, not the old one";
  auto rows = HttpJson(via, "GET", "/_cat/recovery?format=json&bytes=b");
  ASSERT_TRUE(rows.IsArray()) << Http(via, "GET", "/_cat/recovery?v").body;
  bool filled = false;
  for (const auto& row : rows.GetArray()) {
    filled |= std::string(row["index"].GetString()) == "rep" && std::string(row["target_node"].GetString()) == third && std::string(row["source_node"].GetString()) == primary &&
              std::string(row["stage"].GetString()) == "done" && std::stoull(row["bytes_recovered"].GetString()) > 0;
  }
  EXPECT_TRUE(filled) << Http(via, "GET", "/_cat/recovery?v").body;
  EXPECT_EQ(HttpJson(via, "GET", "/rep/_count")["count"].GetUint64(), 200u);
  // The node comes back: what its volume held of the shard, whole on the
  // other two now, is removed (not left on its disk for good).
  const std::string uuid =
      HttpJson(via, "GET", "/_cluster/state/metadata/rep")["metadata"]["indices"]["rep"]["settings"]["index"]["uuid"]
          .GetString();
  const std::string held = dir_.Sub("n" + std::to_string(gone + 1)) + "/indices/" + uuid + "/0";
  ASSERT_TRUE(std::filesystem::exists(held)) << held;
  StartNode(gone);
  EXPECT_TRUE(WaitUntil([&] { return !std::filesystem::exists(held); }, 30s)) << held << " is still there";
  EXPECT_EQ(Health(via), "green");
}

TEST_F(ClusterFixture, EtcdStoppedForTwentySecondsChangesNothingAndTheClusterConvergesAfter) {
  StartNodes(3);
  ASSERT_EQ(Http(0, "PUT", "/books", kSixShards).status, 200);
  ASSERT_TRUE(WaitHealth(0, "green"));
  ASSERT_EQ(Http(0, "POST", "/books/_bulk?refresh=true", Bulk(0, 300)).status, 200);
  const auto ids = AllocationIds(this, 0, "books");
  etcd_.Stop();
  const auto until = std::chrono::steady_clock::now() + 20s;
  int rounds = 0;
  while (std::chrono::steady_clock::now() < until) {
    for (size_t i = 0; i < 3; ++i) {
      EXPECT_EQ(Http(i, "GET", "/_lifecycle/live").status, 200) << "n" << i + 1;
      EXPECT_EQ(HttpJson(i, "GET", "/books/_count")["count"].GetUint64(), 300u) << "n" << i + 1;
      EXPECT_EQ(Search(this, i, "books").first > 0, true);
    }
    ++rounds;
    std::this_thread::sleep_for(1s);
  }
  EXPECT_GE(rounds, 10);
  ASSERT_TRUE(etcd_.Restart()) << etcd_.Log();
  ASSERT_TRUE(WaitHealth(0, "green"));
  EXPECT_EQ(AllocationIds(this, 0, "books"), ids) << "a copy was reassigned while etcd was away";
  // The cluster takes changes again.
  auto created = Http(1, "PUT", "/after", R"({"settings": {"number_of_shards": 3, "number_of_replicas": 0}})");
  EXPECT_EQ(created.status, 200) << created.body;
  EXPECT_TRUE(WaitHealth(2, "green"));
}

}  // namespace
}  // namespace holdfast::testing
