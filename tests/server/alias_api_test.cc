// Index aliases on a real node, as Elasticsearch's reference documents them:
// created with an index or later, listed, removed; searches through a
// filtered alias; writes through an alias to its write index; atomic swaps
// with POST /_aliases (all actions or none), also under searches.
#include <atomic>
#include <map>
#include <thread>

#include "tests/server/index_api_fixture.h"

namespace holdfast {
namespace {

using namespace std::chrono_literals;

class AliasApiTest : public IndexApiFixture {
 protected:
  static uint64_t Total(const std::string& target, const std::string& query = R"({"query":{"match_all":{}}})") {
    auto r = Call("POST", "/" + target + "/_search", query);
    EXPECT_EQ(r.status, 200) << target << ": " << r.body;
    if (r.status != 200) return 0;
    return Json(r.body)["hits"]["total"]["value"].GetUint64();
  }
  static void Bulk(const std::string& index, const std::string& lines) {
    auto r = Call("POST", "/" + index + "/_bulk?refresh=true", lines);
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_EQ(r.body.find("\"errors\":true"), std::string::npos) << r.body;
  }
};

TEST_F(AliasApiTest, CreatedWithTheIndexOrLaterListedAndRemoved) {
  auto r = Call("PUT", "/logs-1",
                R"({"mappings":{"properties":{"level":{"type":"keyword"},"msg":{"type":"text"}}},
                    "aliases":{"logs":{},"errors":{"filter":{"term":{"level":"error"}},"routing":"1"}}})");
  ASSERT_EQ(r.status, 200) << r.body;
  auto d = Json(Call("GET", "/logs-1").body);
  const auto& aliases = d["logs-1"]["aliases"];
  ASSERT_TRUE(aliases.IsObject()) << Str(d);
  EXPECT_TRUE(aliases["logs"].IsObject() && aliases["logs"].ObjectEmpty());
  EXPECT_EQ(Str(aliases["errors"]["filter"]), R"({"term":{"level":"error"}})");
  EXPECT_EQ(Str(aliases["errors"]["index_routing"]), "1");
  EXPECT_EQ(Str(aliases["errors"]["search_routing"]), "1");

  r = Call("GET", "/_alias/logs");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, R"({"logs-1":{"aliases":{"logs":{}}}})");
  EXPECT_EQ(Call("GET", "/logs-1/_alias/err*").body,
            R"({"logs-1":{"aliases":{"errors":{"filter":{"term":{"level":"error"}},"index_routing":"1","search_routing":"1"}}}})");
  EXPECT_EQ(Call("HEAD", "/_alias/logs").status, 200);
  EXPECT_EQ(Call("HEAD", "/_alias/nope").status, 404);
  r = Call("GET", "/_alias/logs,nope");
  EXPECT_EQ(r.status, 404);
  d = Json(r.body);
  EXPECT_EQ(Str(d["error"]), "alias [nope] missing");
  EXPECT_EQ(d["status"].GetInt(), 404);
  EXPECT_TRUE(d["logs-1"]["aliases"].HasMember("logs")) << r.body;

  r = Call("PUT", "/logs-1/_alias/current", R"({"is_write_index":true})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, R"({"acknowledged":true})");
  r = Call("GET", "/_cat/aliases?v&h=alias,index,filter,is_write_index&s=alias");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body,
            "alias   index  filter is_write_index\n"
            "current logs-1 -      true\n"
            "errors  logs-1 *      -\n"
            "logs    logs-1 -      -\n");
  EXPECT_EQ(Call("GET", "/_cat/aliases/cur*?h=alias").body, "current\n");

  r = Call("DELETE", "/logs-1/_alias/current");
  ASSERT_EQ(r.status, 200) << r.body;
  ExpectEsError(Call("DELETE", "/logs-1/_alias/current"), 404, "aliases_not_found_exception");
  EXPECT_EQ(Call("HEAD", "/_alias/current").status, 404);

  // Names as Elasticsearch checks them.
  ExpectEsError(Call("PUT", "/logs-1/_alias/Bad"), 400, "invalid_alias_name_exception");
  ExpectEsError(Call("PUT", "/logs-1/_alias/logs-1"), 400, "invalid_alias_name_exception");
  ExpectEsError(Call("PUT", "/logs"), 400, "invalid_index_name_exception");
  ExpectEsError(Call("PUT", "/logs-1/_alias/x", R"({"filter":{"no_such_query":{}}})"), 400,
                "illegal_argument_exception");
  ExpectEsError(Call("PUT", "/logs-1/_alias/x", R"({"colour":"red"})"), 400, "x_content_parse_exception");
  ExpectEsError(Call("PUT", "/missing/_alias/x"), 404, "index_not_found_exception");
  // Deleting through an alias is refused; the index stays.
  ExpectEsError(Call("DELETE", "/logs"), 400, "illegal_argument_exception");
  EXPECT_EQ(Call("HEAD", "/logs-1").status, 200);
  ASSERT_EQ(Call("DELETE", "/logs-1").status, 200);
  EXPECT_EQ(Call("HEAD", "/_alias/logs").status, 404) << "an index's aliases go with it";
}

TEST_F(AliasApiTest, SearchesSeeTheFilterAndWritesGoToTheWriteIndex) {
  const std::string mapping = R"({"mappings":{"properties":{"level":{"type":"keyword"},"msg":{"type":"text"}}}})";
  ASSERT_EQ(Call("PUT", "/app-1", mapping).status, 200);
  Bulk("app-1",
       R"({"index":{"_id":"1"}}
{"level":"error","msg":"disk full"}
{"index":{"_id":"2"}}
{"level":"error","msg":"disk slow"}
{"index":{"_id":"3"}}
{"level":"error","msg":"net down"}
{"index":{"_id":"4"}}
{"level":"info","msg":"disk ok"}
{"index":{"_id":"5"}}
{"level":"info","msg":"net ok"}
)");
  ASSERT_EQ(Call("POST", "/_aliases",
                 R"({"actions":[{"add":{"index":"app-1","alias":"app"}},
                                {"add":{"index":"app-1","alias":"app-errors","filter":{"term":{"level":"error"}}}}]})")
                .status,
            200);
  EXPECT_EQ(Total("app"), 5u);
  EXPECT_EQ(Total("app-errors"), 3u);
  EXPECT_EQ(Total("app-errors", R"({"query":{"match":{"msg":"disk"}}})"), 2u);
  // The same scores as the query on the index: the filter only drops documents.
  auto direct = Json(Call("POST", "/app-1/_search", R"({"query":{"match":{"msg":"disk"}}})").body);
  auto through = Json(Call("POST", "/app-errors/_search", R"({"query":{"match":{"msg":"disk"}}})").body);
  ASSERT_EQ(through["hits"]["hits"].Size(), 2u);
  for (const auto& hit : through["hits"]["hits"].GetArray()) {
    EXPECT_EQ(Str(hit["_index"]), "app-1");
    bool same = false;
    for (const auto& d : direct["hits"]["hits"].GetArray()) {
      same = same || (Str(d["_id"]) == Str(hit["_id"]) && d["_score"].GetDouble() == hit["_score"].GetDouble());
    }
    EXPECT_TRUE(same) << Str(hit);
  }
  // Named directly as well: no filter.
  EXPECT_EQ(Total("app-errors,app-1"), 5u);
  EXPECT_EQ(Json(Call("GET", "/app-errors/_count").body)["count"].GetUint64(), 3u);

  // One index: writes and reads through the alias.
  auto r = Call("PUT", "/app/_doc/9?refresh=true", R"({"level":"info","msg":"written through the alias"})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(Str(Json(r.body)["_index"]), "app-1");
  r = Call("GET", "/app/_doc/9");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Str(Json(r.body)["_index"]), "app-1");

  // Two indices without a write index: writes and single-index reads refused.
  ASSERT_EQ(Call("PUT", "/app-2", mapping).status, 200);
  ASSERT_EQ(Call("PUT", "/app-2/_alias/app").status, 200);
  ExpectEsError(Call("PUT", "/app/_doc/10", R"({"level":"info"})"), 400, "illegal_argument_exception");
  ExpectEsError(Call("GET", "/app/_doc/9"), 400, "illegal_argument_exception");
  r = Call("POST", "/app/_bulk", "{\"index\":{\"_id\":\"11\"}}\n{\"level\":\"info\"}\n");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("no write index is defined for alias [app]"), std::string::npos) << r.body;
  // A write index takes them.
  ASSERT_EQ(Call("PUT", "/app-2/_alias/app", R"({"is_write_index":true})").status, 200);
  r = Call("PUT", "/app/_doc/10?refresh=true", R"({"level":"info","msg":"to the write index"})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(Str(Json(r.body)["_index"]), "app-2");
  Bulk("app", "{\"index\":{\"_id\":\"12\"}}\n{\"level\":\"error\",\"msg\":\"bulk\"}\n");
  EXPECT_EQ(Total("app-2"), 2u);
  EXPECT_EQ(Total("app"), 8u);
  // Never two write indices.
  r = Call("POST", "/_aliases", R"({"actions":[{"add":{"index":"app-1","alias":"app","is_write_index":true}}]})");
  ExpectEsError(r, 409, "illegal_state_exception");
  EXPECT_EQ(Call("PUT", "/app/_doc/13", R"({"level":"info"})").status, 201);
  EXPECT_EQ(Str(Json(Call("GET", "/app-2/_doc/13").body)["_index"]), "app-2");
  ASSERT_EQ(Call("DELETE", "/app-1").status, 200);
  ASSERT_EQ(Call("DELETE", "/app-2").status, 200);
}

TEST_F(AliasApiTest, SwapsAreAtomicAndSearchesThroughTheAliasNeverFailDuringThem) {
  std::string v1, v2;
  for (int i = 0; i < 40; ++i) {
    v1 += "{\"index\":{\"_id\":\"a" + std::to_string(i) + "\"}}\n{\"title\":\"old version\"}\n";
    v2 += "{\"index\":{\"_id\":\"b" + std::to_string(i) + "\"}}\n{\"title\":\"new version\"}\n";
  }
  ASSERT_EQ(Call("PUT", "/site-v1", R"({"settings":{"number_of_shards":2},"aliases":{"site":{}}})").status, 200);
  ASSERT_EQ(Call("PUT", "/site-v2", R"({"settings":{"number_of_shards":3}})").status, 200);
  Bulk("site-v1", v1);
  Bulk("site-v2", v2);
  EXPECT_EQ(Total("site"), 40u);

  // Searches run through the alias while it is swapped back and forth:
  // every one answers, and sees one whole index.
  std::atomic<bool> stop{false};
  std::atomic<int> searches{0}, bad{0};
  std::string first_bad;
  std::thread searcher([&] {
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (!stop && searches < 5000 && std::chrono::steady_clock::now() < deadline) {
      auto r = Call("POST", "/site/_search", R"({"query":{"match_all":{}},"size":0})");
      ++searches;
      if (r.status != 200 || Json(r.body)["hits"]["total"]["value"].GetUint64() != 40) {
        if (bad++ == 0) first_bad = std::to_string(r.status) + " " + r.body;
      }
    }
  });
  for (int i = 0; i < 20; ++i) {
    const std::string from = i % 2 == 0 ? "site-v1" : "site-v2", to = i % 2 == 0 ? "site-v2" : "site-v1";
    auto r = Call("POST", "/_aliases",
                  R"({"actions":[{"remove":{"index":")" + from + R"(","alias":"site"}},{"add":{"index":")" + to +
                      R"(","alias":"site"}}]})");
    ASSERT_EQ(r.status, 200) << r.body;
    // A search between every two swaps (on a loaded machine the swaps could
    // otherwise all land before the searcher's first request).
    const int seen = searches.load();
    ASSERT_TRUE(testing::WaitFor([&] { return searches.load() > seen; }, 30s)) << "waiting for a search after swap " << i;
  }
  stop = true;
  searcher.join();
  EXPECT_GE(searches.load(), 20);
  EXPECT_EQ(bad.load(), 0) << first_bad;
  EXPECT_EQ(Total("site", R"({"query":{"match":{"title":"old"}}})"), 40u) << "an even number of swaps: back on v1";

  // All or none: a failing action leaves everything as it was.
  auto r = Call("POST", "/_aliases",
                R"({"actions":[{"remove":{"index":"site-v1","alias":"site"}},{"add":{"index":"site-v2","alias":"site"}},
                               {"remove":{"index":"site-v2","alias":"no-such-alias"}}]})");
  ExpectEsError(r, 404, "aliases_not_found_exception");
  EXPECT_EQ(Call("GET", "/_alias/site").body, R"({"site-v1":{"aliases":{"site":{}}}})");
  // must_exist: false lets a missing alias be.
  r = Call("POST", "/_aliases",
           R"({"actions":[{"remove":{"index":"site-v2","alias":"no-such-alias","must_exist":false}},
                          {"add":{"indices":["site-v2"],"aliases":["site-next"]}}]})");
  ASSERT_EQ(r.status, 200) << r.body;
  // remove_index: the old index goes in the same step.
  r = Call("POST", "/_aliases",
           R"({"actions":[{"add":{"index":"site-v2","alias":"site"}},{"remove_index":{"index":"site-v1"}}]})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Call("HEAD", "/site-v1").status, 404);
  EXPECT_EQ(Total("site", R"({"query":{"match":{"title":"new"}}})"), 40u);
  ExpectEsError(Call("POST", "/_aliases", R"({"actions":[{"rename":{"index":"site-v2"}}]})"), 400, "parsing_exception");
  ExpectEsError(Call("POST", "/_aliases", R"({"actions":[{"add":{"index":"site-v2"}}]})"), 400,
                "action_request_validation_exception");
  ASSERT_EQ(Call("DELETE", "/site-v2").status, 200);
}

// Index expressions as Elasticsearch's multi-target syntax: exclusions,
// ignore_unavailable, allow_no_indices, expand_wildcards, date math names.
TEST_F(AliasApiTest, ExpressionsTakeExclusionsIndicesOptionsAndDateMath) {
  for (const char* name : {"idx-a", "idx-b", "other"}) {
    ASSERT_EQ(Call("PUT", std::string("/") + name).status, 200);
    Bulk(name, "{\"index\":{\"_id\":\"1\"}}\n{\"f\":\"x\"}\n");
  }
  EXPECT_EQ(Call("GET", "/_cat/indices/idx-*,-idx-b?h=index").body, "idx-a\n");
  EXPECT_EQ(Total("idx-*,-idx-a,other"), 2u);
  ExpectEsError(Call("POST", "/missing,idx-a/_search", "{}"), 404, "index_not_found_exception");
  auto r = Call("POST", "/missing,idx-a/_search?ignore_unavailable=true", "{}");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r.body)["hits"]["total"]["value"].GetUint64(), 1u);
  r = Call("POST", "/nomatch-*/_search", "{}");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r.body)["_shards"]["total"].GetUint64(), 0u);
  ExpectEsError(Call("POST", "/nomatch-*/_search?allow_no_indices=false", "{}"), 404, "index_not_found_exception");
  r = Call("POST", "/idx-*,other/_search?expand_wildcards=none", "{}");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r.body)["hits"]["total"]["value"].GetUint64(), 1u) << "only the concrete name";
  ExpectEsError(Call("POST", "/idx-*/_search?expand_wildcards=sideways", "{}"), 400, "illegal_argument_exception");
  ExpectEsError(Call("POST", "/idx-*/_search?ignore_unavailable=maybe", "{}"), 400, "illegal_argument_exception");
  // Date math: created and searched by the same expression (URL-encoded).
  const std::string dated = "%3Cdaily-%7Bnow%2Fd%7D%3E";
  r = Call("PUT", "/" + dated);
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string created = Str(Json(r.body)["index"]);
  EXPECT_EQ(created.rfind("daily-20", 0), 0u) << created;
  EXPECT_EQ(created.size(), std::string("daily-2026.12.03").size()) << created;
  Bulk(created, "{\"index\":{\"_id\":\"1\"}}\n{\"f\":\"x\"}\n");
  r = Call("POST", "/" + dated + "/_search", "{}");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r.body)["hits"]["total"]["value"].GetUint64(), 1u);
  ExpectEsError(Call("POST", "/%3Cdaily-%7Bnow%2Fq%7D%3E/_search", "{}"), 400, "parse_exception");
  // DELETE takes the same options.
  EXPECT_EQ(Call("DELETE", "/missing,other?ignore_unavailable=true").status, 200);
  EXPECT_EQ(Call("HEAD", "/other").status, 404);
  for (const std::string& name : {std::string("idx-a"), std::string("idx-b"), created}) {
    EXPECT_EQ(Call("DELETE", "/" + name).status, 200) << name;
  }
}

// indices_boost: the scores of an index's hits multiplied (by name, alias or
// wildcard; the first entry that matches), merged across indices by them.
TEST_F(AliasApiTest, IndicesBoostMultipliesAnIndexsScores) {
  std::string docs;
  for (int i = 0; i < 6; ++i) {
    docs += "{\"index\":{\"_id\":\"" + std::to_string(i) + "\"}}\n{\"t\":\"red " + (i % 2 ? "fox" : "dog") + "\"}\n";
  }
  for (const char* name : {"boost-a", "boost-b"}) {
    ASSERT_EQ(Call("PUT", std::string("/") + name, R"({"settings":{"number_of_shards":2}})").status, 200);
    Bulk(name, docs);
  }
  ASSERT_EQ(Call("PUT", "/boost-b/_alias/bee").status, 200);
  auto plain = Json(Call("POST", "/boost-a,boost-b/_search", R"({"query":{"match":{"t":"fox"}},"size":20})").body);
  std::map<std::string, double> score;  // index/id → score
  for (const auto& h : plain["hits"]["hits"].GetArray()) score[Str(h["_index"]) + "/" + Str(h["_id"])] = h["_score"].GetDouble();
  ASSERT_EQ(score.size(), 6u);
  for (const char* boost : {R"([{"boost-b":3}])", R"([{"bee":3},{"boost-*":0.5}])", R"({"boost-b":3})"}) {
    auto d = Json(Call("POST", "/boost-a,boost-b/_search",
                       std::string(R"({"query":{"match":{"t":"fox"}},"size":20,"indices_boost":)") + boost + "}")
                      .body);
    ASSERT_EQ(d["hits"]["hits"].Size(), 6u) << boost;
    const bool halved = std::string(boost).find("0.5") != std::string::npos;
    for (rapidjson::SizeType k = 0; k < d["hits"]["hits"].Size(); ++k) {
      const auto& h = d["hits"]["hits"][k];
      const std::string index = Str(h["_index"]);
      const double factor = index == "boost-b" ? 3 : (halved ? 0.5 : 1);
      EXPECT_NEAR(h["_score"].GetDouble(), score[index + "/" + Str(h["_id"])] * factor, 1e-4) << boost;
      EXPECT_EQ(index, k < 3 ? "boost-b" : "boost-a") << boost << ": the boosted index's hits first";
    }
    EXPECT_NEAR(d["hits"]["max_score"].GetDouble(), d["hits"]["hits"][0]["_score"].GetDouble(), 1e-6);
  }
  // A small page: the best of every index are compared boosted (the loopback
  // transport batches all shards as one node's).
  auto top = Json(Call("POST", "/boost-a,boost-b/_search",
                       R"({"query":{"match":{"t":"fox"}},"size":3,"indices_boost":[{"boost-b":3}]})")
                      .body);
  ASSERT_EQ(top["hits"]["hits"].Size(), 3u);
  for (const auto& h : top["hits"]["hits"].GetArray()) EXPECT_EQ(Str(h["_index"]), "boost-b");
  ExpectEsError(Call("POST", "/boost-a/_search", R"({"indices_boost":[{"boost-a":"high"}]})"), 400, "parsing_exception");
  ASSERT_EQ(Call("DELETE", "/boost-a").status, 200);
  ASSERT_EQ(Call("DELETE", "/boost-b").status, 200);
}

}  // namespace
}  // namespace holdfast
