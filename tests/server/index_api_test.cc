// Index management, _cat and _cluster/health on a real node.
#include <sys/stat.h>

#include <filesystem>

#include "tests/server/index_api_fixture.h"

namespace holdfast {
namespace {

using namespace std::chrono_literals;

class IndexApiTest : public IndexApiFixture {};

TEST_F(IndexApiTest, CreateGetAndDeleteAnIndex) {
  auto r = Call("PUT", "/products",
                R"({"settings":{"number_of_shards":3,"index.number_of_replicas":"0","refresh_interval":"500ms"},
                    "mappings":{"properties":{"title":{"type":"text","analyzer":"english"},"price":{"type":"long"}}}})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, R"({"acknowledged":true,"shards_acknowledged":true,"index":"products"})");

  r = Call("GET", "/products");
  ASSERT_EQ(r.status, 200) << r.body;
  auto d = Json(r.body);
  const auto& idx = d["products"];
  EXPECT_TRUE(idx["aliases"].IsObject() && idx["aliases"].ObjectEmpty());
  EXPECT_EQ(Str(idx["mappings"]["properties"]["title"]["type"]), "text");
  EXPECT_EQ(Str(idx["mappings"]["properties"]["title"]["analyzer"]), "english");
  EXPECT_EQ(Str(idx["mappings"]["properties"]["price"]["type"]), "long");
  const auto& s = idx["settings"]["index"];
  EXPECT_EQ(Str(s["number_of_shards"]), "3");
  EXPECT_EQ(Str(s["number_of_replicas"]), "0");
  EXPECT_EQ(Str(s["refresh_interval"]), "500ms");
  EXPECT_EQ(Str(s["provided_name"]), "products");
  EXPECT_EQ(Str(s["uuid"]).size(), 36u);
  EXPECT_GT(std::stoll(Str(s["creation_date"])), 1600000000000LL);

  EXPECT_EQ(Call("HEAD", "/products").status, 200);
  EXPECT_TRUE(Call("HEAD", "/products").body.empty());

  // The index lives in data/indices/<uuid>; DELETE removes it.
  const std::string dir = tmp_->Sub("data") + "/indices/" + Str(s["uuid"]);
  EXPECT_TRUE(std::filesystem::exists(dir));
  r = Call("DELETE", "/products");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, R"({"acknowledged":true})");
  EXPECT_EQ(Call("HEAD", "/products").status, 404);
  ExpectEsError(Call("GET", "/products"), 404, "index_not_found_exception");
  EXPECT_TRUE(testing::WaitFor([&] { return !std::filesystem::exists(dir); }, 10s));

  // A new index with the same name starts empty.
  ASSERT_EQ(Call("PUT", "/products").status, 200);
  ASSERT_EQ(Call("GET", "/products/_doc/1").status, 404);
  EXPECT_EQ(Call("DELETE", "/products").status, 200);
}

TEST_F(IndexApiTest, DefaultsAndDuplicateCreate) {
  ASSERT_EQ(Call("PUT", "/plain").status, 200);
  auto d = Json(Call("GET", "/plain/_settings").body);
  EXPECT_EQ(Str(d["plain"]["settings"]["index"]["number_of_shards"]), "1");
  EXPECT_EQ(Str(d["plain"]["settings"]["index"]["number_of_replicas"]), "1");
  EXPECT_EQ(Str(d["plain"]["settings"]["index"]["refresh_interval"]), "1s");
  ExpectEsError(Call("PUT", "/plain"), 400, "resource_already_exists_exception");
  EXPECT_EQ(Call("DELETE", "/plain").status, 200);
  ExpectEsError(Call("DELETE", "/plain"), 404, "index_not_found_exception");
}

TEST_F(IndexApiTest, BadIndexNamesAndBodiesAreRefused) {
  for (const char* name : {"Bad", "a%2Fb", "..", "-x", "+x", "a%20b", "a*b"}) {
    ExpectEsError(Call("PUT", std::string("/") + name), 400, "invalid_index_name_exception");
  }
  // A "_name" segment is never an index: such paths are API names, and unknown ones are 404.
  ExpectEsError(Call("PUT", "/_x"), 404, "resource_not_found_exception");
  ExpectEsError(Call("PUT", "/badjson", "{\"settings\": {"), 400, "parse_exception");
  ExpectEsError(Call("PUT", "/badutf8", "{\"settings\": {\"refresh_interval\": \"\xff\xfe\"}}"), 400,
                "parse_exception");
  std::string deep;
  for (int i = 0; i < 200; ++i) deep += "{\"a\":";
  deep += "1";
  for (int i = 0; i < 200; ++i) deep += "}";
  ExpectEsError(Call("PUT", "/deep", deep), 400, "parse_exception");
  ExpectEsError(Call("PUT", "/unknown", R"({"settings":{"index.frobnicate":1}})"), 400, "illegal_argument_exception");
  ExpectEsError(Call("PUT", "/zero", R"({"settings":{"number_of_shards":0}})"), 400, "illegal_argument_exception");
  ExpectEsError(Call("PUT", "/badmap", R"({"mappings":{"properties":{"f":{"type":"nope"}}}})"), 400,
                "mapper_parsing_exception");
  ExpectEsError(Call("PUT", "/badri", R"({"settings":{"refresh_interval":"10"}})"), 400, "illegal_argument_exception");
  // None of them was created.
  auto d = Json(Call("GET", "/_cat/indices?format=json").body);
  for (const auto& row : d.GetArray()) {
    const std::string n = Str(row["index"]);
    EXPECT_TRUE(n != "badjson" && n != "deep" && n != "unknown" && n != "zero" && n != "badmap") << n;
  }
}

TEST_F(IndexApiTest, MappingsCanBeReadAndExtended) {
  ASSERT_EQ(Call("PUT", "/mapped", R"({"mappings":{"properties":{"a":{"type":"keyword"}}}})").status, 200);
  auto r = Call("PUT", "/mapped/_mapping", R"({"properties":{"b":{"type":"long"}}})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, R"({"acknowledged":true})");
  auto d = Json(Call("GET", "/mapped/_mapping").body);
  EXPECT_EQ(Str(d["mapped"]["mappings"]["properties"]["a"]["type"]), "keyword");
  EXPECT_EQ(Str(d["mapped"]["mappings"]["properties"]["b"]["type"]), "long");
  ExpectEsError(Call("PUT", "/mapped/_mapping", R"({"properties":{"a":{"type":"long"}}})"), 400,
                "illegal_argument_exception");
  ExpectEsError(Call("GET", "/missing/_mapping"), 404, "index_not_found_exception");
  EXPECT_EQ(Call("DELETE", "/mapped").status, 200);
}

TEST_F(IndexApiTest, RefreshFlushAndForceMergeTakeIndexExpressions) {
  ASSERT_EQ(Call("PUT", "/logs-a", R"({"settings":{"number_of_shards":2,"number_of_replicas":0}})").status, 200);
  ASSERT_EQ(Call("PUT", "/logs-b", R"({"settings":{"number_of_shards":1,"number_of_replicas":1}})").status, 200);
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(Call("PUT", "/logs-a/_doc/" + std::to_string(i), R"({"n":1})").status, 201);
  }
  auto r = Call("POST", "/logs-*/_refresh");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, R"({"_shards":{"total":4,"successful":3,"failed":0}})");
  EXPECT_EQ(Call("GET", "/logs-a,logs-b/_refresh").status, 200);
  r = Call("POST", "/_all/_flush");
  EXPECT_EQ(r.status, 200) << r.body;
  r = Call("POST", "/logs-a/_forcemerge?max_num_segments=1");
  EXPECT_EQ(r.body, R"({"_shards":{"total":2,"successful":2,"failed":0}})");
  ExpectEsError(Call("POST", "/nope/_refresh"), 404, "index_not_found_exception");
  ExpectEsError(Call("POST", "/logs-a/_forcemerge?max_num_segments=x"), 400, "illegal_argument_exception");

  // _cat/indices: aligned text, header with ?v, JSON with ?format=json.
  r = Call("GET", "/_cat/indices/logs-*?v");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("content-type").rfind("text/plain", 0), 0u);
  std::vector<std::string> lines;
  for (size_t pos = 0; pos < r.body.size();) {
    size_t nl = r.body.find('\n', pos);
    lines.push_back(r.body.substr(pos, nl - pos));
    pos = nl + 1;
  }
  ASSERT_EQ(lines.size(), 3u) << r.body;
  EXPECT_EQ(lines[0].rfind("health status index  uuid", 0), 0u) << r.body;
  EXPECT_NE(lines[0].find("pri rep docs.count docs.deleted store.size pri.store.size"), std::string::npos) << r.body;
  EXPECT_EQ(lines[1].rfind("green  open   logs-a ", 0), 0u) << r.body;
  EXPECT_EQ(lines[2].rfind("yellow open   logs-b ", 0), 0u) << r.body;
  // docs.count is right-aligned under its header.
  const size_t end_of_count = lines[0].find("docs.count") + std::string("docs.count").size();
  EXPECT_EQ(lines[1][end_of_count - 1], '5') << r.body;
  auto d = Json(Call("GET", "/_cat/indices/logs-a?format=json").body);
  ASSERT_EQ(d.Size(), 1u);
  EXPECT_EQ(Str(d[0]["health"]), "green");
  EXPECT_EQ(Str(d[0]["pri"]), "2");
  EXPECT_EQ(Str(d[0]["rep"]), "0");
  EXPECT_EQ(Str(d[0]["docs.count"]), "5");
  const std::string size = Str(d[0]["store.size"]);
  EXPECT_TRUE(size.size() > 1 && (size.back() == 'b')) << size;
  EXPECT_EQ(Call("GET", "/_cat/indices/logs-a?h=index,docs.count").body, "logs-a 5\n");

  // _cat/shards: one row per primary, unassigned replicas like Elasticsearch.
  r = Call("GET", "/_cat/shards/logs-*?v");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body.rfind("index  shard prirep state", 0), 0u) << r.body;
  EXPECT_NE(r.body.find("logs-a     0 p      STARTED"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("logs-b     0 r      UNASSIGNED"), std::string::npos) << r.body;
  d = Json(Call("GET", "/_cat/shards/logs-a?format=json").body);
  ASSERT_EQ(d.Size(), 2u);
  EXPECT_EQ(Str(d[0]["prirep"]), "p");
  EXPECT_EQ(Str(d[0]["ip"]), "127.0.0.1");
  EXPECT_EQ(Call("DELETE", "/logs-*").status, 200);
}

TEST_F(IndexApiTest, ClusterHealth) {
  ASSERT_EQ(Call("PUT", "/h0", R"({"settings":{"number_of_replicas":0,"number_of_shards":2}})").status, 200);
  ASSERT_EQ(Call("PUT", "/h1", R"({"settings":{"number_of_replicas":1}})").status, 200);
  auto r = Call("GET", "/_cluster/health/h0");
  ASSERT_EQ(r.status, 200) << r.body;
  auto d = Json(r.body);
  EXPECT_EQ(Str(d["status"]), "green");
  EXPECT_FALSE(d["timed_out"].GetBool());
  EXPECT_EQ(d["number_of_nodes"].GetInt(), 1);
  EXPECT_EQ(d["active_primary_shards"].GetInt(), 2);
  EXPECT_EQ(d["unassigned_shards"].GetInt(), 0);
  d = Json(Call("GET", "/_cluster/health/h1").body);
  EXPECT_EQ(Str(d["status"]), "yellow");
  EXPECT_EQ(d["unassigned_shards"].GetInt(), 1);
  // Already satisfied: immediate. Never satisfied: 408 after the timeout.
  EXPECT_EQ(Call("GET", "/_cluster/health?wait_for_status=yellow&timeout=5s").status, 200);
  const auto start = std::chrono::steady_clock::now();
  r = Call("GET", "/_cluster/health/h1?wait_for_status=green&timeout=300ms");
  EXPECT_EQ(r.status, 408) << r.body;
  EXPECT_GE(std::chrono::steady_clock::now() - start, 300ms);
  d = Json(r.body);
  EXPECT_TRUE(d["timed_out"].GetBool());
  EXPECT_EQ(Str(d["status"]), "yellow");
  r = Call("GET", "/_cluster/health/nothere?timeout=100ms");
  EXPECT_EQ(r.status, 408);
  EXPECT_EQ(Str(Json(r.body)["status"]), "red");
  ExpectEsError(Call("GET", "/_cluster/health?wait_for_status=purple"), 400, "illegal_argument_exception");
  EXPECT_EQ(Call("DELETE", "/h0,h1").status, 200);
}

}  // namespace
// _cat conventions: ?s sorts (sizes and numbers by value, :desc), an
// unknown sort key or health value is a 400, ?health= filters, _cat/count
// and _cat/health answer in the same table forms.
// PUT /{index}/_settings: dynamic settings change live, static ones are
// refused as Elasticsearch refuses them, null resets.
TEST_F(IndexApiTest, DynamicSettingsChangeLiveAndStaticOnesAreRefused) {
  ASSERT_EQ(Call("PUT", "/tuned", R"({"settings":{"number_of_shards":2,"number_of_replicas":0,"refresh_interval":"-1"}})")
                .status,
            200);
  for (int i = 0; i < 30; ++i) {
    ASSERT_EQ(Call("PUT", "/tuned/_doc/" + std::to_string(i), R"({"n":)" + std::to_string(i) + "}").status, 201);
  }
  auto count = [&] { return Json(Call("GET", "/tuned/_count").body)["count"].GetUint64(); };
  EXPECT_EQ(count(), 0u) << "refresh_interval -1: nothing searchable before a refresh";
  auto r = Call("PUT", "/tuned/_settings", R"({"index":{"refresh_interval":"100ms"}})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, R"({"acknowledged":true})");
  EXPECT_TRUE(testing::WaitFor([&] { return count() == 30; }, 10s)) << "the open shards refresh on the new interval";
  EXPECT_EQ(Str(Json(Call("GET", "/tuned/_settings").body)["tuned"]["settings"]["index"]["refresh_interval"]), "100ms");

  // index.max_result_window bounds from + size; null resets it.
  ASSERT_EQ(Call("PUT", "/tuned/_settings", R"({"max_result_window":20})").status, 200);
  EXPECT_EQ(Str(Json(Call("GET", "/tuned/_settings").body)["tuned"]["settings"]["index"]["max_result_window"]), "20");
  r = Call("POST", "/tuned/_search", R"({"from":15,"size":10})");
  ExpectEsError(r, 400, "illegal_argument_exception");
  EXPECT_NE(r.body.find("Result window is too large, from + size must be less than or equal to: [20] but was [25]"),
            std::string::npos)
      << r.body;
  EXPECT_EQ(Call("POST", "/tuned/_search", R"({"from":15,"size":5})").status, 200);
  ASSERT_EQ(Call("PUT", "/tuned/_settings", R"({"settings":{"index.max_result_window":null}})").status, 200);
  EXPECT_EQ(Call("POST", "/tuned/_search", R"({"from":15,"size":10})").status, 200);

  // number_of_replicas: new copies wait unassigned (one node), and go again.
  ASSERT_EQ(Call("PUT", "/tuned/_settings", R"({"number_of_replicas":1})").status, 200);
  EXPECT_EQ(Str(Json(Call("GET", "/tuned/_settings").body)["tuned"]["settings"]["index"]["number_of_replicas"]), "1");
  EXPECT_EQ(Call("GET", "/_cat/shards/tuned?h=prirep,state&s=prirep").body,
            "p STARTED\np STARTED\nr UNASSIGNED\nr UNASSIGNED\n");
  EXPECT_EQ(Str(Json(Call("GET", "/_cluster/health/tuned").body)["status"]), "yellow");
  ASSERT_EQ(Call("PUT", "/tuned/_settings", R"({"number_of_replicas":0})").status, 200);
  EXPECT_EQ(Call("GET", "/_cat/shards/tuned?h=prirep").body, "p\np\n");
  EXPECT_EQ(Str(Json(Call("GET", "/_cluster/health/tuned").body)["status"]), "green");

  // Refused as Elasticsearch refuses them; nothing changes.
  r = Call("PUT", "/tuned/_settings", R"({"number_of_shards":3})");
  ExpectEsError(r, 400, "illegal_argument_exception");
  EXPECT_NE(r.body.find("Can't update non dynamic settings [[index.number_of_shards]] for open indices [[tuned/"),
            std::string::npos)
      << r.body;
  ExpectEsError(Call("PUT", "/tuned/_settings", R"({"index.colour":"red"})"), 400, "illegal_argument_exception");
  ExpectEsError(Call("PUT", "/tuned/_settings", R"({"refresh_interval":"soon"})"), 400, "illegal_argument_exception");
  ExpectEsError(Call("PUT", "/tuned/_settings", "{}"), 400, "action_request_validation_exception");
  ExpectEsError(Call("PUT", "/nope/_settings", R"({"refresh_interval":"1s"})"), 404, "index_not_found_exception");
  EXPECT_EQ(Str(Json(Call("GET", "/tuned/_settings").body)["tuned"]["settings"]["index"]["number_of_shards"]), "2");
  // _all and no index: every index.
  ASSERT_EQ(Call("PUT", "/_settings", R"({"index":{"refresh_interval":"2s"}})").status, 200);
  EXPECT_EQ(Str(Json(Call("GET", "/tuned/_settings").body)["tuned"]["settings"]["index"]["refresh_interval"]), "2s");
  ASSERT_EQ(Call("DELETE", "/tuned").status, 200);
}

// index.routing.allocation.*: given at creation or changed live, shown by
// GET _settings as Elasticsearch nests them, null or "" removes one; a
// misspelt filter or a bad limit is refused. (Where copies go is the
// cluster's business: tests/replication/index_allocation_test.cc and
// tests/cluster/allocation_settings_test.cc.)
TEST_F(IndexApiTest, IndexAllocationSettingsAreStoredShownAndValidated) {
  auto r = Call("PUT", "/placed", R"({"settings":{"index.routing.allocation.require.box":"hot",
      "routing":{"allocation":{"exclude":{"_name":"n9"}, "total_shards_per_node":2}}}})");
  ASSERT_EQ(r.status, 200) << r.body;
  auto allocation = [&] {
    auto d = Json(Call("GET", "/placed/_settings").body);
    const auto& index = d["placed"]["settings"]["index"];
    if (!index.HasMember("routing")) return std::string("<none>");
    rapidjson::StringBuffer b;
    rapidjson::Writer<rapidjson::StringBuffer> w(b);
    index["routing"]["allocation"].Accept(w);
    return std::string(b.GetString(), b.GetSize());
  };
  EXPECT_EQ(allocation(), R"({"exclude":{"_name":"n9"},"require":{"box":"hot"},"total_shards_per_node":"2"})");
  r = Call("PUT", "/placed/_settings", R"({"index.routing.allocation.require.box":"warm",
      "index.routing.allocation.include._ip":"10.0.*","index.routing.allocation.exclude._name":null})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(allocation(), R"({"include":{"_ip":"10.0.*"},"require":{"box":"warm"},"total_shards_per_node":"2"})");
  ExpectEsError(Call("PUT", "/placed/_settings", R"({"index.routing.allocation.require.box.x":"a"})"), 400,
                "illegal_argument_exception");
  ExpectEsError(Call("PUT", "/placed/_settings", R"({"index.routing.allocation.prefer.box":"a"})"), 400,
                "illegal_argument_exception");
  r = Call("PUT", "/placed/_settings", R"({"index.routing.allocation.total_shards_per_node":-2})");
  ExpectEsError(r, 400, "illegal_argument_exception");
  EXPECT_NE(r.body.find("must be a whole number >= -1"), std::string::npos) << r.body;
  ExpectEsError(Call("PUT", "/bad-limit", R"({"settings":{"index.routing.allocation.total_shards_per_node":"two"}})"),
                400, "illegal_argument_exception");
  // index.routing.allocation.enable: the four values in any case, shown in lower case.
  r = Call("PUT", "/placed/_settings", R"({"index.routing.allocation.enable":"Primaries"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(allocation(),
            R"({"enable":"primaries","include":{"_ip":"10.0.*"},"require":{"box":"warm"},"total_shards_per_node":"2"})");
  r = Call("PUT", "/placed/_settings", R"({"index.routing.allocation.enable":"replicas"})");
  ExpectEsError(r, 400, "illegal_argument_exception");
  EXPECT_NE(r.body.find("use all, primaries, new_primaries or none"), std::string::npos) << r.body;
  ExpectEsError(Call("PUT", "/bad-enable", R"({"settings":{"routing":{"allocation":{"enable":"some"}}}})"), 400,
                "illegal_argument_exception");
  r = Call("PUT", "/placed/_settings", R"({"index.routing.allocation.require.box":"",
      "index.routing.allocation.include._ip":null,"index.routing.allocation.total_shards_per_node":-1,
      "index.routing.allocation.enable":null})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(allocation(), "<none>");
  ASSERT_EQ(Call("DELETE", "/placed").status, 200);
}

// index.max_docvalue_fields_search and index.max_terms_count: Elasticsearch's
// defaults and errors; PUT _settings changes them live (and refuses bad
// values), GET _settings shows them when not the default, null resets,
// they survive a restart and may be given at creation; each index searched
// has its own.
TEST_F(IndexApiTest, SearchLimitsAreDynamicIndexSettings) {
  std::string properties;
  for (int i = 0; i <= 100; ++i) properties += (i ? ",\"f" : "\"f") + std::to_string(i) + R"(":{"type":"keyword"})";
  ASSERT_EQ(Call("PUT", "/limits",
                 R"({"settings":{"number_of_shards":2,"number_of_replicas":0},"mappings":{"properties":{)" +
                     properties + "}}}")
                .status,
            200);
  ASSERT_EQ(Call("PUT", "/limits/_doc/1?refresh=true", R"({"f0":"a","f1":"b","f2":"c"})").status, 201);
  auto names = [](int n, const char* prefix) {
    std::string out;
    for (int i = 0; i < n; ++i) out += (i ? ",\"" : "\"") + std::string(prefix) + std::to_string(i) + "\"";
    return out;
  };
  auto docvalues = [&](const std::string& list) {
    return Call("POST", "/limits/_search", R"({"docvalue_fields":[)" + list + "]}");
  };
  auto terms = [&](int n, const std::string& target = "/limits") {
    return Call("POST", target + "/_search", R"({"query":{"terms":{"f0":[)" + names(n, "") + "]}}}");
  };
  auto expect_reason = [&](const testing::HttpReply& r, int status, const std::string& type,
                           const std::string& reason) {
    ExpectEsError(r, status, type);
    EXPECT_EQ(Str(Json(r.body)["error"]["reason"]), reason);
  };
  auto docvalues_error = [](int max, int was) {
    return "Trying to retrieve too many docvalue_fields. Must be less than or equal to: [" + std::to_string(max) +
           "] but was [" + std::to_string(was) +
           "]. This limit can be set by changing the [index.max_docvalue_fields_search] index level setting.";
  };
  auto terms_error = [](int n, int max) {
    return "failed to create query: The number of terms [" + std::to_string(n) +
           "] used in the Terms Query request has exceeded the allowed maximum of [" + std::to_string(max) +
           "]. This maximum can be set by changing the [index.max_terms_count] index level setting.";
  };

  // The defaults: 100 mapped fields (a pattern counts the fields it matches;
  // unmapped names do not count), 65536 terms.
  expect_reason(docvalues(names(101, "f")), 400, "illegal_argument_exception", docvalues_error(100, 101));
  expect_reason(docvalues(R"("f*")"), 400, "illegal_argument_exception", docvalues_error(100, 101));
  EXPECT_EQ(docvalues(names(100, "f") + "," + names(5, "unmapped")).status, 200);
  expect_reason(terms(65537), 400, "query_shard_exception", terms_error(65537, 65536));
  EXPECT_EQ(terms(65536).status, 200);
  auto settings = [&] { return Json(Call("GET", "/limits/_settings").body); };
  EXPECT_FALSE(settings()["limits"]["settings"]["index"].HasMember("max_terms_count"));

  // Lowered: the next search obeys (on the shards, and where the coordinator parses the query too).
  auto r = Call("PUT", "/limits/_settings", R"({"index":{"max_docvalue_fields_search":2,"max_terms_count":"3"}})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Str(settings()["limits"]["settings"]["index"]["max_docvalue_fields_search"]), "2");
  EXPECT_EQ(Str(settings()["limits"]["settings"]["index"]["max_terms_count"]), "3");
  expect_reason(docvalues(names(3, "f")), 400, "illegal_argument_exception", docvalues_error(2, 3));
  r = docvalues(names(2, "f"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Str(Json(r.body)["hits"]["hits"][0]["fields"]["f1"][0]), "b");
  expect_reason(terms(4), 400, "query_shard_exception", terms_error(4, 3));
  expect_reason(Call("POST", "/limits/_search",
                     R"({"query":{"terms":{"f0":["a","b","c","d"]}},"highlight":{"fields":{"f0":{}}}})"),
                400, "query_shard_exception", terms_error(4, 3));
  r = Call("POST", "/limits/_search", R"({"query":{"terms":{"f0":["a","x","y"]}}})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r.body)["hits"]["total"]["value"].GetInt(), 1);

  // Bad values are refused as Elasticsearch refuses them; nothing changes.
  expect_reason(Call("PUT", "/limits/_settings", R"({"max_terms_count":-1})"), 400, "illegal_argument_exception",
                "Failed to parse value [-1] for setting [index.max_terms_count] must be >= 1");
  expect_reason(Call("PUT", "/limits/_settings", R"({"max_docvalue_fields_search":"abc"})"), 400,
                "illegal_argument_exception",
                "Failed to parse value [abc] for setting [index.max_docvalue_fields_search]");
  expect_reason(Call("PUT", "/limits/_settings", R"({"max_docvalue_fields_search":-1})"), 400,
                "illegal_argument_exception",
                "Failed to parse value [-1] for setting [index.max_docvalue_fields_search] must be >= 0");
  EXPECT_EQ(Str(settings()["limits"]["settings"]["index"]["max_terms_count"]), "3");

  // Kept in the cluster state across a restart.
  ASSERT_NO_FATAL_FAILURE(RestartNode());
  EXPECT_EQ(Str(settings()["limits"]["settings"]["index"]["max_docvalue_fields_search"]), "2");
  EXPECT_EQ(Str(settings()["limits"]["settings"]["index"]["max_terms_count"]), "3");
  expect_reason(terms(4), 400, "query_shard_exception", terms_error(4, 3));

  // null: the default again, no longer shown.
  r = Call("PUT", "/limits/_settings",
           R"({"settings":{"index.max_docvalue_fields_search":null,"index.max_terms_count":null}})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_FALSE(settings()["limits"]["settings"]["index"].HasMember("max_docvalue_fields_search"));
  EXPECT_FALSE(settings()["limits"]["settings"]["index"].HasMember("max_terms_count"));
  EXPECT_EQ(terms(4).status, 200);
  EXPECT_EQ(docvalues(names(100, "f")).status, 200);

  // At creation; each index's own limit applies to its shards (the other
  // index still answers: a partial result, as Elasticsearch gives).
  r = Call("PUT", "/limits-low", R"({"settings":{"index.max_terms_count":1,"max_docvalue_fields_search":0}})");
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(Call("PUT", "/limits-low/_doc/1?refresh=true", R"({"f0":"a"})").status, 201);
  EXPECT_EQ(Str(Json(Call("GET", "/limits-low/_settings").body)["limits-low"]["settings"]["index"]["max_terms_count"]),
            "1");
  expect_reason(Call("POST", "/limits-low/_search", R"({"docvalue_fields":["f0"]})"), 400,
                "illegal_argument_exception", docvalues_error(0, 1));
  r = terms(2, "/limits,limits-low");
  ASSERT_EQ(r.status, 200) << r.body;
  auto d = Json(r.body);
  EXPECT_EQ(d["_shards"]["failed"].GetInt(), 1) << r.body;
  EXPECT_EQ(Str(d["_shards"]["failures"][0]["reason"]["reason"]), terms_error(2, 1));
  ASSERT_EQ(Call("DELETE", "/limits,limits-low").status, 200);
}

// GET /_stats: Elasticsearch's shape for the metrics kept per shard.
TEST_F(IndexApiTest, IndexStatsCountDocumentsAndStore) {
  ASSERT_EQ(Call("PUT", "/stats-a", R"({"settings":{"number_of_shards":2,"number_of_replicas":0}})").status, 200);
  ASSERT_EQ(Call("PUT", "/stats-b", R"({"settings":{"number_of_shards":1,"number_of_replicas":0}})").status, 200);
  std::string bulk, first_ten;
  for (int i = 0; i < 30; ++i) {
    bulk += "{\"index\":{\"_id\":\"" + std::to_string(i) + "\"}}\n{\"n\":" + std::to_string(i) + "}\n";
    if (i == 9) first_ten = bulk;
  }
  ASSERT_EQ(Call("POST", "/stats-a/_bulk?refresh=true", bulk).status, 200);
  ASSERT_EQ(Call("POST", "/stats-b/_bulk?refresh=true", first_ten).status, 200);
  auto d = Json(Call("GET", "/stats-*/_stats").body);
  EXPECT_EQ(d["_shards"]["total"].GetUint64(), 3u);
  EXPECT_EQ(d["_shards"]["successful"].GetUint64(), 3u);
  EXPECT_EQ(d["indices"]["stats-a"]["primaries"]["docs"]["count"].GetUint64(), 30u);
  EXPECT_EQ(d["indices"]["stats-b"]["primaries"]["docs"]["count"].GetUint64(), 10u);
  EXPECT_EQ(d["_all"]["primaries"]["docs"]["count"].GetUint64(), 40u);
  EXPECT_EQ(Str(d["indices"]["stats-a"]["uuid"]).size(), 36u);
  EXPECT_GT(d["indices"]["stats-a"]["primaries"]["store"]["size_in_bytes"].GetUint64(), 0u);
  EXPECT_GE(d["indices"]["stats-a"]["total"]["segments"]["count"].GetUint64(), 2u);
  // Deleted documents are counted until merged away.
  ASSERT_EQ(Call("DELETE", "/stats-a/_doc/3?refresh=true").status, 200);
  d = Json(Call("GET", "/stats-a/_stats/docs").body);
  EXPECT_EQ(d["indices"]["stats-a"]["primaries"]["docs"]["count"].GetUint64(), 29u);
  EXPECT_FALSE(d["indices"]["stats-a"]["primaries"].HasMember("store")) << "only the metric asked for";
  ExpectEsError(Call("GET", "/stats-a/_stats/colour"), 400, "illegal_argument_exception");
  EXPECT_EQ(Json(Call("GET", "/_stats").body)["indices"].HasMember("stats-b"), true);
  ASSERT_EQ(Call("DELETE", "/stats-a,stats-b").status, 200);
}

TEST_F(IndexApiTest, CatTablesSortFilterCountAndHealth) {
  const std::pair<const char*, int> indices[] = {{"cat-b", 12}, {"cat-a", 3}, {"cat-c", 7}};
  for (const auto& [name, docs] : indices) {
    ASSERT_EQ(Call("PUT", std::string("/") + name, R"({"settings":{"number_of_shards":2,"number_of_replicas":0}})").status, 200);
    std::string bulk;
    for (int i = 0; i < docs; ++i) {
      bulk += R"({"index":{"_id":")" + std::to_string(i) + "\"}}\n" + R"({"title":"cat )" + std::string(i * 40, 'x') + "\"}\n";
    }
    ASSERT_EQ(Call("POST", std::string("/") + name + "/_bulk?refresh=true", bulk).status, 200);
  }
  EXPECT_EQ(Call("GET", "/_cat/indices/cat-*?h=index&s=index").body, "cat-a\ncat-b\ncat-c\n");
  EXPECT_EQ(Call("GET", "/_cat/indices/cat-*?h=index&s=index:desc").body, "cat-c\ncat-b\ncat-a\n");
  // By value, not as text ("12" sorts after "7").
  EXPECT_EQ(Call("GET", "/_cat/indices/cat-*?h=index,docs.count&s=docs.count").body, "cat-a  3\ncat-c  7\ncat-b 12\n");
  EXPECT_EQ(Call("GET", "/_cat/indices/cat-*?h=index&s=docs.count:desc,index").body, "cat-b\ncat-c\ncat-a\n");
  auto sizes = Json(Call("GET", "/_cat/indices/cat-*?format=json&h=index,store.size&s=store.size&bytes=b").body);
  ASSERT_EQ(sizes.Size(), 3u);
  uint64_t last = 0;
  for (const auto& row : sizes.GetArray()) {
    const uint64_t size = std::stoull(Str(row["store.size"]));
    EXPECT_GE(size, last) << Call("GET", "/_cat/indices/cat-*?v&s=store.size").body;
    last = size;
  }
  // Elasticsearch's short column names, in ?h and ?s; ?help lists them.
  EXPECT_EQ(Call("GET", "/_cat/indices/cat-*?h=i,dc&s=dc:desc").body, "cat-b 12\ncat-c  7\ncat-a  3\n");
  const std::string help = Call("GET", "/_cat/indices?help").body;
  EXPECT_NE(help.find("docs.count"), std::string::npos) << help;
  EXPECT_NE(help.find("dc,docsCount"), std::string::npos) << help;
  EXPECT_NE(help.find("| available docs"), std::string::npos) << help;
  ExpectEsError(Call("GET", "/_cat/indices?s=nope"), 400, "illegal_argument_exception");
  EXPECT_NE(Call("GET", "/_cat/indices?s=nope").body.find("Unable to sort by unknown sort key `nope`"), std::string::npos);
  ExpectEsError(Call("GET", "/_cat/indices?s=index:up"), 400, "illegal_argument_exception");
  // ?health=
  EXPECT_EQ(Call("GET", "/_cat/indices/cat-*?h=index&s=index&health=green").body, "cat-a\ncat-b\ncat-c\n");
  EXPECT_EQ(Call("GET", "/_cat/indices/cat-*?h=index&health=red").body, "");
  ExpectEsError(Call("GET", "/_cat/indices?health=blue"), 400, "illegal_argument_exception");
  // _cat/count
  auto count = Json(Call("GET", "/_cat/count/cat-a,cat-c?format=json").body);
  ASSERT_EQ(count.Size(), 1u);
  EXPECT_EQ(Str(count[0]["count"]), "10");
  EXPECT_GT(std::stoll(Str(count[0]["epoch"])), 1'600'000'000LL);
  EXPECT_EQ(Str(count[0]["timestamp"]).size(), 8u);  // HH:MM:SS
  EXPECT_EQ(Call("GET", "/_cat/count/cat-b?h=count").body, "12\n");
  ExpectEsError(Call("GET", "/_cat/count/no-such-index"), 404, "index_not_found_exception");
  // _cat/health
  auto health = Json(Call("GET", "/_cat/health?format=json").body);
  ASSERT_EQ(health.Size(), 1u);
  EXPECT_EQ(Str(health[0]["status"]), "green");
  EXPECT_EQ(Str(health[0]["node.total"]), "1");
  EXPECT_EQ(Str(health[0]["unassign"]), "0");
  EXPECT_EQ(Str(health[0]["active_shards_percent"]), "100.0%");
  EXPECT_GE(std::stoi(Str(health[0]["pri"])), 6);
  const std::string text = Call("GET", "/_cat/health?v&h=status,node.total").body;
  EXPECT_EQ(text, "status node.total\ngreen           1\n");
}

}  // namespace holdfast
