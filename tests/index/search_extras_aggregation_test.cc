// Aggregations: parsing, collecting over segments, merging partial results,
// and the Elasticsearch JSON they render.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "index/search/aggregation_collector.h"
#include "index/search/aggregation_format.h"
#include "index/search/aggregation_result.h"
#include "index/search/aggregation_spec.h"
#include "tests/index/search_extras_fixture.h"

namespace holdfast::search {
namespace {

using testing::Corpus;
using testing::Doc;
using testing::ErrorReason;
using testing::ErrorKind;
using testing::MatchAll;

const std::vector<Doc>& kDocs = testing::kShopDocs;

constexpr char kAggs[] = R"({
  "tags": {"terms": {"field": "tags", "size": 3}},
  "prices": {"range": {"field": "price", "ranges": [{"from": 100}, {"to": 10}, {"from": 10, "to": 100}]}},
  "price_stats": {"stats": {"field": "price"}},
  "stock": {"terms": {"field": "stock"}},
  "sale": {"terms": {"field": "sale"}},
  "by_tag": {"terms": {"field": "tags", "order": {"_key": "asc"}, "size": 2},
             "aggs": {"s": {"stats": {"field": "stock"}}}},
  "r": {"range": {"field": "stock", "ranges": [{"to": 2}, {"from": 2}]},
        "aggregations": {"t": {"terms": {"field": "tags"}}}}
})";

constexpr char kExpected[] =
    R"({"tags":{"doc_count_error_upper_bound":0,"sum_other_doc_count":2,"buckets":[)"
    R"({"key":"a","doc_count":4},{"key":"b","doc_count":2},{"key":"c","doc_count":2}]},)"
    R"("prices":{"buckets":[{"key":"*-10.0","to":10.0,"doc_count":2},)"
    R"({"key":"10.0-100.0","from":10.0,"to":100.0,"doc_count":3},{"key":"100.0-*","from":100.0,"doc_count":2}]},)"
    R"("price_stats":{"count":7,"min":5.0,"max":250.25,"avg":62.962857142857146,"sum":440.74},)"
    R"("stock":{"doc_count_error_upper_bound":0,"sum_other_doc_count":0,"buckets":[)"
    R"({"key":1,"doc_count":3},{"key":2,"doc_count":2},{"key":3,"doc_count":1},{"key":5,"doc_count":1}]},)"
    R"("sale":{"doc_count_error_upper_bound":0,"sum_other_doc_count":0,"buckets":[)"
    R"({"key":1,"key_as_string":"true","doc_count":2},{"key":0,"key_as_string":"false","doc_count":1}]},)"
    R"("by_tag":{"doc_count_error_upper_bound":0,"sum_other_doc_count":4,"buckets":[)"
    R"({"key":"a","doc_count":4,"s":{"count":4,"min":1.0,"max":3.0,"avg":1.75,"sum":7.0}},)"
    R"({"key":"b","doc_count":2,"s":{"count":2,"min":1.0,"max":1.0,"avg":1.0,"sum":2.0}}]},)"
    R"("r":{"buckets":[{"key":"*-2.0","to":2.0,"doc_count":3,)"
    R"("t":{"doc_count_error_upper_bound":0,"sum_other_doc_count":0,"buckets":[)"
    R"({"key":"a","doc_count":2},{"key":"b","doc_count":2},{"key":"c","doc_count":1}]}},)"
    R"({"key":"2.0-*","from":2.0,"doc_count":4,)"
    R"("t":{"doc_count_error_upper_bound":0,"sum_other_doc_count":0,"buckets":[)"
    R"({"key":"a","doc_count":2},{"key":"c","doc_count":1},{"key":"d","doc_count":1},{"key":"e","doc_count":1}]}}]}})";

class AggregationTest : public ::testing::Test {
 protected:
  std::vector<AggregationSpec> Specs(const Corpus& corpus, const std::string& json) {
    auto specs = ParseAggregations(json, corpus.mapping());
    EXPECT_TRUE(specs.ok()) << specs.status().ToString();
    return specs.ok() ? specs.value() : std::vector<AggregationSpec>{};
  }

  // Aggregates every live doc of `views` with one collector.
  static AggregationResults Collect(const std::vector<AggregationSpec>& specs, const std::vector<SegmentView>& views) {
    AggregationCollector collector(&specs);
    EXPECT_FALSE(collector.NeedsScores());
    MatchAll(views, &collector);
    return collector.Finish();
  }

  std::string Run(const std::string& aggs, size_t segments = 1) {
    Corpus corpus;
    corpus.AddSplit(kDocs, segments);
    std::vector<AggregationSpec> specs = Specs(corpus, aggs);
    return AggregationsToJson(specs, Collect(specs, corpus.Views()));
  }

  Status ParseError(const std::string& aggs) {
    Corpus corpus;
    return ParseAggregations(aggs, corpus.mapping()).status();
  }
};

TEST_F(AggregationTest, TermsRangeStatsAndSubAggregations) { EXPECT_EQ(Run(kAggs), kExpected); }

TEST_F(AggregationTest, SameResultOverOneOrFourSegments) { EXPECT_EQ(Run(kAggs, 4), kExpected); }

TEST_F(AggregationTest, MergedShardPartsMatchOneShard) {
  Corpus corpus;
  corpus.AddSplit(kDocs, 4);
  std::vector<AggregationSpec> specs = Specs(corpus, kAggs);
  // Merge the four "shards" in two different orders.
  for (const std::vector<size_t>& order : {std::vector<size_t>{0, 1, 2, 3}, std::vector<size_t>{3, 1, 0, 2}}) {
    AggregationResults merged;
    for (size_t shard : order) MergeAggregationResults(Collect(specs, corpus.Views(shard, 1)), &merged);
    EXPECT_EQ(AggregationsToJson(specs, merged), kExpected);
  }
}

TEST_F(AggregationTest, DeletedDocsAreNotCounted) {
  Corpus corpus;
  corpus.AddSplit(kDocs, 3);
  corpus.Delete("d1");
  corpus.Delete("d4");
  std::vector<AggregationSpec> specs =
      Specs(corpus, R"({"tags":{"terms":{"field":"tags","size":3}},"n":{"stats":{"field":"stock"}}})");
  EXPECT_EQ(AggregationsToJson(specs, Collect(specs, corpus.Views())),
            R"({"tags":{"doc_count_error_upper_bound":0,"sum_other_doc_count":2,"buckets":[)"
            R"({"key":"a","doc_count":2},{"key":"b","doc_count":1},{"key":"c","doc_count":1}]},)"
            R"("n":{"count":5,"min":1.0,"max":5.0,"avg":2.2,"sum":11.0}})");
}

TEST_F(AggregationTest, DateRangeKeysAndDateStats) {
  EXPECT_EQ(Run(R"({"when":{"range":{"field":"added","ranges":[{"from":"2020-03-01"},{"to":"2020-03-01"}]}},
                    "d":{"stats":{"field":"added"}}})", 2),
            R"({"when":{"buckets":[{"key":"*-2020-03-01T00:00:00.000Z","to":1.5830208E12,)"
            R"("to_as_string":"2020-03-01T00:00:00.000Z","doc_count":1},)"
            R"({"key":"2020-03-01T00:00:00.000Z-*","from":1.5830208E12,)"
            R"("from_as_string":"2020-03-01T00:00:00.000Z","doc_count":2}]},)"
            R"("d":{"count":3,"min":1.5778368E12,"max":1.6094592E12,"avg":1.5927552E12,"sum":4.7782656E12,)"
            R"("min_as_string":"2020-01-01T00:00:00.000Z","max_as_string":"2021-01-01T00:00:00.000Z",)"
            R"("avg_as_string":"2020-06-21T16:00:00.000Z","sum_as_string":"2121-06-02T00:00:00.000Z"}})");
}

TEST_F(AggregationTest, KeyedRangeAndDoubleTermsByKey) {
  EXPECT_EQ(Run(R"({"k":{"range":{"field":"price","keyed":true,"ranges":[{"key":"cheap","to":10},{"key":"rest","from":10}]}},
                    "p":{"terms":{"field":"price","size":2,"order":{"_key":"desc"}}}})", 3),
            R"({"k":{"buckets":{"cheap":{"to":10.0,"doc_count":2},"rest":{"from":10.0,"doc_count":5}}},)"
            R"("p":{"doc_count_error_upper_bound":0,"sum_other_doc_count":5,"buckets":[)"
            R"({"key":250.25,"doc_count":1},{"key":100.0,"doc_count":1}]}})");
}

TEST_F(AggregationTest, TermsOrderedByCountAscending) {
  EXPECT_EQ(Run(R"({"s":{"terms":{"field":"stock","order":{"_count":"asc"},"size":3}}})", 2),
            R"({"s":{"doc_count_error_upper_bound":0,"sum_other_doc_count":3,"buckets":[)"
            R"({"key":3,"doc_count":1},{"key":5,"doc_count":1},{"key":2,"doc_count":2}]}})");
}

TEST_F(AggregationTest, UnmappedFieldsAggregateNothing) {
  EXPECT_EQ(Run(R"({"x":{"stats":{"field":"nope"}},"y":{"terms":{"field":"nope"}},
                    "z":{"range":{"field":"nope","ranges":[{"to":1}]}}})"),
            R"({"x":{"count":0,"min":null,"max":null,"avg":null,"sum":0.0},)"
            R"("y":{"doc_count_error_upper_bound":0,"sum_other_doc_count":0,"buckets":[]},)"
            R"("z":{"buckets":[{"key":"*-1.0","to":1.0,"doc_count":0}]}})");
}

TEST_F(AggregationTest, ErrorsCarryElasticsearchTypes) {
  Status unknown = ParseError(R"({"x":{"foo":{}}})");
  EXPECT_EQ(ErrorKind(unknown), StatusCode::kParse);
  EXPECT_EQ(ErrorReason(unknown), "Unknown aggregation type [foo]");
  Status text = ParseError(R"({"x":{"terms":{"field":"title"}}})");
  EXPECT_EQ(ErrorKind(text), StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorReason(text).rfind("Text fields are not optimised", 0), 0u);
  Status keyword_stats = ParseError(R"({"x":{"stats":{"field":"tags"}}})");
  EXPECT_EQ(ErrorKind(keyword_stats), StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorReason(keyword_stats), "Field [tags] of type [keyword] is not supported for aggregation [stats]");
  EXPECT_EQ(ErrorReason(ParseError(R"({"x":{"terms":{}}})")),
            "Required one of fields [field, script], but none were specified.");
  EXPECT_EQ(ErrorKind(ParseError(R"({"x":{"range":{"field":"price"}}})")), StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorKind(ParseError(R"({"x":{"terms":{"field":"tags","size":0}}})")), StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorKind(ParseError(R"({"x":{"terms":{"field":"tags","colour":1}}})")), StatusCode::kParse);
  EXPECT_EQ(ErrorKind(ParseError(R"({"x":{}})")), StatusCode::kParse);
  EXPECT_EQ(ErrorKind(ParseError(R"({"x":{"terms":{"field":"tags"},"stats":{"field":"price"}}})")),
            StatusCode::kParse);
  EXPECT_EQ(ErrorKind(ParseError(R"({"x":{"terms":{"field":"tags"}},"x":{"stats":{"field":"price"}}})")),
            StatusCode::kParse);
  EXPECT_EQ(ErrorKind(ParseError(R"([1])")), StatusCode::kParse);
  EXPECT_EQ(ErrorKind(ParseError(R"({"x":{"stats":{"field":"price"}}}, {"y":1})")), StatusCode::kParse);
  EXPECT_EQ(ErrorKind(ParseError(R"({"x":{"terms":{"field":"tags"})")), StatusCode::kParse);
}

TEST_F(AggregationTest, SingleValueMetricsAndMissing) {
  EXPECT_EQ(Run(R"({"lo":{"min":{"field":"price"}},"hi":{"max":{"field":"price"}},"mean":{"avg":{"field":"price"}},
                    "total":{"sum":{"field":"price"}},"n":{"value_count":{"field":"price"}},
                    "tags":{"value_count":{"field":"tags"}},"first":{"min":{"field":"added"}},
                    "none":{"avg":{"field":"nope"}},"no_price":{"missing":{"field":"price"},"aggs":{"s":{"sum":{"field":"stock"}}}},
                    "all":{"missing":{"field":"nope"}}})", 3),
            R"({"lo":{"value":5.0},"hi":{"value":250.25},"mean":{"value":62.962857142857146},"total":{"value":440.74},)"
            R"("n":{"value":7},"tags":{"value":10},)"
            R"("first":{"value":1.5778368E12,"value_as_string":"2020-01-01T00:00:00.000Z"},"none":{"value":null},)"
            R"("no_price":{"doc_count":1,"s":{"value":2.0}},"all":{"doc_count":8}})");
}

TEST_F(AggregationTest, ExtendedStats) {
  const std::string json = Run(R"({"x":{"extended_stats":{"field":"stock","sigma":3}},"e":{"extended_stats":{"field":"nope"}}})", 2);
  rapidjson::Document d;
  d.Parse(json.c_str());
  ASSERT_FALSE(d.HasParseError()) << json;
  const auto& x = d["x"];
  EXPECT_EQ(x["count"].GetUint64(), 7u);
  EXPECT_DOUBLE_EQ(x["sum"].GetDouble(), 15.0);
  EXPECT_DOUBLE_EQ(x["sum_of_squares"].GetDouble(), 45.0);
  EXPECT_NEAR(x["variance"].GetDouble(), 1.8367346938775517, 1e-12);
  EXPECT_NEAR(x["variance_sampling"].GetDouble(), 2.1428571428571423, 1e-12);
  EXPECT_NEAR(x["std_deviation"].GetDouble(), 1.3552618543578772, 1e-12);
  EXPECT_NEAR(x["std_deviation_bounds"]["upper"].GetDouble(), 2.142857142857143 + 3 * 1.3552618543578772, 1e-9);
  EXPECT_TRUE(d["e"]["variance"].IsNull()) << json;
  EXPECT_TRUE(d["e"]["std_deviation_bounds"]["upper"].IsNull()) << json;
  // The same over merged shard parts (the sum of squares travels with them).
  EXPECT_EQ(Run(R"({"x":{"extended_stats":{"field":"stock","sigma":3}},"e":{"extended_stats":{"field":"nope"}}})", 4), json);
}

TEST_F(AggregationTest, HistogramFillsGapsUnlessMinDocCount) {
  EXPECT_EQ(Run(R"({"h":{"histogram":{"field":"price","interval":50}},
                    "o":{"histogram":{"field":"price","interval":100,"offset":5,"min_doc_count":1}},
                    "b":{"histogram":{"field":"stock","interval":2,"extended_bounds":{"min":-2,"max":8},"keyed":true}}})", 3),
            R"({"h":{"buckets":[{"key":0.0,"doc_count":4},{"key":50.0,"doc_count":1},{"key":100.0,"doc_count":1},)"
            R"({"key":150.0,"doc_count":0},{"key":200.0,"doc_count":0},{"key":250.0,"doc_count":1}]},)"
            R"("o":{"buckets":[{"key":5.0,"doc_count":6},{"key":205.0,"doc_count":1}]},)"
            R"("b":{"buckets":{"-2.0":{"key":-2.0,"doc_count":0},"0.0":{"key":0.0,"doc_count":3},)"
            R"("2.0":{"key":2.0,"doc_count":3},"4.0":{"key":4.0,"doc_count":1},"6.0":{"key":6.0,"doc_count":0},)"
            R"("8.0":{"key":8.0,"doc_count":0}}}})");
}

TEST_F(AggregationTest, DateHistogramCalendarFixedAndTimeZones) {
  EXPECT_EQ(Run(R"({"q":{"date_histogram":{"field":"added","calendar_interval":"quarter"},
                         "aggs":{"p":{"sum":{"field":"price"}}}},
                    "y":{"date_histogram":{"field":"added","calendar_interval":"1y","time_zone":"+05:00","format":"yyyy"}},
                    "f":{"date_histogram":{"field":"added","fixed_interval":"100d","min_doc_count":1,"format":"strict_date"}}})",
                2),
            R"({"q":{"buckets":[)"
            R"({"key_as_string":"2020-01-01T00:00:00.000Z","key":1577836800000,"doc_count":1,"p":{"value":5.0}},)"
            R"({"key_as_string":"2020-04-01T00:00:00.000Z","key":1585699200000,"doc_count":1,"p":{"value":15.5}},)"
            R"({"key_as_string":"2020-07-01T00:00:00.000Z","key":1593561600000,"doc_count":0,"p":{"value":0.0}},)"
            R"({"key_as_string":"2020-10-01T00:00:00.000Z","key":1601510400000,"doc_count":0,"p":{"value":0.0}},)"
            R"({"key_as_string":"2021-01-01T00:00:00.000Z","key":1609459200000,"doc_count":1,"p":{"value":250.25}}]},)"
            R"("y":{"buckets":[{"key_as_string":"2020","key":1577818800000,"doc_count":2},)"
            R"({"key_as_string":"2021","key":1609441200000,"doc_count":1}]},)"
            R"("f":{"buckets":[{"key_as_string":"2019-10-31","key":1572480000000,"doc_count":1},)"
            R"({"key_as_string":"2020-05-18","key":1589760000000,"doc_count":1},)"
            R"({"key_as_string":"2020-12-04","key":1607040000000,"doc_count":1}]}})");
  // Weeks start on Monday; 2020-01-01 was a Wednesday.
  EXPECT_EQ(Run(R"({"w":{"date_histogram":{"field":"added","calendar_interval":"week","min_doc_count":1,"format":"yyyy-MM-dd"}}})"),
            R"({"w":{"buckets":[{"key_as_string":"2019-12-30","key":1577664000000,"doc_count":1},)"
            R"({"key_as_string":"2020-06-01","key":1590969600000,"doc_count":1},)"
            R"({"key_as_string":"2020-12-28","key":1609113600000,"doc_count":1}]}})");
}

TEST_F(AggregationTest, FilterAndFilters) {
  const char* aggs = R"({"f":{"filter":{"term":{"tags":"a"}},"aggs":{"p":{"sum":{"field":"price"}}}},
      "fs":{"filters":{"filters":{"cheap":{"range":{"price":{"lt":10}}},"sale":{"term":{"sale":true}}},
                       "other_bucket_key":"rest"}},
      "anon":{"filters":{"filters":[{"term":{"tags":"c"}},{"exists":{"field":"added"}}]}},
      "by_tag":{"terms":{"field":"tags","size":2,"order":{"_key":"asc"}},
                "aggs":{"dated":{"filter":{"exists":{"field":"added"}}}}}})";
  const std::string expected =
      R"({"f":{"doc_count":4,"p":{"value":280.75}},)"
      R"("fs":{"buckets":{"cheap":{"doc_count":2},"sale":{"doc_count":2},"rest":{"doc_count":4}}},)"
      R"("anon":{"buckets":[{"doc_count":2},{"doc_count":3}]},)"
      R"("by_tag":{"doc_count_error_upper_bound":0,"sum_other_doc_count":4,"buckets":[)"
      R"({"key":"a","doc_count":4,"dated":{"doc_count":3}},{"key":"b","doc_count":2,"dated":{"doc_count":1}}]}})";
  EXPECT_EQ(Run(aggs), expected);
  EXPECT_EQ(Run(aggs, 3), expected);
  Corpus corpus;
  corpus.AddSplit(kDocs, 4);
  std::vector<AggregationSpec> specs = Specs(corpus, aggs);
  AggregationResults merged;
  for (size_t shard : {2, 0, 3, 1}) MergeAggregationResults(Collect(specs, corpus.Views(shard, 1)), &merged);
  EXPECT_EQ(AggregationsToJson(specs, merged), expected);
  EXPECT_EQ(ErrorKind(ParseError(R"({"x":{"filter":{"nope":{}}}})")), StatusCode::kParse);
  EXPECT_EQ(ErrorKind(ParseError(R"({"x":{"filters":{"other_bucket":true}}})")), StatusCode::kParse);
  EXPECT_EQ(ErrorKind(ParseError(R"({"x":{"filter":[1]}})")), StatusCode::kParse);
}

TEST_F(AggregationTest, TermsIncludeExcludeMinDocCountAndMissing) {
  EXPECT_EQ(Run(R"({"inc":{"terms":{"field":"tags","include":["a","c","z"]}},
                    "exc":{"terms":{"field":"tags","exclude":"a|b"}},
                    "re":{"terms":{"field":"tags","include":"[a-c]","exclude":["b"]}},
                    "min":{"terms":{"field":"tags","min_doc_count":2}},
                    "miss":{"terms":{"field":"tags","missing":"none"}},
                    "stock":{"terms":{"field":"stock","missing":0,"order":{"_key":"asc"},"size":2}}})", 3),
            R"({"inc":{"doc_count_error_upper_bound":0,"sum_other_doc_count":0,"buckets":[{"key":"a","doc_count":4},{"key":"c","doc_count":2}]},)"
            R"("exc":{"doc_count_error_upper_bound":0,"sum_other_doc_count":0,"buckets":[{"key":"c","doc_count":2},{"key":"d","doc_count":1},{"key":"e","doc_count":1}]},)"
            R"("re":{"doc_count_error_upper_bound":0,"sum_other_doc_count":0,"buckets":[{"key":"a","doc_count":4},{"key":"c","doc_count":2}]},)"
            R"("min":{"doc_count_error_upper_bound":0,"sum_other_doc_count":0,"buckets":[{"key":"a","doc_count":4},{"key":"b","doc_count":2},{"key":"c","doc_count":2}]},)"
            R"("miss":{"doc_count_error_upper_bound":0,"sum_other_doc_count":0,"buckets":[{"key":"a","doc_count":4},{"key":"b","doc_count":2},)"
            R"({"key":"c","doc_count":2},{"key":"d","doc_count":1},{"key":"e","doc_count":1},{"key":"none","doc_count":1}]},)"
            R"("stock":{"doc_count_error_upper_bound":0,"sum_other_doc_count":4,"buckets":[{"key":0,"doc_count":1},{"key":1,"doc_count":3}]}})");
  // Partitions split the terms: together they are all of them, each once.
  std::string both;
  for (int p = 0; p < 2; ++p) {
    both += Run(R"({"t":{"terms":{"field":"tags","include":{"partition":)" + std::to_string(p) +
                R"(,"num_partitions":2}}}})");
  }
  for (const char* key : {"\"a\"", "\"b\"", "\"c\"", "\"d\"", "\"e\""}) {
    const size_t first = both.find(key);
    EXPECT_NE(first, std::string::npos) << key << " " << both;
    EXPECT_EQ(both.find(key, first + 1), std::string::npos) << key << " " << both;
  }
  EXPECT_EQ(ErrorKind(ParseError(R"({"x":{"terms":{"field":"tags","include":"("}}})")), StatusCode::kInvalidArgument);
  // min_doc_count 0 lists every term of a keyword field; numbers are refused.
  EXPECT_EQ(ErrorKind(ParseError(R"({"x":{"terms":{"field":"stock","min_doc_count":0}}})")), StatusCode::kInvalidArgument);
  // Numeric fields take arrays of numbers, not regular expressions.
  EXPECT_EQ(ErrorKind(ParseError(R"({"x":{"terms":{"field":"stock","include":"1.*"}}})")), StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorKind(ParseError(R"({"x":{"terms":{"field":"tags","include":{"partition":2,"num_partitions":2}}}})")),
            StatusCode::kInvalidArgument);
}

TEST_F(AggregationTest, DateRangeWithFormat) {
  EXPECT_EQ(Run(R"({"d":{"date_range":{"field":"added","format":"yyyy-MM-dd",
                                       "ranges":[{"to":"2020-03-01"},{"from":"2020-03-01","key":"later"}]}}})", 2),
            R"({"d":{"buckets":[{"key":"*-2020-03-01","to":1.5830208E12,"to_as_string":"2020-03-01","doc_count":1},)"
            R"({"key":"later","from":1.5830208E12,"from_as_string":"2020-03-01","doc_count":2}]}})");
  EXPECT_EQ(ErrorKind(ParseError(R"({"d":{"date_range":{"field":"price","ranges":[{"to":1}]}}})")),
            StatusCode::kInvalidArgument);
}

TEST_F(AggregationTest, HistogramErrors) {
  EXPECT_EQ(ErrorKind(ParseError(R"({"x":{"histogram":{"field":"price"}}})")), StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorKind(ParseError(R"({"x":{"histogram":{"field":"price","interval":-1}}})")), StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorKind(ParseError(R"({"x":{"date_histogram":{"field":"added"}}})")), StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorKind(ParseError(R"({"x":{"date_histogram":{"field":"added","calendar_interval":"2d"}}})")),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorKind(ParseError(R"({"x":{"date_histogram":{"field":"added","fixed_interval":"1d","calendar_interval":"1d"}}})")),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorKind(ParseError(R"({"x":{"date_histogram":{"field":"added","fixed_interval":"1d","time_zone":"Europe/Atlantis"}}})")),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorKind(ParseError(R"({"x":{"date_histogram":{"field":"added","fixed_interval":"1d","format":"EEE"}}})")),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorKind(ParseError(R"({"x":{"histogram":{"field":"title","interval":1}}})")), StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorKind(ParseError(R"({"x":{"histogram":{"field":"price","interval":1,"colour":2}}})")), StatusCode::kParse);
  EXPECT_EQ(ErrorKind(ParseError(R"({"x":{"avg":{"field":"tags"}}})")), StatusCode::kInvalidArgument);
}

TEST(AggregationFormatTest, NumbersAndDatesAsElasticsearchWritesThem) {
  EXPECT_EQ(FormatJavaDouble(100), "100.0");
  EXPECT_EQ(FormatJavaDouble(0.5), "0.5");
  EXPECT_EQ(FormatJavaDouble(-2.25), "-2.25");
  EXPECT_EQ(FormatJavaDouble(1e7), "1.0E7");
  EXPECT_EQ(FormatJavaDouble(9999999), "9999999.0");
  EXPECT_EQ(FormatJavaDouble(0.001), "0.001");
  EXPECT_EQ(FormatJavaDouble(0.0001), "1.0E-4");
  EXPECT_EQ(FormatJavaDouble(123456.789), "123456.789");
  EXPECT_EQ(FormatJavaDouble(1.5e300), "1.5E300");
  EXPECT_EQ(FormatJavaDouble(0), "0.0");
  EXPECT_EQ(FormatEpochMillis(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatEpochMillis(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatEpochMillis(951782400123), "2000-02-29T00:00:00.123Z");
}

TEST(ExactDoubleSumTest, OrderDoesNotChangeTheSum) {
  ExactDoubleSum forward, backward, parts_a, parts_b;
  const std::vector<double> values = {0.1, 1e16, 0.2, -1e16, 0.3, 9.99, 1e-8};
  for (double v : values) forward.Add(v);
  for (auto it = values.rbegin(); it != values.rend(); ++it) backward.Add(*it);
  for (size_t i = 0; i < values.size(); ++i) (i % 2 ? parts_a : parts_b).Add(values[i]);
  parts_b.Merge(parts_a);
  EXPECT_EQ(forward.Value(), backward.Value());
  EXPECT_EQ(forward.Value(), parts_b.Value());
  EXPECT_EQ(forward.Value(), 10.59000001);
}

}  // namespace
}  // namespace holdfast::search
