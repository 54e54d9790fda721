// Score explanations on a real node: `explain` in a search (body and URL)
// gives every hit `_explanation`, `_shard` and `_node`, and the explanation's
// value is the hit's `_score` exactly, on a 4-shard index, for every scoring
// query type; GET|POST /{index}/_explain/{id} answers matched / not matched /
// 404 in Elasticsearch's shape, with the statistics of the whole index (idf
// inputs n and N summed over the shards).
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <regex>
#include <string>

#include "replication/shard_routing.h"
#include "tests/server/search_api_fixture.h"
#include "tests/support/http_client.h"

namespace holdfast {
namespace {

using namespace search_api_testing;
using testing::HttpCall;

// The first node (depth first) whose description starts with `prefix`.
const rapidjson::Value* Find(const rapidjson::Value& e, const std::string& prefix) {
  if (std::string(e["description"].GetString()).rfind(prefix, 0) == 0) return &e;
  for (const auto& d : e["details"].GetArray()) {
    if (const rapidjson::Value* f = Find(d, prefix)) return f;
  }
  return nullptr;
}

class SearchExplainApiTest : public SearchApiTest {
 protected:
  // Searches books4 with explain and checks every hit; returns the hit count.
  static size_t ExpectExplainedHits(const std::string& query) {
    auto d = Search("/books4/_search", R"({"explain":true,"size":20,"query":)" + query + "}");
    const auto& hits = d["hits"]["hits"];
    const std::regex shard(R"(\[books4\]\[[0-3]\])");
    for (const auto& h : hits.GetArray()) {
      EXPECT_TRUE(h.HasMember("_explanation")) << ToJson(h);
      if (!h.HasMember("_explanation")) continue;
      const auto& e = h["_explanation"];
      // Both rendered from one float: the same number to the last digit.
      EXPECT_EQ(e["value"].GetDouble(), h["_score"].GetDouble()) << query << "\n" << ToJson(h);
      EXPECT_TRUE(e["description"].IsString() && e["details"].IsArray()) << ToJson(e);
      EXPECT_TRUE(std::regex_match(h["_shard"].GetString(), shard)) << h["_shard"].GetString();
      EXPECT_GT(h["_node"].GetStringLength(), 0u);
    }
    return hits.Size();
  }
};

TEST_F(SearchExplainApiTest, HitExplanationsEqualScoresOnFourShards) {
  EXPECT_EQ(ExpectExplainedHits(R"({"match":{"title":"quick brown"}})"), 6u);
  EXPECT_EQ(ExpectExplainedHits(R"({"bool":{"must":[{"match":{"title":"quick"}}],
      "should":[{"term":{"tags":"fast"}},{"match":{"title":"fox"}}],"filter":[{"range":{"price":{"lte":50}}}]}})"),
            3u);  // 1, 3, 8 (5 costs 55)
  EXPECT_EQ(ExpectExplainedHits(R"({"match_phrase":{"title":"brown fox"}})"), 1u);
  EXPECT_EQ(ExpectExplainedHits(R"({"dis_max":{"tie_breaker":0.3,"queries":[
      {"match":{"title":"quick"}},{"term":{"tags":"fast"}}]}})"),
            4u);  // 1, 3, 5, 8 (the docs tagged fast are among them)
  EXPECT_EQ(ExpectExplainedHits(R"({"function_score":{"query":{"match":{"title":"quick"}},
      "field_value_factor":{"field":"price","modifier":"log1p","factor":2},"boost_mode":"sum"}})"),
            4u);
  EXPECT_EQ(ExpectExplainedHits(R"({"constant_score":{"filter":{"term":{"tags":"animal"}},"boost":2}})"), 3u);
  EXPECT_EQ(ExpectExplainedHits(R"({"multi_match":{"query":"quick brown","fields":["title^3","tags"]}})"), 6u);
}

TEST_F(SearchExplainApiTest, ExplainShapesFollowLucene) {
  auto d = Search("/books4/_search", R"({"explain":true,"query":{"bool":{"must":[{"match":{"title":"quick"}}],
      "filter":[{"term":{"tags":"fast"}}]}}})");
  ASSERT_GT(d["hits"]["hits"].Size(), 0u);
  const auto& e = d["hits"]["hits"][0]["_explanation"];
  EXPECT_STREQ(e["description"].GetString(), "sum of:");
  EXPECT_NE(Find(e, "match on required clause, product of:"), nullptr) << ToJson(e);
  EXPECT_NE(Find(e, "weight(title:quick in "), nullptr) << ToJson(e);
  EXPECT_NE(Find(e, "tf, computed as freq / (freq + k1 * (1 - b + b * dl / avgdl)) from:"), nullptr);
  d = Search("/books4/_search", R"({"explain":true,"query":{"dis_max":{"tie_breaker":0.1,"queries":[
      {"match":{"title":"quick"}},{"term":{"tags":"fast"}}]}}})");
  EXPECT_STREQ(d["hits"]["hits"][0]["_explanation"]["description"].GetString(), "max plus 0.1 times others of:");
}

TEST_F(SearchExplainApiTest, UrlParameterAndDefaultOff) {
  auto d = Json(HttpCall(port(), "GET", "/books4/_search?q=title:quick&explain=true"));
  ASSERT_GT(d["hits"]["hits"].Size(), 0u);
  for (const auto& h : d["hits"]["hits"].GetArray()) {
    ASSERT_TRUE(h.HasMember("_explanation")) << ToJson(h);
    EXPECT_EQ(h["_explanation"]["value"].GetDouble(), h["_score"].GetDouble());
  }
  d = Search("/books4/_search", R"({"query":{"match":{"title":"quick"}}})");
  for (const auto& h : d["hits"]["hits"].GetArray()) {
    EXPECT_FALSE(h.HasMember("_explanation") || h.HasMember("_shard") || h.HasMember("_node")) << ToJson(h);
  }
  ExpectError(HttpCall(port(), "POST", "/books4/_search", R"({"explain":"yes"})"), 400, "parsing_exception");
}

// indices_boost multiplies a hit's score on the coordinator: the
// explanation shows the product, and its value is still the score.
TEST_F(SearchExplainApiTest, IndicesBoostIsPartOfTheExplanation) {
  auto d = Search("/books1,books4/_search",
                  R"({"explain":true,"indices_boost":[{"books1":2}],"query":{"match":{"title":"brown"}}})");
  bool boosted = false;
  for (const auto& h : d["hits"]["hits"].GetArray()) {
    EXPECT_EQ(h["_explanation"]["value"].GetDouble(), h["_score"].GetDouble()) << ToJson(h);
    if (std::string(h["_index"].GetString()) == "books1") {
      boosted = true;
      EXPECT_STREQ(h["_explanation"]["description"].GetString(), "product of:");
    }
  }
  EXPECT_TRUE(boosted);
}

TEST_F(SearchExplainApiTest, SortedSearchStillExplains) {
  auto d = Search("/books4/_search",
                  R"({"explain":true,"sort":[{"price":"asc"}],"query":{"match":{"title":"quick"}}})");
  ASSERT_EQ(d["hits"]["hits"].Size(), 4u);
  for (const auto& h : d["hits"]["hits"].GetArray()) {
    ASSERT_TRUE(h.HasMember("_explanation"));
    EXPECT_TRUE(h["_explanation"]["value"].GetDouble() > 0) << ToJson(h);
  }
}

TEST_F(SearchExplainApiTest, ExplainApiMatchedEqualsSearchScore) {
  const std::string query = R"({"query":{"match":{"title":"quick brown"}}})";
  auto search = Search("/books4/_search", query);
  const std::map<std::string, double> scores = Scores(search);
  for (const char* id : {"1", "4", "8"}) {
    auto d = Json(HttpCall(port(), "POST", std::string("/books4/_explain/") + id, query));
    EXPECT_STREQ(d["_index"].GetString(), "books4");
    EXPECT_STREQ(d["_id"].GetString(), id);
    EXPECT_TRUE(d["matched"].GetBool());
    EXPECT_EQ(d["explanation"]["value"].GetDouble(), scores.at(id)) << ToJson(d);
  }
  // GET with a body works too.
  auto d = Json(HttpCall(port(), "GET", "/books1/_explain/1", query));
  EXPECT_TRUE(d["matched"].GetBool());
  EXPECT_EQ(d["explanation"]["value"].GetDouble(), Scores(Search("/books1/_search", query)).at("1"));
}

// n and N come from the whole index, not the doc's shard: "quick" is in the
// titles of 1, 3, 5 and 8, all 8 docs have a title.
TEST_F(SearchExplainApiTest, IdfInputsAreIndexWide) {
  auto d = Json(HttpCall(port(), "POST", "/books4/_explain/3", R"({"query":{"term":{"title":"quick"}}})"));
  const rapidjson::Value* idf = Find(d["explanation"], "idf, computed as log(1 + (N - n + 0.5) / (n + 0.5)) from:");
  ASSERT_NE(idf, nullptr) << ToJson(d);
  EXPECT_EQ((*idf)["details"][0]["value"].GetDouble(), 4.0);
  EXPECT_STREQ((*idf)["details"][0]["description"].GetString(), "n, number of documents containing term");
  EXPECT_EQ((*idf)["details"][1]["value"].GetDouble(), 8.0);
  EXPECT_STREQ((*idf)["details"][1]["description"].GetString(), "N, total number of documents with field");
  const rapidjson::Value* freq = Find(d["explanation"], "freq, occurrences of term within document");
  ASSERT_NE(freq, nullptr);
  EXPECT_EQ((*freq)["value"].GetDouble(), 1.0);
  d = Json(HttpCall(port(), "POST", "/books4/_explain/8", R"({"query":{"term":{"title":"quick"}}})"));
  EXPECT_EQ((*Find(d["explanation"], "freq, occurrences of term within document"))["value"].GetDouble(), 3.0);
}

TEST_F(SearchExplainApiTest, ExplainApiNotMatchedAndMissing) {
  auto d = Json(HttpCall(port(), "POST", "/books4/_explain/7", R"({"query":{"match":{"title":"quick"}}})"));
  EXPECT_FALSE(d["matched"].GetBool());
  ASSERT_TRUE(d.HasMember("explanation")) << ToJson(d);
  EXPECT_EQ(d["explanation"]["value"].GetDouble(), 0.0);
  EXPECT_TRUE(d["explanation"]["description"].IsString());

  d = Json(HttpCall(port(), "POST", "/books4/_explain/99", R"({"query":{"match":{"title":"quick"}}})"), 404);
  EXPECT_STREQ(d["_id"].GetString(), "99");
  EXPECT_FALSE(d["matched"].GetBool());
  EXPECT_FALSE(d.HasMember("explanation")) << ToJson(d);

  ExpectError(HttpCall(port(), "POST", "/no-such-index/_explain/1", R"({"query":{"match_all":{}}})"), 404,
              "index_not_found_exception");
  ExpectError(HttpCall(port(), "POST", "/books4/_explain/1", ""), 400, "action_request_validation_exception");
  ExpectError(HttpCall(port(), "POST", "/books4/_explain/1", R"({"query":{"match_all":{}},"size":3})"), 400,
              "parsing_exception");
}

TEST_F(SearchExplainApiTest, ExplainApiQueryString) {
  auto d = Json(HttpCall(port(), "GET", "/books4/_explain/8?q=quick&df=title"));
  EXPECT_TRUE(d["matched"].GetBool()) << ToJson(d);
  auto search = Search("/books4/_search", R"({"query":{"bool":{"should":[{"match":{"title":"quick"}}]}}})");
  EXPECT_EQ(d["explanation"]["value"].GetDouble(), Scores(search).at("8"));
  // default_operator AND: both terms must match.
  d = Json(HttpCall(port(), "GET", "/books4/_explain/3?q=quick%20brown&df=title&default_operator=AND"));
  EXPECT_FALSE(d["matched"].GetBool());
  d = Json(HttpCall(port(), "GET", "/books4/_explain/1?q=quick%20brown&df=title&default_operator=and&lenient=true"));
  EXPECT_TRUE(d["matched"].GetBool());
  // _source: the doc comes back under "get".
  d = Json(HttpCall(port(), "GET", "/books4/_explain/1?q=title:fox&_source_includes=price"));
  ASSERT_TRUE(d.HasMember("get")) << ToJson(d);
  EXPECT_TRUE(d["get"]["found"].GetBool());
  EXPECT_EQ(ToJson(d["get"]["_source"]), R"({"price":10})");
}

// A document written with a custom routing lives on its routing's shard:
// _explain finds it with the same ?routing= a get needs.
TEST_F(SearchExplainApiTest, ExplainApiFollowsCustomRouting) {
  ASSERT_EQ(HttpCall(port(), "PUT", "/routed4", R"({"settings":{"number_of_shards":4}})").status, 200);
  std::string routing = "r";
  while (ShardOfId(routing, 4) == ShardOfId("doc", 4)) routing += "r";  // another shard than the id's
  ASSERT_EQ(HttpCall(port(), "PUT", "/routed4/_doc/doc?routing=" + routing + "&refresh=true",
                     R"({"title":"quick fox"})")
                .status,
            201);
  const std::string query = R"({"query":{"match":{"title":"fox"}}})";
  auto d = Json(HttpCall(port(), "POST", "/routed4/_explain/doc?routing=" + routing, query));
  EXPECT_TRUE(d["matched"].GetBool()) << ToJson(d);
  auto search = Search("/routed4/_search", query);
  EXPECT_EQ(d["explanation"]["value"].GetDouble(), Scores(search).at("doc"));
  // Without it the id's shard is asked, where the document is not.
  Json(HttpCall(port(), "POST", "/routed4/_explain/doc", query), 404);
  EXPECT_EQ(HttpCall(port(), "DELETE", "/routed4").status, 200);
}

}  // namespace
}  // namespace holdfast
