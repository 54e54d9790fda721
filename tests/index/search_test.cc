// index/search/: BM25 against a hand computation, segment-count invariance,
// every query type of the DSL on a small fixed corpus, deletions.
#include <gtest/gtest.h>

#include <cmath>

#include "index/search/bm25.h"
#include "index/search/function_score_query.h"
#include "index/search/minimum_should_match.h"
#include "tests/index/search_test_util.h"

namespace holdfast::search {
namespace {

using testing::Ids;
using testing::SearchIndex;

constexpr char kMapping[] = R"({"properties":{
  "title":{"type":"text"},
  "tags":{"type":"keyword"},
  "price":{"type":"double"},
  "stock":{"type":"long"},
  "sale":{"type":"boolean"},
  "added":{"type":"date"},
  "rating":{"type":"long"}}})";

// Six docs; doc order a..f.
void AddCorpus(SearchIndex* index, int segments) {
  const std::pair<const char*, const char*> docs[] = {
      {"a", R"({"title":"red running shoes","tags":["shoes","red"],"price":50.0,"stock":10,"sale":true,"added":"2020-01-01","rating":5})"},
      {"b", R"({"title":"blue running shorts","tags":["shorts","blue"],"price":25.5,"stock":0,"sale":false,"added":"2021-06-15","rating":3})"},
      {"c", R"({"title":"red wool socks","tags":["socks","red"],"price":9.99,"stock":100,"sale":true,"added":"2022-03-01"})"},
      {"d", R"({"title":"shoes for trail running","tags":["shoes"],"price":120.0,"stock":5,"sale":false,"added":"2019-12-31","rating":4})"},
      {"e", R"({"title":"running red shoes red","price":-1.0,"added":"2023-01-01T10:00:00Z","rating":1})"},
      {"f", R"({"tags":["hat"],"stock":7})"},
  };
  const size_t n = std::size(docs);
  size_t next_segment = 1;
  for (size_t i = 0; i < n; ++i) {
    index->Add(docs[i].first, docs[i].second);
    if (i + 1 == next_segment * n / segments) {  // 4 segments: 1, 2, 1, 2 docs
      index->Flush();
      ++next_segment;
    }
  }
  index->Flush();
}

class SearchQueryTest : public ::testing::Test {
 protected:
  void SetUp() override { AddCorpus(&index_, 1); }
  SearchIndex index_{kMapping};
};

// --- BM25 -------------------------------------------------------------------

TEST(Bm25Test, ScoresEqualHandComputedReference) {
  SearchIndex index(R"({"properties":{"body":{"type":"text"}}})");
  index.Add("0", R"({"body":"the quick fox"})");                // 3 tokens
  index.Add("1", R"({"body":"quick quick brown dog jumps"})");  // 5 tokens
  index.Add("2", R"({"body":"lazy dog"})");                     // 2 tokens
  index.Add("3", R"({"body":"fox"})");                          // 1 token
  index.Flush();
  // N = 4 docs with the field, sum of lengths = 11, avgdl = 2.75.
  // Lengths below 32 are exact in the norm byte.
  const double n = 4, avgdl = 11.0 / 4, k1 = 1.2, b = 0.75;
  auto idf = [&](double df) { return std::log(1 + (n - df + 0.5) / (df + 0.5)); };
  auto bm25 = [&](double df, double freq, double dl) {
    return idf(df) * freq / (freq + k1 * (1 - b + b * dl / avgdl));
  };
  // "quick": df 2, in doc 0 (freq 1, dl 3) and doc 1 (freq 2, dl 5).
  // idf = ln(1 + 2.5 / 2.5) = ln 2.
  EXPECT_NEAR(idf(2), 0.693147, 1e-6);
  SearchResult r = index.Run(R"({"match":{"body":"quick"}})");
  ASSERT_EQ(r.hits.size(), 2u);
  EXPECT_EQ(index.IdOf(r.hits[0]), "1");
  EXPECT_NEAR(r.hits[0].score, bm25(2, 2, 5), 1e-5);  // 0.693147 * 2 / (2 + 1.2 * 1.613636) = 0.352176
  EXPECT_NEAR(r.hits[0].score, 0.352176, 1e-5);
  EXPECT_EQ(index.IdOf(r.hits[1]), "0");
  EXPECT_NEAR(r.hits[1].score, bm25(2, 1, 3), 1e-5);  // 0.693147 / (1 + 1.2 * 1.068182) = 0.303770
  EXPECT_NEAR(r.hits[1].score, 0.303770, 1e-5);

  // "quick fox": doc 0 sums both terms; doc 3 has fox with dl 1.
  r = index.Run(R"({"match":{"body":"quick fox"}})");
  ASSERT_EQ(r.hits.size(), 3u);
  std::map<std::string, float> got;
  for (const auto& h : r.hits) got[index.IdOf(h)] = h.score;
  EXPECT_NEAR(got["0"], bm25(2, 1, 3) + bm25(2, 1, 3), 1e-5);
  EXPECT_NEAR(got["1"], bm25(2, 2, 5), 1e-5);
  EXPECT_NEAR(got["3"], bm25(2, 1, 1), 1e-5);
  EXPECT_EQ(r.total, 3u);
  EXPECT_EQ(r.total_relation, "eq");
  EXPECT_FLOAT_EQ(*r.max_score, r.hits[0].score);

  // A boost multiplies the score.
  r = index.Run(R"({"match":{"body":{"query":"fox","boost":2.5}}})");
  ASSERT_EQ(r.hits.size(), 2u);
  EXPECT_NEAR(r.hits[0].score, 2.5 * bm25(2, 1, 1), 1e-5);
}

TEST(Bm25Test, SameScoresWithOneOrFourSegments) {
  SearchIndex one(kMapping), four(kMapping);
  AddCorpus(&one, 1);
  AddCorpus(&four, 4);
  ASSERT_EQ(one.snapshot().readers.size(), 1u);
  ASSERT_EQ(four.snapshot().readers.size(), 4u);
  const char* queries[] = {
      R"({"match":{"title":"red shoes running"}})",
      R"({"match":{"title":{"query":"red shoes","operator":"and"}}})",
      R"({"match_phrase":{"title":{"query":"running shoes","slop":2}}})",
      R"({"fuzzy":{"title":"shoos"}})",
      R"({"multi_match":{"query":"red shoes","fields":["title^3","tags"]}})",
      R"({"bool":{"should":[{"match":{"title":"red"}},{"term":{"tags":"shoes"}}],"filter":[{"range":{"price":{"gte":0}}}]}})",
      R"({"function_score":{"query":{"match":{"title":"running"}},"field_value_factor":{"field":"rating","modifier":"log1p","missing":1}}})",
  };
  for (const char* q : queries) {
    SearchResult a = one.Run(q), b = four.Run(q);
    ASSERT_EQ(a.hits.size(), b.hits.size()) << q;
    EXPECT_EQ(a.total, b.total) << q;
    for (size_t i = 0; i < a.hits.size(); ++i) {
      EXPECT_EQ(one.IdOf(a.hits[i]), four.IdOf(b.hits[i])) << q << " rank " << i;
      EXPECT_EQ(a.hits[i].score, b.hits[i].score) << q << " rank " << i;
    }
  }
}

// --- Query types ------------------------------------------------------------

TEST_F(SearchQueryTest, MatchAllAndNone) {
  EXPECT_EQ(index_.IdSet(R"({"match_all":{}})"), (Ids{"a", "b", "c", "d", "e", "f"}));
  SearchResult r = index_.Run(R"({"match_all":{"boost":1.5}})");
  EXPECT_EQ(r.hits[0].score, 1.5f);
  EXPECT_TRUE(index_.Ids(R"({"match_none":{}})").empty());
}

TEST_F(SearchQueryTest, TermOnEveryFieldType) {
  EXPECT_EQ(index_.IdSet(R"({"term":{"tags":"red"}})"), (Ids{"a", "c"}));
  EXPECT_EQ(index_.IdSet(R"({"term":{"title":"running"}})"), (Ids{"a", "b", "d", "e"}));
  EXPECT_EQ(index_.IdSet(R"({"term":{"title":"Running"}})"), Ids{});  // terms are not analyzed
  EXPECT_EQ(index_.Ids(R"({"term":{"stock":5}})"), Ids{"d"});
  EXPECT_EQ(index_.Ids(R"({"term":{"stock":"5"}})"), Ids{"d"});
  EXPECT_EQ(index_.Ids(R"({"term":{"price":25.5}})"), Ids{"b"});
  EXPECT_EQ(index_.IdSet(R"({"term":{"sale":true}})"), (Ids{"a", "c"}));
  EXPECT_EQ(index_.IdSet(R"({"term":{"sale":{"value":"false"}}})"), (Ids{"b", "d"}));
  EXPECT_EQ(index_.Ids(R"({"term":{"added":"2019-12-31"}})"), Ids{"d"});
  EXPECT_TRUE(index_.Ids(R"({"term":{"nope":"x"}})").empty());  // unmapped: no match
  // Numeric term queries score the boost.
  SearchResult r = index_.Run(R"({"term":{"stock":{"value":5,"boost":2}}})");
  ASSERT_EQ(r.hits.size(), 1u);
  EXPECT_EQ(r.hits[0].score, 2.0f);
}

TEST_F(SearchQueryTest, Terms) {
  EXPECT_EQ(index_.IdSet(R"({"terms":{"tags":["red","hat","nope"]}})"), (Ids{"a", "c", "f"}));
  EXPECT_EQ(index_.IdSet(R"({"terms":{"stock":[0,7]}})"), (Ids{"b", "f"}));
  SearchResult r = index_.Run(R"({"terms":{"tags":["red"],"boost":3}})");
  ASSERT_EQ(r.hits.size(), 2u);
  EXPECT_EQ(r.hits[0].score, 3.0f);
}

TEST_F(SearchQueryTest, MatchOperatorsAndMinimumShouldMatch) {
  EXPECT_EQ(index_.IdSet(R"({"match":{"title":"Red SHOES"}})"), (Ids{"a", "c", "d", "e"}));
  EXPECT_EQ(index_.IdSet(R"({"match":{"title":{"query":"red shoes","operator":"and"}}})"), (Ids{"a", "e"}));
  EXPECT_EQ(index_.IdSet(R"({"match":{"title":{"query":"red shoes running","minimum_should_match":2}}})"),
            (Ids{"a", "d", "e"}));
  EXPECT_EQ(index_.IdSet(R"({"match":{"title":{"query":"red shoes running","minimum_should_match":"-1"}}})"),
            (Ids{"a", "d", "e"}));
  EXPECT_EQ(index_.IdSet(R"({"match":{"title":{"query":"red shoes running","minimum_should_match":"100%"}}})"),
            (Ids{"a", "e"}));
  EXPECT_EQ(index_.IdSet(R"({"match":{"title":{"query":"red shoes running","minimum_should_match":"50%"}}})"),
            (Ids{"a", "b", "c", "d", "e"}));  // floor(1.5) = 1
  // Scores order: e has "red" twice.
  EXPECT_EQ(index_.Ids(R"({"match":{"title":"red"}})"), (Ids{"e", "a", "c"}));
  // Non-text fields: the whole text is one exact value.
  EXPECT_EQ(index_.Ids(R"({"match":{"tags":"hat"}})"), Ids{"f"});
  EXPECT_EQ(index_.Ids(R"({"match":{"stock":"100"}})"), Ids{"c"});
  EXPECT_TRUE(index_.Ids(R"({"match":{"title":"!!!"}})").empty());  // no tokens
}

TEST(MinimumShouldMatchTest, ResolvesLikeElasticsearch) {
  EXPECT_EQ(ResolveMinimumShouldMatch("2", 5), 2);
  EXPECT_EQ(ResolveMinimumShouldMatch("-2", 5), 3);
  EXPECT_EQ(ResolveMinimumShouldMatch("75%", 5), 3);   // floor(3.75)
  EXPECT_EQ(ResolveMinimumShouldMatch("-25%", 5), 4);  // 5 - floor(1.25)
  EXPECT_EQ(ResolveMinimumShouldMatch("-10", 5), 0);
  EXPECT_EQ(ResolveMinimumShouldMatch("x", 5), std::nullopt);
}

TEST_F(SearchQueryTest, MultiMatchBestFieldsWithBoosts) {
  // title^3 dominates: e (red twice in title) first; f has no title or red tag.
  SearchResult r = index_.Run(R"({"multi_match":{"query":"red","fields":["title^3","tags"]}})");
  std::vector<std::string> ids;
  for (const auto& h : r.hits) ids.push_back(index_.IdOf(h));
  EXPECT_EQ(ids, (Ids{"e", "a", "c"}));
  // best_fields takes the best field's score, not the sum.
  SearchResult title = index_.Run(R"({"match":{"title":{"query":"red","boost":3}}})");
  EXPECT_EQ(r.hits[1].score, title.hits[1].score);
  // most_fields sums them.
  SearchResult most = index_.Run(R"({"multi_match":{"query":"red","fields":["title^3","tags"],"type":"most_fields"}})");
  EXPECT_GT(most.hits[0].score + 0.0f, 0.0f);
  SearchResult tags = index_.Run(R"({"term":{"tags":"red"}})");
  float a_most = 0;
  for (const auto& h : most.hits) if (index_.IdOf(h) == "a") a_most = h.score;
  EXPECT_NEAR(a_most, title.hits[1].score + tags.hits[0].score, 1e-5);
}

TEST_F(SearchQueryTest, PhraseWithAndWithoutSlop) {
  EXPECT_EQ(index_.Ids(R"({"match_phrase":{"title":"running shoes"}})"), Ids{"a"});
  EXPECT_EQ(index_.Ids(R"({"match_phrase":{"title":{"query":"running shoes","slop":1}}})"), (Ids{"a", "e"}));
  EXPECT_EQ(index_.IdSet(R"({"match_phrase":{"title":{"query":"running shoes","slop":3}}})"), (Ids{"a", "e"}));
  // d: "shoes for trail running" needs the terms swapped: 4 moves.
  EXPECT_EQ(index_.IdSet(R"({"match_phrase":{"title":{"query":"running shoes","slop":4}}})"), (Ids{"a", "d", "e"}));
  EXPECT_TRUE(index_.Ids(R"({"match_phrase":{"title":"shoes running"}})").empty());
  EXPECT_EQ(index_.Ids(R"({"match_phrase":{"title":"red running shoes"}})"), Ids{"a"});
}

TEST_F(SearchQueryTest, PrefixExpandsTerms) {
  EXPECT_EQ(index_.IdSet(R"({"prefix":{"title":"sho"}})"), (Ids{"a", "b", "d", "e"}));
  EXPECT_EQ(index_.IdSet(R"({"prefix":{"tags":{"value":"s"}}})"), (Ids{"a", "b", "c", "d"}));
  SearchResult r = index_.Run(R"({"prefix":{"title":{"value":"sho","boost":2}}})");
  for (const auto& h : r.hits) EXPECT_EQ(h.score, 2.0f);  // constant score
  EXPECT_TRUE(index_.Ids(R"({"prefix":{"title":"zz"}})").empty());
}

TEST_F(SearchQueryTest, FuzzyEditDistances) {
  EXPECT_EQ(index_.IdSet(R"({"fuzzy":{"title":"shoos"}})"), (Ids{"a", "d", "e"}));  // AUTO: 1 edit
  EXPECT_EQ(index_.IdSet(R"({"fuzzy":{"title":{"value":"shoos","fuzziness":2}}})"), (Ids{"a", "b", "d", "e"}));
  EXPECT_EQ(index_.IdSet(R"({"fuzzy":{"title":{"value":"sohes","fuzziness":1}}})"), (Ids{"a", "d", "e"}));
  EXPECT_TRUE(index_.Ids(R"({"fuzzy":{"title":{"value":"sohes","fuzziness":1,"transpositions":false}}})").empty());
  EXPECT_TRUE(index_.Ids(R"({"fuzzy":{"title":{"value":"shoos","fuzziness":1,"prefix_length":4}}})").empty());
  EXPECT_TRUE(index_.Ids(R"({"fuzzy":{"title":"rad"}})").size() == 3u);  // red: 1 edit for 3 chars
  EXPECT_TRUE(index_.Ids(R"({"fuzzy":{"tags":"rd"}})").empty());  // AUTO: 0 edits for 2 chars
  // An exact term scores above a 1-edit variant of equal doc freq.
  SearchResult r = index_.Run(R"({"fuzzy":{"title":{"value":"shorts","fuzziness":2}}})");
  ASSERT_FALSE(r.hits.empty());
  EXPECT_EQ(index_.IdOf(r.hits[0]), "b");
  EXPECT_EQ(index_.Ids(R"({"match":{"title":{"query":"wol","fuzziness":"AUTO"}}})"), Ids{"c"});
}

TEST_F(SearchQueryTest, RangesOnLongDoubleDateAndKeyword) {
  EXPECT_EQ(index_.IdSet(R"({"range":{"stock":{"gte":5,"lt":100}}})"), (Ids{"a", "d", "f"}));
  EXPECT_EQ(index_.IdSet(R"({"range":{"stock":{"gt":5}}})"), (Ids{"a", "c", "f"}));
  EXPECT_EQ(index_.IdSet(R"({"range":{"stock":{"gt":4.5,"lte":"7"}}})"), (Ids{"d", "f"}));
  EXPECT_EQ(index_.IdSet(R"({"range":{"price":{"gt":25.5}}})"), (Ids{"a", "d"}));
  EXPECT_EQ(index_.IdSet(R"({"range":{"price":{"gte":25.5}}})"), (Ids{"a", "b", "d"}));
  EXPECT_EQ(index_.IdSet(R"({"range":{"price":{"lt":0}}})"), Ids{"e"});
  EXPECT_EQ(index_.IdSet(R"({"range":{"added":{"gte":"2020-01-01","lt":"2022-03-01"}}})"), (Ids{"a", "b"}));
  EXPECT_EQ(index_.IdSet(R"({"range":{"added":{"gt":"2022-03-01"}}})"), Ids{"e"});
  EXPECT_EQ(index_.IdSet(R"({"range":{"added":{"lte":1577836800000}}})"), (Ids{"a", "d"}));  // epoch millis
  EXPECT_EQ(index_.IdSet(R"({"range":{"added":{"gte":"2022/01/01","format":"yyyy/MM/dd"}}})"), (Ids{"c", "e"}));
  EXPECT_EQ(index_.IdSet(R"({"range":{"tags":{"gte":"s","lt":"sock"}}})"), (Ids{"a", "b", "d"}));
  EXPECT_EQ(index_.IdSet(R"({"range":{"tags":{"gt":"shoes","lte":"socks"}}})"), (Ids{"b", "c"}));
  EXPECT_EQ(index_.IdSet(R"({"range":{"stock":{"from":0,"to":5,"include_lower":false}}})"), Ids{"d"});
}

TEST_F(SearchQueryTest, Exists) {
  EXPECT_EQ(index_.IdSet(R"({"exists":{"field":"rating"}})"), (Ids{"a", "b", "d", "e"}));
  EXPECT_EQ(index_.IdSet(R"({"exists":{"field":"title"}})"), (Ids{"a", "b", "c", "d", "e"}));
  EXPECT_EQ(index_.IdSet(R"({"exists":{"field":"tags"}})"), (Ids{"a", "b", "c", "d", "f"}));
  EXPECT_EQ(index_.IdSet(R"({"exists":{"field":"sale"}})"), (Ids{"a", "b", "c", "d"}));
  EXPECT_TRUE(index_.Ids(R"({"exists":{"field":"nope"}})").empty());
}

TEST_F(SearchQueryTest, BoolCombinations) {
  EXPECT_EQ(index_.IdSet(R"({"bool":{"must":{"match":{"title":"running"}},
      "filter":[{"range":{"price":{"lt":100}}}],"must_not":[{"term":{"tags":"red"}}]}})"),
            (Ids{"b", "e"}));
  EXPECT_EQ(index_.IdSet(R"({"bool":{"must_not":{"term":{"tags":"red"}}}})"), (Ids{"b", "d", "e", "f"}));
  EXPECT_EQ(index_.IdSet(R"({"bool":{"should":[{"term":{"tags":"red"}},{"term":{"tags":"hat"}},
      {"term":{"sale":false}}],"minimum_should_match":2}})"),
            Ids{});
  EXPECT_EQ(index_.IdSet(R"({"bool":{"should":[{"term":{"tags":"red"}},{"term":{"sale":true}},
      {"term":{"tags":"shoes"}}],"minimum_should_match":2}})"),
            (Ids{"a", "c"}));
  // With a must, should clauses are optional and only add score.
  SearchResult r = index_.Run(R"({"bool":{"must":{"term":{"title":"running"}},"should":{"term":{"tags":"red"}}}})");
  ASSERT_EQ(r.hits.size(), 4u);
  EXPECT_EQ(index_.IdOf(r.hits[0]), "a");
  // Filters do not score.
  r = index_.Run(R"({"bool":{"filter":{"term":{"tags":"red"}}}})");
  ASSERT_EQ(r.hits.size(), 2u);
  EXPECT_EQ(r.hits[0].score, 0.0f);
  // minimum_should_match above the clause count matches nothing.
  EXPECT_TRUE(index_.Ids(R"({"bool":{"should":[{"term":{"tags":"red"}}],"minimum_should_match":2}})").empty());
  // Nested bools and boosts.
  SearchResult plain = index_.Run(R"({"term":{"tags":"hat"}})");
  SearchResult boosted = index_.Run(R"({"bool":{"should":[{"bool":{"must":[{"term":{"tags":"hat"}}]}}],"boost":4}})");
  ASSERT_EQ(boosted.hits.size(), 1u);
  EXPECT_NEAR(boosted.hits[0].score, 4 * plain.hits[0].score, 1e-6);
}

TEST_F(SearchQueryTest, ConstantScoreAndDisMax) {
  SearchResult r = index_.Run(R"({"constant_score":{"filter":{"match":{"title":"red"}},"boost":3}})");
  ASSERT_EQ(r.hits.size(), 3u);
  for (const auto& h : r.hits) EXPECT_EQ(h.score, 3.0f);
  SearchResult dm = index_.Run(R"({"dis_max":{"queries":[{"term":{"tags":"red"}},{"match":{"title":"red"}}],"tie_breaker":0.5}})");
  SearchResult t = index_.Run(R"({"term":{"tags":"red"}})");
  SearchResult m = index_.Run(R"({"match":{"title":"red"}})");
  float a_tag = t.hits[0].score, a_title = 0;
  for (const auto& h : m.hits) if (index_.IdOf(h) == "a") a_title = h.score;
  for (const auto& h : dm.hits) {
    if (index_.IdOf(h) == "a") {
      EXPECT_NEAR(h.score, std::max(a_tag, a_title) + 0.5f * std::min(a_tag, a_title), 1e-5);
    }
  }
}

TEST(FunctionScoreTest, Modifiers) {
  using M = FieldValueModifier;
  EXPECT_DOUBLE_EQ(ApplyFieldValueFactor(4, 2.5, M::kNone), 10);
  EXPECT_DOUBLE_EQ(ApplyFieldValueFactor(4, 2.5, M::kLog), 1);
  EXPECT_DOUBLE_EQ(ApplyFieldValueFactor(9, 1, M::kLog1p), 1);
  EXPECT_DOUBLE_EQ(ApplyFieldValueFactor(98, 1, M::kLog2p), 2);
  EXPECT_DOUBLE_EQ(ApplyFieldValueFactor(std::exp(1.0), 1, M::kLn), 1);
  EXPECT_DOUBLE_EQ(ApplyFieldValueFactor(std::exp(1.0) - 1, 1, M::kLn1p), 1);
  EXPECT_DOUBLE_EQ(ApplyFieldValueFactor(std::exp(1.0) - 2, 1, M::kLn2p), 1);
  EXPECT_DOUBLE_EQ(ApplyFieldValueFactor(3, 1, M::kSquare), 9);
  EXPECT_DOUBLE_EQ(ApplyFieldValueFactor(16, 1, M::kSqrt), 4);
  EXPECT_DOUBLE_EQ(ApplyFieldValueFactor(4, 1, M::kReciprocal), 0.25);
}

TEST_F(SearchQueryTest, FunctionScoreFieldValueFactor) {
  // replace: the score is the rating; c and f miss it (missing 0).
  EXPECT_EQ(index_.Ids(R"({"function_score":{"field_value_factor":{"field":"rating","missing":0},
      "boost_mode":"replace"}})"),
            (Ids{"a", "d", "b", "e", "c", "f"}));
  SearchResult r = index_.Run(R"({"function_score":{"query":{"term":{"tags":"shoes"}},
      "field_value_factor":{"field":"rating","factor":2,"modifier":"log1p"},"boost_mode":"multiply"}})");
  SearchResult base = index_.Run(R"({"term":{"tags":"shoes"}})");
  ASSERT_EQ(r.hits.size(), 2u);
  EXPECT_EQ(index_.IdOf(r.hits[0]), "a");  // rating 5 > 4, same tf-idf
  EXPECT_NEAR(r.hits[0].score, base.hits[0].score * std::log10(2 * 5 + 1), 1e-5);
  EXPECT_NEAR(r.hits[1].score, base.hits[1].score * std::log10(2 * 4 + 1), 1e-5);
  r = index_.Run(R"({"function_score":{"query":{"term":{"tags":"shoes"}},
      "functions":[{"field_value_factor":{"field":"rating"}}],"boost_mode":"sum","boost":2}})");
  EXPECT_NEAR(r.hits[0].score, 2 * (base.hits[0].score + 5), 1e-5);
  r = index_.Run(R"({"function_score":{"field_value_factor":{"field":"price","modifier":"sqrt"},"boost_mode":"min",
      "query":{"term":{"tags":"shoes"}}}})");
  EXPECT_NEAR(r.hits[0].score, std::min(base.hits[0].score, 1.0f * static_cast<float>(std::sqrt(50.0))), 1e-5);
  r = index_.Run(R"({"function_score":{"field_value_factor":{"field":"stock"},"boost_mode":"avg"}})");
  // match_all scores 1; c has stock 100 → (1 + 100) / 2.
  EXPECT_EQ(index_.IdOf(r.hits[0]), "c");
  EXPECT_NEAR(r.hits[0].score, 50.5, 1e-5);
  r = index_.Run(R"({"function_score":{"field_value_factor":{"field":"stock","modifier":"reciprocal","missing":1},"boost_mode":"max"}})");
  EXPECT_NEAR(r.hits[0].score, 1.0, 1e-6);
}

TEST_F(SearchQueryTest, DeletedDocsAreNeverReturned) {
  index_.Delete("a");
  index_.Delete("e");
  EXPECT_EQ(index_.IdSet(R"({"term":{"tags":"red"}})"), Ids{"c"});
  EXPECT_EQ(index_.IdSet(R"({"match":{"title":"red shoes"}})"), (Ids{"c", "d"}));
  EXPECT_EQ(index_.IdSet(R"({"match_all":{}})"), (Ids{"b", "c", "d", "f"}));
  SearchResult r = index_.Run(R"({"match":{"title":"red shoes running"}})");
  EXPECT_EQ(r.total, 3u);
  auto q = index_.ParseQuery(R"({"term":{"tags":"red"}})");
  ASSERT_TRUE(q.ok());
  auto stats = index_.Stats();
  auto n = Count(index_.snapshot(), *q.value(), stats);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n.value(), 1u);
}

TEST_F(SearchQueryTest, PagingMinScoreAndTotals) {
  SearchOptions o;
  o.size = 2;
  o.from = 1;
  SearchResult all = index_.Run(R"({"match":{"title":"red shoes running"}})", SearchOptions{.size = 10, .from = 0, .track_total_hits = kDefaultTrackTotalHits, .min_score = std::nullopt});
  SearchResult page = index_.Run(R"({"match":{"title":"red shoes running"}})", o);
  ASSERT_EQ(page.hits.size(), 2u);
  EXPECT_EQ(page.hits[0], all.hits[1]);
  EXPECT_EQ(page.hits[1], all.hits[2]);
  EXPECT_EQ(page.total, all.total);
  SearchOptions ms;
  ms.min_score = all.hits[1].score;
  SearchResult above = index_.Run(R"({"match":{"title":"red shoes running"}})", ms);
  EXPECT_EQ(above.total, 2u);
  SearchOptions few;
  few.track_total_hits = 2;
  SearchResult gte = index_.Run(R"({"match":{"title":"red shoes running"}})", few);
  EXPECT_EQ(gte.total, 2u);
  EXPECT_EQ(gte.total_relation, "gte");
  EXPECT_EQ(gte.hits, all.hits);
  SearchOptions count_only;
  count_only.size = 0;
  count_only.track_total_hits = kExactTotalHits;
  SearchResult c = index_.Run(R"({"match":{"title":"red shoes running"}})", count_only);
  EXPECT_EQ(c.total, 5u);
  EXPECT_TRUE(c.hits.empty());
}

}  // namespace
}  // namespace holdfast::search
