// Sorting by fields (TopFieldCollector), sort specs and search_after.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <tuple>

#include "index/search/search_after.h"
#include "index/search/sort_spec.h"
#include "index/search/top_field_collector.h"
#include "tests/index/search_extras_fixture.h"

namespace holdfast::search {
namespace {

using testing::Corpus;
using testing::Doc;
using testing::ErrorKind;
using testing::MatchAll;

const std::vector<Doc> kDocs = {
    {"d1", R"({"tags":["m","b"],"price":5,"stock":10,"added":"2020-01-02"})"},
    {"d2", R"({"tags":"z","price":[7.5,70],"stock":3,"added":"2019-05-01"})"},
    {"d3", R"({"tags":"a","price":-2.25,"added":"2021-03-04T10:00:00Z"})"},
    {"d4", R"({"tags":["k","q"],"price":30,"stock":-4})"},
    {"d5", R"({"price":12,"stock":3,"added":"2020-01-01"})"},
    {"d6", R"({"tags":"c","stock":[8,1],"added":"2022-12-31"})"},
    {"d7", R"({"tags":"b","price":0.5,"stock":3})"},
};

class SortTest : public ::testing::Test {
 protected:
  SortSpec Spec(const std::string& json) {
    auto spec = ParseSortSpec(json, corpus_.mapping());
    EXPECT_TRUE(spec.ok()) << spec.status().ToString();
    return spec.ok() ? spec.value() : SortSpec{};
  }

  TopFieldDocs Run(const SortSpec& spec, uint32_t from, uint32_t size, std::vector<SortValue> after = {}) {
    TopFieldCollector collector(spec, from, size, std::move(after));
    MatchAll(corpus_.Views(), &collector);
    return collector.Finish();
  }

  std::vector<std::string> IdsOf(const TopFieldDocs& docs) {
    std::vector<std::string> ids;
    for (const FieldHit& h : docs.hits) ids.push_back(corpus_.Id(h.segment, h.doc));
    return ids;
  }

  std::vector<std::string> Sorted(const std::string& json, size_t segments = 3) {
    corpus_.AddSplit(kDocs, segments);
    return IdsOf(Run(Spec(json), 0, 100));
  }

  static std::string SortJson(const SortSpec& spec, const FieldHit& hit) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    WriteSortValues(spec, hit.sort_values, &writer);
    return buffer.GetString();
  }

  Corpus corpus_;
};

using Ids = std::vector<std::string>;

TEST_F(SortTest, LongAscendingUsesMinOfMultiValuedAndMissingLast) {
  // d6 has [8, 1] → 1; ties (3) break by index order; d3 has no stock.
  EXPECT_EQ(Sorted(R"({"stock":"asc"})"), (Ids{"d4", "d6", "d2", "d5", "d7", "d1", "d3"}));
}

TEST_F(SortTest, LongDescendingUsesMaxOfMultiValued) {
  EXPECT_EQ(Sorted(R"([{"stock":{"order":"desc"}}])"), (Ids{"d1", "d6", "d2", "d5", "d7", "d4", "d3"}));
}

TEST_F(SortTest, ExplicitModeOverridesTheOrderDefault) {
  EXPECT_EQ(Sorted(R"([{"stock":{"mode":"min","order":"desc"}}])"), (Ids{"d1", "d2", "d5", "d7", "d6", "d4", "d3"}));
}

TEST_F(SortTest, DoubleBothOrdersWithNegativeValues) {
  EXPECT_EQ(Sorted(R"("price")"), (Ids{"d3", "d7", "d1", "d2", "d5", "d4", "d6"}));
  corpus_.Reset();
  // d2 = [7.5, 70] sorts by 70 descending.
  EXPECT_EQ(Sorted(R"({"price":"desc"})"), (Ids{"d2", "d4", "d5", "d1", "d7", "d3", "d6"}));
}

TEST_F(SortTest, DateAscendingAndMissingFirst) {
  EXPECT_EQ(Sorted(R"({"added":{"order":"asc","missing":"_first"}})"),
            (Ids{"d4", "d7", "d2", "d5", "d1", "d3", "d6"}));
}

TEST_F(SortTest, KeywordComparesTermBytesAcrossSegments) {
  // Split so that each segment numbers its own ordinals from 0.
  for (size_t segments : {1, 3, 7}) {
    corpus_.Reset();
    EXPECT_EQ(Sorted(R"({"tags":"asc"})", segments), (Ids{"d3", "d1", "d7", "d6", "d4", "d2", "d5"}))
        << segments << " segments";
    corpus_.Reset();
    // desc by each doc's max term: d2 z, d4 q, d1 m, d6 c, d7 b, d3 a.
    EXPECT_EQ(Sorted(R"({"tags":"desc"})", segments), (Ids{"d2", "d4", "d1", "d6", "d7", "d3", "d5"}))
        << segments << " segments";
  }
}

TEST_F(SortTest, MultiKeySort) {
  EXPECT_EQ(Sorted(R"([{"stock":"desc"}, {"price":{"order":"asc","missing":"_first"}}, "_doc"])"),
            (Ids{"d1", "d6", "d7", "d2", "d5", "d4", "d3"}));
}

TEST_F(SortTest, UnknownFieldIsMissingEverywhere) {
  EXPECT_EQ(Sorted(R"([{"nope":"desc"}, "_doc"])"), (Ids{"d1", "d2", "d3", "d4", "d5", "d6", "d7"}));
}

TEST_F(SortTest, ScoreKeyNeedsScores) {
  EXPECT_TRUE(Spec(R"(["_score"])").NeedsScores());
  EXPECT_TRUE(Spec(R"(["_score"])").keys[0].descending);
  EXPECT_FALSE(Spec(R"(["price", "_doc"])").NeedsScores());
}

TEST_F(SortTest, FromSkipsAndTotalCountsAll) {
  corpus_.AddSplit(kDocs, 2);
  TopFieldDocs page = Run(Spec(R"({"stock":"asc"})"), 2, 3);
  EXPECT_EQ(page.total_hits, 7u);
  EXPECT_EQ(IdsOf(page), (Ids{"d2", "d5", "d7"}));
}

TEST_F(SortTest, DeletedDocsAreNotSorted) {
  corpus_.AddSplit(kDocs, 2);
  corpus_.Delete("d6");
  corpus_.Delete("d2");
  EXPECT_EQ(IdsOf(Run(Spec(R"({"stock":"asc"})"), 0, 10)), (Ids{"d4", "d5", "d7", "d1", "d3"}));
}

TEST_F(SortTest, SortValuesRenderLikeElasticsearch) {
  corpus_.AddSplit(kDocs, 2);
  SortSpec spec = Spec(R"(["price", {"tags":"desc"}, "added", "stock", "_doc"])");
  TopFieldDocs top = Run(spec, 0, 10);
  ASSERT_EQ(top.hits.size(), 7u);
  EXPECT_EQ(SortJson(spec, top.hits[0]), R"([-2.25,"a",1614852000000,null,2])");  // d3: segment 0, doc 2
  EXPECT_EQ(SortJson(spec, top.hits[6]), R"([null,"c",1672444800000,1,4294967298])");  // d6: segment 1, doc 2
  SortSpec score = Spec(R"(["_score"])");
  FieldHit hit{0, 0, 0, {SortValue{false, 0, 0.2876821f, ""}}};
  EXPECT_EQ(SortJson(score, hit), "[0.2876821]");
}

TEST_F(SortTest, SearchAfterPagesThroughEveryDocOnceInOrder) {
  for (const char* sort : {R"([{"stock":"desc"}, "_doc"])", R"([{"tags":"asc"}, {"price":"desc"}, "_doc"])",
                           R"([{"added":{"order":"desc","missing":"_first"}}, "_doc"])"}) {
    corpus_.Reset();
    corpus_.AddSplit(kDocs, 3);
    SortSpec spec = Spec(sort);
    Ids all = IdsOf(Run(spec, 0, 100));
    ASSERT_EQ(all.size(), 7u);
    Ids paged;
    std::vector<SortValue> after;
    for (int page = 0; page < 10; ++page) {
      TopFieldDocs docs = Run(spec, 0, 2, after);
      if (docs.hits.empty()) break;
      EXPECT_EQ(docs.total_hits, 7u);
      for (const std::string& id : IdsOf(docs)) paged.push_back(id);
      // Round trip through JSON, as a client would send the values back.
      auto parsed = ParseSearchAfter(SortJson(spec, docs.hits.back()), spec);
      ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
      EXPECT_EQ(parsed.value(), docs.hits.back().sort_values);
      after = parsed.value();
    }
    EXPECT_EQ(paged, all) << sort;
  }
}

TEST_F(SortTest, SearchAfterSkipsTiesWithTheGivenValues) {
  corpus_.AddSplit(kDocs, 2);
  SortSpec spec = Spec(R"({"stock":"asc"})");
  auto after = ParseSearchAfter("[3]", spec);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(IdsOf(Run(spec, 0, 10, after.value())), (Ids{"d1", "d3"}));
}

TEST_F(SortTest, MergingShardResultsMatchesOneCollector) {
  corpus_.AddSplit(kDocs, 4);
  SortSpec spec = Spec(R"([{"tags":"desc"}, {"price":"asc"}])");
  TopFieldCollector whole(spec, 1, 4);
  MatchAll(corpus_.Views(), &whole);
  std::vector<TopFieldDocs> parts;
  for (size_t shard = 0; shard < 2; ++shard) {
    TopFieldCollector part(spec, 0, 5);
    MatchAll(corpus_.Views(shard * 2, 2), &part);
    parts.push_back(part.Finish());
  }
  TopFieldDocs merged = MergeTopFieldDocs(spec, std::move(parts), 1, 4);
  EXPECT_EQ(IdsOf(merged), IdsOf(whole.Finish()));
  EXPECT_EQ(merged.total_hits, 7u);
}

// 53 docs over five prices (every tenth without one), ids whose byte order is
// neither their number order nor their index order; "été" (0xC3...) sorts
// after "zed" only when bytes compare unsigned.
struct ManyTies {
  std::vector<Doc> docs;
  std::vector<std::tuple<bool, int, std::string>> keys;  // (no price, price, id), asc order
};

ManyTies MakeManyTies() {
  ManyTies out;
  auto add = [&out](const std::string& id, int price, bool no_price) {
    out.docs.push_back({id, no_price ? R"({"stock":1})" : R"({"price":)" + std::to_string(price) + "}"});
    out.keys.emplace_back(no_price, no_price ? 0 : price, id);
  };
  for (int i = 0; i < 50; ++i) {
    const int n = (i * 37) % 50;  // 37 is coprime to 50: every n once
    add("id" + std::to_string(n), n % 5, n % 10 == 9);
  }
  for (const char* id : {"zed", "\xc3\xa9t\xc3\xa9", "Zed"}) add(id, 2, false);
  std::sort(out.keys.begin(), out.keys.end());
  return out;
}

TEST_F(SortTest, IdSortsByBytesInBothOrders) {
  const ManyTies ties = MakeManyTies();
  corpus_.AddSplit(ties.docs, 4);
  Ids asc;
  for (const Doc& d : ties.docs) asc.push_back(d.first);
  std::sort(asc.begin(), asc.end());
  ASSERT_EQ(asc.front(), "Zed");
  ASSERT_EQ(asc.back(), "\xc3\xa9t\xc3\xa9");
  const Ids desc(asc.rbegin(), asc.rend());
  for (const char* sort : {R"("_id")", R"({"_id":"asc"})", R"([{"_id":{"order":"asc"}}])"}) {
    EXPECT_EQ(Spec(sort).keys[0].kind, SortKeyKind::kId) << sort;
    EXPECT_EQ(IdsOf(Run(Spec(sort), 0, 100)), asc) << sort;
  }
  for (const char* sort : {R"({"_id":"desc"})", R"([{"_id":{"order":"desc"}}])"}) {
    EXPECT_EQ(IdsOf(Run(Spec(sort), 0, 100)), desc) << sort;
  }
}

TEST_F(SortTest, IdBreaksTiesAndIsTheSortValue) {
  const ManyTies ties = MakeManyTies();
  corpus_.AddSplit(ties.docs, 4);
  SortSpec spec = Spec(R"([{"price":"asc"}, {"_id":"asc"}])");
  TopFieldDocs top = Run(spec, 0, 100);
  Ids expected;
  for (const auto& key : ties.keys) expected.push_back(std::get<2>(key));
  EXPECT_EQ(IdsOf(top), expected);
  for (const FieldHit& hit : top.hits) {
    ASSERT_EQ(hit.sort_values.size(), 2u);
    EXPECT_FALSE(hit.sort_values[1].missing);
    EXPECT_EQ(hit.sort_values[1].text, corpus_.Id(hit.segment, hit.doc));
  }
  EXPECT_EQ(SortJson(spec, top.hits.front()), R"([0.0,"id0"])");
  EXPECT_EQ(SortJson(spec, top.hits.back()), R"([null,"id9"])");  // no price: last, ties by id
}

// Pages of 3 with search_after, the values round-tripped through JSON:
// `_id` last makes every position unique, `_id` in the middle decides
// before later keys are read.
TEST_F(SortTest, SearchAfterWithIdVisitsEveryDocOnceInOrder) {
  const ManyTies ties = MakeManyTies();
  for (const char* sort : {R"([{"price":"asc"}, {"_id":"asc"}])", R"([{"price":"desc"}, {"_id":"desc"}])",
                           R"([{"price":"asc"}, "_id", "_doc"])", R"([{"stock":"desc"}, "_id", {"price":"asc"}])",
                           R"([{"_id":"desc"}, {"price":"asc"}])"}) {
    corpus_.Reset();
    corpus_.AddSplit(ties.docs, 4);
    SortSpec spec = Spec(sort);
    const Ids all = IdsOf(Run(spec, 0, 100));
    ASSERT_EQ(all.size(), ties.docs.size());
    Ids paged;
    std::vector<SortValue> after;
    for (int page = 0; page < 30; ++page) {
      TopFieldDocs docs = Run(spec, 0, 3, after);
      if (docs.hits.empty()) break;
      for (const std::string& id : IdsOf(docs)) paged.push_back(id);
      auto parsed = ParseSearchAfter(SortJson(spec, docs.hits.back()), spec);
      ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
      EXPECT_EQ(parsed.value(), docs.hits.back().sort_values);
      after = parsed.value();
    }
    EXPECT_EQ(paged, all) << sort;
    EXPECT_EQ(std::set<std::string>(paged.begin(), paged.end()).size(), ties.docs.size()) << sort;
  }
}

// As the search plan pages a multi-shard index: every shard resumes after
// the same values, the pages merge by sort values.
TEST_F(SortTest, SearchAfterWithIdPagesAcrossShards) {
  const ManyTies ties = MakeManyTies();
  corpus_.AddSplit(ties.docs, 8);
  SortSpec spec = Spec(R"([{"price":"asc"}, {"_id":"asc"}])");
  const Ids all = IdsOf(Run(spec, 0, 100));
  Ids paged;
  std::vector<SortValue> after;
  for (int page = 0; page < 30; ++page) {
    std::vector<TopFieldDocs> parts;
    for (size_t shard = 0; shard < 4; ++shard) {
      TopFieldCollector part(spec, 0, 3, after);
      MatchAll(corpus_.Views(shard * 2, 2), &part);
      parts.push_back(part.Finish());
    }
    TopFieldDocs docs = MergeTopFieldDocs(spec, std::move(parts), 0, 3);
    if (docs.hits.empty()) break;
    for (const std::string& id : IdsOf(docs)) paged.push_back(id);
    after = docs.hits.back().sort_values;
  }
  EXPECT_EQ(paged, all);
}

TEST_F(SortTest, SearchAfterTakesAnIdAsAString) {
  SortSpec spec = Spec(R"(["price", "_id"])");
  auto ok = ParseSearchAfter(R"([1.5, "id7"])", spec);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_FALSE(ok.value()[1].missing);
  EXPECT_EQ(ok.value()[1].text, "id7");
  auto number = ParseSearchAfter(R"([1.5, 7])", spec);
  EXPECT_EQ(ErrorKind(number.status()), StatusCode::kInvalidArgument);
  EXPECT_EQ(testing::ErrorReason(number.status()), "Failed to parse search_after value [7] for sort field [_id]");
  EXPECT_EQ(ErrorKind(ParseSearchAfter(R"([1.5, null])", spec).status()), StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorKind(ParseSearchAfter(R"([1.5, ["id7"]])", spec).status()), StatusCode::kInvalidArgument);
}

TEST_F(SortTest, TextFieldIsRefused) {
  auto spec = ParseSortSpec(R"({"title":"asc"})", corpus_.mapping());
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(ErrorKind(spec.status()), StatusCode::kInvalidArgument);
  EXPECT_NE(testing::ErrorReason(spec.status()).find("Text fields are not optimised for operations that require "
                                                     "per-document field data"), std::string::npos);
  EXPECT_NE(testing::ErrorReason(spec.status()).find("Please use a keyword field instead"), std::string::npos);
}

TEST_F(SortTest, MalformedSpecsAreRefused) {
  EXPECT_EQ(ErrorKind(ParseSortSpec(R"({"price":"up"})", corpus_.mapping()).status()), StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorKind(ParseSortSpec(R"({"price":{"missing":"_middle"}})", corpus_.mapping()).status()),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorKind(ParseSortSpec(R"({"price":{"color":"red"}})", corpus_.mapping()).status()), StatusCode::kParse);
  EXPECT_EQ(ErrorKind(ParseSortSpec(R"([42])", corpus_.mapping()).status()), StatusCode::kParse);
  EXPECT_EQ(ErrorKind(ParseSortSpec(R"("price"], ["tags")", corpus_.mapping()).status()), StatusCode::kParse);
  EXPECT_EQ(ErrorKind(ParseSortSpec(R"({"price":"asc")", corpus_.mapping()).status()), StatusCode::kParse);
}

TEST_F(SortTest, SearchAfterMustMatchTheSort) {
  SortSpec spec = Spec(R"(["price", "tags"])");
  auto short_list = ParseSearchAfter("[1.5]", spec);
  ASSERT_FALSE(short_list.ok());
  EXPECT_EQ(ErrorKind(short_list.status()), StatusCode::kInvalidArgument);
  EXPECT_EQ(testing::ErrorReason(short_list.status()), "search_after has 1 value(s) but sort has 2.");
  EXPECT_EQ(ErrorKind(ParseSearchAfter(R"([1.5, 3])", spec).status()), StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorKind(ParseSearchAfter(R"({"a":1})", spec).status()), StatusCode::kParse);
  auto ok = ParseSearchAfter(R"([null, "x"])", spec);
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(ok.value()[0].missing);
  EXPECT_EQ(ok.value()[1].text, "x");
}

}  // namespace
}  // namespace holdfast::search
