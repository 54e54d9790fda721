// Document APIs on a real node: index, create, get, _source, delete, update,
// _mget, refresh policies, optimistic concurrency, errors, restart.
#include <csignal>

#include "tests/server/index_api_fixture.h"

namespace holdfast {
namespace {

using namespace std::chrono_literals;

class DocumentApiTest : public IndexApiFixture {
 protected:
  // The stored doc is what a test wrote last.
  static void ExpectSource(const std::string& index, const std::string& id, const std::string& source) {
    auto r = Call("GET", "/" + index + "/_source/" + id);
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.body, source);
  }
};

TEST_F(DocumentApiTest, IndexGetAndDeleteADocument) {
  auto r = Call("PUT", "/docs/_doc/1?refresh=true", R"({"title":"red shoes","price":10})");
  ASSERT_EQ(r.status, 201) << r.body;
  auto d = Json(r.body);
  EXPECT_EQ(Str(d["_index"]), "docs");
  EXPECT_EQ(Str(d["_id"]), "1");
  EXPECT_EQ(d["_version"].GetInt(), 1);
  EXPECT_EQ(Str(d["result"]), "created");
  EXPECT_EQ(d["_seq_no"].GetInt(), 0);
  EXPECT_EQ(d["_primary_term"].GetInt(), 1);
  EXPECT_TRUE(d["forced_refresh"].GetBool());
  // Auto-created with one replica: total counts it, one node holds the primary only.
  EXPECT_EQ(Str(d["_shards"]), R"({"total":2,"successful":1,"failed":0})");
  EXPECT_EQ(r.Header("location"), "/docs/_doc/1");

  r = Call("GET", "/docs/_doc/1");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, R"({"_index":"docs","_type":"_doc","_id":"1","_version":1,"_seq_no":0,"_primary_term":1,)"
                    R"("found":true,"_source":{"title":"red shoes","price":10}})");
  EXPECT_EQ(Call("HEAD", "/docs/_doc/1").status, 200);
  d = Json(Call("GET", "/docs/_doc/1?_source=false").body);
  EXPECT_FALSE(d.HasMember("_source"));
  ExpectSource("docs", "1", R"({"title":"red shoes","price":10})");

  r = Call("PUT", "/docs/_doc/1", R"({"title":"blue shoes"})");
  ASSERT_EQ(r.status, 200) << r.body;
  d = Json(r.body);
  EXPECT_EQ(Str(d["result"]), "updated");
  EXPECT_EQ(d["_version"].GetInt(), 2);
  EXPECT_EQ(d["_seq_no"].GetInt(), 1);

  r = Call("DELETE", "/docs/_doc/1");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Str(Json(r.body)["result"]), "deleted");
  r = Call("GET", "/docs/_doc/1");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, R"({"_index":"docs","_type":"_doc","_id":"1","found":false})");
  EXPECT_EQ(Call("HEAD", "/docs/_doc/1").status, 404);
  r = Call("DELETE", "/docs/_doc/1");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(Str(Json(r.body)["result"]), "not_found");
  ExpectEsError(Call("GET", "/docs/_source/1"), 404, "resource_not_found_exception");
  ExpectEsError(Call("GET", "/nothere/_doc/1"), 404, "index_not_found_exception");
  ExpectEsError(Call("DELETE", "/nothere/_doc/1"), 404, "index_not_found_exception");
  EXPECT_EQ(Call("HEAD", "/nothere").status, 404);  // a delete never creates its index
}

TEST_F(DocumentApiTest, GeneratedIdsAndCreate) {
  auto r = Call("POST", "/gen/_doc", R"({"a":1})");
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string id = Str(Json(r.body)["_id"]);
  ASSERT_EQ(id.size(), 20u);
  for (char c : id) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') << id;
  EXPECT_NE(Str(Json(Call("POST", "/gen/_doc", R"({"a":2})").body)["_id"]), id);
  EXPECT_EQ(Call("GET", "/gen/_doc/" + id).status, 200);

  EXPECT_EQ(Call("PUT", "/gen/_create/c1", R"({"v":1})").status, 201);
  ExpectEsError(Call("PUT", "/gen/_create/c1", R"({"v":2})"), 409, "version_conflict_engine_exception");
  ExpectEsError(Call("PUT", "/gen/_doc/c1?op_type=create", R"({"v":3})"), 409, "version_conflict_engine_exception");
  ExpectSource("gen", "c1", R"({"v":1})");
}

TEST_F(DocumentApiTest, OptimisticConcurrency) {
  auto d = Json(Call("PUT", "/occ/_doc/x", R"({"v":1})").body);
  const std::string seq = std::to_string(d["_seq_no"].GetInt());
  const std::string term = std::to_string(d["_primary_term"].GetInt());
  ExpectEsError(Call("PUT", "/occ/_doc/x?if_seq_no=99&if_primary_term=" + term, R"({"v":2})"), 409,
                "version_conflict_engine_exception");
  ExpectSource("occ", "x", R"({"v":1})");
  ExpectEsError(Call("PUT", "/occ/_doc/x?if_seq_no=" + seq, R"({"v":2})"), 400, "action_request_validation_exception");
  ExpectEsError(Call("PUT", "/occ/_doc/x?if_seq_no=abc&if_primary_term=1", R"({"v":2})"), 400,
                "illegal_argument_exception");
  auto r = Call("PUT", "/occ/_doc/x?if_seq_no=" + seq + "&if_primary_term=" + term, R"({"v":2})");
  EXPECT_EQ(r.status, 200) << r.body;
  ExpectSource("occ", "x", R"({"v":2})");
  ExpectEsError(Call("DELETE", "/occ/_doc/x?if_seq_no=" + seq + "&if_primary_term=" + term), 409,
                "version_conflict_engine_exception");
  ExpectSource("occ", "x", R"({"v":2})");
}

// version_type=external[_gte]: the client's version becomes the document's,
// and a write with a version not above (external_gte: below) it conflicts.
TEST_F(DocumentApiTest, ExternalVersions) {
  auto r = Call("PUT", "/ext/_doc/1?version=5&version_type=external", R"({"v":5})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(Json(r.body)["_version"].GetInt(), 5);
  r = Call("PUT", "/ext/_doc/1?version=5&version_type=external", R"({"v":55})");
  ExpectEsError(r, 409, "version_conflict_engine_exception");
  EXPECT_NE(r.body.find("current version [5] is higher or equal to the one provided [5]"), std::string::npos) << r.body;
  ExpectSource("ext", "1", R"({"v":5})");
  r = Call("PUT", "/ext/_doc/1?version=5&version_type=external_gte", R"({"v":6})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r.body)["_version"].GetInt(), 5);
  ExpectEsError(Call("PUT", "/ext/_doc/1?version=4&version_type=external_gte", R"({"v":4})"), 409,
                "version_conflict_engine_exception");
  r = Call("PUT", "/ext/_doc/1?version=12&version_type=external", R"({"v":12})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(Call("GET", "/ext/_doc/1").body)["_version"].GetInt(), 12);
  // A delete takes an external version too, and later writes compare with it.
  ExpectEsError(Call("DELETE", "/ext/_doc/1?version=3&version_type=external"), 409, "version_conflict_engine_exception");
  r = Call("DELETE", "/ext/_doc/1?version=20&version_type=external");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r.body)["_version"].GetInt(), 20);
  ExpectEsError(Call("PUT", "/ext/_doc/1?version=15&version_type=external", R"({"v":15})"), 409,
                "version_conflict_engine_exception");
  // In a bulk request, per item.
  r = Call("POST", "/ext/_bulk",
           R"({"index":{"_id":"1","version":21,"version_type":"external"}}
{"v":21}
{"index":{"_id":"1","version":21,"version_type":"external"}}
{"v":0}
)");
  ASSERT_EQ(r.status, 200) << r.body;
  auto d = Json(r.body);
  EXPECT_EQ(d["items"][0]["index"]["status"].GetInt(), 201) << r.body;
  EXPECT_EQ(d["items"][0]["index"]["_version"].GetInt(), 21);
  EXPECT_EQ(d["items"][1]["index"]["status"].GetInt(), 409) << r.body;
  ExpectSource("ext", "1", R"({"v":21})");
  // Refused as Elasticsearch refuses them.
  ExpectEsError(Call("PUT", "/ext/_doc/2?version=2", R"({"v":2})"), 400, "action_request_validation_exception");
  ExpectEsError(Call("PUT", "/ext/_doc/2?version_type=external", R"({"v":2})"), 400, "action_request_validation_exception");
  ExpectEsError(Call("PUT", "/ext/_doc/2?version=2&version_type=force", R"({"v":2})"), 400, "illegal_argument_exception");
  ExpectEsError(Call("PUT", "/ext/_create/2?version=2&version_type=external", R"({"v":2})"), 400,
                "action_request_validation_exception");
  ExpectEsError(Call("POST", "/ext/_update/1?version=30&version_type=external", R"({"doc":{"v":30}})"), 400,
                "action_request_validation_exception");
  EXPECT_EQ(Call("GET", "/ext/_doc/2").status, 404);
}

TEST_F(DocumentApiTest, Update) {
  ASSERT_EQ(Call("PUT", "/upd/_doc/1", R"({"a":1,"b":{"c":2}})").status, 201);
  auto r = Call("POST", "/upd/_update/1", R"({"doc":{"b":{"d":3}}})");
  ASSERT_EQ(r.status, 200) << r.body;
  auto d = Json(r.body);
  EXPECT_EQ(Str(d["result"]), "updated");
  EXPECT_EQ(d["_version"].GetInt(), 2);
  ExpectSource("upd", "1", R"({"a":1,"b":{"c":2,"d":3}})");
  r = Call("POST", "/upd/_update/1", R"({"doc":{"a":1}})");
  d = Json(r.body);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(Str(d["result"]), "noop");
  EXPECT_EQ(Str(d["_shards"]), R"({"total":0,"successful":0,"failed":0})");
  EXPECT_EQ(d["_version"].GetInt(), 2);
  // detect_noop: false writes the unchanged document again: a new version.
  r = Call("POST", "/upd/_update/1", R"({"doc":{"a":1},"detect_noop":false})");
  ASSERT_EQ(r.status, 200) << r.body;
  d = Json(r.body);
  EXPECT_EQ(Str(d["result"]), "updated");
  EXPECT_EQ(d["_version"].GetInt(), 3);
  ExpectSource("upd", "1", R"({"a":1,"b":{"c":2,"d":3}})");
  ExpectEsError(Call("POST", "/upd/_update/2", R"({"doc":{"a":1}})"), 404, "document_missing_exception");
  r = Call("POST", "/upd/_update/2", R"({"doc":{"a":5},"doc_as_upsert":true})");
  EXPECT_EQ(r.status, 201) << r.body;
  ExpectSource("upd", "2", R"({"a":5})");
  r = Call("POST", "/upd/_update/3", R"({"doc":{"a":6},"upsert":{"a":0,"fresh":true}})");
  EXPECT_EQ(r.status, 201) << r.body;
  ExpectSource("upd", "3", R"({"a":0,"fresh":true})");
  r = Call("POST", "/upd/_update/3", R"({"doc":{"a":6},"upsert":{"a":0}})");
  EXPECT_EQ(Str(Json(r.body)["result"]), "updated");
  ExpectEsError(Call("POST", "/upd/_update/1", R"({"script":"ctx._source.a++"})"), 400, "illegal_argument_exception");
  ExpectEsError(Call("POST", "/upd/_update/1", R"({"dock":{}})"), 400, "x_content_parse_exception");
  ExpectEsError(Call("POST", "/upd/_update/1", R"({"doc":{"a":)"), 400, "parse_exception");
  ExpectEsError(Call("POST", "/upd/_update/1", R"({"doc":{"a":"not a number for long"}})"), 400,
                "mapper_parsing_exception");
  ExpectSource("upd", "1", R"({"a":1,"b":{"c":2,"d":3}})");
}

TEST_F(DocumentApiTest, BadDocumentsAreRefusedAndNothingChanges) {
  ASSERT_EQ(Call("PUT", "/bad/_doc/1", R"({"n":1,"s":"x"})").status, 201);
  ExpectEsError(Call("PUT", "/bad/_doc/1", R"({"n":)"), 400, "mapper_parsing_exception");
  ExpectEsError(Call("PUT", "/bad/_doc/1", "{\"s\":\"\xc3\x28\"}"), 400, "mapper_parsing_exception");
  std::string deep = "{";
  for (int i = 0; i < 300; ++i) deep += "\"a\":{";
  deep += "\"b\":1";
  for (int i = 0; i < 300; ++i) deep += "}";
  deep += "}";
  ExpectEsError(Call("PUT", "/bad/_doc/1", deep), 400, "mapper_parsing_exception");
  ExpectEsError(Call("PUT", "/bad/_doc/1", R"({"n":"twelve"})"), 400, "mapper_parsing_exception");
  ExpectEsError(Call("PUT", "/bad/_doc/1", ""), 400, "action_request_validation_exception");
  ExpectEsError(Call("PUT", "/bad/_doc/1?refresh=sometimes", R"({"n":2})"), 400, "illegal_argument_exception");
  ExpectEsError(Call("PUT", "/Bad/_doc/1", R"({"n":2})"), 400, "invalid_index_name_exception");
  ExpectEsError(Call("PUT", "/_x/_doc/1", R"({"n":2})"), 404, "resource_not_found_exception");
  ExpectEsError(Call("PUT", "/a%2Fb/_doc/1", R"({"n":2})"), 400, "invalid_index_name_exception");
  ExpectEsError(Call("PUT", "/bad/_doc/" + std::string(600, 'i'), R"({"n":2})"), 400,
                "action_request_validation_exception");
  ExpectSource("bad", "1", R"({"n":1,"s":"x"})");
  EXPECT_EQ(Call("HEAD", "/Bad").status, 404);
}

TEST_F(DocumentApiTest, RefreshWaitForMakesTheDocSearchable) {
  ASSERT_EQ(Call("PUT", "/wf", R"({"settings":{"refresh_interval":"200ms","number_of_replicas":0}})").status, 200);
  auto r = Call("PUT", "/wf/_doc/1?refresh=wait_for", R"({"a":1})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(Str(Json(r.body)["_shards"]), R"({"total":1,"successful":1,"failed":0})");
  auto d = Json(Call("GET", "/_cat/indices/wf?format=json").body);
  EXPECT_EQ(Str(d[0]["docs.count"]), "1");
  // With refresh disabled, wait_for forces a refresh instead of hanging.
  ASSERT_EQ(Call("PUT", "/wf2", R"({"settings":{"refresh_interval":"-1"}})").status, 200);
  r = Call("PUT", "/wf2/_doc/1?refresh=wait_for", R"({"a":1})");
  EXPECT_TRUE(Json(r.body)["forced_refresh"].GetBool());
  EXPECT_EQ(Str(Json(Call("GET", "/_cat/indices/wf2?format=json").body)[0]["docs.count"]), "1");
}

TEST_F(DocumentApiTest, MultiGet) {
  ASSERT_EQ(Call("PUT", "/mg/_doc/1", R"({"a":1})").status, 201);
  ASSERT_EQ(Call("PUT", "/mg/_doc/2", R"({"a":2})").status, 201);
  auto r = Call("POST", "/_mget",
                R"({"docs":[{"_index":"mg","_id":"1"},{"_index":"mg","_id":"9"},{"_index":"nope","_id":"1"},)"
                R"({"_index":"mg","_id":"2","_source":false}]})");
  ASSERT_EQ(r.status, 200) << r.body;
  auto d = Json(r.body);
  ASSERT_EQ(d["docs"].Size(), 4u);
  EXPECT_TRUE(d["docs"][0]["found"].GetBool());
  EXPECT_EQ(Str(d["docs"][0]["_source"]), R"({"a":1})");
  EXPECT_FALSE(d["docs"][1]["found"].GetBool());
  EXPECT_EQ(Str(d["docs"][2]["error"]["type"]), "index_not_found_exception");
  EXPECT_FALSE(d["docs"][3].HasMember("_source"));
  d = Json(Call("GET", "/mg/_mget", R"({"ids":["2","1"]})").body);
  EXPECT_EQ(Str(d["docs"][0]["_source"]), R"({"a":2})");
  EXPECT_EQ(Str(d["docs"][1]["_id"]), "1");
  ExpectEsError(Call("POST", "/_mget", R"({"ids":["1"]})"), 400, "action_request_validation_exception");
  ExpectEsError(Call("POST", "/_mget", R"({"docs":[)"), 400, "parse_exception");
}

// Source filtering of gets and multi-gets, numeric ids in _mget, as
// Elasticsearch's reference documents them.
TEST_F(DocumentApiTest, SourceFilteringAndNumericIds) {
  ASSERT_EQ(Call("PUT", "/sf/_doc/1", R"({"name":"a","price":3,"user":{"id":7,"secret":"s"}})").status, 201);
  ASSERT_EQ(Call("PUT", "/sf/_doc/3", R"({"name":"c","price":9})").status, 201);
  auto d = Json(Call("GET", "/sf/_doc/1?_source_includes=name,user.*&_source_excludes=user.secret").body);
  EXPECT_EQ(Str(d["_source"]), R"({"name":"a","user":{"id":7}})");
  d = Json(Call("GET", "/sf/_doc/1?_source=price").body);
  EXPECT_EQ(Str(d["_source"]), R"({"price":3})");
  d = Json(Call("GET", "/sf/_doc/1?_source=false").body);
  EXPECT_FALSE(d.HasMember("_source"));
  EXPECT_TRUE(d["found"].GetBool());
  EXPECT_EQ(Call("GET", "/sf/_source/1?_source_excludes=user").body, R"({"name":"a","price":3})");

  auto r = Call("POST", "/sf/_mget?_source_includes=name", R"({"ids":[1, 3, 2]})");
  ASSERT_EQ(r.status, 200) << r.body;
  d = Json(r.body);
  ASSERT_EQ(d["docs"].Size(), 3u);
  EXPECT_EQ(Str(d["docs"][0]["_id"]), "1");
  EXPECT_EQ(Str(d["docs"][0]["_source"]), R"({"name":"a"})");
  EXPECT_EQ(Str(d["docs"][1]["_source"]), R"({"name":"c"})");
  EXPECT_FALSE(d["docs"][2]["found"].GetBool());
  r = Call("POST", "/_mget", R"({"docs":[{"_index":"sf","_id":1,"_source":["user.id","price"]},)"
                             R"({"_index":"sf","_id":"1","_source":{"includes":["user"],"excludes":["user.secret"]}},)"
                             R"({"_index":"sf","_id":"3","_source":"name"}]})");
  ASSERT_EQ(r.status, 200) << r.body;
  d = Json(r.body);
  EXPECT_EQ(Str(d["docs"][0]["_source"]), R"({"price":3,"user":{"id":7}})");
  EXPECT_EQ(Str(d["docs"][1]["_source"]), R"({"user":{"id":7}})");
  EXPECT_EQ(Str(d["docs"][2]["_source"]), R"({"name":"c"})");
  ExpectEsError(Call("POST", "/sf/_mget", R"({"ids":[{"x":1}]})"), 400, "parse_exception");
}

// Its own node: restarted with SIGTERM.
class DocumentRestartTest : public IndexApiFixture {};

TEST_F(DocumentRestartTest, DocumentsSurviveARestart) {
  ASSERT_EQ(Call("PUT", "/keep", R"({"settings":{"number_of_shards":2}})").status, 200);
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(Call("PUT", "/keep/_doc/" + std::to_string(i), R"({"i":)" + std::to_string(i) + "}").status, 201);
  }
  ASSERT_EQ(Call("DELETE", "/keep/_doc/3").status, 200);
  ASSERT_EQ(Call("PUT", "/auto/_doc/a", R"({"x":"y"})").status, 201);  // auto-created
  ASSERT_NO_FATAL_FAILURE(RestartNode());
  for (int i = 0; i < 20; ++i) {
    auto r = Call("GET", "/keep/_source/" + std::to_string(i));
    if (i == 3) {
      EXPECT_EQ(r.status, 404);
    } else {
      EXPECT_EQ(r.body, R"({"i":)" + std::to_string(i) + "}");
    }
  }
  EXPECT_EQ(Call("GET", "/auto/_source/a").body, R"({"x":"y"})");
  auto d = Json(Call("GET", "/keep/_settings").body);
  EXPECT_EQ(Str(d["keep"]["settings"]["index"]["number_of_shards"]), "2");
}

}  // namespace
}  // namespace holdfast
