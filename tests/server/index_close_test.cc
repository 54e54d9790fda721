// Closing and opening indices on a real node, as Elasticsearch's reference
// documents POST /{index}/_close and /_open: a closed index keeps its data
// but refuses searches, reads and writes (index_closed_exception) and is left
// out of wildcards; it stays closed across a restart; opening it serves the
// same documents again.
#include "tests/server/index_api_fixture.h"

namespace holdfast {
namespace {

class IndexCloseTest : public IndexApiFixture {
 protected:
  static uint64_t Total(const std::string& target, const std::string& params = "") {
    auto r = Call("POST", "/" + target + "/_search" + params, R"({"query":{"match_all":{}}})");
    EXPECT_EQ(r.status, 200) << target << ": " << r.body;
    if (r.status != 200) return 0;
    return Json(r.body)["hits"]["total"]["value"].GetUint64();
  }
  static void Fill(const std::string& index, int docs) {
    std::string lines;
    for (int i = 0; i < docs; ++i) {
      lines += R"({"index":{"_id":")" + std::to_string(i) + "\"}}\n" + R"({"n":)" + std::to_string(i) + "}\n";
    }
    auto r = Call("POST", "/" + index + "/_bulk?refresh=true", lines);
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_EQ(r.body.find("\"errors\":true"), std::string::npos) << r.body;
  }
  static std::string CatIndex(const std::string& index) {
    return Call("GET", "/_cat/indices/" + index + "?h=status,index,docs.count&expand_wildcards=all").body;
  }
};

TEST_F(IndexCloseTest, AClosedIndexRefusesRequestsKeepsItsDataAndOpensAgain) {
  ASSERT_EQ(Call("PUT", "/shut", R"({"settings":{"number_of_shards":2,"number_of_replicas":0}})").status, 200);
  ASSERT_EQ(Call("PUT", "/other", R"({"settings":{"number_of_replicas":0}})").status, 200);
  Fill("shut", 30);
  Fill("other", 5);

  // A scroll open on it holds its shards' snapshots: closing lets them go.
  auto scroll = Call("POST", "/shut/_search?scroll=5m", R"({"size":5})");
  ASSERT_EQ(scroll.status, 200) << scroll.body;
  const std::string scroll_id = Str(Json(scroll.body)["_scroll_id"]);

  auto r = Call("POST", "/shut/_close");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, R"({"acknowledged":true,"shards_acknowledged":true,"indices":{"shut":{"closed":true}}})");

  // Named: refused, as Elasticsearch.
  ExpectEsError(Call("POST", "/shut/_search", "{}"), 400, "index_closed_exception");
  ExpectEsError(Call("GET", "/shut/_count"), 400, "index_closed_exception");
  ExpectEsError(Call("GET", "/shut/_doc/1"), 400, "index_closed_exception");
  ExpectEsError(Call("PUT", "/shut/_doc/99", R"({"n":99})"), 400, "index_closed_exception");
  ExpectEsError(Call("POST", "/shut/_refresh"), 400, "index_closed_exception");
  r = Call("POST", "/_bulk", "{\"index\":{\"_index\":\"shut\",\"_id\":\"7\"}}\n{\"n\":7}\n");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("index_closed_exception"), std::string::npos) << r.body;
  // With ignore_unavailable the closed index is skipped; wildcards and _all
  // leave it out unless expand_wildcards says closed.
  EXPECT_EQ(Total("shut,other", "?ignore_unavailable=true"), 5u);
  EXPECT_EQ(Total("_all"), 5u);
  EXPECT_EQ(Total("*"), 5u);
  ExpectEsError(Call("POST", "/*/_search?expand_wildcards=all", "{}"), 400, "index_closed_exception");

  // Still there for the APIs that show indices.
  EXPECT_EQ(CatIndex("shut"), "close shut\n");
  r = Call("GET", "/shut");
  ASSERT_EQ(r.status, 200) << r.body;
  auto d = Json(r.body);
  EXPECT_EQ(Str(d["shut"]["settings"]["index"]["verified_before_close"]), "true");
  EXPECT_EQ(Call("GET", "/_cat/shards/shut?h=index,shard,state&s=shard").body, "shut 0 CLOSED\nshut 1 CLOSED\n");
  EXPECT_EQ(Str(Json(Call("GET", "/_cluster/health/shut").body)["status"]), "green");
  // Closing again is fine.
  EXPECT_EQ(Call("POST", "/shut/_close").status, 200);

  r = Call("POST", "/shut/_open");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, R"({"acknowledged":true,"shards_acknowledged":true})");
  EXPECT_EQ(Total("shut"), 30u);
  EXPECT_EQ(Call("GET", "/shut/_source/12").body, R"({"n":12})");
  ExpectEsError(Call("POST", "/_search/scroll", R"({"scroll":"1m","scroll_id":")" + scroll_id + "\"}"), 404,
                "search_context_missing_exception");
  EXPECT_EQ(Call("PUT", "/shut/_doc/99", R"({"n":99})").status, 201);
  EXPECT_EQ(CatIndex("shut"), "open shut 30\n");
}

TEST_F(IndexCloseTest, WildcardsCloseOpenIndicesAndOpenClosedOnes) {
  for (const char* name : {"wc-a", "wc-b", "wc-c"}) {
    ASSERT_EQ(Call("PUT", std::string("/") + name, R"({"settings":{"number_of_replicas":0}})").status, 200);
  }
  ASSERT_EQ(Call("POST", "/wc-a,wc-b/_close").status, 200);
  EXPECT_EQ(Call("GET", "/_cat/indices/wc-*?h=index,status&s=index&expand_wildcards=all").body,
            "wc-a close\nwc-b close\nwc-c open\n");
  // GET /{index} with a wildcard shows open indices; expand_wildcards widens it.
  auto open_only = Json(Call("GET", "/wc-*").body);
  EXPECT_FALSE(open_only.HasMember("wc-a"));
  EXPECT_TRUE(open_only.HasMember("wc-c"));
  auto both = Json(Call("GET", "/wc-*?expand_wildcards=open,closed").body);
  EXPECT_TRUE(both.HasMember("wc-a") && both.HasMember("wc-b") && both.HasMember("wc-c"));
  // _open expands wildcards to the closed indices.
  auto r = Call("POST", "/wc-*/_open");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Call("GET", "/_cat/indices/wc-*?h=index,status&s=index").body, "wc-a open\nwc-b open\nwc-c open\n");
  // A closed index can be deleted.
  ASSERT_EQ(Call("POST", "/wc-c/_close").status, 200);
  EXPECT_EQ(Call("DELETE", "/wc-c").status, 200);
  EXPECT_EQ(Call("HEAD", "/wc-c").status, 404);
  ExpectEsError(Call("POST", "/nope/_close"), 404, "index_not_found_exception");
}

TEST_F(IndexCloseTest, AClosedIndexStaysClosedAcrossARestart) {
  ASSERT_EQ(Call("PUT", "/dormant", R"({"settings":{"number_of_shards":3,"number_of_replicas":0}})").status, 200);
  Fill("dormant", 40);
  ASSERT_EQ(Call("POST", "/dormant/_close").status, 200);
  ASSERT_NO_FATAL_FAILURE(RestartNode());
  ExpectEsError(Call("POST", "/dormant/_search", "{}"), 400, "index_closed_exception");
  EXPECT_EQ(CatIndex("dormant"), "close dormant\n");
  ASSERT_EQ(Call("POST", "/dormant/_open").status, 200);
  EXPECT_EQ(Total("dormant"), 40u);
}

// An open scroll holds snapshots of shards; a stop frees it while the shards
// are still there and exits cleanly (it once crashed after "stopped cleanly").
TEST_F(IndexCloseTest, AStopWithAnOpenScrollExitsCleanly) {
  ASSERT_EQ(Call("PUT", "/scrolled", R"({"settings":{"number_of_shards":2,"number_of_replicas":0}})").status, 200);
  Fill("scrolled", 10);
  auto r = Call("POST", "/scrolled/_search?scroll=5m", R"({"size":3})");
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_NO_FATAL_FAILURE(RestartNode());
  EXPECT_EQ(Total("scrolled"), 10u);
}

}  // namespace
}  // namespace holdfast
