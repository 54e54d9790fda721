// _search, _count and scroll on a real node: a small corpus indexed over
// HTTP into a 1-shard and a 4-shard index, exact hits, totals, sort values
// (and search_after paging by (price, _id) over a 4-shard index of its own),
// aggregations, highlights and _source; every error case answers with
// Elasticsearch's error shape and the node keeps serving.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "tests/server/search_api_fixture.h"
#include "tests/support/http_client.h"
#include "tests/support/test_process.h"

namespace holdfast {
namespace {

using namespace search_api_testing;
using testing::HttpCall;
using testing::HttpReply;
using testing::NodeProcess;
using testing::TempDir;

TEST_F(SearchApiTest, MatchAllDefaultsAndShape) {
  auto d = Search("/books4/_search", "");
  EXPECT_EQ(d["hits"]["total"]["value"].GetInt(), 8);
  EXPECT_STREQ(d["hits"]["total"]["relation"].GetString(), "eq");
  EXPECT_EQ(d["_shards"]["total"].GetInt(), 4);
  EXPECT_EQ(d["_shards"]["successful"].GetInt(), 4);
  EXPECT_FALSE(d["timed_out"].GetBool());
  EXPECT_EQ(Ids(d).size(), 8u);
  const auto& hit = d["hits"]["hits"][0];
  EXPECT_STREQ(hit["_index"].GetString(), "books4");
  EXPECT_DOUBLE_EQ(hit["_score"].GetDouble(), 1.0);
  EXPECT_TRUE(hit["_source"].IsObject());
}

// _msearch: header and body lines; each search answers as _search would,
// with its status; one failing search is its own answer, not the request's.
TEST_F(SearchApiTest, MultiSearchAnswersEachSearchInOrder) {
  const std::string body =
      "{\"index\":\"books1\"}\n{\"query\":{\"match\":{\"title\":\"quick\"}},\"size\":2}\n"
      "{\"index\":[\"books4\"],\"preference\":\"_local\"}\n{\"query\":{\"term\":{\"tags\":\"food\"}}}\n"
      "{\"index\":\"no-such-index\"}\n{\"query\":{\"match_all\":{}}}\n"
      "{}\n{\"query\":{\"match_all\":{}},\"size\":0}\n"
      "{\"index\":\"books1\"}\n{\"query\":{\"no_such_query\":{}}}\n";
  auto d = Json(HttpCall(port(), "POST", "/books4/_msearch", body));
  ASSERT_TRUE(d.HasMember("took") && d["responses"].IsArray()) << ToJson(d);
  const auto& r = d["responses"];
  ASSERT_EQ(r.Size(), 5u) << ToJson(d);
  // Each as the same _search answers.
  auto alone = Search("/books1/_search", R"({"query":{"match":{"title":"quick"}},"size":2})");
  EXPECT_EQ(r[0]["status"].GetInt(), 200);
  EXPECT_EQ(ToJson(r[0]["hits"]), ToJson(alone["hits"]));
  EXPECT_EQ(r[1]["status"].GetInt(), 200);
  EXPECT_EQ(r[1]["hits"]["total"]["value"].GetUint64(), 2u);
  EXPECT_EQ(r[2]["status"].GetInt(), 404);
  EXPECT_EQ(std::string(r[2]["error"]["type"].GetString()), "index_not_found_exception");
  EXPECT_EQ(r[3]["status"].GetInt(), 200);
  EXPECT_EQ(r[3]["_shards"]["total"].GetUint(), 4u) << "no index in the header: the URL's";
  EXPECT_EQ(r[3]["hits"]["total"]["value"].GetUint64(), kDocs.size());
  EXPECT_EQ(r[4]["status"].GetInt(), 400);
  EXPECT_EQ(std::string(r[4]["error"]["type"].GetString()), "parsing_exception");
  // URL parameters reach every search; a header key Elasticsearch does not know is refused.
  d = Json(HttpCall(port(), "POST", "/_msearch?rest_total_hits_as_int=true",
                    "{\"index\":\"books1\"}\n{\"query\":{\"match_all\":{}}}\n"));
  EXPECT_TRUE(d["responses"][0]["hits"]["total"].IsUint64()) << ToJson(d);
  ExpectError(HttpCall(port(), "POST", "/_msearch", "{\"colour\":\"red\"}\n{}\n"), 400, "illegal_argument_exception");
  ExpectError(HttpCall(port(), "POST", "/_msearch", ""), 400, "action_request_validation_exception");
  ExpectError(HttpCall(port(), "POST", "/_msearch", "{\"index\":\"books1\"}\n"), 400, "parse_exception");
}

// _analyze, _validate/query and _field_caps, as Elasticsearch documents them.
TEST_F(SearchApiTest, AnalyzeValidateAndFieldCaps) {
  auto d = Json(HttpCall(port(), "POST", "/_analyze", R"({"analyzer":"english","text":"The Quick foxes jumped"})"));
  EXPECT_EQ(ToJson(d["tokens"]),
            R"([{"token":"quick","start_offset":4,"end_offset":9,"type":"<ALPHANUM>","position":1},)"
            R"({"token":"fox","start_offset":10,"end_offset":15,"type":"<ALPHANUM>","position":2},)"
            R"({"token":"jump","start_offset":16,"end_offset":22,"type":"<ALPHANUM>","position":3}])");
  // A field's analyzer (title: standard), two texts: positions and offsets continue.
  d = Json(HttpCall(port(), "GET", "/books1/_analyze", R"({"field":"title","text":["Fast Cars","2024"]})"));
  ASSERT_EQ(d["tokens"].Size(), 3u) << ToJson(d);
  EXPECT_EQ(std::string(d["tokens"][1]["token"].GetString()), "cars");
  EXPECT_EQ(d["tokens"][2]["position"].GetInt(), 102);
  EXPECT_EQ(d["tokens"][2]["start_offset"].GetInt(), 10);
  EXPECT_EQ(std::string(d["tokens"][2]["type"].GetString()), "<NUM>");
  d = Json(HttpCall(port(), "POST", "/books1/_analyze", R"({"field":"tags","text":"Sci Fi"})"));
  EXPECT_EQ(ToJson(d["tokens"]), R"([{"token":"Sci Fi","start_offset":0,"end_offset":6,"type":"word","position":0}])");
  ExpectError(HttpCall(port(), "POST", "/books1/_analyze", R"({"field":"price","text":"12"})"), 400,
              "illegal_argument_exception");
  ExpectError(HttpCall(port(), "POST", "/_analyze", R"({"analyzer":"klingon","text":"x"})"), 400,
              "illegal_argument_exception");
  ExpectError(HttpCall(port(), "POST", "/_analyze", R"({"tokenizer":"whitespace","text":"x"})"), 400,
              "illegal_argument_exception");
  ExpectError(HttpCall(port(), "POST", "/_analyze", R"({"analyzer":"standard"})"), 400,
              "action_request_validation_exception");

  // _validate/query: parsed against each index's mapping.
  d = Json(HttpCall(port(), "POST", "/books*/_validate/query", R"({"query":{"match":{"title":"fox"}}})"));
  EXPECT_TRUE(d["valid"].GetBool());
  EXPECT_EQ(d["_shards"]["total"].GetUint(), 2u);
  d = Json(HttpCall(port(), "POST", "/books1/_validate/query?explain=true", R"({"query":{"range":{"price":{"gte":"cheap"}}}})"));
  EXPECT_FALSE(d["valid"].GetBool()) << ToJson(d);
  EXPECT_FALSE(d["explanations"][0]["valid"].GetBool());
  EXPECT_EQ(std::string(d["explanations"][0]["index"].GetString()), "books1");
  EXPECT_FALSE(std::string(d["explanations"][0]["error"].GetString()).empty());
  d = Json(HttpCall(port(), "GET", "/books1/_validate/query?q=title:fox"));
  EXPECT_TRUE(d["valid"].GetBool());
  EXPECT_FALSE(Json(HttpCall(port(), "POST", "/books1/_validate/query", R"({"query":{"nope":{}}})"))["valid"].GetBool());

  // _field_caps: by type, searchable and aggregatable.
  d = Json(HttpCall(port(), "GET", "/books1,books4/_field_caps?fields=title,price,user.*"));
  EXPECT_EQ(ToJson(d["indices"]), R"(["books1","books4"])");
  EXPECT_EQ(ToJson(d["fields"]["title"]),
            R"({"text":{"type":"text","metadata_field":false,"searchable":true,"aggregatable":false}})");
  EXPECT_EQ(ToJson(d["fields"]["price"]["long"]["aggregatable"]), "true");
  EXPECT_TRUE(d["fields"].HasMember("user.name"));
  EXPECT_FALSE(d["fields"].HasMember("tags"));
  ExpectError(HttpCall(port(), "GET", "/books1/_field_caps"), 400, "action_request_validation_exception");
}

// "version" and "seq_no_primary_term" in a search: each hit carries its
// document's, as GET would show them.
TEST_F(SearchApiTest, HitsCarryVersionAndSeqNoWhenAsked) {
  ASSERT_EQ(HttpCall(port(), "PUT", "/versions", R"({"settings":{"number_of_shards":2}})").status, 200);
  for (const char* id : {"a", "b", "c"}) {
    ASSERT_EQ(HttpCall(port(), "PUT", std::string("/versions/_doc/") + id, R"({"n":1})").status, 201);
  }
  ASSERT_EQ(HttpCall(port(), "PUT", "/versions/_doc/b?refresh=true", R"({"n":2})").status, 200);
  auto d = Search("/versions/_search", R"({"version":true,"seq_no_primary_term":true,"sort":["_id"]})");
  ASSERT_EQ(d["hits"]["hits"].Size(), 3u) << ToJson(d);
  for (const auto& hit : d["hits"]["hits"].GetArray()) {
    const std::string id = hit["_id"].GetString();
    auto got = Json(HttpCall(port(), "GET", "/versions/_doc/" + id));
    EXPECT_EQ(hit["_version"].GetInt64(), got["_version"].GetInt64()) << id;
    EXPECT_EQ(hit["_seq_no"].GetInt64(), got["_seq_no"].GetInt64()) << id;
    EXPECT_EQ(hit["_primary_term"].GetInt64(), got["_primary_term"].GetInt64()) << id;
  }
  EXPECT_EQ(d["hits"]["hits"][1]["_version"].GetInt64(), 2) << "b was written twice";
  d = Search("/versions/_search?version=true", "{}");
  EXPECT_TRUE(d["hits"]["hits"][0].HasMember("_version"));
  EXPECT_FALSE(d["hits"]["hits"][0].HasMember("_seq_no"));
  d = Search("/versions/_search", "{}");
  EXPECT_FALSE(d["hits"]["hits"][0].HasMember("_version"));
  ExpectError(HttpCall(port(), "POST", "/versions/_search", R"({"version":"yes"})"), 400, "parsing_exception");
  EXPECT_EQ(HttpCall(port(), "DELETE", "/versions").status, 200);
}

// stored_fields: no field is stored apart from _source here, so a list
// leaves _source out unless asked for; _none_ leaves out _id too.
TEST_F(SearchApiTest, StoredFieldsLeaveTheSourceOut) {
  auto d = Search("/books1/_search", R"({"stored_fields":[],"size":2})");
  ASSERT_EQ(d["hits"]["hits"].Size(), 2u);
  EXPECT_TRUE(d["hits"]["hits"][0].HasMember("_id"));
  EXPECT_FALSE(d["hits"]["hits"][0].HasMember("_source")) << ToJson(d);
  d = Search("/books1/_search", R"({"stored_fields":"_none_","size":2})");
  EXPECT_FALSE(d["hits"]["hits"][0].HasMember("_id")) << ToJson(d);
  EXPECT_FALSE(d["hits"]["hits"][0].HasMember("_source"));
  EXPECT_TRUE(d["hits"]["hits"][0].HasMember("_score"));
  d = Search("/books1/_search", R"({"stored_fields":["title"],"_source":["price"],"size":2})");
  EXPECT_TRUE(d["hits"]["hits"][0]["_source"].HasMember("price")) << ToJson(d);
  d = Search("/books1/_search?stored_fields=_none_&size=1", "{}");
  EXPECT_FALSE(d["hits"]["hits"][0].HasMember("_id"));
  ExpectError(HttpCall(port(), "POST", "/books1/_search", R"({"stored_fields":"_none_","_source":true})"), 400,
              "illegal_argument_exception");
  ExpectError(HttpCall(port(), "POST", "/books1/_search", R"({"stored_fields":[1]})"), 400, "parsing_exception");
}

// post_filter: hits and their total are filtered, aggregations are not.
TEST_F(SearchApiTest, PostFilterFiltersHitsButNotAggregations) {
  for (const char* index : {"/books1/_search", "/books4/_search"}) {
    auto filtered = Search(index, R"({"query":{"match":{"title":"quick brown"}},"post_filter":{"term":{"tags":"animal"}},
                                     "aggs":{"tags":{"terms":{"field":"tags"}}}})");
    auto unfiltered = Search(index, R"({"query":{"match":{"title":"quick brown"}},"aggs":{"tags":{"terms":{"field":"tags"}}}})");
    auto as_filter = Search(index, R"({"query":{"bool":{"must":{"match":{"title":"quick brown"}},"filter":{"term":{"tags":"animal"}}}}})");
    EXPECT_EQ(ToJson(filtered["aggregations"]), ToJson(unfiltered["aggregations"])) << index;
    EXPECT_EQ(ToJson(filtered["hits"]["total"]), ToJson(as_filter["hits"]["total"])) << index;
    EXPECT_EQ(Ids(filtered), Ids(as_filter)) << index;
    EXPECT_EQ(Scores(filtered), Scores(as_filter)) << index << ": the filter does not score";
    EXPECT_LT(filtered["hits"]["total"]["value"].GetUint64(), unfiltered["hits"]["total"]["value"].GetUint64());
    EXPECT_GT(filtered["hits"]["total"]["value"].GetUint64(), 0u);
  }
  ExpectError(HttpCall(port(), "POST", "/books1/_search", R"({"post_filter":{"no_such_query":{}}})"), 400,
              "parsing_exception");
  ExpectError(HttpCall(port(), "POST", "/books1/_search", R"({"post_filter":3})"), 400, "parsing_exception");
}

// track_scores: hits sorted by a field carry the scores they would have had.
TEST_F(SearchApiTest, TrackScoresScoresFieldSortedHits) {
  for (const char* index : {"/books1/_search", "/books4/_search"}) {
    auto by_score = Search(index, R"({"query":{"match":{"title":"quick brown"}},"size":10})");
    auto untracked = Search(index, R"({"query":{"match":{"title":"quick brown"}},"sort":[{"price":"asc"}]})");
    auto tracked =
        Search(index, R"({"query":{"match":{"title":"quick brown"}},"sort":[{"price":"asc"}],"track_scores":true})");
    ASSERT_GT(tracked["hits"]["hits"].Size(), 1u);
    EXPECT_TRUE(untracked["hits"]["hits"][0]["_score"].IsNull());
    EXPECT_TRUE(untracked["hits"]["max_score"].IsNull());
    EXPECT_EQ(Ids(tracked), Ids(untracked)) << "the order is the sort's";
    const auto want = Scores(by_score);
    double best = 0;
    for (const auto& h : tracked["hits"]["hits"].GetArray()) {
      ASSERT_TRUE(h["_score"].IsNumber()) << ToJson(h);
      EXPECT_NEAR(h["_score"].GetDouble(), want.at(h["_id"].GetString()), 1e-5) << index;
      best = std::max(best, h["_score"].GetDouble());
    }
    EXPECT_NEAR(tracked["hits"]["max_score"].GetDouble(), best, 1e-6);
  }
}

TEST_F(SearchApiTest, MatchQueryHitsTotalsAndOrder) {
  auto d = Search("/books1/_search", R"({"query":{"match":{"title":"quick"}}})");
  EXPECT_EQ(d["hits"]["total"]["value"].GetInt(), 4);
  auto ids = Ids(d);
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()), (std::set<std::string>{"1", "3", "5", "8"}));
  EXPECT_EQ(ids[0], "8");  // three occurrences in a short title
  EXPECT_DOUBLE_EQ(d["hits"]["max_score"].GetDouble(), d["hits"]["hits"][0]["_score"].GetDouble());
  // from / size
  auto page = Search("/books1/_search", R"({"query":{"match":{"title":"quick"}},"from":1,"size":2})");
  EXPECT_EQ(Ids(page), std::vector<std::string>(ids.begin() + 1, ids.begin() + 3));
  // URL parameters and q
  auto q = Json(HttpCall(port(), "GET", "/books1/_search?q=title:quick&size=1"));
  EXPECT_EQ(Ids(q), std::vector<std::string>{"8"});
}

TEST_F(SearchApiTest, OneAndFourShardsScoreAlike) {
  const std::string body = R"({"query":{"match":{"title":"quick brown"}},"size":10})";
  auto one = Search("/books1/_search", body);
  auto four = Search("/books4/_search", body);
  EXPECT_EQ(Ids(one), Ids(four));
  auto a = Scores(one), b = Scores(four);
  ASSERT_EQ(a.size(), 6u);
  for (const auto& [id, score] : a) EXPECT_FLOAT_EQ(static_cast<float>(score), static_cast<float>(b[id])) << id;
}

TEST_F(SearchApiTest, BoolFilterRange) {
  auto d = Search("/books4/_search", R"({"query":{"bool":{"filter":[{"term":{"tags":"animal"}},
      {"range":{"price":{"gte":10,"lt":40}}}]}}})");
  auto ids = Ids(d);
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()), (std::set<std::string>{"1", "2"}));
}

TEST_F(SearchApiTest, DocumentsByIdWithIdsTermAndTerms) {
  auto as_set = [](const std::vector<std::string>& v) { return std::set<std::string>(v.begin(), v.end()); };
  for (const char* index : {"/books1/_search", "/books4/_search"}) {
    auto d = Search(index, R"({"query":{"ids":{"values":["2","5","404"]}}})");
    EXPECT_EQ(as_set(Ids(d)), (std::set<std::string>{"2", "5"})) << index;
    EXPECT_EQ(d["hits"]["total"]["value"].GetInt(), 2);
    EXPECT_DOUBLE_EQ(d["hits"]["max_score"].GetDouble(), 1.0);  // constant score, as Elasticsearch
    EXPECT_EQ(Ids(Search(index, R"({"query":{"term":{"_id":"7"}}})")), std::vector<std::string>{"7"});
    EXPECT_EQ(as_set(Ids(Search(index, R"({"query":{"terms":{"_id":["1",8]}}})"))),
              (std::set<std::string>{"1", "8"}));
    // In a bool with other clauses; an empty id list matches nothing.
    EXPECT_EQ(Ids(Search(index, R"({"query":{"bool":{"must":{"match":{"title":"quick"}},
        "filter":{"ids":{"values":["3","4"]}}}}})")), std::vector<std::string>{"3"});
    EXPECT_TRUE(Ids(Search(index, R"({"query":{"ids":{"values":[]}}})")).empty());
  }
  ExpectError(HttpCall(port(), "POST", "/books1/_search", R"({"query":{"ids":{"values":"1"}}})"), 400,
              "parsing_exception");
  ExpectError(HttpCall(port(), "POST", "/books1/_search", R"({"query":{"ids":{"value":["1"]}}})"), 400,
              "parsing_exception");
}

// Flushed segments are held in the node's memory and hits are read through the source cache.
TEST_F(SearchApiTest, SegmentsAndFetchedSourcesAreHeldInProcessMemory) {
  auto gauge = [](const std::string& name) -> double {
    const std::string metrics = HttpCall(port(), "GET", "/metrics").body;
    const size_t at = metrics.find("\n" + name + " ");
    return at == std::string::npos ? -1 : std::stod(metrics.substr(at + name.size() + 2));
  };
  // Refreshed segments live in memory already; flushed ones are files, read back in.
  ASSERT_EQ(HttpCall(port(), "POST", "/books4/_flush").status, 200);
  EXPECT_GT(gauge("holdfast_segments_memory_bytes"), 0);
  EXPECT_GT(gauge("holdfast_segments_memory_budget_bytes"), gauge("holdfast_segments_memory_bytes"));
  EXPECT_GT(gauge("holdfast_source_cache_capacity_bytes"), 0);
  auto d = Search("/books4/_search", R"({"query":{"match_all":{}}})");
  ASSERT_EQ(Ids(d).size(), 8u);
  EXPECT_GT(gauge("holdfast_source_cache_bytes"), 0);
}

TEST_F(SearchApiTest, SortAndSearchAfter) {
  auto d = Search("/books4/_search", R"({"sort":[{"price":"asc"}],"size":3})");
  EXPECT_EQ(Ids(d), (std::vector<std::string>{"8", "6", "1"}));
  EXPECT_TRUE(d["hits"]["max_score"].IsNull());
  EXPECT_TRUE(d["hits"]["hits"][0]["_score"].IsNull());
  EXPECT_EQ(ToJson(d["hits"]["hits"][2]["sort"]), "[10]");
  auto next = Search("/books4/_search", R"({"sort":[{"price":"asc"}],"size":3,"search_after":[10]})");
  EXPECT_EQ(Ids(next), (std::vector<std::string>{"3", "2", "7"}));
  auto desc = Search("/books4/_search", R"({"sort":[{"year":"desc"},{"price":"asc"}],"size":4})");
  EXPECT_EQ(Ids(desc), (std::vector<std::string>{"8", "5", "6", "3"}));
  auto url = Json(HttpCall(port(), "GET", "/books4/_search?sort=price:desc&size=2"));
  EXPECT_EQ(Ids(url), (std::vector<std::string>{"5", "4"}));
}

// search_after over 4 shards with many ties on price: `_id` as the last key
// makes the order total, so paging sees every doc once, in (price, _id) order.
TEST_F(SearchApiTest, SortByIdPagesThroughEveryDocAcrossShards) {
  struct DropIndex {  // the other tests count every index's docs
    ~DropIndex() { HttpCall(port(), "DELETE", "/paged4"); }
  } drop;
  HttpReply r = HttpCall(port(), "PUT", "/paged4",
                         R"({"settings":{"number_of_shards":4},"mappings":{"properties":{"price":{"type":"long"}}}})");
  ASSERT_EQ(r.status, 200) << r.body;
  std::vector<std::pair<int64_t, std::string>> expected;  // (price, _id)
  std::string bulk;
  for (int i = 0; i < 60; ++i) {
    const std::string id = "doc" + std::to_string(i);  // byte order: doc0, doc1, doc10, ...
    expected.emplace_back(i % 4, id);
    bulk += R"({"index":{"_id":")" + id + "\"}}\n" + R"({"price":)" + std::to_string(i % 4) + "}\n";
  }
  std::sort(expected.begin(), expected.end());
  r = HttpCall(port(), "POST", "/paged4/_bulk?refresh=true", bulk);
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(r.body.find(R"("errors":true)"), std::string::npos) << r.body;

  std::vector<std::pair<int64_t, std::string>> seen;
  std::string after;
  for (int page = 0; page < 20; ++page) {
    std::string body = R"({"size":7,"sort":[{"price":"asc"},{"_id":"asc"}])";
    if (!after.empty()) body += R"(,"search_after":)" + after;
    auto d = Search("/paged4/_search", body + "}");
    const auto& hits = d["hits"]["hits"];
    if (hits.Empty()) break;
    for (const auto& h : hits.GetArray()) {
      const auto& sort = h["sort"];
      ASSERT_TRUE(sort.IsArray() && sort.Size() == 2 && sort[0].IsInt64()) << ToJson(sort);
      EXPECT_TRUE(sort[1].IsString() && std::string(sort[1].GetString()) == h["_id"].GetString()) << ToJson(sort);
      seen.emplace_back(sort[0].GetInt64(), h["_id"].GetString());
    }
    after = ToJson(hits[hits.Size() - 1]["sort"]);
  }
  EXPECT_EQ(seen, expected);  // each doc exactly once, in (price, _id) order

  std::vector<std::string> desc;
  for (const auto& e : expected) desc.push_back(e.second);
  std::sort(desc.rbegin(), desc.rend());
  auto by_id = Search("/paged4/_search", R"({"size":60,"sort":{"_id":"desc"}})");
  EXPECT_EQ(Ids(by_id), desc);
  EXPECT_EQ(ToJson(by_id["hits"]["hits"][0]["sort"]), R"(["doc9"])");
  auto next = Search("/paged4/_search", R"({"size":3,"sort":[{"_id":{"order":"desc"}}],"search_after":["doc9"]})");
  EXPECT_EQ(Ids(next), std::vector<std::string>(desc.begin() + 1, desc.begin() + 4));
  auto bare = Search("/paged4/_search", R"({"size":2,"sort":["_id"]})");
  EXPECT_EQ(Ids(bare), (std::vector<std::string>{"doc0", "doc1"}));
  ExpectError(HttpCall(port(), "POST", "/paged4/_search", R"({"sort":["_id"],"search_after":[9]})"), 400,
              "illegal_argument_exception");
}

TEST_F(SearchApiTest, SourceFiltering) {
  auto d = Search("/books1/_search", R"({"query":{"term":{"tags":"fast"}},"sort":["price"],
      "_source":{"includes":["user.*","price"],"excludes":["*.secret"]}})");
  ASSERT_EQ(Ids(d), (std::vector<std::string>{"8", "1", "5"}));
  EXPECT_EQ(ToJson(d["hits"]["hits"][0]["_source"]), R"({"price":5,"user":{"name":"ann"}})");
  EXPECT_EQ(ToJson(d["hits"]["hits"][1]["_source"]), R"({"price":10})");
  auto off = Search("/books1/_search", R"({"_source":false,"size":1})");
  EXPECT_FALSE(off["hits"]["hits"][0].HasMember("_source"));
  auto list = Json(HttpCall(port(), "GET", "/books1/_search?q=title:quick&size=1&_source=title,tags"));
  EXPECT_EQ(ToJson(list["hits"]["hits"][0]["_source"]), R"({"title":"Quick quick quick","tags":["fast"]})");
}

TEST_F(SearchApiTest, Highlight) {
  auto d = Search("/books4/_search", R"({"query":{"match":{"title":"bear"}},"highlight":{"fields":{"title":{}}}})");
  ASSERT_EQ(Ids(d), std::vector<std::string>{"4"});
  EXPECT_EQ(ToJson(d["hits"]["hits"][0]["highlight"]), R"({"title":["The brown <em>bear</em>"]})");
}

TEST_F(SearchApiTest, Aggregations) {
  auto d = Search("/books4/_search", R"({"size":0,"aggs":{"tags":{"terms":{"field":"tags"}},
      "price":{"stats":{"field":"price"}}}})");
  EXPECT_EQ(Ids(d).size(), 0u);
  EXPECT_EQ(ToJson(d["aggregations"]["tags"]),
            R"({"doc_count_error_upper_bound":0,"sum_other_doc_count":0,"buckets":[{"key":"animal","doc_count":3},)"
            R"({"key":"fast","doc_count":3},{"key":"food","doc_count":2},{"key":"cars","doc_count":1}]})");
  EXPECT_EQ(d["aggregations"]["price"]["count"].GetInt(), 8);
  EXPECT_EQ(d["aggregations"]["price"]["sum"].GetDouble(), 188.0);
  // 1 shard and 4 shards agree
  auto one = Search("/books1/_search", R"({"size":0,"aggs":{"tags":{"terms":{"field":"tags"}}}})");
  EXPECT_EQ(ToJson(one["aggregations"]["tags"]), ToJson(d["aggregations"]["tags"]));
}

TEST_F(SearchApiTest, TotalsTracking) {
  auto none = Search("/books4/_search", R"({"track_total_hits":false})");
  EXPECT_FALSE(none["hits"].HasMember("total"));
  auto capped = Search("/books1/_search", R"({"track_total_hits":2})");
  EXPECT_EQ(capped["hits"]["total"]["value"].GetInt(), 2);
  EXPECT_STREQ(capped["hits"]["total"]["relation"].GetString(), "gte");
  auto as_int = Json(HttpCall(port(), "GET", "/books1/_search?rest_total_hits_as_int=true"));
  EXPECT_EQ(as_int["hits"]["total"].GetInt(), 8);
  auto min = Search("/books1/_search", R"({"query":{"match":{"title":"quick"}},"min_score":100})");
  EXPECT_EQ(min["hits"]["total"]["value"].GetInt(), 0);
}

TEST_F(SearchApiTest, Count) {
  auto d = Json(HttpCall(port(), "POST", "/books4/_count", R"({"query":{"match":{"title":"quick"}}})"));
  EXPECT_EQ(d["count"].GetInt(), 4);
  EXPECT_EQ(d["_shards"]["total"].GetInt(), 4);
  EXPECT_EQ(Json(HttpCall(port(), "GET", "/books*/_count"))["count"].GetInt(), 16);
  EXPECT_EQ(Json(HttpCall(port(), "GET", "/_count?q=tags:food"))["count"].GetInt(), 4);
}

TEST_F(SearchApiTest, SeveralIndicesShareStatistics) {
  auto d = Search("/books1,books4/_search", R"({"query":{"match":{"title":"brown"}}})");
  EXPECT_EQ(d["hits"]["total"]["value"].GetInt(), 6);
  std::map<std::string, std::map<std::string, double>> by_index;
  for (const auto& h : d["hits"]["hits"].GetArray()) {
    by_index[h["_index"].GetString()][h["_id"].GetString()] = h["_score"].GetDouble();
  }
  ASSERT_EQ(by_index.size(), 2u);
  EXPECT_EQ(by_index["books1"], by_index["books4"]);  // same docs, same statistics, same scores
  auto all = Search("/_search", R"({"size":0})");
  EXPECT_EQ(all["hits"]["total"]["value"].GetInt(), 16);
  auto wildcard = Search("/nothing-*/_search", "");
  EXPECT_EQ(wildcard["hits"]["total"]["value"].GetInt(), 0);
}

// Pages through a scroll until an empty page; returns ids in page order.
std::vector<std::string> ScrollAll(int port, const std::string& first_target, const std::string& body,
                                   std::string* scroll_id) {
  std::vector<std::string> ids;
  HttpReply r = HttpCall(port, "POST", first_target, body);
  for (int page = 0; page < 100; ++page) {
    EXPECT_EQ(r.status, 200) << r.body;
    rapidjson::Document d;
    d.Parse(r.body.c_str());
    if (d.HasParseError() || !d.HasMember("_scroll_id")) return ids;
    *scroll_id = d["_scroll_id"].GetString();
    if (d["hits"]["hits"].Empty()) return ids;
    for (const auto& h : d["hits"]["hits"].GetArray()) ids.emplace_back(h["_id"].GetString());
    r = HttpCall(port, "POST", "/_search/scroll", R"({"scroll":"1m","scroll_id":")" + *scroll_id + "\"}");
  }
  ADD_FAILURE() << "scroll did not end";
  return ids;
}

TEST_F(SearchApiTest, ScrollPagesThroughEverythingOnce) {
  std::string id;
  auto ids = ScrollAll(port(), "/books4/_search?scroll=1m", R"({"size":3})", &id);
  EXPECT_EQ(ids.size(), 8u);
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 8u);
  auto cleared = Json(HttpCall(port(), "DELETE", "/_search/scroll", R"({"scroll_id":[")" + id + "\"]}"));
  EXPECT_EQ(cleared["num_freed"].GetInt(), 1);
  ExpectError(HttpCall(port(), "POST", "/_search/scroll", R"({"scroll":"1m","scroll_id":")" + id + "\"}"), 404,
              "search_context_missing_exception");

  // sorted, over two indices, pages of 5: the same order as one big page
  auto sorted = ScrollAll(port(), "/books1,books4/_search?scroll=1m",
                          R"({"size":5,"sort":[{"price":"desc"}],"query":{"match_all":{}}})", &id);
  auto whole = Search("/books1,books4/_search", R"({"size":16,"sort":[{"price":"desc"}]})");
  EXPECT_EQ(sorted, Ids(whole));
  EXPECT_EQ(Json(HttpCall(port(), "DELETE", "/_search/scroll/_all"))["succeeded"].GetBool(), true);
}

TEST_F(SearchApiTest, ScrollByScoreWithQueryAndUrlForms) {
  HttpReply r = HttpCall(port(), "POST", "/books4/_search?scroll=30s&size=2", R"({"query":{"match":{"title":"quick"}}})");
  auto d = Json(r);
  std::string id = d["_scroll_id"].GetString();
  std::vector<std::string> ids = Ids(d);
  for (int i = 0; i < 10; ++i) {
    auto page = Json(HttpCall(port(), "GET", "/_search/scroll/" + id + "?scroll=30s"));
    if (page["hits"]["hits"].Empty()) break;
    for (auto& x : Ids(page)) ids.push_back(x);
  }
  auto whole = Search("/books4/_search", R"({"query":{"match":{"title":"quick"}}})");
  EXPECT_EQ(ids, Ids(whole));
  auto freed = Json(HttpCall(port(), "DELETE", "/_search/scroll/" + id));
  EXPECT_EQ(freed["num_freed"].GetInt(), 1);
}

TEST_F(SearchApiTest, Errors) {
  ExpectError(HttpCall(port(), "POST", "/books1/_search", R"({"query":{"nope":{}}})"), 400, "parsing_exception");
  ExpectError(HttpCall(port(), "POST", "/books1/_search", R"({"query":{"match_all":{}},"bogus":1})"), 400,
              "parsing_exception");
  ExpectError(HttpCall(port(), "POST", "/missing/_search", ""), 404, "index_not_found_exception");
  ExpectError(HttpCall(port(), "POST", "/missing/_count", ""), 404, "index_not_found_exception");
  ExpectError(HttpCall(port(), "POST", "/books1/_search", R"({"query":{"match":)"), 400, "parse_exception");
  ExpectError(HttpCall(port(), "POST", "/books1/_search", "{\"query\":{\"match\":{\"title\":\"\xff\xfe\"}}}"), 400,
              "parse_exception");
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += R"({"bool":{"must":[)";
  deep += R"({"match_all":{}})";
  for (int i = 0; i < 100; ++i) deep += "]}}";
  ExpectError(HttpCall(port(), "POST", "/books1/_search", R"({"query":)" + deep + "}"), 400, "parsing_exception");
  ExpectError(HttpCall(port(), "POST", "/books1/_search", R"({"from":9995,"size":10})"), 400,
              "illegal_argument_exception");
  ExpectError(HttpCall(port(), "POST", "/books1/_search", R"({"size":-1})"), 400, "illegal_argument_exception");
  ExpectError(HttpCall(port(), "POST", "/books1/_search", R"({"sort":[{"title":"asc"}]})"), 400,
              "illegal_argument_exception");
  ExpectError(HttpCall(port(), "POST", "/books1/_search", R"({"aggs":{"x":{"nope":{}}}})"), 400, "parsing_exception");
  // found by the fuzzer: a bad escape in a sort order string once aborted the node
  ExpectError(HttpCall(port(), "POST", "/books1/_search", R"({"sort":[{"price":"\d"}]})"), 400, "parsing_exception");
  ExpectError(HttpCall(port(), "POST", "/books1/_search", R"({"highlight":[1]})"), 400, "parsing_exception");
  ExpectError(HttpCall(port(), "POST", "/books1/_search?scroll=forever", ""), 400, "illegal_argument_exception");
  ExpectError(HttpCall(port(), "POST", "/_search/scroll", R"({"scroll_id":"x"})"), 404,
              "search_context_missing_exception");
  // the node still searches
  EXPECT_EQ(Search("/books1/_search", "")["hits"]["total"]["value"].GetInt(), 8);
}

}  // namespace
}  // namespace holdfast
