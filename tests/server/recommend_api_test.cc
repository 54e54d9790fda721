// Events, recommendations, `_popularity` and more_like_this over HTTP on a
// real node: per-item event errors, _recommend for items and users with
// exclusion and filters, popularity in function_score, sort and
// popularity_boost, and acknowledged events surviving SIGKILL.
#include <gtest/gtest.h>

#include <csignal>
#include <set>

#include "tests/server/index_api_fixture.h"

namespace holdfast {
namespace {

using namespace std::chrono_literals;

class RecommendApiTest : public IndexApiFixture {
 protected:
  static void SetUpTestSuite() {
    StartNode();
    ASSERT_EQ(Call("PUT", "/shop", R"({"settings":{"number_of_shards":2},"mappings":{"properties":{
      "title":{"type":"text"},"category":{"type":"keyword"}}}})").status, 200);
    std::string bulk;
    const char* products[][3] = {
        {"A", "red running shoe light", "shoes"}, {"B", "blue running shoe fast", "shoes"},
        {"C", "running socks warm wool", "socks"}, {"D", "wool hat warm winter", "hats"},
        {"E", "red trail running shoe", "shoes"},   {"F", "umbrella", "misc"},
    };
    for (const auto& p : products) {
      bulk += std::string(R"({"index":{"_id":")") + p[0] + "\"}}\n" + R"({"title":")" + p[1] +
              R"(","category":")" + p[2] + "\"}\n";
    }
    auto r = Call("POST", "/shop/_bulk?refresh=true", bulk);
    ASSERT_EQ(r.status, 200) << r.body;
    // u1: A, B, C; u2: A, B; u3: A, D; u4: E twice (repeat buyer).
    auto ev = Call("POST", "/shop/_events", R"({"user":"u1","item":"A","type":"purchase","ts":"2024-01-01T10:00:00Z"}
{"user":"u1","item":"B","type":"purchase","ts":"2024-01-01T11:00:00Z"}
{"user":"u1","item":"C","type":"cart","ts":"2024-01-01T12:00:00Z"}
{"user":"u2","item":"A","type":"purchase","ts":"2024-01-02T10:00:00Z"}
{"user":"u2","item":"B","type":"purchase","ts":"2024-01-02T11:00:00Z"}
{"user":"u3","item":"A","type":"purchase","ts":"2024-01-03T10:00:00Z"}
{"user":"u3","item":"D","type":"view","ts":"2024-01-03T11:00:00Z"}
{"user":"u4","item":"E","type":"purchase","ts":"2023-12-01T10:00:00Z"}
{"user":"u4","item":"E","type":"purchase","ts":"2023-12-02T10:00:00Z"}
)");
    ASSERT_EQ(ev.status, 200) << ev.body;
    ASSERT_FALSE(Json(ev.body)["errors"].GetBool()) << ev.body;
  }

  static std::vector<std::string> Ids(const std::string& body) {
    auto d = Json(body);
    std::vector<std::string> ids;
    if (!d.IsObject() || !d.HasMember("hits")) return ids;
    for (const auto& h : d["hits"]["hits"].GetArray()) ids.push_back(Str(h["_id"]));
    return ids;
  }
};

TEST_F(RecommendApiTest, BadEventsAreRefusedPerItemAndTheRestApplied) {
  auto r = Call("POST", "/shop/_events", R"([
    {"user":"u9","item":"X","type":"purchase","ts":"2023-06-01T00:00:00Z"},
    {"item":"X","type":"purchase"},
    {"user":"u9","item":"X","type":"like"},
    {"user":"u9","item":"X","type":"view","ts":"not a date"},
    7,
    {"user":"u9","item":"Y","type":"view","ts":"2023-06-02T00:00:00Z"}])");
  ASSERT_EQ(r.status, 200) << r.body;
  auto d = Json(r.body);
  EXPECT_TRUE(d["errors"].GetBool());
  EXPECT_EQ(d["accepted"].GetInt(), 2);
  const auto& items = d["items"];
  ASSERT_EQ(items.Size(), 6u);
  EXPECT_EQ(items[0]["status"].GetInt(), 201);
  EXPECT_EQ(items[5]["status"].GetInt(), 201);
  for (int i : {1, 2, 3, 4}) {
    EXPECT_EQ(items[i]["status"].GetInt(), 400) << r.body;
    EXPECT_FALSE(Str(items[i]["error"]["reason"]).empty());
  }
  EXPECT_NE(Str(items[1]["error"]["reason"]).find("missing [user]"), std::string::npos);
  EXPECT_NE(Str(items[2]["error"]["reason"]).find("unknown event type [like]"), std::string::npos);
  EXPECT_NE(Str(items[3]["error"]["reason"]).find("[ts]"), std::string::npos);
  auto h = Call("GET", "/shop/_events/user/u9");
  ASSERT_EQ(h.status, 200) << h.body;
  auto hist = Json(h.body);
  ASSERT_EQ(hist["items"].Size(), 2u);  // Y (latest) and X
  EXPECT_EQ(Str(hist["items"][0]["item"]), "Y");
  // A malformed NDJSON line fails its item only; no index → 404.
  auto bad = Call("POST", "/shop/_events", "{\"user\":\"u9\",\"item\":\"Y\",\"type\":\"view\",\"ts\":1}\n{oops\n");
  ASSERT_EQ(bad.status, 200) << bad.body;
  EXPECT_EQ(Json(bad.body)["items"][1]["status"].GetInt(), 400);
  ExpectEsError(Call("POST", "/nope/_events", R"({"user":"u","item":"i","type":"view"})"), 404, "index_not_found_exception");
  ExpectEsError(Call("POST", "/shop/_events", ""), 400, "parsing_exception");
}

TEST_F(RecommendApiTest, AlsoBoughtForAnItemCarriesSourcesAndExplanations) {
  auto r = Call("GET", "/shop/_recommend?item=B&size=5&explain=true&fallback=none");
  ASSERT_EQ(r.status, 200) << r.body;
  // B co-occurs with A (u1, u2) and C (u1): A first.
  auto ids = Ids(r.body);
  ASSERT_GE(ids.size(), 2u) << r.body;
  EXPECT_EQ(ids[0], "A");
  EXPECT_EQ(ids[1], "C");
  auto d = Json(r.body);
  const auto& top = d["hits"]["hits"][0];
  EXPECT_EQ(Str(top["_source"]["category"]), "shoes");
  EXPECT_EQ(Str(top["_recommendation"]["source"]), "cooccurrence");
  EXPECT_EQ(Str(top["_recommendation"]["because"][0]["item"]), "B");
  for (const auto& id : ids) EXPECT_NE(id, "B");
}

TEST_F(RecommendApiTest, PersonalizedHonoursExclusionAndFilters) {
  // u4 bought E twice: E comes first when own items are allowed.
  auto own = Call("GET", "/shop/_recommend?user=u4&size=3");
  ASSERT_EQ(own.status, 200) << own.body;
  ASSERT_FALSE(Ids(own.body).empty());
  EXPECT_EQ(Ids(own.body)[0], "E");
  auto excluded = Call("GET", "/shop/_recommend?user=u4&size=10&exclude_seen=true");
  ASSERT_EQ(excluded.status, 200);
  for (const auto& id : Ids(excluded.body)) EXPECT_NE(id, "E");
  EXPECT_FALSE(Ids(excluded.body).empty());  // popular items fill in
  auto filtered = Call("POST", "/shop/_recommend",
                       R"({"user":"u1","size":10,"filter":{"term":{"category":"shoes"}},"exclude":["B"]})");
  ASSERT_EQ(filtered.status, 200) << filtered.body;
  auto ids = Ids(filtered.body);
  EXPECT_FALSE(ids.empty());
  for (const auto& id : ids) {
    EXPECT_TRUE(id == "A" || id == "E") << id;  // shoes, B excluded
  }
  ExpectEsError(Call("GET", "/shop/_recommend"), 400, "illegal_argument_exception");
  ExpectEsError(Call("GET", "/shop/_recommend?item=A&user=u1"), 400, "illegal_argument_exception");
  ExpectEsError(Call("GET", "/shop/_recommend?item=A&size=x"), 400, "illegal_argument_exception");
  ExpectEsError(Call("GET", "/nope/_recommend?item=A"), 404, "index_not_found_exception");
  ExpectEsError(Call("POST", "/shop/_recommend", R"({"user":"u1","filter":{"nope":{}}})"), 400, "parsing_exception");
}

TEST_F(RecommendApiTest, PopularityRanksSortsAndBoosts) {
  // A: 3 purchases; B: 2, the same days; C cart; D view; E: 2 purchases a
  // month earlier (decayed); F none.
  auto fs = Call("POST", "/shop/_search", R"({"query":{"function_score":{"query":{"match_all":{}},
    "field_value_factor":{"field":"_popularity"},"boost_mode":"replace"}},"size":6})");
  ASSERT_EQ(fs.status, 200) << fs.body;
  auto ids = Ids(fs.body);
  ASSERT_EQ(ids.size(), 6u);
  EXPECT_EQ(ids[0], "A");
  EXPECT_EQ(ids[1], "B");
  EXPECT_EQ(ids.back(), "F");
  auto sorted = Call("POST", "/shop/_search", R"({"sort":[{"_popularity":"desc"}],"size":6})");
  ASSERT_EQ(sorted.status, 200) << sorted.body;
  EXPECT_EQ(Ids(sorted.body), ids);
  auto sd = Json(sorted.body);
  EXPECT_GT(sd["hits"]["hits"][0]["sort"][0].GetDouble(), sd["hits"]["hits"][5]["sort"][0].GetDouble());
  // "shoe" matches A, B, E; with popularity_boost the most bought comes first.
  auto plain = Call("POST", "/shop/_search", R"({"query":{"match":{"title":"shoe"}}})");
  auto boosted = Call("POST", "/shop/_search", R"({"query":{"match":{"title":"shoe"}},"popularity_boost":1})");
  ASSERT_EQ(boosted.status, 200) << boosted.body;
  EXPECT_EQ(Ids(boosted.body)[0], "A");
  const auto plain_ids = Ids(plain.body), boosted_ids = Ids(boosted.body);
  EXPECT_EQ(std::set<std::string>(plain_ids.begin(), plain_ids.end()),
            std::set<std::string>(boosted_ids.begin(), boosted_ids.end()));
  ExpectEsError(Call("POST", "/shop/_search", R"({"query":{"match_all":{}},"popularity_boost":"x"})"), 400,
                "parsing_exception");
}

TEST_F(RecommendApiTest, MoreLikeThisByIdAndText) {
  auto by_id = Call("POST", "/shop/_search", R"({"query":{"more_like_this":{"fields":["title"],
    "like":[{"_id":"A"}],"min_term_freq":1,"min_doc_freq":1}}})");
  ASSERT_EQ(by_id.status, 200) << by_id.body;
  auto ids = Ids(by_id.body);
  ASSERT_FALSE(ids.empty());
  for (const auto& id : ids) EXPECT_NE(id, "A");  // the liked doc is excluded
  EXPECT_TRUE(ids[0] == "E" || ids[0] == "B") << by_id.body;  // red/running/shoe
  auto text = Call("POST", "/shop/_search", R"({"query":{"bool":{"must":[{"more_like_this":{"fields":["title"],
    "like":"warm wool warm wool","min_term_freq":1,"min_doc_freq":1}}],"filter":[{"term":{"category":"hats"}}]}}})");
  ASSERT_EQ(text.status, 200) << text.body;
  EXPECT_EQ(Ids(text.body), std::vector<std::string>{"D"});
  ExpectEsError(Call("POST", "/shop/_search", R"({"query":{"more_like_this":{"fields":["title"]}}})"), 400,
                "illegal_argument_exception");
}

TEST_F(RecommendApiTest, RecommendSettingsAreValidatedAndShown) {
  auto r = Call("PUT", "/tuned", R"({"settings":{"index.recommend.history_size":"7","index.recommend.pair_window":0,
    "index.recommend.popularity_half_life":"2d","index.recommend.weights.view":0.5}})");
  ASSERT_EQ(r.status, 200) << r.body;
  auto d = Json(Call("GET", "/tuned").body);
  const auto& rec = d["tuned"]["settings"]["index"]["recommend"];
  EXPECT_EQ(Str(rec["history_size"]), "7");
  EXPECT_EQ(Str(rec["pair_window"]), "0");
  EXPECT_EQ(Str(rec["popularity_half_life"]), "2d");
  EXPECT_EQ(Str(rec["weights"]["view"]), "0.5");
  ExpectEsError(Call("PUT", "/bad1", R"({"settings":{"index.recommend.history_size":0}})"), 400, "illegal_argument_exception");
  ExpectEsError(Call("PUT", "/bad2", R"({"settings":{"index.recommend.alpha":2}})"), 400, "illegal_argument_exception");
  ExpectEsError(Call("PUT", "/bad3", R"({"settings":{"index.recommend.nope":1}})"), 400, "illegal_argument_exception");
}

TEST(RecommendDurabilityTest, AcknowledgedEventsSurviveSigkill) {
  testing::TempDir tmp;
  const std::string dir = tmp.Sub("data");
  std::string before;
  {
    testing::NodeProcess node;
    ASSERT_TRUE(node.Start(dir)) << node.Log();
    ASSERT_TRUE(testing::WaitFor([&] { return testing::HttpCall(node.http_port(), "GET", "/_lifecycle/ready").status == 200; }, 30s));
    ASSERT_EQ(testing::HttpCall(node.http_port(), "PUT", "/shop", R"({"settings":{"number_of_shards":3}})").status, 200);
    ASSERT_EQ(testing::HttpCall(node.http_port(), "POST", "/shop/_bulk?refresh=true",
                                "{\"index\":{\"_id\":\"A\"}}\n{\"t\":1}\n{\"index\":{\"_id\":\"B\"}}\n{\"t\":2}\n"
                                "{\"index\":{\"_id\":\"C\"}}\n{\"t\":3}\n")
                  .status,
              200);
    std::string events;
    for (int u = 0; u < 50; ++u) {
      events += R"({"user":"u)" + std::to_string(u) + R"(","item":"A","type":"purchase","ts":)" + std::to_string(1000 + u) + "}\n";
      events += R"({"user":"u)" + std::to_string(u) + R"(","item":")" + (u % 2 ? "B" : "C") +
                R"(","type":"purchase","ts":)" + std::to_string(2000 + u) + "}\n";
    }
    auto r = testing::HttpCall(node.http_port(), "POST", "/shop/_events", events);
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_EQ(r.body.find("\"errors\":false"), r.body.find("\"errors\"")) << r.body;
    before = testing::HttpCall(node.http_port(), "GET", "/shop/_recommend?item=A&fallback=none&now=10000").body;
    node.process().Signal(SIGKILL);  // right after the acknowledgement
    ASSERT_EQ(node.process().WaitExit(10s).value_or(-1), 128 + SIGKILL);
  }
  testing::NodeProcess again;
  ASSERT_TRUE(again.Start(dir)) << again.Log();
  ASSERT_TRUE(testing::WaitFor([&] { return testing::HttpCall(again.http_port(), "GET", "/_lifecycle/ready").status == 200; }, 30s));
  auto h = testing::HttpCall(again.http_port(), "GET", "/shop/_events/user/u7");
  ASSERT_EQ(h.status, 200) << h.body;
  EXPECT_NE(h.body.find("\"item\":\"B\""), std::string::npos) << h.body;
  auto after = testing::HttpCall(again.http_port(), "GET", "/shop/_recommend?item=A&fallback=none&now=10000");
  ASSERT_EQ(after.status, 200);
  // Same neighbours and scores (took may differ).
  auto strip = [](std::string s) { return s.substr(s.find("\"hits\"")); };
  EXPECT_EQ(strip(after.body), strip(before)) << before << "\n" << after.body;
  EXPECT_NE(after.body.find("\"_id\":\"B\""), std::string::npos);
}

}  // namespace
}  // namespace holdfast
