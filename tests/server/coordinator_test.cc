// The coordinator over shard clients (server/coordinator/), in process on a
// real volume: scores and counts that do not depend on the shard count,
// results that survive merges, metadata and dynamic mapping that survive a
// reopen — and every search feature answering byte for byte the same
// through the loopback client (every request and answer through bytes) as
// through the in-process one, on 1 and 4 shards.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <random>

#include "index/mapping/mapping_parser.h"
#include "index/search/searcher.h"
#include "server/coordinator/search_plan.h"
#include "server/process/embedded_node.h"
#include "tests/support/test_process.h"

namespace holdfast {
namespace {

std::shared_ptr<const mapping::Mapping> Mapping() {
  return std::make_shared<const mapping::Mapping>(
      mapping::ParseMapping(
          R"({"properties":{"title":{"type":"text","analyzer":"english"},"tags":{"type":"keyword"},)"
          R"("price":{"type":"double"},"added":{"type":"date"}}})")
          .value());
}

IndexSettings Settings(uint32_t shards) {
  IndexSettings s;
  s.number_of_shards = shards;
  s.number_of_replicas = 0;
  s.refresh_interval = std::chrono::milliseconds(0);
  return s;
}

std::vector<WriteRequest> Corpus(int n) {
  const char* words[] = {"red", "blue", "shoe", "running", "trail", "boot", "leather", "light", "fast", "warm", "winter", "summer"};
  std::mt19937 rng(42);
  std::vector<WriteRequest> docs;
  for (int i = 0; i < n; ++i) {
    std::string title;
    const int len = 2 + static_cast<int>(rng() % 8);
    for (int k = 0; k < len; ++k) title += std::string(words[rng() % 12]) + " ";
    docs.push_back({WriteOpType::kIndex, "p" + std::to_string(i),
                    R"({"title":")" + title + R"(","tags":")" + words[i % 5] + R"(","price":)" +
                        std::to_string(5 + (i % 9)) + R"(,"added":)" + std::to_string(1'600'000'000'000LL + i * 86'400'000LL) + "}",
                    {}, {}});
  }
  return docs;
}

std::unique_ptr<EmbeddedNode> OpenNode(const std::string& dir, ShardTransport transport = ShardTransport::kLocal) {
  EmbeddedNodeOptions o;
  o.data_dir = dir;
  o.transport = transport;
  o.engine.background_merges = false;
  auto node = EmbeddedNode::Open(o);
  EXPECT_TRUE(node.ok()) << node.status().ToString();
  return node.ok() ? std::move(node).value() : nullptr;
}

std::vector<std::pair<std::string, float>> RunQuery(EmbeddedNode& node, const std::shared_ptr<IndexHandle>& index,
                                                    const std::string& query_json, size_t size) {
  SearchRequest request;
  request.query_json = query_json;
  request.size = size;
  request.track_total_hits = search::kExactTotalHits;
  auto plan = SearchPlan::Build(request, {{index->name(), index}});
  EXPECT_TRUE(plan.ok()) << plan.status().ToString();
  if (!plan.ok()) return {};
  auto r = plan.value()->RunQueryPhase(0, size, false, node.search_pool(), nullptr);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  std::vector<std::pair<std::string, float>> hits;
  if (r.ok()) {
    for (const PlanHit& h : r->hits) hits.emplace_back(h.id, h.score);
  }
  return hits;
}

uint64_t Count(EmbeddedNode& node, const std::shared_ptr<IndexHandle>& index, const std::string& query_json) {
  SearchRequest request;
  request.query_json = query_json;
  auto plan = SearchPlan::Build(request, {{index->name(), index}});
  EXPECT_TRUE(plan.ok()) << plan.status().ToString();
  auto n = plan.value()->Count(node.search_pool());
  EXPECT_TRUE(n.ok()) << n.status().ToString();
  return n.ok() ? n.value() : 0;
}

TEST(CoordinatorTest, ScoresAndRankingDoNotDependOnTheShardCount) {
  testing::TempDir tmp;
  auto node = OpenNode(tmp.Sub("node"));
  ASSERT_NE(node, nullptr);
  auto one = node->indices().Create("one", Settings(1), Mapping());
  auto four = node->indices().Create("four", Settings(4), Mapping());
  ASSERT_TRUE(one.ok() && four.ok());
  const auto docs = Corpus(400);
  for (const auto& r : (*one)->Write(docs)) ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  for (const auto& r : (*four)->Write(docs)) ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  ASSERT_TRUE((*one)->Refresh().ok());
  ASSERT_TRUE((*four)->Refresh().ok());
  // Every shard got documents.
  for (uint32_t s = 0; s < 4; ++s) EXPECT_GT((*four)->ShardStatsOf(s)->docs(), 50u);
  for (const char* q : {R"({"match":{"title":"red running shoes"}})", R"({"match":{"title":"winter boot"}})",
                        R"({"bool":{"must":{"match":{"title":"leather"}},"filter":{"term":{"tags":"red"}}}})",
                        R"({"fuzzy":{"title":{"value":"lether","fuzziness":1}}})",
                        R"({"match_phrase":{"title":"leather boot"}})"}) {
    auto a = RunQuery(*node, *one, q, 20), b = RunQuery(*node, *four, q, 20);
    ASSERT_EQ(a.size(), b.size()) << q;
    ASSERT_FALSE(a.empty()) << q;
    for (size_t i = 0; i < a.size(); ++i) {
      // Equal scores may order differently by internal doc id; the score sequence must match.
      EXPECT_FLOAT_EQ(a[i].second, b[i].second) << q << " hit " << i;
    }
  }
  EXPECT_EQ(Count(*node, *one, R"({"match":{"title":"red"}})"), Count(*node, *four, R"({"match":{"title":"red"}})"));
  EXPECT_GT(Count(*node, *four, R"({"match":{"title":"red"}})"), 0u);
}

// A search like an earlier one takes the statistics sums from the
// coordinator's cache, and a shard whose segments changed since refuses
// them: scores stay those of the exact sums after every change.
TEST(CoordinatorTest, CachedStatisticsAreUsedOnlyWhileNoShardChanged) {
  for (ShardTransport transport : {ShardTransport::kLocal, ShardTransport::kLoopback}) {
    SCOPED_TRACE(transport == ShardTransport::kLocal ? "local" : "loopback (batched, through bytes)");
    testing::TempDir tmp;
    auto node = OpenNode(tmp.Sub("node"), transport);
    ASSERT_NE(node, nullptr);
    auto one = node->indices().Create("one", Settings(1), Mapping());
    auto four = node->indices().Create("four", Settings(4), Mapping());
    ASSERT_TRUE(one.ok() && four.ok());
    const auto docs = Corpus(600);
    auto write = [&](size_t from, size_t to) {
      std::vector<WriteRequest> part(docs.begin() + static_cast<ptrdiff_t>(from), docs.begin() + static_cast<ptrdiff_t>(to));
      for (const auto& r : (*one)->Write(part)) ASSERT_TRUE(r.status.ok()) << r.status.ToString();
      for (const auto& r : (*four)->Write(part)) ASSERT_TRUE(r.status.ok()) << r.status.ToString();
      ASSERT_TRUE((*one)->Refresh().ok());
      ASSERT_TRUE((*four)->Refresh().ok());
    };
    write(0, 400);
    const std::string q = R"({"match":{"title":"red running"}})";
    auto cached_query = [&]() {
      SearchRequest request;
      request.query_json = q;
      request.size = 30;
      request.track_total_hits = search::kExactTotalHits;
      auto plan = SearchPlan::Build(request, {{(*four)->name(), *four}});
      EXPECT_TRUE(plan.ok());
      auto r = plan.value()->RunQueryPhase(0, 30, false, node->search_pool(), nullptr, &node->stats_cache());
      EXPECT_TRUE(r.ok()) << r.status().ToString();
      std::vector<float> scores;
      if (r.ok()) {
        for (const PlanHit& h : r->hits) scores.push_back(h.score);
      }
      return scores;
    };
    auto exact = [&]() {
      std::vector<float> scores;
      for (const auto& [id, score] : RunQuery(*node, *one, q, 30)) scores.push_back(score);
      return scores;
    };
    auto expect_exact = [&](const char* when) {
      const std::vector<float> want = exact(), got = cached_query();
      ASSERT_EQ(got.size(), want.size()) << when;
      ASSERT_FALSE(got.empty()) << when;
      for (size_t i = 0; i < got.size(); ++i) EXPECT_FLOAT_EQ(got[i], want[i]) << when << ", hit " << i;
    };
    expect_exact("first search");
    StatsCache::Counters c = node->stats_cache().counters();
    EXPECT_EQ(c.misses, 1u);
    EXPECT_EQ(c.hits, 0u);
    EXPECT_EQ(c.entries, 1u);
    expect_exact("second search");
    c = node->stats_cache().counters();
    EXPECT_EQ(c.hits, 1u) << "the second search takes the sums from the cache";
    EXPECT_EQ(c.stale, 0u);
    // New segments on every shard: the cached sums are stale.
    write(400, 600);
    expect_exact("after 200 more documents");
    c = node->stats_cache().counters();
    EXPECT_EQ(c.stale, 1u);
    expect_exact("again");
    EXPECT_EQ(node->stats_cache().counters().stale, 1u);
    // One document on one shard is enough.
    WriteRequest extra{WriteOpType::kIndex, "extra", R"({"title":"red red running red"})", {}, {}};
    for (const std::shared_ptr<IndexHandle>& index : {*one, *four}) {
      ASSERT_TRUE(index->Write(extra).status.ok());
      ASSERT_TRUE(index->Refresh().ok());
    }
    expect_exact("after one more document");
    EXPECT_EQ(node->stats_cache().counters().stale, 2u);
    // A merge changes the segments (and drops nothing here): stale, then kept again.
    ASSERT_TRUE((*four)->ForceMerge(1).ok());
    expect_exact("after a merge");
    EXPECT_EQ(node->stats_cache().counters().stale, 3u);
  }
}

// A request not seen before whose every term an earlier search summed takes
// the sums from the coordinator's term table; a shard that looks up a term
// the sums lack (a fuzzy expansion) or whose segments changed refuses them,
// and the statistics phase runs: scores are always the exact sums'.
TEST(CoordinatorTest, NewRequestsTakeTheSumsOfTermsSearchedBefore) {
  for (ShardTransport transport : {ShardTransport::kLocal, ShardTransport::kLoopback}) {
    SCOPED_TRACE(transport == ShardTransport::kLocal ? "local" : "loopback (batched, through bytes)");
    testing::TempDir tmp;
    auto node = OpenNode(tmp.Sub("node"), transport);
    ASSERT_NE(node, nullptr);
    auto one = node->indices().Create("one", Settings(1), Mapping());
    auto four = node->indices().Create("four", Settings(4), Mapping());
    ASSERT_TRUE(one.ok() && four.ok());
    const auto docs = Corpus(600);
    auto write = [&](size_t from, size_t to) {
      std::vector<WriteRequest> part(docs.begin() + static_cast<ptrdiff_t>(from), docs.begin() + static_cast<ptrdiff_t>(to));
      for (const auto& r : (*one)->Write(part)) ASSERT_TRUE(r.status.ok()) << r.status.ToString();
      for (const auto& r : (*four)->Write(part)) ASSERT_TRUE(r.status.ok()) << r.status.ToString();
      ASSERT_TRUE((*one)->Refresh().ok());
      ASSERT_TRUE((*four)->Refresh().ok());
    };
    write(0, 400);
    auto expect_exact = [&](const std::string& q) {
      SearchRequest request;
      request.query_json = q;
      request.size = 30;
      request.track_total_hits = search::kExactTotalHits;
      auto plan = SearchPlan::Build(request, {{(*four)->name(), *four}});
      ASSERT_TRUE(plan.ok());
      auto r = plan.value()->RunQueryPhase(0, 30, false, node->search_pool(), nullptr, &node->stats_cache());
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      const auto want = RunQuery(*node, *one, q, 30);
      ASSERT_EQ(r->hits.size(), want.size()) << q;
      ASSERT_FALSE(want.empty()) << q;
      for (size_t i = 0; i < want.size(); ++i) EXPECT_FLOAT_EQ(r->hits[i].score, want[i].second) << q << ", hit " << i;
    };
    expect_exact(R"({"match":{"title":"red running"}})");
    StatsCache::Counters c = node->stats_cache().counters();
    EXPECT_EQ(c.misses, 1u);
    EXPECT_EQ(c.term_tables, 1u);
    // Other requests, terms already summed: no statistics phase.
    expect_exact(R"({"match":{"title":"running red"}})");
    expect_exact(R"({"bool":{"should":[{"match":{"title":"running"}},{"match":{"title":"red"}}]}})");
    c = node->stats_cache().counters();
    EXPECT_EQ(c.term_hits, 2u);
    EXPECT_EQ(c.misses, 1u);
    // A term not summed yet: the statistics phase, which adds it.
    expect_exact(R"({"match":{"title":"red boot"}})");
    expect_exact(R"({"match":{"title":"boot running"}})");
    c = node->stats_cache().counters();
    EXPECT_EQ(c.misses, 2u);
    EXPECT_EQ(c.term_hits, 3u);
    EXPECT_EQ(c.stale, 0u);
    // A fuzzy query's expansions are known only to the shards: they refuse
    // the assembled sums, and the statistics phase runs.
    expect_exact(R"({"fuzzy":{"title":{"value":"lether","fuzziness":1}}})");
    c = node->stats_cache().counters();
    EXPECT_EQ(c.stale, 1u);
    EXPECT_EQ(c.misses, 3u);
    // New segments: the table's sums are stale for every shard.
    write(400, 600);
    expect_exact(R"({"match":{"title":"running boot red"}})");
    c = node->stats_cache().counters();
    EXPECT_EQ(c.stale, 2u);
    EXPECT_EQ(c.misses, 4u);
    expect_exact(R"({"match":{"title":"red"}})");
    // Assembled six times: three used, two refused (the fuzzy query, the
    // new segments), and this last one, from the table started again.
    c = node->stats_cache().counters();
    EXPECT_EQ(c.term_hits, 6u);
    EXPECT_EQ(c.misses, 4u);
  }
}

TEST(CoordinatorTest, SameResultsBeforeAndAfterMerges) {
  testing::TempDir tmp;
  auto node = OpenNode(tmp.Sub("node"));
  ASSERT_NE(node, nullptr);
  auto index = node->indices().Create("products", Settings(2), Mapping());
  ASSERT_TRUE(index.ok());
  const auto docs = Corpus(600);
  for (size_t start = 0; start < docs.size(); start += 100) {  // six flushes: several segments per shard
    std::vector<WriteRequest> part(docs.begin() + static_cast<ptrdiff_t>(start),
                                   docs.begin() + static_cast<ptrdiff_t>(start + 100));
    for (const auto& r : (*index)->Write(part)) ASSERT_TRUE(r.status.ok());
    ASSERT_TRUE((*index)->Flush().ok());
  }
  ASSERT_GE((*index)->Stats()->segments, 6u);
  const char* queries[] = {R"({"match":{"title":"red running shoes"}})", R"({"match":{"title":"winter boot"}})",
                           R"({"match_phrase":{"title":"leather boot"}})"};
  auto all_hits = [&](const char* q) {
    auto hits = RunQuery(*node, *index, q, 1000);
    std::sort(hits.begin(), hits.end());
    return hits;
  };
  std::vector<std::vector<std::pair<std::string, float>>> before;
  for (const char* q : queries) before.push_back(all_hits(q));
  ASSERT_TRUE((*index)->ForceMerge(1).ok());
  EXPECT_EQ((*index)->Stats()->segments, 2u);
  for (size_t i = 0; i < std::size(queries); ++i) {
    auto after = all_hits(queries[i]);
    ASSERT_EQ(after.size(), before[i].size()) << queries[i];
    ASSERT_GT(after.size(), 0u) << queries[i];
    for (size_t k = 0; k < after.size(); ++k) {
      EXPECT_EQ(after[k].first, before[i][k].first) << queries[i];
      EXPECT_FLOAT_EQ(after[k].second, before[i][k].second) << queries[i] << " " << after[k].first;
    }
  }
}

TEST(CoordinatorTest, RoutingIsStableAndReopenKeepsMetadataAndDynamicMapping) {
  testing::TempDir tmp;
  {
    auto node = OpenNode(tmp.Sub("node"));
    ASSERT_NE(node, nullptr);
    auto index = node->indices().Create("products", Settings(3), Mapping());
    ASSERT_TRUE(index.ok());
    EXPECT_EQ((*index)->ShardOf("p1"), (*index)->ShardOf("p1"));
    auto r = (*index)->Write({{WriteOpType::kIndex, "a", R"({"title":"x","color":"red"})", {}, {}},
                              {WriteOpType::kIndex, "b", R"({"title":"y"})", {}, {}}});
    ASSERT_TRUE(r[0].status.ok() && r[1].status.ok());
    EXPECT_EQ(node->indices().Create("products", Settings(3), Mapping()).status().code(),
              StatusCode::kResourceAlreadyExists);
    ASSERT_TRUE(node->Close().ok());
  }
  auto node = OpenNode(tmp.Sub("node"));
  ASSERT_NE(node, nullptr);
  auto index = node->indices().Get("products");
  ASSERT_NE(index, nullptr);
  EXPECT_EQ(index->num_shards(), 3u);
  ASSERT_NE(index->mapping()->Find("color"), nullptr);  // dynamic field persisted through the cluster state
  EXPECT_TRUE(index->Get("a")->found);
  ASSERT_TRUE(index->Refresh().ok());
  EXPECT_EQ(index->Stats()->docs, 2u);
}

// ------------------------------------------------------------ local vs loopback

// The body with what differs between two runs by design blanked: "took"
// (milliseconds) and "_scroll_id" (random).
std::string Normalized(const std::string& body) {
  rapidjson::Document d;
  d.Parse(body.c_str());
  if (d.HasParseError() || !d.IsObject()) return body;
  if (d.HasMember("took")) d["took"].SetInt(0);
  if (d.HasMember("_scroll_id")) d["_scroll_id"].SetString("x");
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  d.Accept(w);
  return buffer.GetString();
}

std::string ScrollIdOf(const std::string& body) {
  rapidjson::Document d;
  d.Parse(body.c_str());
  return d.IsObject() && d.HasMember("_scroll_id") ? d["_scroll_id"].GetString() : "";
}

// Every search feature, against index `name`.
std::vector<std::pair<std::string, std::string>> SearchRequests(const std::string& name) {
  const std::string s = "/" + name + "/_search";
  return {
      {s, R"({"query":{"match":{"title":"red running shoes"}}})"},
      {s, R"({"query":{"bool":{"must":{"match":{"title":"leather"}},"filter":{"term":{"tags":"red"}},"must_not":{"match":{"title":"summer"}}}},"size":20})"},
      {s, R"({"query":{"match_phrase":{"title":"leather boot"}}})"},
      {s, R"({"query":{"fuzzy":{"title":{"value":"lether","fuzziness":1}}},"size":15})"},
      {s, R"({"query":{"prefix":{"tags":"re"}},"size":5})"},
      {s, R"({"query":{"range":{"price":{"gte":7,"lt":11}}},"size":5,"track_total_hits":true})"},
      {s, R"({"query":{"function_score":{"query":{"match":{"title":"boot"}},"field_value_factor":{"field":"_popularity","modifier":"ln2p"}}}})"},
      {s, R"({"query":{"match":{"title":"boot"}},"popularity_boost":2})"},
      {s, R"({"query":{"match_all":{}},"sort":[{"price":"desc"},{"_id":"asc"}],"size":7})"},
      {s, R"({"query":{"match_all":{}},"sort":[{"price":"asc"},{"_id":"asc"}],"search_after":[8,"p40"],"size":7})"},
      {s, R"({"query":{"match_all":{}},"sort":[{"_popularity":"desc"},"_id"],"size":5})"},
      {s, R"({"size":0,"aggs":{"tags":{"terms":{"field":"tags"},"aggs":{"p":{"stats":{"field":"price"}}}},"cheap":{"range":{"field":"price","ranges":[{"to":8},{"from":8}]}}}})"},
      {s, R"({"query":{"match":{"title":"winter boot"}},"highlight":{"fields":{"title":{}}},"_source":["tags"]})"},
      {s, R"({"query":{"more_like_this":{"fields":["title"],"like":[{"_id":"p3"},{"_id":"p9"}],"min_term_freq":1,"min_doc_freq":1}}})"},
      {s, R"({"query":{"match":{"title":"red"}},"from":5,"size":5,"min_score":0.1})"},
      {"/" + name + "/_count", R"({"query":{"match":{"title":"red"}}})"},
      {"/" + name + "/_recommend?item=p1&size=5&now=1700100000000", ""},
      {"/" + name + "/_recommend?user=u1&size=5&explain=true&now=1700100000000", ""},
      {"/" + name + "/_recommend?user=u2&size=5&now=1700100000000", R"({"filter":{"term":{"tags":"blue"}}})"},
  };
}

std::string EventsBody() {
  std::string body;
  for (int u = 0; u < 12; ++u) {
    for (int k = 0; k < 6; ++k) {
      const int item = (u * 7 + k * 3) % 60;
      body += R"({"user":"u)" + std::to_string(u) + R"(","item":"p)" + std::to_string(item) +
              R"(","type":")" + (k % 3 == 0 ? "purchase" : "view") + R"(","ts":)" +
              std::to_string(1'700'000'000'000LL + u * 1000 + k * 60'000) + "}\n";
    }
  }
  return body;
}

// Runs every request (and a scroll of three pages) on both indices.
std::vector<std::string> RunAll(EmbeddedNode& node) {
  std::vector<std::string> out;
  for (const char* name : {"one", "four"}) {
    for (const auto& [path, body] : SearchRequests(name)) {
      HttpResponse r = node.Handle(body.empty() ? HttpMethod::kGet : HttpMethod::kPost, path, body);
      EXPECT_EQ(r.status, 200) << path << " " << body << " → " << r.body;
      out.push_back(path + " " + body + " → " + Normalized(r.body));
    }
    HttpResponse page = node.Handle(HttpMethod::kPost, std::string("/") + name + "/_search?scroll=1m",
                                    R"({"size":7,"query":{"match":{"title":"boot"}}})");
    EXPECT_EQ(page.status, 200) << page.body;
    out.push_back(Normalized(page.body));
    for (int i = 0; i < 2; ++i) {
      page = node.Handle(HttpMethod::kPost, "/_search/scroll",
                         R"({"scroll":"1m","scroll_id":")" + ScrollIdOf(page.body) + "\"}");
      EXPECT_EQ(page.status, 200) << page.body;
      out.push_back(Normalized(page.body));
    }
  }
  return out;
}

TEST(CoordinatorTest, LoopbackAnswersByteForByteAsInProcessOnOneAndFourShards) {
  testing::TempDir tmp;
  const std::string dir = tmp.Sub("node");
  {
    auto node = OpenNode(dir);
    ASSERT_NE(node, nullptr);
    std::string bulk;
    for (const WriteRequest& w : Corpus(60)) {
      bulk += R"({"index":{"_id":")" + w.id + "\"}}\n" + w.source + "\n";
    }
    for (const auto& [name, shards] : {std::pair<const char*, uint32_t>{"one", 1}, {"four", 4}}) {
      ASSERT_TRUE(node->indices().Create(name, Settings(shards), Mapping()).ok());
      HttpResponse r = node->Handle(HttpMethod::kPost, std::string("/") + name + "/_bulk?refresh=true", bulk);
      ASSERT_EQ(r.status, 200) << r.body;
      ASSERT_EQ(r.body.find("\"errors\":true"), std::string::npos) << r.body;
      r = node->Handle(HttpMethod::kPost, std::string("/") + name + "/_events", EventsBody());
      ASSERT_EQ(r.status, 200) << r.body;
    }
    ASSERT_TRUE(node->Close().ok());
  }
  std::vector<std::string> local, loopback;
  {
    auto node = OpenNode(dir, ShardTransport::kLocal);
    ASSERT_NE(node, nullptr);
    local = RunAll(*node);
  }
  {
    auto node = OpenNode(dir, ShardTransport::kLoopback);
    ASSERT_NE(node, nullptr);
    loopback = RunAll(*node);
  }
  ASSERT_EQ(local.size(), loopback.size());
  for (size_t i = 0; i < local.size(); ++i) EXPECT_EQ(local[i], loopback[i]);
  // The requests found something (a comparison of empty answers would prove nothing).
  size_t with_hits = 0;
  for (const std::string& r : local) with_hits += r.find("\"_id\":\"p") != std::string::npos;
  EXPECT_GT(with_hits, local.size() * 3 / 4);
}

}  // namespace
}  // namespace holdfast

namespace holdfast {
namespace {

// A node fetches, with its part of a page, the page's share of one node
// plus two standard deviations (as if hits fell on the nodes at random);
// one node, or a limit that would cover the page, fetches everything (0).
TEST(NodePageFetchTest, ThePageShareOfANodeWithAMargin) {
  EXPECT_EQ(NodePageFetch(10, 3), 7u);
  EXPECT_EQ(NodePageFetch(20, 3), 11u);
  EXPECT_EQ(NodePageFetch(50, 6), 14u);
  EXPECT_EQ(NodePageFetch(10, 2), 9u);
  EXPECT_EQ(NodePageFetch(10, 1), 0u);
  EXPECT_EQ(NodePageFetch(1, 3), 0u);
  EXPECT_EQ(NodePageFetch(0, 3), 0u);
}

}  // namespace
}  // namespace holdfast
