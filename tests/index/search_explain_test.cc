// index/search/ explanations: for every query type, the explanation of each
// hit is worth exactly the hit's score (doc at a time, as explain searches
// run), carries Lucene's breakdown (BM25 boost/idf/tf with n, N, freq, dl,
// avgdl; bool, dis_max, constant_score, function_score), and a doc the
// query does not match is explained as such.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "index/codec/norms.h"
#include "index/search/bm25.h"
#include "index/search/shard_query.h"
#include "tests/index/search_test_util.h"

namespace holdfast::search {
namespace {

using testing::SearchIndex;

constexpr char kMapping[] = R"({"properties":{
  "title":{"type":"text"},
  "body":{"type":"text"},
  "tags":{"type":"keyword"},
  "stock":{"type":"long"}}})";

class ExplainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::pair<const char*, const char*> docs[] = {
        {"a", R"({"title":"red running shoes","body":"light shoes for road running","tags":["shoes","red"],"stock":10})"},
        {"b", R"({"title":"blue running shorts","body":"shorts for the summer","tags":["shorts"],"stock":0})"},
        {"c", R"({"title":"red wool socks","body":"warm red socks, red as red","tags":["socks","red"],"stock":100})"},
        {"d", R"({"title":"shoes for trail running","body":"trail shoes with grip","tags":["shoes"],"stock":5})"},
        {"e", R"({"title":"running red shoes red","body":"red shoes red laces running fast","stock":3})"},
        {"f", R"({"tags":["hat"],"stock":7})"},
    };
    // Two segments: statistics and doc ids span both.
    for (size_t i = 0; i < std::size(docs); ++i) {
      index_.Add(docs[i].first, docs[i].second);
      if (i == 2) index_.Flush();
    }
    index_.Flush();
  }

  // The explanation of `id` for `dsl` (nullopt: no such doc).
  std::optional<Explanation> ExplainOf(const std::string& dsl, const std::string& id) {
    auto q = index_.ParseQuery(dsl);
    EXPECT_TRUE(q.ok()) << q.status().ToString();
    ParsedSearch parsed;
    parsed.query = std::move(q).value();
    SegmentStatistics stats = index_.Stats();
    auto e = ExplainId(index_.snapshot(), parsed, stats, id);
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    return e.ok() ? std::move(e).value() : std::nullopt;
  }

  // Searches `dsl` doc at a time and checks every hit's explanation value is
  // its score to the bit; returns the number of hits.
  size_t ExpectExplanationsEqualScores(const std::string& dsl) {
    SearchOptions options;
    options.size = 100;
    options.doc_at_a_time = true;
    SearchResult r = index_.Run(dsl, options);
    for (const ScoredHit& h : r.hits) {
      std::optional<Explanation> e = ExplainOf(dsl, index_.IdOf(h));
      EXPECT_TRUE(e.has_value());
      if (!e) continue;
      EXPECT_TRUE(e->match) << dsl << " " << index_.IdOf(h);
      EXPECT_EQ(e->value, h.score) << dsl << " " << index_.IdOf(h) << "\n" << e->ToJson();
    }
    return r.hits.size();
  }

  SearchIndex index_{kMapping};
};

// The first node (depth first) whose description starts with `prefix`.
const Explanation* Find(const Explanation& e, const std::string& prefix) {
  if (e.description.rfind(prefix, 0) == 0) return &e;
  for (const Explanation& d : e.details) {
    if (const Explanation* f = Find(d, prefix)) return f;
  }
  return nullptr;
}

TEST_F(ExplainTest, TermBreakdownHasLuceneShapeAndTheScorersInputs) {
  auto e = ExplainOf(R"({"term":{"title":"red"}})", "c");
  ASSERT_TRUE(e.has_value());
  EXPECT_TRUE(e->match);
  EXPECT_EQ(e->description.rfind("weight(title:red in ", 0), 0u) << e->description;
  const Explanation* idf = Find(*e, "idf, computed as log(1 + (N - n + 0.5) / (n + 0.5))");
  ASSERT_NE(idf, nullptr);
  ASSERT_EQ(idf->details.size(), 2u);
  EXPECT_EQ(idf->details[0].value, 3.0f);  // n: a, c, e hold "red" in title
  EXPECT_EQ(idf->details[1].value, 5.0f);  // N: five docs have a title (f has none)
  EXPECT_EQ(idf->value, Bm25Idf(3, 5));
  const Explanation* tf = Find(*e, "tf, computed as freq / (freq + k1 * (1 - b + b * dl / avgdl))");
  ASSERT_NE(tf, nullptr);
  ASSERT_EQ(tf->details.size(), 5u);
  EXPECT_EQ(tf->details[0].value, 1.0f);                                          // freq
  EXPECT_EQ(tf->details[1].value, kBm25K1);                                       // k1
  EXPECT_EQ(tf->details[2].value, kBm25B);                                        // b
  EXPECT_EQ(tf->details[3].value, static_cast<float>(codec::DecodeNorm(codec::EncodeNorm(3))));  // dl
  EXPECT_EQ(tf->details[4].value, 17.0f / 5.0f);                                  // avgdl: 3+3+3+4+4 tokens / 5
  const Explanation* boost = Find(*e, "boost");
  ASSERT_NE(boost, nullptr);
  EXPECT_EQ(boost->value, 1.0f);
  // The product of the parts is the value, up to float rounding.
  EXPECT_NEAR(boost->value * idf->value * tf->value, e->value, 1e-6);
}

TEST_F(ExplainTest, BoostAndFreqShowInTheBreakdown) {
  auto e = ExplainOf(R"({"term":{"title":{"value":"red","boost":2.5}}})", "e");
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(Find(*e, "boost")->value, 2.5f);
  EXPECT_EQ(Find(*e, "freq, occurrences of term within document")->value, 2.0f);
  EXPECT_NE(Find(*e, "score(freq=2.0), computed as boost * idf * tf from:"), nullptr) << e->ToJson();
}

TEST_F(ExplainTest, NonMatchingDocIsExplainedWithValueZero) {
  auto e = ExplainOf(R"({"term":{"title":"red"}})", "b");
  ASSERT_TRUE(e.has_value());
  EXPECT_FALSE(e->match);
  EXPECT_EQ(e->value, 0.0f);
  EXPECT_EQ(e->description, "no matching term");
  EXPECT_FALSE(ExplainOf(R"({"term":{"title":"red"}})", "nope").has_value());
}

TEST_F(ExplainTest, DeletedDocHasNoExplanation) {
  index_.Delete("c");
  EXPECT_FALSE(ExplainOf(R"({"term":{"title":"red"}})", "c").has_value());
}

TEST_F(ExplainTest, MatchValuesEqualScores) {
  EXPECT_EQ(ExpectExplanationsEqualScores(R"({"match":{"title":"red shoes"}})"), 4u);
  EXPECT_EQ(ExpectExplanationsEqualScores(R"({"match":{"body":"red shoes running trail"}})"), 4u);
  EXPECT_GT(ExpectExplanationsEqualScores(R"({"match":{"title":{"query":"red running","operator":"and"}}})"), 0u);
  EXPECT_GT(ExpectExplanationsEqualScores(R"({"multi_match":{"query":"red shoes","fields":["title^2","body"]}})"), 0u);
}

TEST_F(ExplainTest, BoolWithMustShouldFilterAndMustNot) {
  const std::string dsl = R"({"bool":{"must":[{"match":{"title":"running"}}],
    "should":[{"match":{"body":"red"}},{"term":{"tags":"shoes"}}],
    "filter":[{"range":{"stock":{"gte":1}}}],"must_not":[{"term":{"tags":"hat"}}]}})";
  EXPECT_EQ(ExpectExplanationsEqualScores(dsl), 3u);  // a, d, e (b has stock 0)
  auto e = ExplainOf(dsl, "e");
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->description, "sum of:");
  EXPECT_NE(Find(*e, "match on required clause, product of:"), nullptr) << e->ToJson();
  auto b = ExplainOf(dsl, "b");
  ASSERT_TRUE(b.has_value());
  EXPECT_FALSE(b->match);
  EXPECT_EQ(b->value, 0.0f);
  EXPECT_EQ(b->description, "Failure to meet condition(s) of required/prohibited clause(s)");
}

TEST_F(ExplainTest, PhraseBreakdownSumsTheTermsIdf) {
  const std::string dsl = R"({"match_phrase":{"body":"red shoes"}})";
  EXPECT_EQ(ExpectExplanationsEqualScores(dsl), 1u);
  EXPECT_EQ(ExpectExplanationsEqualScores(R"({"match_phrase":{"body":{"query":"red laces","slop":2}}})"), 1u);
  auto e = ExplainOf(dsl, "e");
  ASSERT_TRUE(e.has_value());
  const Explanation* idf = Find(*e, "idf, sum of:");
  ASSERT_NE(idf, nullptr) << e->ToJson();
  ASSERT_EQ(idf->details.size(), 2u);
  EXPECT_EQ(idf->details[0].details[0].value, 2.0f);  // n of "red" in body: c, e
  EXPECT_EQ(idf->details[1].details[0].value, 3.0f);  // n of "shoes" in body: a, d, e
  EXPECT_NE(Find(*e, "phraseFreq=1.0"), nullptr);
  EXPECT_FALSE(ExplainOf(dsl, "a")->match);
}

TEST_F(ExplainTest, DisMaxConstantScoreAndFunctionScore) {
  const std::string dis_max = R"({"dis_max":{"tie_breaker":0.1,"queries":[
    {"match":{"title":"red shoes"}},{"match":{"body":"red shoes"}}]}})";
  EXPECT_EQ(ExpectExplanationsEqualScores(dis_max), 4u);
  EXPECT_EQ(ExplainOf(dis_max, "e")->description, "max plus 0.1 times others of:");

  const std::string constant = R"({"constant_score":{"filter":{"term":{"tags":"red"}},"boost":1.5}})";
  EXPECT_EQ(ExpectExplanationsEqualScores(constant), 2u);
  EXPECT_EQ(ExplainOf(constant, "a")->description, "ConstantScore(tags:red)^1.5");
  EXPECT_FALSE(ExplainOf(constant, "b")->match);

  for (const char* mode : {"multiply", "sum", "replace", "avg", "max", "min"}) {
    const std::string fs = std::string(R"({"function_score":{"query":{"match":{"title":"red"}},
      "field_value_factor":{"field":"stock","modifier":"ln2p","factor":1.2},"boost_mode":")") + mode +
                           R"(","boost":2}})";
    EXPECT_EQ(ExpectExplanationsEqualScores(fs), 3u) << mode;
    auto e = ExplainOf(fs, "c");
    ASSERT_TRUE(e.has_value());
    EXPECT_NE(Find(*e, "field value function: ln2p(doc['stock'].value * factor=1.2)"), nullptr) << e->ToJson();
  }
}

TEST_F(ExplainTest, OtherQueryTypesGiveTheirScore) {
  for (const char* dsl : {R"({"match_all":{"boost":3}})", R"({"prefix":{"title":"sho"}})",
                          R"({"terms":{"tags":["red","shoes"]}})", R"({"range":{"stock":{"gte":5}}})",
                          R"({"fuzzy":{"title":"shoez"}})", R"({"exists":{"field":"body"}})",
                          R"({"bool":{"filter":[{"term":{"tags":"red"}}]}})"}) {
    EXPECT_GT(ExpectExplanationsEqualScores(dsl), 0u) << dsl;
  }
}

TEST_F(ExplainTest, ExplanationJsonHasValueDescriptionDetails) {
  auto e = ExplainOf(R"({"term":{"tags":"hat"}})", "f");
  ASSERT_TRUE(e.has_value());
  const std::string json = e->ToJson();
  EXPECT_EQ(json.rfind(R"({"value":)", 0), 0u) << json;
  EXPECT_NE(json.find(R"("description":"weight(tags:hat in )"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("details":[{"value":)"), std::string::npos) << json;
}

TEST(ExplainIdfTest, CountsStayExactAndTheValueIsTheScorersIdf) {
  const Explanation e = ExplainBm25Idf(3, 20'000'001);  // not a float
  ASSERT_EQ(e.details.size(), 2u);
  EXPECT_EQ(e.details[0].value, 3.0);
  EXPECT_EQ(e.details[1].value, 20'000'001.0);
  EXPECT_EQ(e.value, Bm25Idf(3, 20'000'001));
  EXPECT_EQ(FormatFloat(2.0f), "2.0");
  EXPECT_EQ(FormatFloat(0.1f), "0.1");
}

// Explain searches score doc at a time; a search that does not keeps its
// bulk scorer, whose hits are the same docs.
TEST_F(ExplainTest, DocAtATimeFindsTheSameHits) {
  const std::string dsl = R"({"match":{"body":"red shoes running trail grip"}})";
  SearchOptions plain;
  plain.size = 100;
  SearchOptions explain = plain;
  explain.doc_at_a_time = true;
  SearchResult a = index_.Run(dsl, plain), b = index_.Run(dsl, explain);
  ASSERT_EQ(a.hits.size(), b.hits.size());
  for (size_t i = 0; i < a.hits.size(); ++i) {
    EXPECT_EQ(index_.IdOf(a.hits[i]), index_.IdOf(b.hits[i]));
    EXPECT_NEAR(a.hits[i].score, b.hits[i].score, 1e-5);
  }
}

}  // namespace
}  // namespace holdfast::search
