// top_hits: the best docs per bucket, by the score or a sort, equal over one
// segment, several segments and merged shard partials.
#include <gtest/gtest.h>

#include "index/search/aggregation_collector.h"
#include "index/search/aggregation_result.h"
#include "index/search/aggregation_spec.h"
#include "index/search/aggregation_top_hits.h"
#include "tests/index/search_extras_fixture.h"

namespace holdfast::search {
namespace {

using testing::Corpus;
using testing::Doc;
using testing::ErrorKind;
using testing::ErrorReason;

const std::vector<Doc>& kDocs = testing::kShopDocs;

// Every live doc, scored by its stock (0 without one).
void CollectScoredByStock(const std::vector<SegmentView>& views, Collector* collector) {
  for (const SegmentView& view : views) {
    collector->SetSegment(view);
    const segment::FieldReader* stock = view.reader->field("stock");
    for (uint32_t doc = 0; doc < view.doc_count(); ++doc) {
      if (!view.IsLive(doc)) continue;
      const bool has = stock != nullptr && stock->ValueCount(doc) > 0;
      collector->Collect(doc, has ? static_cast<float>(stock->NumericAt(stock->ValueStart(doc))) : 0.0f);
    }
  }
}

class TopHitsTest : public ::testing::Test {
 protected:
  std::vector<AggregationSpec> Specs(const Corpus& corpus, const std::string& json) {
    auto specs = ParseAggregations(json, corpus.mapping());
    EXPECT_TRUE(specs.ok()) << specs.status().ToString();
    return specs.ok() ? specs.value() : std::vector<AggregationSpec>{};
  }

  static AggregationResults Collect(const std::vector<AggregationSpec>& specs, const std::vector<SegmentView>& views) {
    AggregationCollector collector(&specs);
    CollectScoredByStock(views, &collector);
    return collector.Finish();
  }

  // The rendered result over one segment; expects the same over four
  // segments and over four shards merged in two orders.
  std::string Run(const std::string& aggs) {
    Corpus one;
    one.AddSplit(kDocs, 1);
    std::vector<AggregationSpec> specs = Specs(one, aggs);
    const std::string expected = AggregationsToJson(specs, Collect(specs, one.Views()));
    Corpus four;
    four.AddSplit(kDocs, 4);
    EXPECT_EQ(AggregationsToJson(specs, Collect(specs, four.Views())), expected);
    for (const std::vector<size_t>& order : {std::vector<size_t>{0, 1, 2, 3}, std::vector<size_t>{3, 1, 0, 2}}) {
      AggregationResults merged;
      for (const AggregationSpec& spec : specs) merged.push_back(AggregationResult::Empty(spec));
      for (size_t shard : order) MergeAggregationResults(Collect(specs, four.Views(shard, 1)), &merged);
      EXPECT_EQ(AggregationsToJson(specs, merged), expected);
    }
    return expected;
  }

  Status ParseError(const std::string& aggs) {
    Corpus corpus;
    return ParseAggregations(aggs, corpus.mapping()).status();
  }
};

TEST_F(TopHitsTest, LatestPerTermByDateDescending) {
  EXPECT_EQ(Run(R"({"by_tag":{"terms":{"field":"tags","order":{"_key":"asc"}},
                    "aggs":{"top":{"top_hits":{"size":1,"sort":[{"added":{"order":"desc"}}]}}}}})"),
            R"({"by_tag":{"doc_count_error_upper_bound":0,"sum_other_doc_count":0,"buckets":[)"
            R"({"key":"a","doc_count":4,"top":{"hits":{"total":{"value":4,"relation":"eq"},"max_score":null,)"
            R"("hits":[{"_index":"","_id":"d4","_score":null,"sort":[1609459200000]}]}}},)"
            R"({"key":"b","doc_count":2,"top":{"hits":{"total":{"value":2,"relation":"eq"},"max_score":null,)"
            R"("hits":[{"_index":"","_id":"d1","_score":null,"sort":[1577836800000]}]}}},)"
            R"({"key":"c","doc_count":2,"top":{"hits":{"total":{"value":2,"relation":"eq"},"max_score":null,)"
            R"("hits":[{"_index":"","_id":"d4","_score":null,"sort":[1609459200000]}]}}},)"
            R"({"key":"d","doc_count":1,"top":{"hits":{"total":{"value":1,"relation":"eq"},"max_score":null,)"
            R"("hits":[{"_index":"","_id":"d5","_score":null,"sort":[null]}]}}},)"
            R"({"key":"e","doc_count":1,"top":{"hits":{"total":{"value":1,"relation":"eq"},"max_score":null,)"
            R"("hits":[{"_index":"","_id":"d8","_score":null,"sort":[null]}]}}}]}})");
}

TEST_F(TopHitsTest, TopLevelByScoreWithFrom) {
  Corpus corpus;
  std::vector<AggregationSpec> specs = Specs(corpus, R"({"top":{"top_hits":{"from":1,"size":2}}})");
  EXPECT_TRUE(AggregationCollector(&specs).NeedsScores());
  // Scores (stock): d8 5, d4 3, d2 2, d5 2, d1 1, ... ties by _id.
  EXPECT_EQ(Run(R"({"top":{"top_hits":{"from":1,"size":2}}})"),
            R"({"top":{"hits":{"total":{"value":8,"relation":"eq"},"max_score":5.0,"hits":[)"
            R"({"_index":"","_id":"d4","_score":3.0},{"_index":"","_id":"d2","_score":2.0}]}}})");
}

TEST_F(TopHitsTest, FieldSortUnderRangeWithTrackScores) {
  EXPECT_EQ(Run(R"({"r":{"range":{"field":"stock","ranges":[{"to":2},{"from":2}]},
                    "aggs":{"cheap":{"top_hits":{"size":2,"sort":["price"],"track_scores":true}}}}})"),
            R"({"r":{"buckets":[{"key":"*-2.0","to":2.0,"doc_count":3,)"
            R"("cheap":{"hits":{"total":{"value":3,"relation":"eq"},"max_score":1.0,"hits":[)"
            R"({"_index":"","_id":"d1","_score":1.0,"sort":[5.0]},{"_index":"","_id":"d6","_score":1.0,"sort":[10.0]}]}}},)"
            R"({"key":"2.0-*","from":2.0,"doc_count":4,)"
            R"("cheap":{"hits":{"total":{"value":4,"relation":"eq"},"max_score":5.0,"hits":[)"
            R"({"_index":"","_id":"d2","_score":2.0,"sort":[15.5]},{"_index":"","_id":"d8","_score":5.0,"sort":[50.0]}]}}}]}})");
}

TEST_F(TopHitsTest, FieldSortNeedsNoScores) {
  Corpus corpus;
  std::vector<AggregationSpec> specs = Specs(corpus, R"({"t":{"terms":{"field":"tags"},
      "aggs":{"top":{"top_hits":{"sort":{"stock":"desc"},"_source":{"includes":["title"]}}}}}})");
  EXPECT_FALSE(AggregationCollector(&specs).NeedsScores());
}

TEST_F(TopHitsTest, Errors) {
  Status sub = ParseError(R"({"top":{"top_hits":{},"aggs":{"x":{"max":{"field":"price"}}}}})");
  EXPECT_EQ(ErrorKind(sub), StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorReason(sub), "Aggregator [top] of type [top_hits] cannot accept sub-aggregations");
  Status window = ParseError(R"({"top":{"top_hits":{"from":90,"size":11}}})");
  EXPECT_EQ(ErrorKind(window), StatusCode::kInvalidArgument);
  EXPECT_NE(ErrorReason(window).find("from + size must be less than or equal to: [100] but was [101]"),
            std::string::npos);
  EXPECT_EQ(ErrorKind(ParseError(R"({"top":{"top_hits":{"highlight":{}}}})")), StatusCode::kParse);
  EXPECT_EQ(ErrorKind(ParseError(R"({"top":{"top_hits":{"size":"x"}}})")), StatusCode::kParse);
  EXPECT_EQ(ErrorKind(ParseError(R"({"top":{"top_hits":{"sort":["title"]}}})")), StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorKind(ParseError(R"({"top":{"top_hits":{"_source":5}}})")), StatusCode::kParse);
}

}  // namespace
}  // namespace holdfast::search
