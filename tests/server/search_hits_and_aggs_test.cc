// The search features that shape each hit and the aggregation types beyond
// terms/range/stats, on the fixture's 1-shard and 4-shard indices (and, in the
// .loopback run, with every shard answer through bytes).
#include <algorithm>

#include "tests/server/search_api_fixture.h"

namespace holdfast {
namespace {

using namespace search_api_testing;
using testing::HttpCall;

// Metric, histogram and missing aggregations give the same answer over one
// shard and four (the partial results travel between shards as protobuf
// through the loopback transport in the .loopback run).
TEST_F(SearchApiTest, NewAggregationsAgreeOverOneAndFourShards) {
  const std::string body = R"({"size":0,"aggs":{
      "by_price":{"histogram":{"field":"price","interval":20},"aggs":{"avg_year":{"avg":{"field":"year"}}}},
      "spread":{"extended_stats":{"field":"price"}},
      "cheapest":{"min":{"field":"price"}},"newest":{"max":{"field":"year"}},
      "tag_values":{"value_count":{"field":"tags"}},"untagged":{"missing":{"field":"tags"}},
      "by_year":{"histogram":{"field":"year","interval":10,"min_doc_count":1},"aggs":{"total":{"sum":{"field":"price"}}}},
      "food":{"filter":{"term":{"tags":"food"}},"aggs":{"p":{"avg":{"field":"price"}}}},
      "kinds":{"filters":{"filters":{"cheap":{"range":{"price":{"lt":10}}}},"other_bucket":true}}}})";
  auto one = Search("/books1/_search", body);
  auto four = Search("/books4/_search", body);
  ASSERT_TRUE(one.HasMember("aggregations")) << ToJson(one);
  EXPECT_EQ(ToJson(one["aggregations"]), ToJson(four["aggregations"]));
  const auto& a = one["aggregations"];
  // Prices 10 25 15 40 55 8 30 5: buckets of 20 from 0 to 40.
  EXPECT_EQ(ToJson(a["by_price"]["buckets"][0]), R"({"key":0.0,"doc_count":4,"avg_year":{"value":2010.25}})");
  EXPECT_EQ(a["by_price"]["buckets"].Size(), 3u);
  EXPECT_EQ(a["cheapest"]["value"].GetDouble(), 5.0);
  EXPECT_EQ(a["newest"]["value"].GetDouble(), 2020.0);
  EXPECT_EQ(a["tag_values"]["value"].GetUint64(), 9u);
  EXPECT_EQ(a["untagged"]["doc_count"].GetUint64(), 1u);
  EXPECT_EQ(a["spread"]["count"].GetUint64(), 8u);
  EXPECT_DOUBLE_EQ(a["spread"]["sum_of_squares"].GetDouble(), 100 + 625 + 225 + 1600 + 3025 + 64 + 900 + 25);
  EXPECT_EQ(ToJson(a["by_year"]["buckets"]),
            R"([{"key":1990.0,"doc_count":1,"total":{"value":30.0}},{"key":2000.0,"doc_count":3,"total":{"value":75.0}},)"
            R"({"key":2010.0,"doc_count":3,"total":{"value":78.0}},{"key":2020.0,"doc_count":1,"total":{"value":5.0}}])");
  EXPECT_EQ(ToJson(a["food"]), R"({"doc_count":2,"p":{"value":11.5}})");
  EXPECT_EQ(ToJson(a["kinds"]), R"({"buckets":{"cheap":{"doc_count":2},"_other_":{"doc_count":6}}})");
  ExpectError(HttpCall(port(), "POST", "/books1/_search", R"({"aggs":{"h":{"histogram":{"field":"price"}}}})"), 400,
              "illegal_argument_exception");
}


// `fields` and `docvalue_fields`, as Elasticsearch documents them: values
// by mapped field, from the source, formatted by type; `_source` filtering
// still applies to the source shown.
TEST_F(SearchApiTest, FieldsAndDocvalueFields) {
  auto d = Search("/books4/_search", R"({"query":{"ids":{"values":["8","1"]}},"sort":["price"],
      "_source":false,"fields":["title","user.*",{"field":"year"}],"docvalue_fields":["tags","price"]})");
  ASSERT_EQ(d["hits"]["hits"].Size(), 2u) << ToJson(d);
  const auto& first = d["hits"]["hits"][0];  // id 8, price 5
  EXPECT_FALSE(first.HasMember("_source"));
  EXPECT_EQ(ToJson(first["fields"]),
            R"({"title":["Quick quick quick"],"user.name":["ann"],"user.secret":["s"],"year":[2020],"tags":["fast"],"price":[5]})");
  const auto& second = d["hits"]["hits"][1];  // id 1
  EXPECT_EQ(ToJson(second["fields"]["tags"]), R"(["animal","fast"])");
  // With a filtered _source, both.
  d = Search("/books1/_search", R"({"query":{"ids":{"values":["3"]}},"_source":["price"],"fields":["tag*","nope"]})");
  EXPECT_EQ(ToJson(d["hits"]["hits"][0]["_source"]), R"({"price":15})");
  EXPECT_EQ(ToJson(d["hits"]["hits"][0]["fields"]), R"({"tags":["food"]})");
  // No value: no "fields".
  d = Search("/books1/_search", R"({"query":{"ids":{"values":["7"]}},"fields":["tags"]})");
  EXPECT_FALSE(d["hits"]["hits"][0].HasMember("fields")) << ToJson(d);
  ExpectError(HttpCall(port(), "POST", "/books1/_search", R"({"fields":"title"})"), 400, "parsing_exception");
  ExpectError(HttpCall(port(), "POST", "/books1/_search", R"({"fields":[{"field":"year","format":"EEE"}]})"), 400,
              "illegal_argument_exception");
}

// terminate_after (Elasticsearch's): each shard collects its first N matches
// in doc order — not its best — and stops; totals, hits and aggregations are
// those matches; `terminated_early` says whether a shard had more.
TEST_F(SearchApiTest, TerminateAfterCollectsTheFirstMatchesOfEachShard) {
  // "quick" matches 1, 3, 5 and 8; the first two in doc order (a `_doc`
  // sort says which) are collected whatever their scores.
  auto in_doc_order = Search("/books1/_search", R"({"query":{"match":{"title":"quick"}},"sort":["_doc"]})");
  std::vector<std::string> first = Ids(in_doc_order);
  ASSERT_EQ(first.size(), 4u);
  first.resize(2);
  auto d = Search("/books1/_search", R"({"terminate_after":2,"query":{"match":{"title":"quick"}}})");
  EXPECT_TRUE(d["terminated_early"].GetBool()) << ToJson(d);
  EXPECT_EQ(d["hits"]["total"]["value"].GetUint64(), 2u);
  std::vector<std::string> ids = Ids(d);
  std::sort(ids.begin(), ids.end());
  std::sort(first.begin(), first.end());
  EXPECT_EQ(ids, first);
  d = Search("/books1/_search?terminate_after=4", R"({"query":{"match":{"title":"quick"}}})");
  EXPECT_FALSE(d["terminated_early"].GetBool()) << ToJson(d);  // exactly four: nothing left over
  EXPECT_EQ(d["hits"]["total"]["value"].GetUint64(), 4u);
  d = Search("/books1/_search", R"({"query":{"match":{"title":"quick"}}})");
  EXPECT_FALSE(d.HasMember("terminated_early")) << ToJson(d);

  // Aggregations see only the collected documents: the first three.
  in_doc_order = Search("/books1/_search", R"({"size":3,"sort":["_doc"]})");
  double first_three = 0;
  for (const auto& h : in_doc_order["hits"]["hits"].GetArray()) first_three += h["_source"]["price"].GetDouble();
  d = Search("/books1/_search",
             R"({"size":0,"terminate_after":3,"aggs":{"n":{"value_count":{"field":"price"}},"s":{"sum":{"field":"price"}}}})");
  EXPECT_EQ(d["aggregations"]["n"]["value"].GetUint64(), 3u) << ToJson(d);
  EXPECT_EQ(d["aggregations"]["s"]["value"].GetDouble(), first_three) << ToJson(d);

  // Per shard: four shards holding documents give at most four.
  d = Search("/books4/_search", R"({"terminate_after":1})");
  EXPECT_TRUE(d["terminated_early"].GetBool()) << ToJson(d);
  EXPECT_LE(d["hits"]["total"]["value"].GetUint64(), 4u);
  EXPECT_EQ(d["hits"]["hits"].Size(), d["hits"]["total"]["value"].GetUint64());

  d = Json(HttpCall(port(), "GET", "/books1/_count?terminate_after=2"));
  EXPECT_EQ(d["count"].GetUint64(), 2u);
  EXPECT_TRUE(d["terminated_early"].GetBool()) << ToJson(d);
  d = Json(HttpCall(port(), "GET", "/books4/_count?terminate_after=100"));
  EXPECT_EQ(d["count"].GetUint64(), 8u);
  EXPECT_FALSE(d["terminated_early"].GetBool()) << ToJson(d);

  ExpectError(HttpCall(port(), "POST", "/books1/_search", R"({"terminate_after":-1})"), 400,
              "illegal_argument_exception");
  ExpectError(HttpCall(port(), "GET", "/books1/_count?terminate_after=-1"), 400, "illegal_argument_exception");
}

// cardinality and percentiles: distinct values and quantiles, the same over
// one shard and four (and through the loopback transport: the sketches travel
// as protobuf), also under buckets; Elasticsearch's errors for bad requests.
TEST_F(SearchApiTest, CardinalityAndPercentilesAgreeOverOneAndFourShards) {
  const std::string body = R"({"size":0,"aggs":{
      "tags":{"cardinality":{"field":"tags"}},"years":{"cardinality":{"field":"year","precision_threshold":100}},
      "price":{"percentiles":{"field":"price","percents":[50,0,100]}},
      "listed":{"percentiles":{"field":"price","percents":[25],"keyed":false}},
      "by_tag":{"terms":{"field":"tags"},"aggs":{"years":{"cardinality":{"field":"year"}}}},
      "none":{"percentiles":{"field":"no_such_field"}}}})";
  auto one = Search("/books1/_search", body);
  auto four = Search("/books4/_search", body);
  ASSERT_TRUE(one.HasMember("aggregations")) << ToJson(one);
  EXPECT_EQ(ToJson(one["aggregations"]), ToJson(four["aggregations"]));
  const auto& a = one["aggregations"];
  EXPECT_EQ(ToJson(a["tags"]), R"({"value":4})");   // animal, fast, food, cars
  EXPECT_EQ(ToJson(a["years"]), R"({"value":6})");  // 1999 2001 2005 2010 2015 2020
  // Prices 5 8 10 15 25 30 40 55: the median is between 15 and 25; percents sorted.
  EXPECT_EQ(ToJson(a["price"]), R"({"values":{"0.0":5.0,"50.0":20.0,"100.0":55.0}})");
  EXPECT_EQ(ToJson(a["listed"]), R"({"values":[{"key":25.0,"value":9.0}]})");
  EXPECT_EQ(ToJson(a["by_tag"]["buckets"][0]), R"({"key":"animal","doc_count":3,"years":{"value":2}})");
  EXPECT_EQ(ToJson(a["none"]["values"]["50.0"]), "null");

  ExpectError(HttpCall(port(), "POST", "/books1/_search", R"({"aggs":{"p":{"percentiles":{"field":"tags"}}}})"), 400,
              "illegal_argument_exception");
  ExpectError(HttpCall(port(), "POST", "/books1/_search",
                       R"({"aggs":{"p":{"percentiles":{"field":"price","percents":[101]}}}})"),
              400, "illegal_argument_exception");
  ExpectError(HttpCall(port(), "POST", "/books1/_search",
                       R"({"aggs":{"c":{"cardinality":{"field":"tags","precision_threshold":-1}}}})"),
              400, "illegal_argument_exception");
}

// Date math in range queries and date_range bounds, rounded as
// Elasticsearch documents it: gt and lte round up (the unit is excluded /
// included whole), gte and lt round down; a date-only lte includes its day.
TEST_F(SearchApiTest, RangeQueriesTakeDateMathAndRoundLikeElasticsearch) {
  ASSERT_EQ(HttpCall(port(), "PUT", "/events_dm", R"({"mappings":{"properties":{"at":{"type":"date"}}}})").status, 200);
  std::string bulk;
  int n = 0;
  for (const char* at : {"2014-10-31T23:59:59.999Z", "2014-11-01T00:00:00Z", "2014-11-18T12:00:00Z",
                         "2014-11-30T23:59:59.999Z", "2014-12-01T00:00:00Z"}) {
    bulk += R"({"index":{"_id":")" + std::to_string(++n) + "\"}}\n{\"at\":\"" + at + "\"}\n";
  }
  ASSERT_EQ(HttpCall(port(), "POST", "/events_dm/_bulk?refresh=true", bulk).status, 200);
  auto count = [&](const std::string& range) {
    auto d = Json(HttpCall(port(), "POST", "/events_dm/_count", R"({"query":{"range":{"at":)" + range + "}}}"));
    return d.HasMember("count") ? d["count"].GetUint64() : 99;
  };
  EXPECT_EQ(count(R"({"gt":"2014-11-18||/M"})"), 1u);   // December only
  EXPECT_EQ(count(R"({"gte":"2014-11-18||/M"})"), 4u);  // from November 1
  EXPECT_EQ(count(R"({"lt":"2014-11-18||/M"})"), 1u);   // before November
  EXPECT_EQ(count(R"({"lte":"2014-11-18||/M"})"), 4u);  // through November 30
  EXPECT_EQ(count(R"({"lte":"2014-11-18"})"), 3u);      // the whole day included
  EXPECT_EQ(count(R"({"gt":"2014-11-18"})"), 2u);       // the whole day excluded
  EXPECT_EQ(count(R"({"gte":"now-100y/y","lt":"now+1d/d"})"), 5u);
  EXPECT_EQ(count(R"({"gte":"now"})"), 0u);
  // 2014-12-01 at +01:00 began at 2014-11-30T23:00Z.
  EXPECT_EQ(count(R"({"gte":"2014-12-01","time_zone":"+01:00"})"), 2u);
  auto d = Search("/events_dm/_search", R"({"size":0,"aggs":{"r":{"date_range":{"field":"at",
      "ranges":[{"from":"now-100y/y","to":"2014-11-18||/M"},{"from":"2014-11-18||/M"}]}}}})");
  EXPECT_EQ(d["aggregations"]["r"]["buckets"][0]["doc_count"].GetUint64(), 1u) << ToJson(d);
  EXPECT_EQ(d["aggregations"]["r"]["buckets"][1]["doc_count"].GetUint64(), 4u) << ToJson(d);
  // Percentiles of dates carry them as text too.
  d = Search("/events_dm/_search", R"({"size":0,"aggs":{"p":{"percentiles":{"field":"at","percents":[0]}},
      "l":{"percentiles":{"field":"at","percents":[100],"keyed":false}}}})");
  EXPECT_EQ(std::string(d["aggregations"]["p"]["values"]["0.0_as_string"].GetString()), "2014-10-31T23:59:59.999Z");
  EXPECT_EQ(std::string(d["aggregations"]["l"]["values"][0]["value_as_string"].GetString()), "2014-12-01T00:00:00.000Z");
  EXPECT_EQ(HttpCall(port(), "POST", "/events_dm/_count", R"({"query":{"range":{"at":{"gte":"now-1x"}}}})").status, 400);
  EXPECT_EQ(HttpCall(port(), "POST", "/events_dm/_count",
                     R"({"query":{"range":{"at":{"gte":"now","time_zone":"Europe/Atlantis"}}}})").status, 400);
  EXPECT_EQ(HttpCall(port(), "DELETE", "/events_dm").status, 200);
}

// A date_histogram in a named time zone, end to end over one shard and four:
// days at Paris midnights, 23 hours long on the day clocks go forward, keys
// written in local time with the offset of the day; an unknown zone is a 400.
TEST_F(SearchApiTest, DateHistogramInANamedTimeZone) {
  for (const char* shards : {"1", "4"}) {
    const std::string index = std::string("/events_tz") + shards;
    ASSERT_EQ(HttpCall(port(), "PUT", index, std::string(R"({"settings":{"number_of_shards":)") + shards +
                                                 R"(},"mappings":{"properties":{"at":{"type":"date"}}}})").status,
              200);
    std::string bulk;
    int n = 0;
    for (const char* at : {"2020-03-28T22:59:00Z", "2020-03-28T23:00:00Z", "2020-03-29T21:59:00Z", "2020-03-29T22:00:00Z"}) {
      bulk += R"({"index":{"_id":")" + std::to_string(++n) + "\"}}\n{\"at\":\"" + at + "\"}\n";
    }
    ASSERT_EQ(HttpCall(port(), "POST", index + "/_bulk?refresh=true", bulk).status, 200);
    auto d = Search(index + "/_search", R"({"size":0,"aggs":{"days":{"date_histogram":{"field":"at",
        "calendar_interval":"day","time_zone":"Europe/Paris"}}}})");
    EXPECT_EQ(ToJson(d["aggregations"]["days"]["buckets"]),
              R"([{"key_as_string":"2020-03-28T00:00:00.000+01:00","key":1585350000000,"doc_count":1},)"
              R"({"key_as_string":"2020-03-29T00:00:00.000+01:00","key":1585436400000,"doc_count":2},)"
              R"({"key_as_string":"2020-03-30T00:00:00.000+02:00","key":1585519200000,"doc_count":1}])")
        << index;
    auto bad = Json(HttpCall(port(), "POST", index + "/_search",
                             R"({"aggs":{"days":{"date_histogram":{"field":"at","calendar_interval":"day",
                                 "time_zone":"Europe/Atlantis"}}}})"),
                    400);
    EXPECT_EQ(std::string(bad["error"]["type"].GetString()), "illegal_argument_exception") << ToJson(bad);
    EXPECT_EQ(std::string(bad["error"]["reason"].GetString()), "Unknown time-zone ID: Europe/Atlantis") << ToJson(bad);
    EXPECT_EQ(HttpCall(port(), "DELETE", index).status, 200);
  }
}

// terms ordered by a metric sub-aggregation (one value, a named value of a
// multi-value one, a percentile), exact over one shard and four; paths that
// do not name a metric are refused.
TEST_F(SearchApiTest, TermsOrderBySubAggregation) {
  // Prices per tag: animal 10 25 40 (avg 25), fast 10 55 5 (avg 23.33),
  // food 15 8 (avg 11.5), cars 55 (avg 55).
  auto keys = [](const rapidjson::Document& d) {
    std::string out;
    for (const auto& b : d["aggregations"]["t"]["buckets"].GetArray()) out += std::string(b["key"].GetString()) + " ";
    return out;
  };
  for (const char* index : {"/books1/_search", "/books4/_search"}) {
    auto d = Search(index, R"({"size":0,"aggs":{"t":{"terms":{"field":"tags","order":{"avg_price":"desc"}},
        "aggs":{"avg_price":{"avg":{"field":"price"}}}}}})");
    EXPECT_EQ(keys(d), "cars animal fast food ") << ToJson(d);
    d = Search(index, R"({"size":0,"aggs":{"t":{"terms":{"field":"tags","order":[{"s.min":"asc"}],"size":2},
        "aggs":{"s":{"stats":{"field":"price"}}}}}})");
    EXPECT_EQ(keys(d), "fast food ") << ToJson(d);  // minima 5, 8, then 10 and 55
    EXPECT_EQ(d["aggregations"]["t"]["sum_other_doc_count"].GetUint64(), 4u) << ToJson(d);
    d = Search(index, R"({"size":0,"aggs":{"t":{"terms":{"field":"tags","order":{"p.50":"asc"}},
        "aggs":{"p":{"percentiles":{"field":"price"}}}}}})");
    EXPECT_EQ(keys(d), "fast food animal cars ") << ToJson(d);  // medians 10, 11.5, 25, 55
  }
  for (const char* order : {R"({"nope":"desc"})", R"({"s":"desc"})", R"({"s.median":"desc"})", R"({"f":"asc"})"}) {
    const std::string body = std::string(R"({"aggs":{"t":{"terms":{"field":"tags","order":)") + order +
                             R"(},"aggs":{"s":{"stats":{"field":"price"}},"f":{"filter":{"match_all":{}}}}}}})";
    ExpectError(HttpCall(port(), "POST", "/books1/_search", body), 400, "illegal_argument_exception");
  }
}

// terms min_doc_count 0 on a keyword field: every term of the field is a
// bucket, the ones no matching document has with doc_count 0 (after the
// others), over one shard and four, also under a parent bucket.
TEST_F(SearchApiTest, TermsMinDocCountZeroListsEveryTerm) {
  const std::string every = R"([{"key":"food","doc_count":2},{"key":"animal","doc_count":0},)"
                            R"({"key":"cars","doc_count":0},{"key":"fast","doc_count":0}])";
  for (const char* index : {"/books1/_search", "/books4/_search"}) {
    auto d = Search(index, R"({"size":0,"query":{"term":{"tags":"food"}},"aggs":{
        "t":{"terms":{"field":"tags","min_doc_count":0}},
        "seen":{"terms":{"field":"tags"}},
        "f":{"filter":{"term":{"tags":"food"}},"aggs":{"t":{"terms":{"field":"tags","min_doc_count":0}}}}}})");
    EXPECT_EQ(ToJson(d["aggregations"]["t"]["buckets"]), every) << index;
    EXPECT_EQ(ToJson(d["aggregations"]["f"]["t"]["buckets"]), every) << index;
    EXPECT_EQ(ToJson(d["aggregations"]["seen"]["buckets"]), R"([{"key":"food","doc_count":2}])") << index;
  }
  ExpectError(HttpCall(port(), "POST", "/books1/_search",
                       R"({"aggs":{"t":{"terms":{"field":"price","min_doc_count":0}}}})"),
              400, "illegal_argument_exception");
}

// include / exclude on a numeric field: arrays of numbers and partitions
// (regular expressions are for strings), the same over one shard and four.
TEST_F(SearchApiTest, TermsIncludeExcludeOnNumbers) {
  auto keys = [](const rapidjson::Value& agg) {
    std::string out;
    for (const auto& b : agg["buckets"].GetArray()) out += std::to_string(b["key"].GetInt64()) + ":" + std::to_string(b["doc_count"].GetUint64()) + " ";
    return out;
  };
  for (const char* index : {"/books1/_search", "/books4/_search"}) {
    auto d = Search(index, R"({"size":0,"aggs":{
        "in":{"terms":{"field":"year","include":[2001,"2010",1234]}},
        "out":{"terms":{"field":"year","exclude":[2001,2010],"order":{"_key":"asc"}}},
        "p0":{"terms":{"field":"year","include":{"partition":0,"num_partitions":2}}},
        "p1":{"terms":{"field":"year","include":{"partition":1,"num_partitions":2}}}}})");
    const auto& a = d["aggregations"];
    EXPECT_EQ(keys(a["in"]), "2001:2 2010:2 ") << index;
    EXPECT_EQ(keys(a["out"]), "1999:1 2005:1 2015:1 2020:1 ") << index;
    // The two partitions hold every year once between them.
    const std::string both = keys(a["p0"]) + keys(a["p1"]);
    EXPECT_EQ(a["p0"]["buckets"].Size() + a["p1"]["buckets"].Size(), 6u) << ToJson(a);
    for (const char* year : {"1999:", "2001:", "2005:", "2010:", "2015:", "2020:"}) {
      EXPECT_NE(both.find(year), std::string::npos) << year << " " << both;
    }
  }
  ExpectError(HttpCall(port(), "POST", "/books1/_search", R"({"aggs":{"t":{"terms":{"field":"year","include":"20.*"}}}})"),
              400, "illegal_argument_exception");
}

// top_hits: the best docs per bucket with their filtered sources, the same
// over one shard and four (the index name aside).
TEST_F(SearchApiTest, TopHitsPerBucketAndAtTheTopLevel) {
  auto same_index = [](std::string json) {
    for (size_t at = json.find("books4"); at != std::string::npos; at = json.find("books4", at)) json[at + 5] = '1';
    return json;
  };
  // The latest book per tag (year desc; food's two 2010 books tie: by _id).
  const std::string latest = R"({"size":0,"aggs":{"by_tag":{"terms":{"field":"tags","order":{"_key":"asc"}},
      "aggs":{"top":{"top_hits":{"size":1,"sort":[{"year":{"order":"desc"}}],"_source":{"includes":["title"]}}}}}}})";
  auto one = Search("/books1/_search", latest);
  auto four = Search("/books4/_search", latest);
  ASSERT_TRUE(one.HasMember("aggregations")) << ToJson(one);
  EXPECT_EQ(ToJson(one["aggregations"]), same_index(ToJson(four["aggregations"])));
  const auto& buckets = one["aggregations"]["by_tag"]["buckets"];
  ASSERT_EQ(buckets.Size(), 4u) << ToJson(one);
  EXPECT_EQ(ToJson(buckets[0]["top"]),
            R"({"hits":{"total":{"value":3,"relation":"eq"},"max_score":null,"hits":[{"_index":"books1","_id":"2",)"
            R"("_score":null,"_source":{"title":"Lazy dogs sleep all day"},"sort":[2005]}]}})");
  std::string latest_ids;
  for (const auto& b : buckets.GetArray()) latest_ids += std::string(b["top"]["hits"]["hits"][0]["_id"].GetString()) + " ";
  EXPECT_EQ(latest_ids, "2 5 8 3 ");  // animal cars fast food

  // By score (the default), at the top level: the search's own best hit.
  const std::string scored = R"({"query":{"match":{"title":"quick"}},"aggs":{"top":{"top_hits":{"size":2}}}})";
  for (const char* index : {"/books1/_search", "/books4/_search"}) {
    auto d = Search(index, scored);
    const auto& top = d["aggregations"]["top"]["hits"];
    EXPECT_EQ(top["total"]["value"].GetUint64(), d["hits"]["total"]["value"].GetUint64()) << ToJson(d);
    ASSERT_EQ(top["hits"].Size(), 2u) << ToJson(d);
    EXPECT_EQ(std::string(top["hits"][0]["_id"].GetString()), d["hits"]["hits"][0]["_id"].GetString());
    EXPECT_DOUBLE_EQ(top["hits"][0]["_score"].GetDouble(), d["hits"]["hits"][0]["_score"].GetDouble());
    EXPECT_DOUBLE_EQ(top["max_score"].GetDouble(), d["hits"]["max_score"].GetDouble());
    EXPECT_TRUE(top["hits"][0]["_source"].HasMember("tags")) << ToJson(d);
    EXPECT_FALSE(top["hits"][0].HasMember("sort"));
  }

  // from, no source, version; under a histogram.
  const std::string paged = R"({"size":0,"aggs":{"cheap":{"top_hits":{"from":2,"size":2,"sort":["price"],
      "_source":false,"version":true}},"h":{"histogram":{"field":"price","interval":20},
      "aggs":{"oldest":{"top_hits":{"size":1,"sort":[{"year":"asc"},{"price":"desc"}],"_source":["year"]}}}}}})";
  one = Search("/books1/_search", paged);
  four = Search("/books4/_search", paged);
  EXPECT_EQ(ToJson(one["aggregations"]), same_index(ToJson(four["aggregations"])));
  EXPECT_EQ(ToJson(one["aggregations"]["cheap"]),  // prices 5 8 10 15 ...: from 2
            R"({"hits":{"total":{"value":8,"relation":"eq"},"max_score":null,"hits":[)"
            R"({"_index":"books1","_id":"1","_version":1,"_score":null,"sort":[10]},)"
            R"({"_index":"books1","_id":"3","_version":1,"_score":null,"sort":[15]}]}})");
  // Prices 0-19: 10 (2001) 15 8 5: the oldest is book 1.
  EXPECT_EQ(ToJson(one["aggregations"]["h"]["buckets"][0]["oldest"]["hits"]["hits"]),
            R"([{"_index":"books1","_id":"1","_score":null,"_source":{"year":2001},"sort":[2001,10]}])");

  ExpectError(HttpCall(port(), "POST", "/books1/_search",
                       R"({"aggs":{"top":{"top_hits":{},"aggs":{"m":{"max":{"field":"price"}}}}}})"),
              400, "illegal_argument_exception");
  ExpectError(HttpCall(port(), "POST", "/books4/_search", R"({"aggs":{"top":{"top_hits":{"size":101}}}})"), 400,
              "illegal_argument_exception");
}

}  // namespace
}  // namespace holdfast
