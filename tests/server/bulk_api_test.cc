// _bulk: the NDJSON parser on its own, then real requests against a node —
// per-item results, malformed lines, a ~30 MB body with bounded server
// memory, and 10,000 documents read back.
#include <atomic>
#include <fstream>
#include <thread>

#include "server/api/api_errors.h"
#include "server/api/bulk_parser.h"
#include "tests/server/index_api_fixture.h"

namespace holdfast {
namespace {

using namespace std::chrono_literals;

// Feeds `ndjson` line by line; returns the completed items.
std::vector<BulkItem> ParseAll(const std::string& ndjson, const std::string& default_index = "") {
  BulkParser parser(default_index);
  std::vector<BulkItem> items;
  BulkItem item;
  size_t pos = 0;
  std::vector<std::string> sources;
  while (pos <= ndjson.size()) {
    size_t nl = ndjson.find('\n', pos);
    if (nl == std::string::npos) nl = ndjson.size();
    if (nl == pos && nl == ndjson.size()) break;
    if (parser.AddLine(std::string_view(ndjson).substr(pos, nl - pos), &item)) items.push_back(item);
    pos = nl + 1;
  }
  if (parser.Finish(&item)) items.push_back(item);
  return items;
}

std::string ErrorType(const BulkItem& item) { return std::string(ErrorTypeForKind(item.error.kind())); }

TEST(BulkParserTest, ActionsAndSources) {
  auto items = ParseAll(
      "{\"index\":{\"_index\":\"a\",\"_id\":\"1\"}}\n{\"x\":1}\n"
      "{\"create\":{\"_id\":\"2\",\"routing\":\"r\"}}\r\n{\"x\":2}\r\n"
      "\n"
      "{\"delete\":{\"_index\":\"b\",\"_id\":\"3\",\"if_seq_no\":4,\"if_primary_term\":1}}\n"
      "{\"update\":{\"_id\":\"4\"}}\n{\"doc\":{\"y\":1},\"doc_as_upsert\":true}\n"
      "{\"index\":{}}\n{\"index\":{\"_id\":\"looks like an action\"}}\n",
      "dflt");
  ASSERT_EQ(items.size(), 5u);
  EXPECT_EQ(items[0].action, BulkAction::kIndex);
  EXPECT_EQ(items[0].index, "a");
  EXPECT_EQ(items[0].id, "1");
  EXPECT_EQ(items[1].action, BulkAction::kCreate);
  EXPECT_EQ(items[1].index, "dflt");
  EXPECT_EQ(items[2].action, BulkAction::kDelete);
  EXPECT_EQ(*items[2].if_seq_no, 4);
  EXPECT_EQ(*items[2].if_primary_term, 1);
  EXPECT_EQ(items[3].action, BulkAction::kUpdate);
  EXPECT_EQ(items[3].update.doc, "{\"y\":1}");
  EXPECT_TRUE(items[3].update.doc_as_upsert);
  EXPECT_TRUE(items[4].id.empty());
  for (const auto& item : items) EXPECT_TRUE(item.error.ok()) << item.error.ToString();
}

TEST(BulkParserTest, BadLinesFailOnlyTheirItem) {
  auto items = ParseAll(
      "{\"index\":{\"_id\":\"1\"}}\n{\"x\":1}\n"
      "{\"index\":{\"_id\":\n{\"x\":2}\n"                   // malformed action: its source is swallowed
      "{\"explode\":{}}\n{\"delete\":{\"_id\":\"5\"}}\n"    // unknown action; next line is a real action
      "{\"update\":{\"_id\":\"6\"}}\n{\"doc\":\n"           // bad update body
      "{\"delete\":{}}\n"                                   // no id
      "{\"index\":{\"_id\":\"7\",\"colour\":3}}\n{}\n"      // unknown parameter
      "{\"index\":{\"_id\":\"8\"}}\n{\"x\":8}\n"
      "{\"index\":{\"_id\":\"9\"}}\n",                      // no source line
      "i");
  ASSERT_EQ(items.size(), 9u);
  EXPECT_TRUE(items[0].error.ok());
  EXPECT_EQ(ErrorType(items[1]), "illegal_argument_exception");
  EXPECT_EQ(ErrorType(items[2]), "illegal_argument_exception");
  EXPECT_TRUE(items[3].error.ok());
  EXPECT_EQ(items[3].id, "5");
  EXPECT_EQ(ErrorType(items[4]), "parse_exception");
  EXPECT_EQ(ErrorType(items[5]), "action_request_validation_exception");
  EXPECT_EQ(ErrorType(items[6]), "illegal_argument_exception");
  EXPECT_TRUE(items[7].error.ok());
  EXPECT_EQ(items[7].source, "{\"x\":8}");
  EXPECT_EQ(ErrorType(items[8]), "action_request_validation_exception");
  // The malformed action lines (the _bulk API refuses the whole request for them).
  for (size_t i : {1, 2, 6}) EXPECT_TRUE(items[i].malformed) << i;
  for (size_t i : {0, 3, 4, 5, 7, 8}) EXPECT_FALSE(items[i].malformed) << i;
}

TEST(BulkParserTest, GarbageNeverCrashes) {
  const std::string samples[] = {"", "\n\n\n", "{", "}", "[]", "null", "\"index\"", "{\"index\":[]}",
                                 "{\"index\":{},\"create\":{}}", "\xff\xfe\n{}", "{\"index\":{\"_id\":12}}\n{}",
                                 std::string(1000, '{'), "{\"update\":{\"_id\":\"1\"}}\n{\"doc\":[1]}"};
  for (const auto& s : samples) {
    auto items = ParseAll(s, "i");
    for (const auto& item : items) EXPECT_LE(item.line, 1000u);
  }
  BulkParser parser("i");
  BulkItem item;
  EXPECT_TRUE(parser.AddOversizedLine(1 << 30, &item));
  EXPECT_EQ(ErrorType(item), "content_too_long_exception");
}

class BulkApiTest : public IndexApiFixture {
 protected:
  static long RssKb(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    }
    return -1;
  }
};

TEST_F(BulkApiTest, MixedActionsAnswerPerItem) {
  ASSERT_EQ(Call("PUT", "/mixed/_doc/existing", R"({"v":0})").status, 201);
  const std::string body =
      "{\"index\":{\"_index\":\"mixed\",\"_id\":\"1\"}}\n{\"v\":1}\n"
      "{\"create\":{\"_index\":\"mixed\",\"_id\":\"existing\"}}\n{\"v\":2}\n"
      "{\"update\":{\"_index\":\"mixed\",\"_id\":\"1\"}}\n{\"doc\":{\"w\":1}}\n"
      "{\"delete\":{\"_index\":\"mixed\",\"_id\":\"nope\"}}\n"
      "{\"index\":{\"_index\":\"mixed\",\"_id\":\"2\"}}\n{\"v\":\"not a long\"}\n"
      "{\"index\":{\"_index\":\"mixed\"}}\n{\"v\":3}\n"
      "{\"delete\":{\"_index\":\"mixed\",\"_id\":\"existing\"}}\n"
      "{\"index\":{\"_index\":\"Bad\",\"_id\":\"1\"}}\n{\"v\":4}\n"
      "{\"delete\":{\"_index\":\"missing-index\",\"_id\":\"1\"}}\n"
      "{\"index\":{\"_index\":\"other\",\"_id\":\"1\"}}\n{\"v\":5}\n";
  auto r = Call("POST", "/_bulk?refresh=true", body);
  ASSERT_EQ(r.status, 200) << r.body;
  auto d = Json(r.body);
  EXPECT_TRUE(d["took"].IsInt());
  EXPECT_TRUE(d["errors"].GetBool());
  const auto& items = d["items"];
  ASSERT_EQ(items.Size(), 10u) << r.body;
  struct Expect {
    const char* action;
    int status;
    const char* result_or_error;
  };
  const Expect expected[] = {
      {"index", 201, "created"},
      {"create", 409, "version_conflict_engine_exception"},
      {"update", 200, "updated"},
      {"delete", 404, "not_found"},
      {"index", 400, "mapper_parsing_exception"},
      {"index", 201, "created"},
      {"delete", 200, "deleted"},
      {"index", 400, "invalid_index_name_exception"},
      {"delete", 404, "index_not_found_exception"},
      {"index", 201, "created"},
  };
  for (size_t i = 0; i < items.Size(); ++i) {
    SCOPED_TRACE(i);
    ASSERT_TRUE(items[i].HasMember(expected[i].action)) << Str(items[i]);
    const auto& item = items[i][expected[i].action];
    EXPECT_EQ(item["status"].GetInt(), expected[i].status) << Str(item);
    if (item.HasMember("error")) {
      EXPECT_EQ(Str(item["error"]["type"]), expected[i].result_or_error);
      EXPECT_FALSE(Str(item["error"]["reason"]).empty());
    } else {
      EXPECT_EQ(Str(item["result"]), expected[i].result_or_error);
      EXPECT_EQ(Str(item["_shards"]), R"({"total":2,"successful":1,"failed":0})");
      EXPECT_TRUE(item["_seq_no"].IsInt());
    }
  }
  EXPECT_EQ(Str(items[0]["index"]), R"({"_index":"mixed","_type":"_doc","_id":"1","_version":1,"result":"created",)"
                                     R"("_shards":{"total":2,"successful":1,"failed":0},"_seq_no":1,)"
                                     R"("_primary_term":1,"status":201})");
  EXPECT_EQ(Str(items[5]["index"]["_id"]).size(), 20u);
  EXPECT_EQ(Call("GET", "/mixed/_source/1").body, R"({"v":1,"w":1})");
  EXPECT_EQ(Call("GET", "/mixed/_doc/existing").status, 404);
  EXPECT_EQ(Call("GET", "/other/_source/1").body, R"({"v":5})");
  EXPECT_EQ(Call("HEAD", "/missing-index").status, 404);
  // Refreshed: counted by _cat.
  EXPECT_EQ(Str(Json(Call("GET", "/_cat/indices/mixed?format=json").body)[0]["docs.count"]), "2");
}

// A malformed action line fails the whole request before anything is
// written, naming the line, as Elasticsearch answers.
TEST_F(BulkApiTest, AMalformedActionLineFailsTheWholeRequest) {
  for (const std::string& bad : {std::string("this is not json"), std::string("{\"explode\":{}}"),
                                 std::string("{\"index\":{\"_id\":\"3\",\"colour\":1}}")}) {
    SCOPED_TRACE(bad);
    const std::string body = "{\"index\":{\"_index\":\"whole\",\"_id\":\"1\"}}\n{\"v\":1}\n"
                             "{\"delete\":{\"_index\":\"whole\",\"_id\":\"2\"}}\n" + bad + "\n{\"v\":3}\n";
    auto r = Call("POST", "/_bulk?refresh=true", body);
    ExpectEsError(r, 400, "illegal_argument_exception");
    if (bad.find("colour") == std::string::npos) {
      EXPECT_NE(r.body.find("Malformed action/metadata line [4]"), std::string::npos) << r.body;
    } else {
      EXPECT_NE(r.body.find("colour"), std::string::npos) << r.body;
    }
    EXPECT_EQ(Call("HEAD", "/whole").status, 404);  // nothing ran: not even the index was created
  }
  // A bad document or a bad update body still fails only its item.
  auto r = Call("POST", "/_bulk", "{\"index\":{\"_index\":\"whole\",\"_id\":\"1\"}}\n{\"v\":1}\n"
                                  "{\"update\":{\"_index\":\"whole\",\"_id\":\"1\"}}\n{\"doc\":\n");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"errors\":true"), std::string::npos);
}

TEST_F(BulkApiTest, IndexInThePathAndErrorsFalse) {
  auto r = Call("POST", "/pathidx/_bulk", "{\"index\":{\"_id\":\"1\"}}\n{\"a\":1}\n{\"delete\":{\"_id\":\"1\"}}\n");
  ASSERT_EQ(r.status, 200) << r.body;
  auto d = Json(r.body);
  EXPECT_FALSE(d["errors"].GetBool());
  EXPECT_EQ(Str(d["items"][1]["delete"]["result"]), "deleted");
  ExpectEsError(Call("POST", "/_bulk", "\n\n"), 400, "action_request_validation_exception");
  // An empty body (Content-Length: 0) on a spooled route is answered, not waited on.
  ExpectEsError(Call("POST", "/_bulk", ""), 400, "action_request_validation_exception");
  ExpectEsError(Call("POST", "/_bulk?refresh=maybe", "{\"delete\":{\"_index\":\"a\",\"_id\":\"1\"}}\n"), 400,
                "illegal_argument_exception");
}

// An empty _id fails its item as Elasticsearch fails it: an
// illegal_argument_exception, the item showing the "" it was given.
TEST_F(BulkApiTest, AnEmptyIdFailsItsItemAsElasticsearchDoes) {
  auto r = Call("POST", "/emptyid/_bulk", "{\"index\":{\"_id\":\"\"}}\n{\"a\":1}\n{\"index\":{}}\n{\"a\":2}\n");
  ASSERT_EQ(r.status, 200) << r.body;
  auto d = Json(r.body);
  EXPECT_TRUE(d["errors"].GetBool());
  const auto& bad = d["items"][0]["index"];
  EXPECT_EQ(bad["status"].GetInt(), 400);
  EXPECT_EQ(Str(bad["error"]["type"]), "illegal_argument_exception");
  EXPECT_EQ(Str(bad["error"]["reason"]), "if _id is specified it must not be empty");
  ASSERT_TRUE(bad["_id"].IsString()) << r.body;
  EXPECT_EQ(Str(bad["_id"]), "");
  EXPECT_EQ(d["items"][1]["index"]["status"].GetInt(), 201) << "a generated id";
}

TEST_F(BulkApiTest, TenThousandDocuments) {
  std::string body;
  for (int i = 0; i < 10'000; ++i) {
    body += "{\"index\":{\"_index\":\"tenk\",\"_id\":\"d" + std::to_string(i) + "\"}}\n";
    body += "{\"n\":" + std::to_string(i) + ",\"title\":\"document number " + std::to_string(i) + "\"}\n";
  }
  testing::HttpConnection conn(port(), 120s);
  auto r = conn.Request("POST", "/_bulk", body, "Content-Type: application/x-ndjson\r\n");
  ASSERT_EQ(r.status, 200) << r.body.substr(0, 500);
  auto d = Json(r.body);
  EXPECT_FALSE(d["errors"].GetBool());
  EXPECT_EQ(d["items"].Size(), 10'000u);
  ASSERT_EQ(Call("POST", "/tenk/_refresh").status, 200);
  EXPECT_EQ(Str(Json(Call("GET", "/_cat/indices/tenk?format=json").body)[0]["docs.count"]), "10000");
  for (int i : {0, 1, 4999, 7777, 9999}) {
    auto g = Call("GET", "/tenk/_source/d" + std::to_string(i));
    EXPECT_EQ(g.body, "{\"n\":" + std::to_string(i) + ",\"title\":\"document number " + std::to_string(i) + "\"}");
  }
}

// The body is spooled to disk and streamed: server memory stays bounded.
// Bound: RSS below 300 MB while a ~30 MB bulk (about 100,000 documents) runs.
TEST_F(BulkApiTest, ThirtyMegabyteBodyWithBoundedMemory) {
  ASSERT_EQ(Call("PUT", "/big", R"({"settings":{"number_of_shards":2,"number_of_replicas":0}})").status, 200);
  std::string body;
  body.reserve(31u << 20);
  const std::string filler(200, 'x');
  for (int i = 0; body.size() < (30u << 20) && i < 1'000'000; ++i) {
    body += "{\"index\":{\"_id\":\"" + std::to_string(i) + "\"}}\n";
    body += "{\"i\":" + std::to_string(i) + ",\"text\":\"word" + std::to_string(i % 1000) + " " + filler + "\"}\n";
  }
  const pid_t pid = node_->process().pid();
  std::atomic<bool> done{false};
  std::atomic<long> peak{0};
  std::thread sampler([&] {
    for (int n = 0; n < 100'000 && !done.load(); ++n) {  // bounded: at most ~2000 s of sampling
      peak = std::max(peak.load(), RssKb(pid));
      std::this_thread::sleep_for(20ms);
    }
  });
  testing::HttpConnection conn(port(), 300s);
  auto r = conn.Request("POST", "/big/_bulk", body, "Content-Type: application/x-ndjson\r\n");
  done = true;
  sampler.join();
  ASSERT_EQ(r.status, 200) << r.body.substr(0, 500);
  auto d = Json(r.body);
  EXPECT_FALSE(d["errors"].GetBool());
  const size_t n = d["items"].Size();
  EXPECT_GT(n, 100'000u);
  EXPECT_GT(peak.load(), 0);
  EXPECT_LT(peak.load(), 300L * 1024) << "peak RSS " << peak.load() << " kB";
  ASSERT_EQ(Call("POST", "/big/_refresh").status, 200);
  EXPECT_EQ(Str(Json(Call("GET", "/_cat/indices/big?format=json").body)[0]["docs.count"]), std::to_string(n));
  EXPECT_EQ(Call("GET", "/big/_doc/" + std::to_string(n - 1)).status, 200);
}

}  // namespace
}  // namespace holdfast
