// A shard copy that fails in a real node (its segments directory replaced by
// a file, so a flush cannot write): the copy is failed with the reason, shown
// in /_lifecycle/status and _cat/shards; writes are refused; the node stays
// up; after a restart on a repaired directory nothing acknowledged is lost.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <signal.h>

#include <filesystem>
#include <fstream>

#include "tests/support/http_client.h"
#include "tests/support/test_process.h"

namespace holdfast {
namespace {

using namespace std::chrono_literals;
using testing::HttpCall;

std::string IndexUuid(int port, const std::string& index) {
  rapidjson::Document d;
  d.Parse(HttpCall(port, "GET", "/" + index + "/_settings").body.c_str());
  if (!d.IsObject() || !d.HasMember(index.c_str())) return "";
  return d[index.c_str()]["settings"]["index"]["uuid"].GetString();
}

// The state and failure of the first shard copy /_lifecycle/status lists.
std::pair<std::string, std::string> CopyState(int port) {
  rapidjson::Document d;
  d.Parse(HttpCall(port, "GET", "/_lifecycle/status").body.c_str());
  if (!d.IsObject() || !d["shards"].IsArray() || d["shards"].Empty()) return {"", ""};
  const auto& s = d["shards"][0];
  return {s["state"].GetString(), s.HasMember("failure") ? s["failure"].GetString() : ""};
}

uint64_t CountOf(int port, const std::string& index) {
  rapidjson::Document d;
  d.Parse(HttpCall(port, "GET", "/" + index + "/_count").body.c_str());
  return d.IsObject() && d.HasMember("count") ? d["count"].GetUint64() : 0;
}

TEST(ShardFailureTest, AFailedCopyIsShownWithItsReasonAndLosesNothing) {
  testing::TempDir tmp;
  const std::string dir = tmp.Sub("data");
  testing::NodeProcess node;
  ASSERT_TRUE(node.Start(dir)) << node.Log();
  ASSERT_TRUE(node.WaitReady()) << node.Log();
  const int port = node.http_port();
  ASSERT_EQ(HttpCall(port, "PUT", "/docs", R"({"settings":{"number_of_shards":1,"number_of_replicas":0}})").status, 200);
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(HttpCall(port, "PUT", "/docs/_doc/a" + std::to_string(i), R"({"n":1})").status, 201);
  }
  const std::string uuid = IndexUuid(port, "docs");
  ASSERT_FALSE(uuid.empty());
  EXPECT_EQ(CopyState(port).first, "STARTED");

  // The fault: the segments directory becomes a file.
  const std::string segments = dir + "/indices/" + uuid + "/0/segments";
  ASSERT_TRUE(std::filesystem::is_directory(segments));
  std::filesystem::rename(segments, segments + ".moved");
  std::ofstream(segments) << "not a directory";
  // Writes before the failure are acknowledged (they are in the op log).
  for (int i = 0; i < 10; ++i) {
    ASSERT_EQ(HttpCall(port, "PUT", "/docs/_doc/b" + std::to_string(i), R"({"n":2})").status, 201);
  }
  EXPECT_NE(HttpCall(port, "POST", "/docs/_flush").status, 200);

  ASSERT_TRUE(testing::WaitFor([&] { return CopyState(port).first == "FAILED"; }, 10s))
      << HttpCall(port, "GET", "/_lifecycle/status").body;
  EXPECT_NE(CopyState(port).second.find("segments"), std::string::npos) << CopyState(port).second;
  const auto cat = HttpCall(port, "GET", "/_cat/shards/docs?h=index,prirep,state,unassigned.reason,failure");
  EXPECT_NE(cat.body.find("UNASSIGNED"), std::string::npos) << cat.body;
  EXPECT_NE(cat.body.find("ALLOCATION_FAILED"), std::string::npos) << cat.body;
  EXPECT_NE(cat.body.find("segments"), std::string::npos) << cat.body;
  const auto health = HttpCall(port, "GET", "/_cluster/health/docs");
  EXPECT_NE(health.body.find("\"status\":\"red\""), std::string::npos) << health.status << health.body;
  // Writes are refused; the node stays up and live.
  EXPECT_GE(HttpCall(port, "PUT", "/docs/_doc/c", R"({"n":3})").status, 400);
  EXPECT_EQ(HttpCall(port, "GET", "/_lifecycle/live").status, 200);

  // Kill, repair, restart: the copy is retried and holds every acknowledged document.
  node.process().Signal(SIGKILL);
  ASSERT_TRUE(node.process().WaitExit(10s).has_value());
  std::filesystem::remove(segments);
  std::filesystem::rename(segments + ".moved", segments);
  testing::NodeProcess again;
  ASSERT_TRUE(again.Start(dir)) << again.Log();
  ASSERT_TRUE(again.WaitReady()) << again.Log();
  const int port2 = again.http_port();
  ASSERT_TRUE(testing::WaitFor([&] { return CopyState(port2).first == "STARTED"; }, 10s)) << again.Log();
  ASSERT_EQ(HttpCall(port2, "POST", "/docs/_refresh").status, 200);
  EXPECT_EQ(CountOf(port2, "docs"), 30u);
  EXPECT_EQ(HttpCall(port2, "GET", "/docs/_doc/b9").status, 200);
  EXPECT_EQ(HttpCall(port2, "PUT", "/docs/_doc/c", R"({"n":3})").status, 201);
}

}  // namespace
}  // namespace holdfast
