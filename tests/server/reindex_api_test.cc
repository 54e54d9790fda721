// _reindex, _update_by_query, _delete_by_query and _tasks on a real node, as
// Elasticsearch's reference documents them: counts in the response, query
// and max_docs, batches, op_type create with conflicts abort or proceed,
// background tasks polled with GET /_tasks, and the update after a mapping
// change that makes existing documents searchable by a new field.
#include "tests/server/index_api_fixture.h"

namespace holdfast {
namespace {

class ReindexApiTest : public IndexApiFixture {
 protected:
  static void SetUpTestSuite() {
    StartNode();
    ASSERT_EQ(Call("PUT", "/src", R"({"settings":{"number_of_shards":3,"number_of_replicas":0},
                                      "mappings":{"properties":{"color":{"type":"keyword"},"n":{"type":"long"}}}})")
                  .status,
              200);
    std::string lines;
    for (int i = 0; i < 40; ++i) {
      lines += R"({"index":{"_id":"d)" + std::to_string(i) + "\"}}\n";
      lines += R"({"color":")" + std::string(i % 4 == 0 ? "red" : "blue") + R"(","n":)" + std::to_string(i) + "}\n";
    }
    auto r = Call("POST", "/src/_bulk?refresh=true", lines);
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_EQ(r.body.find("\"errors\":true"), std::string::npos) << r.body;
  }
  static uint64_t Count(const std::string& index, const std::string& query = "") {
    auto r = Call("POST", "/" + index + "/_count", query.empty() ? "" : R"({"query":)" + query + "}");
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? Json(r.body)["count"].GetUint64() : 0;
  }
};

TEST_F(ReindexApiTest, CopiesEveryDocumentOrTheMatchingOnes) {
  auto r = Call("POST", "/_reindex?refresh=true", R"({"source":{"index":"src"},"dest":{"index":"copy-all"}})");
  ASSERT_EQ(r.status, 200) << r.body;
  auto d = Json(r.body);
  EXPECT_EQ(d["total"].GetUint64(), 40u);
  EXPECT_EQ(d["created"].GetUint64(), 40u);
  EXPECT_EQ(d["updated"].GetUint64(), 0u);
  EXPECT_EQ(d["batches"].GetUint64(), 1u);
  EXPECT_EQ(d["version_conflicts"].GetUint64(), 0u);
  EXPECT_TRUE(d["failures"].IsArray() && d["failures"].Empty());
  EXPECT_FALSE(d["timed_out"].GetBool());
  EXPECT_EQ(Count("copy-all"), 40u);
  EXPECT_EQ(Call("GET", "/copy-all/_source/d7").body, R"({"color":"blue","n":7})");

  // A query, batches of 3 and at most 7 documents.
  r = Call("POST", "/_reindex?refresh=true",
           R"({"source":{"index":"src","query":{"term":{"color":"red"}},"size":3},"dest":{"index":"copy-red"},
               "max_docs":7})");
  ASSERT_EQ(r.status, 200) << r.body;
  d = Json(r.body);
  EXPECT_EQ(d["total"].GetUint64(), 7u);
  EXPECT_EQ(d["created"].GetUint64(), 7u);
  EXPECT_EQ(d["batches"].GetUint64(), 3u);
  EXPECT_EQ(Count("copy-red"), 7u);
  EXPECT_EQ(Count("copy-red", R"({"term":{"color":"blue"}})"), 0u);

  // Into an existing index: the same ids are updated.
  r = Call("POST", "/_reindex?refresh=true", R"({"source":{"index":"src"},"dest":{"index":"copy-red"}})");
  ASSERT_EQ(r.status, 200) << r.body;
  d = Json(r.body);
  EXPECT_EQ(d["created"].GetUint64(), 33u);
  EXPECT_EQ(d["updated"].GetUint64(), 7u);
}

TEST_F(ReindexApiTest, OpTypeCreateConflictsAbortOrProceed) {
  ASSERT_EQ(Call("POST", "/_reindex?refresh=true", R"({"source":{"index":"src"},"dest":{"index":"once"}})").status, 200);
  auto r = Call("POST", "/_reindex", R"({"source":{"index":"src"},"dest":{"index":"once","op_type":"create"}})");
  EXPECT_EQ(r.status, 409) << r.body;
  auto d = Json(r.body);
  EXPECT_GE(d["version_conflicts"].GetUint64(), 1u);
  ASSERT_TRUE(d["failures"].IsArray() && d["failures"].Size() >= 1) << r.body;
  EXPECT_EQ(Str(d["failures"][0]["cause"]["type"]), "version_conflict_engine_exception");
  EXPECT_EQ(d["failures"][0]["status"].GetInt(), 409);

  r = Call("POST", "/_reindex",
           R"({"source":{"index":"src"},"dest":{"index":"once","op_type":"create"},"conflicts":"proceed"})");
  ASSERT_EQ(r.status, 200) << r.body;
  d = Json(r.body);
  EXPECT_EQ(d["version_conflicts"].GetUint64(), 40u);
  EXPECT_EQ(d["created"].GetUint64(), 0u);
  EXPECT_TRUE(d["failures"].Empty());
}

TEST_F(ReindexApiTest, RefusedRequests) {
  ExpectEsError(Call("POST", "/_reindex", R"({"source":{"index":"src"},"dest":{"index":"src"}})"), 400,
                "action_request_validation_exception");
  ExpectEsError(Call("POST", "/_reindex", R"({"source":{"index":"src"},"dest":{"index":"x"},"script":{"source":"1"}})"),
                400, "illegal_argument_exception");
  ExpectEsError(Call("POST", "/_reindex", R"({"source":{"remote":{"host":"h"},"index":"src"},"dest":{"index":"x"}})"),
                400, "illegal_argument_exception");
  ExpectEsError(Call("POST", "/_reindex", R"({"source":{"index":"nope"},"dest":{"index":"x"}})"), 404,
                "index_not_found_exception");
  ExpectEsError(Call("POST", "/_reindex", R"({"dest":{"index":"x"}})"), 400, "action_request_validation_exception");
  ExpectEsError(Call("POST", "/_reindex", ""), 400, "action_request_validation_exception");
  ExpectEsError(Call("POST", "/src/_delete_by_query", "{}"), 400, "action_request_validation_exception");
  ExpectEsError(Call("POST", "/src/_update_by_query?conflicts=maybe", ""), 400, "illegal_argument_exception");
  ExpectEsError(Call("GET", "/_tasks/nobody:1"), 404, "resource_not_found_exception");
}

TEST_F(ReindexApiTest, DeleteByQueryAsABackgroundTask) {
  ASSERT_EQ(Call("POST", "/_reindex?refresh=true", R"({"source":{"index":"src"},"dest":{"index":"doomed"}})").status,
            200);
  auto r = Call("POST", "/doomed/_delete_by_query?refresh=true&wait_for_completion=false&scroll_size=4",
                R"({"query":{"term":{"color":"red"}}})");
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string task = Str(Json(r.body)["task"]);
  ASSERT_NE(task.find(':'), std::string::npos) << r.body;
  r = Call("GET", "/_tasks/" + task + "?wait_for_completion=true&timeout=60s");
  ASSERT_EQ(r.status, 200) << r.body;
  auto d = Json(r.body);
  EXPECT_TRUE(d["completed"].GetBool());
  EXPECT_EQ(Str(d["task"]["action"]), "indices:data/write/delete/byquery");
  EXPECT_EQ(d["task"]["status"]["deleted"].GetUint64(), 10u);
  EXPECT_EQ(d["response"]["deleted"].GetUint64(), 10u);
  EXPECT_EQ(d["response"]["batches"].GetUint64(), 3u);
  EXPECT_EQ(Count("doomed"), 30u);
  EXPECT_EQ(Count("doomed", R"({"term":{"color":"red"}})"), 0u);
  // Done tasks are not listed as running.
  d = Json(Call("GET", "/_tasks?actions=*byquery").body);
  ASSERT_TRUE(d["nodes"].IsObject());
  for (const auto& node : d["nodes"].GetObject()) EXPECT_FALSE(node.value["tasks"].HasMember(task.c_str()));
}

TEST_F(ReindexApiTest, UpdateByQueryIndexesAFieldMappedLater) {
  ASSERT_EQ(Call("PUT", "/late", R"({"settings":{"number_of_shards":2},"mappings":{"dynamic":false,
                                     "properties":{"name":{"type":"text"}}}})")
                .status,
            200);
  for (int i = 0; i < 12; ++i) {
    ASSERT_EQ(Call("PUT", "/late/_doc/" + std::to_string(i), R"({"name":"x","tag":"t)" + std::to_string(i % 3) + "\"}")
                  .status,
              201);
  }
  ASSERT_EQ(Call("POST", "/late/_refresh").status, 200);
  EXPECT_EQ(Count("late", R"({"term":{"tag":"t1"}})"), 0u);  // not mapped: not indexed
  ASSERT_EQ(Call("PUT", "/late/_mapping", R"({"properties":{"tag":{"type":"keyword"}}})").status, 200);
  EXPECT_EQ(Count("late", R"({"term":{"tag":"t1"}})"), 0u);  // the old documents still lack it
  auto r = Call("POST", "/late/_update_by_query?refresh=true");
  ASSERT_EQ(r.status, 200) << r.body;
  auto d = Json(r.body);
  EXPECT_EQ(d["total"].GetUint64(), 12u);
  EXPECT_EQ(d["updated"].GetUint64(), 12u);
  EXPECT_EQ(d["version_conflicts"].GetUint64(), 0u);
  EXPECT_FALSE(d.HasMember("created"));
  EXPECT_EQ(Count("late", R"({"term":{"tag":"t1"}})"), 4u);
  EXPECT_EQ(Count("late"), 12u);
}

}  // namespace
}  // namespace holdfast
