// Composable index templates and component templates on a real node, as
// Elasticsearch's reference documents them: stored, listed and removed;
// applied when an index is created explicitly or by a first write; the
// highest priority wins; overlapping patterns of one priority, unknown
// components and bad settings are refused; they survive a restart.
#include "tests/server/index_api_fixture.h"

namespace holdfast {
namespace {

class TemplateApiTest : public IndexApiFixture {
 protected:
  static std::string Setting(const std::string& index, const std::string& key) {
    auto d = Json(Call("GET", "/" + index + "/_settings").body);
    if (!d.IsObject() || !d.HasMember(index.c_str())) return "<no index>";
    const auto& s = d[index.c_str()]["settings"]["index"];
    return s.HasMember(key.c_str()) ? Str(s[key.c_str()]) : "<unset>";
  }
  static std::string FieldType(const std::string& index, const std::string& field) {
    auto d = Json(Call("GET", "/" + index + "/_mapping").body);
    const auto& props = d[index.c_str()]["mappings"]["properties"];
    if (!props.IsObject() || !props.HasMember(field.c_str())) return "<unmapped>";
    return Str(props[field.c_str()]["type"]);
  }
};

TEST_F(TemplateApiTest, AppliedOnCreationAndOnFirstWrite) {
  auto r = Call("PUT", "/_component_template/base-mappings",
                R"({"template":{"mappings":{"properties":{"host":{"type":"keyword"},"@timestamp":{"type":"date"}}}},
                    "version":1})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, R"({"acknowledged":true})");
  r = Call("PUT", "/_index_template/logs",
           R"({"index_patterns":["logs-*"],"priority":10,"composed_of":["base-mappings"],"version":3,
               "template":{"settings":{"number_of_shards":2,"number_of_replicas":0},
                           "mappings":{"properties":{"message":{"type":"text"}}},
                           "aliases":{"all-logs":{}}},
               "_meta":{"owner":"ops"}})");
  ASSERT_EQ(r.status, 200) << r.body;

  // A first write creates the index with the template.
  ASSERT_EQ(Call("PUT", "/logs-web/_doc/1?refresh=true", R"({"host":"a1","message":"GET /","@timestamp":"2026-12-01"})")
                .status,
            201);
  EXPECT_EQ(Setting("logs-web", "number_of_shards"), "2");
  EXPECT_EQ(Setting("logs-web", "number_of_replicas"), "0");
  EXPECT_EQ(FieldType("logs-web", "host"), "keyword");
  EXPECT_EQ(FieldType("logs-web", "message"), "text");
  EXPECT_EQ(FieldType("logs-web", "@timestamp"), "date");
  auto d = Json(Call("POST", "/all-logs/_search", R"({"query":{"term":{"host":"a1"}}})").body);
  EXPECT_EQ(d["hits"]["total"]["value"].GetUint64(), 1u) << Str(d);

  // PUT /{index}: the request's settings and mappings on top.
  r = Call("PUT", "/logs-db", R"({"settings":{"number_of_shards":3},"mappings":{"properties":{"host":{"type":"text"}}}})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Setting("logs-db", "number_of_shards"), "3");
  EXPECT_EQ(Setting("logs-db", "number_of_replicas"), "0");
  EXPECT_EQ(FieldType("logs-db", "host"), "text");
  EXPECT_EQ(FieldType("logs-db", "message"), "text");
  EXPECT_EQ(Call("HEAD", "/logs-db/_alias/all-logs").status, 200);

  // Other names: untouched.
  ASSERT_EQ(Call("PUT", "/metrics/_doc/1", R"({"host":"a1"})").status, 201);
  EXPECT_EQ(Setting("metrics", "number_of_shards"), "1");
  EXPECT_EQ(FieldType("metrics", "host"), "text");  // dynamic: a string is text (+ keyword)

  // A template of higher priority wins for the names it matches.
  ASSERT_EQ(Call("PUT", "/_index_template/logs-audit",
                 R"({"index_patterns":["logs-audit*"],"priority":20,"template":{"settings":{"number_of_shards":1}}})")
                .status,
            200);
  ASSERT_EQ(Call("PUT", "/logs-audit-1/_doc/1", R"({"host":"x"})").status, 201);
  EXPECT_EQ(Setting("logs-audit-1", "number_of_shards"), "1");
  EXPECT_EQ(Call("HEAD", "/logs-audit-1/_alias/all-logs").status, 404);

  r = Call("POST", "/_index_template/_simulate_index/logs-new");
  ASSERT_EQ(r.status, 200) << r.body;
  d = Json(r.body);
  EXPECT_EQ(Str(d["matched_template"]), "logs");
  EXPECT_EQ(Str(d["template"]["settings"]["index.number_of_shards"]), "2");
  EXPECT_TRUE(d["template"]["aliases"].HasMember("all-logs"));
}

TEST_F(TemplateApiTest, ListedReplacedAndRemoved) {
  ASSERT_EQ(Call("PUT", "/_index_template/t-one", R"({"index_patterns":"one-*","version":2})").status, 200);
  ASSERT_EQ(Call("PUT", "/_index_template/t-two", R"({"index_patterns":["two-*"],"priority":4})").status, 200);
  auto r = Call("GET", "/_index_template/t-one");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, R"({"index_templates":[{"name":"t-one","index_template":{"index_patterns":["one-*"],"version":2}}]})");
  auto d = Json(Call("GET", "/_index_template/t-*").body);
  EXPECT_EQ(d["index_templates"].Size(), 2u);
  EXPECT_EQ(Call("HEAD", "/_index_template/t-two").status, 200);
  EXPECT_EQ(Call("HEAD", "/_index_template/t-three").status, 404);
  ExpectEsError(Call("GET", "/_index_template/t-three"), 404, "resource_not_found_exception");
  EXPECT_EQ(Call("GET", "/_cat/templates/t-*?h=name,index_patterns,order,version&s=name&format=json").body,
            R"([{"name":"t-one","index_patterns":"[one-*]","order":"0","version":"2"},)"
            R"({"name":"t-two","index_patterns":"[two-*]","order":"4","version":""}])");

  // create=true refuses to replace; without it the template is replaced.
  ExpectEsError(Call("PUT", "/_index_template/t-one?create=true", R"({"index_patterns":["one-*"]})"), 400,
                "illegal_argument_exception");
  ASSERT_EQ(Call("PUT", "/_index_template/t-one", R"({"index_patterns":["uno-*"]})").status, 200);
  d = Json(Call("GET", "/_index_template/t-one").body);
  EXPECT_EQ(Str(d["index_templates"][0]["index_template"]["index_patterns"]), R"(["uno-*"])");

  EXPECT_EQ(Call("DELETE", "/_index_template/t-one,t-two").body, R"({"acknowledged":true})");
  EXPECT_EQ(Call("HEAD", "/_index_template/t-one").status, 404);
  ExpectEsError(Call("DELETE", "/_index_template/t-one"), 404, "resource_not_found_exception");
}

TEST_F(TemplateApiTest, RefusedAsElasticsearchRefusesThem) {
  ExpectEsError(Call("PUT", "/_index_template/bad", R"({"priority":1})"), 400, "action_request_validation_exception");
  ExpectEsError(Call("PUT", "/_index_template/bad", R"({"index_patterns":["b-*"],"composed_of":["missing"]})"), 400,
                "invalid_index_template_exception");
  ExpectEsError(
      Call("PUT", "/_index_template/bad", R"({"index_patterns":["b-*"],"template":{"settings":{"number_of_shards":0}}})"),
      400, "invalid_index_template_exception");
  ExpectEsError(Call("PUT", "/_index_template/bad", R"({"index_patterns":["b-*"],"template":{"mappings":{"properties":{"x":{"type":"nope"}}}}})"),
                400, "invalid_index_template_exception");
  ExpectEsError(Call("PUT", "/_index_template/bad", R"({"index_patterns":["b-*"],"data_stream":{}})"), 400,
                "illegal_argument_exception");
  ExpectEsError(Call("PUT", "/_index_template/bad", "{"), 400, "parse_exception");
  // Two templates of one priority that could both match an index.
  ASSERT_EQ(Call("PUT", "/_index_template/p-a", R"({"index_patterns":["p-*"],"priority":7})").status, 200);
  auto r = Call("PUT", "/_index_template/p-b", R"({"index_patterns":["p-x*"],"priority":7})");
  ExpectEsError(r, 400, "illegal_argument_exception");
  EXPECT_NE(r.body.find("have the same priority [7]"), std::string::npos) << r.body;
  EXPECT_EQ(Call("PUT", "/_index_template/p-b", R"({"index_patterns":["p-x*"],"priority":8})").status, 200);
  // A component template in use stays.
  ASSERT_EQ(Call("PUT", "/_component_template/c-used", R"({"template":{"settings":{"number_of_replicas":0}}})").status,
            200);
  ASSERT_EQ(Call("PUT", "/_index_template/uses-c", R"({"index_patterns":["uc-*"],"composed_of":["c-used"]})").status,
            200);
  r = Call("DELETE", "/_component_template/c-used");
  ExpectEsError(r, 400, "illegal_argument_exception");
  EXPECT_NE(r.body.find("still in use by index templates [uses-c]"), std::string::npos) << r.body;
  ASSERT_EQ(Call("DELETE", "/_index_template/uses-c").status, 200);
  EXPECT_EQ(Call("DELETE", "/_component_template/c-used").status, 200);
}

// Legacy templates (PUT /_template, Elasticsearch 6/7): every matching one
// applies, lowest order first, when no composable template matches.
TEST_F(TemplateApiTest, LegacyTemplatesApplyByOrderWhenNoIndexTemplateMatches) {
  ASSERT_EQ(Call("PUT", "/_template/legacy-base",
                 R"({"index_patterns":["leg-*"],"order":0,"settings":{"number_of_shards":2},
                     "mappings":{"properties":{"host":{"type":"keyword"}}}})")
                .status,
            200);
  ASSERT_EQ(Call("PUT", "/_template/legacy-top?order=5",
                 R"({"index_patterns":"leg-web*","settings":{"index":{"number_of_shards":3}},"aliases":{"leg-all":{}},
                     "mappings":{"_doc":{"properties":{"status":{"type":"integer"}}}}})")
                .status,
            200);
  auto r = Call("GET", "/_template/legacy-base");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, R"({"legacy-base":{"order":0,"index_patterns":["leg-*"],"settings":{"number_of_shards":2},)"
                    R"("mappings":{"properties":{"host":{"type":"keyword"}}},"aliases":{}}})");
  EXPECT_EQ(Call("HEAD", "/_template/legacy-top").status, 200);
  EXPECT_EQ(Call("HEAD", "/_template/nope").status, 404);
  r = Call("GET", "/_template/nope");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, "{}");

  ASSERT_EQ(Call("PUT", "/leg-web-1/_doc/1", R"({"host":"a"})").status, 201);
  EXPECT_EQ(Setting("leg-web-1", "number_of_shards"), "3");  // order 5 over order 0
  EXPECT_EQ(FieldType("leg-web-1", "host"), "keyword");
  EXPECT_EQ(FieldType("leg-web-1", "status"), "integer");  // Elasticsearch 6's typed form, unwrapped
  EXPECT_EQ(Call("HEAD", "/leg-web-1/_alias/leg-all").status, 200);
  ASSERT_EQ(Call("PUT", "/leg-db", "").status, 200);
  EXPECT_EQ(Setting("leg-db", "number_of_shards"), "2");
  EXPECT_EQ(Call("HEAD", "/leg-db/_alias/leg-all").status, 404);
  // A composable template that matches wins: the legacy ones are left out.
  ASSERT_EQ(Call("PUT", "/_index_template/leg-new",
                 R"({"index_patterns":["leg-new*"],"template":{"settings":{"number_of_shards":1}}})")
                .status,
            200);
  ASSERT_EQ(Call("PUT", "/leg-new-1/_doc/1", R"({"host":"a"})").status, 201);
  EXPECT_EQ(Setting("leg-new-1", "number_of_shards"), "1");
  EXPECT_EQ(FieldType("leg-new-1", "host"), "text");

  EXPECT_EQ(Call("GET", "/_cat/templates/legacy-*?h=name,index_patterns,order&s=name&format=json").body,
            R"([{"name":"legacy-base","index_patterns":"[leg-*]","order":"0"},)"
            R"({"name":"legacy-top","index_patterns":"[leg-web*]","order":"5"}])");
  ExpectEsError(Call("PUT", "/_template/bad", R"({"order":1})"), 400, "action_request_validation_exception");
  ExpectEsError(Call("PUT", "/_template/bad", R"({"index_patterns":["b*"],"settings":{"bogus":1}})"), 400,
                "invalid_index_template_exception");
  EXPECT_EQ(Call("DELETE", "/_template/legacy-top").body, R"({"acknowledged":true})");
  ExpectEsError(Call("DELETE", "/_template/legacy-top"), 404, "index_template_missing_exception");
}

TEST_F(TemplateApiTest, TemplatesSurviveARestart) {
  ASSERT_EQ(Call("PUT", "/_component_template/kept-c", R"({"template":{"settings":{"number_of_shards":2}}})").status,
            200);
  ASSERT_EQ(Call("PUT", "/_index_template/kept", R"({"index_patterns":["kept-*"],"composed_of":["kept-c"]})").status,
            200);
  ASSERT_EQ(Call("PUT", "/_template/kept-legacy", R"({"index_patterns":["old-*"],"settings":{"number_of_shards":3}})").status,
            200);
  ASSERT_NO_FATAL_FAILURE(RestartNode());
  EXPECT_EQ(Call("HEAD", "/_index_template/kept").status, 200);
  EXPECT_EQ(Call("HEAD", "/_component_template/kept-c").status, 200);
  EXPECT_EQ(Call("HEAD", "/_template/kept-legacy").status, 200);
  ASSERT_EQ(Call("PUT", "/kept-1/_doc/1", R"({"a":1})").status, 201);
  EXPECT_EQ(Setting("kept-1", "number_of_shards"), "2");
}

}  // namespace
}  // namespace holdfast
