// Field types and mapping parameters on a real node, as Elasticsearch's
// reference documents them: ip (term, CIDR, range, terms aggregation, sort,
// search_after), integer ranges with store, null_value, copy_to, index: false,
// doc_values: false, and what GET _mapping and _field_caps report.
#include "tests/server/index_api_fixture.h"

namespace holdfast {
namespace {

class FieldTypesApiTest : public IndexApiFixture {
 protected:
  static void SetUpTestSuite() {
    IndexApiFixture::SetUpTestSuite();
    auto r = Call("PUT", "/net", R"({"settings":{"number_of_shards":2},"mappings":{"properties":{
      "ip": {"type": "ip"},
      "port": {"type": "integer", "store": true},
      "bytes": {"type": "long", "doc_values": false},
      "level": {"type": "keyword", "null_value": "NONE"},
      "note": {"type": "text", "index": false},
      "first": {"type": "text", "copy_to": "who"}, "last": {"type": "text", "copy_to": "who"},
      "who": {"type": "text"}}}})");
    ASSERT_EQ(r.status, 200) << r.body;
    r = Call("POST", "/net/_bulk?refresh=true",
             R"({"index":{"_id":"1"}}
{"ip":"10.0.0.2","port":80,"bytes":100,"level":"info","note":"first one","first":"John","last":"Smith"}
{"index":{"_id":"2"}}
{"ip":"10.0.0.10","port":443,"bytes":200,"level":null,"first":"Jane","last":"Doe"}
{"index":{"_id":"3"}}
{"ip":"192.168.1.1","port":22,"bytes":300}
{"index":{"_id":"4"}}
{"ip":"2001:db8::1","port":8080,"bytes":400}
{"index":{"_id":"5"}}
{"ip":["10.1.2.3","::ffff:10.0.0.3"],"port":53,"bytes":500}
)");
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_EQ(r.body.find("\"errors\":true"), std::string::npos) << r.body;
  }

  static std::vector<std::string> Ids(const std::string& body) {
    auto r = Call("POST", "/net/_search", body);
    EXPECT_EQ(r.status, 200) << body << " → " << r.body;
    std::vector<std::string> ids;
    if (r.status != 200) return ids;
    auto d = Json(r.body);
    for (const auto& hit : d["hits"]["hits"].GetArray()) ids.push_back(Str(hit["_id"]));
    std::sort(ids.begin(), ids.end());
    return ids;
  }
  using Strings = std::vector<std::string>;
};

TEST_F(FieldTypesApiTest, IpTermCidrAndRangeQueries) {
  EXPECT_EQ(Ids(R"({"query":{"term":{"ip":"10.0.0.2"}}})"), Strings{"1"});
  // The IPv4-mapped IPv6 form is the same address.
  EXPECT_EQ(Ids(R"({"query":{"term":{"ip":"::ffff:10.0.0.2"}}})"), Strings{"1"});
  EXPECT_EQ(Ids(R"({"query":{"term":{"ip":"10.0.0.0/24"}}})"), (Strings{"1", "2", "5"}));
  EXPECT_EQ(Ids(R"({"query":{"term":{"ip":"10.0.0.0/8"}}})"), (Strings{"1", "2", "5"}));
  EXPECT_EQ(Ids(R"({"query":{"terms":{"ip":["192.168.0.0/16","2001:db8::/32"]}}})"), (Strings{"3", "4"}));
  // Address order: 10.0.0.2 < 10.0.0.10, although "10.0.0.10" < "10.0.0.2" as text.
  EXPECT_EQ(Ids(R"({"query":{"range":{"ip":{"gt":"10.0.0.2","lte":"10.0.0.10"}}}})"), (Strings{"2", "5"}));
  EXPECT_EQ(Ids(R"({"query":{"match":{"ip":"2001:db8:0:0:0:0:0:1"}}})"), Strings{"4"});
  auto r = Call("POST", "/net/_search", R"({"query":{"term":{"ip":"10.0.0.300"}}})");
  ExpectEsError(r, 400, "query_shard_exception");
  EXPECT_NE(r.body.find("'10.0.0.300' is not an IP string literal."), std::string::npos) << r.body;
}

TEST_F(FieldTypesApiTest, IpTermsAggregationAndSortShowAddresses) {
  auto r = Call("POST", "/net/_search", R"({"size":0,"aggs":{"ips":{"terms":{"field":"ip","order":{"_key":"asc"}}}}})");
  ASSERT_EQ(r.status, 200) << r.body;
  auto d = Json(r.body);
  Strings keys;
  for (const auto& b : d["aggregations"]["ips"]["buckets"].GetArray()) keys.push_back(Str(b["key"]));
  EXPECT_EQ(keys, (Strings{"10.0.0.2", "10.0.0.3", "10.0.0.10", "10.1.2.3", "192.168.1.1", "2001:db8::1"}));

  r = Call("POST", "/net/_search", R"({"size":2,"sort":[{"ip":"asc"}],"query":{"match_all":{}}})");
  ASSERT_EQ(r.status, 200) << r.body;
  d = Json(r.body);
  ASSERT_EQ(d["hits"]["hits"].Size(), 2u);
  EXPECT_EQ(Str(d["hits"]["hits"][0]["_id"]), "1");
  EXPECT_EQ(Str(d["hits"]["hits"][0]["sort"]), R"(["10.0.0.2"])");
  EXPECT_EQ(Str(d["hits"]["hits"][1]["sort"]), R"(["10.0.0.3"])");
  // The sort values given back resume after them.
  r = Call("POST", "/net/_search", R"({"size":2,"sort":[{"ip":"asc"}],"search_after":["10.0.0.3"]})");
  ASSERT_EQ(r.status, 200) << r.body;
  d = Json(r.body);
  ASSERT_EQ(d["hits"]["hits"].Size(), 2u);
  EXPECT_EQ(Str(d["hits"]["hits"][0]["sort"]), R"(["10.0.0.10"])");
  EXPECT_EQ(Str(d["hits"]["hits"][1]["sort"]), R"(["192.168.1.1"])");

  r = Call("POST", "/net/_search", R"({"query":{"ids":{"values":["4"]}},"fields":["ip"]})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Str(Json(r.body)["hits"]["hits"][0]["fields"]["ip"]), R"(["2001:db8::1"])");
}

TEST_F(FieldTypesApiTest, IntegerRangeIsCheckedAndTheMappingShowsTheDeclaredType) {
  auto r = Call("PUT", "/net/_doc/big?refresh=true", R"({"port": 2147483648})");
  ExpectEsError(r, 400, "mapper_parsing_exception");
  EXPECT_NE(r.body.find("failed to parse field [port] of type [integer]"), std::string::npos) << r.body;
  r = Call("GET", "/net/_mapping");
  ASSERT_EQ(r.status, 200);
  auto d = Json(r.body);
  const auto& props = d["net"]["mappings"]["properties"];
  EXPECT_EQ(Str(props["port"]), R"({"type":"integer","store":true})");
  EXPECT_EQ(Str(props["ip"]), R"({"type":"ip"})");
  EXPECT_EQ(Str(props["first"]), R"({"type":"text","copy_to":["who"]})");
  EXPECT_EQ(Str(props["level"]), R"({"type":"keyword","null_value":"NONE"})");
}

TEST_F(FieldTypesApiTest, StoredFieldsReturnTheFieldsMappedWithStore) {
  auto r = Call("POST", "/net/_search", R"({"query":{"ids":{"values":["1"]}},"stored_fields":["port","bytes"]})");
  ASSERT_EQ(r.status, 200) << r.body;
  auto d = Json(r.body);
  ASSERT_EQ(d["hits"]["hits"].Size(), 1u) << r.body;
  const auto& hit = d["hits"]["hits"][0];
  EXPECT_FALSE(hit.HasMember("_source")) << r.body;
  // bytes is not stored: only port is there.
  EXPECT_EQ(Str(hit["fields"]), R"({"port":[80]})");
  r = Call("GET", "/net/_search?q=port:443&stored_fields=p*");
  ASSERT_EQ(r.status, 200) << r.body;
  d = Json(r.body);
  ASSERT_EQ(d["hits"]["hits"].Size(), 1u) << r.body;
  EXPECT_EQ(Str(d["hits"]["hits"][0]["fields"]), R"({"port":[443]})");
}

TEST_F(FieldTypesApiTest, NullValueAndCopyToAreSearchable) {
  EXPECT_EQ(Ids(R"({"query":{"term":{"level":"NONE"}}})"), Strings{"2"});
  EXPECT_EQ(Ids(R"({"query":{"match":{"who":"smith"}}})"), Strings{"1"});
  EXPECT_EQ(Ids(R"({"query":{"match":{"who":{"query":"jane smith"}}}})"), (Strings{"1", "2"}));
  // copy_to does not change _source.
  auto d = Json(Call("GET", "/net/_doc/1").body);
  EXPECT_FALSE(d["_source"].HasMember("who"));
}

TEST_F(FieldTypesApiTest, FieldsWithoutIndexOrDocValuesRefuseWhatTheyCannotDo) {
  auto r = Call("POST", "/net/_search", R"({"query":{"match":{"note":"first"}}})");
  ExpectEsError(r, 400, "query_shard_exception");
  EXPECT_NE(r.body.find("Cannot search on field [note] since it is not indexed."), std::string::npos) << r.body;
  r = Call("POST", "/net/_search", R"({"size":0,"aggs":{"b":{"sum":{"field":"bytes"}}}})");
  ExpectEsError(r, 400, "illegal_argument_exception");
  EXPECT_NE(r.body.find("Can't load fielddata on [bytes]"), std::string::npos) << r.body;
  r = Call("POST", "/net/_search", R"({"sort":[{"bytes":"asc"}]})");
  ExpectEsError(r, 400, "illegal_argument_exception");
  // Still searchable: a long without doc values keeps its index.
  EXPECT_EQ(Ids(R"({"query":{"range":{"bytes":{"gte":400}}}})"), (Strings{"4", "5"}));

  r = Call("GET", "/net/_field_caps?fields=note,bytes,ip,port");
  ASSERT_EQ(r.status, 200) << r.body;
  auto d = Json(r.body);
  EXPECT_FALSE(d["fields"]["note"]["text"]["searchable"].GetBool());
  EXPECT_FALSE(d["fields"]["bytes"]["long"]["aggregatable"].GetBool());
  EXPECT_TRUE(d["fields"]["ip"]["ip"]["aggregatable"].GetBool());
  EXPECT_TRUE(d["fields"]["port"]["integer"]["searchable"].GetBool());
}

}  // namespace
}  // namespace holdfast
