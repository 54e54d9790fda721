// holdfast serve as a real process on a real volume: identity across
// restarts, the LOCK, refusal of foreign volumes, and SIGTERM/SIGKILL.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <signal.h>

#include <filesystem>
#include <map>
#include <thread>

#include "index/util/file_util.h"
#include "lifecycle/exit_codes.h"
#include "lifecycle/volume.h"
#include "tests/support/http_client.h"
#include "tests/support/test_process.h"

namespace holdfast {
namespace {

using namespace std::chrono_literals;
using testing::HttpCall;
using testing::HttpConnection;
using testing::NodeProcess;
using testing::TempDir;

rapidjson::Document Json(const std::string& body) {
  rapidjson::Document d;
  d.Parse(body.c_str());
  EXPECT_FALSE(d.HasParseError()) << body;
  return d;
}

std::string VolumeUuidOf(int port) {
  auto reply = HttpCall(port, "GET", "/_lifecycle/status");
  EXPECT_EQ(reply.status, 200);
  auto d = Json(reply.body);
  return d.HasParseError() ? "" : d["volume"]["uuid"].GetString();
}

std::string PreviousShutdownOf(int port) {
  auto d = Json(HttpCall(port, "GET", "/_lifecycle/status").body);
  return d.HasParseError() ? "" : d["previous_shutdown"].GetString();
}


void StopCleanly(NodeProcess& node) {
  node.process().Signal(SIGTERM);
  auto code = node.process().WaitExit(20s);
  ASSERT_TRUE(code.has_value()) << node.Log();
  ASSERT_EQ(*code, 0) << node.Log();
}

TEST(NodeProcessTest, VolumeIdentitySurvivesRestartAndCleanStopIsRecorded) {
  TempDir tmp;
  const std::string dir = tmp.Sub("data");
  NodeProcess first;
  ASSERT_TRUE(first.Start(dir)) << first.Log();
  const std::string uuid = VolumeUuidOf(first.http_port());
  ASSERT_FALSE(uuid.empty());
  EXPECT_EQ(PreviousShutdownOf(first.http_port()), "first_start");
  StopCleanly(first);
  EXPECT_NE(first.Log().find("stopped cleanly"), std::string::npos);

  NodeProcess second;
  ASSERT_TRUE(second.Start(dir)) << second.Log();
  EXPECT_EQ(VolumeUuidOf(second.http_port()), uuid);
  EXPECT_EQ(PreviousShutdownOf(second.http_port()), "clean");
  EXPECT_NE(second.Log().find("last stop was clean"), std::string::npos);
  StopCleanly(second);
}

TEST(NodeProcessTest, SigkillIsSeenAsUncleanOnNextStart) {
  TempDir tmp;
  const std::string dir = tmp.Sub("data");
  NodeProcess first;
  ASSERT_TRUE(first.Start(dir)) << first.Log();
  const std::string uuid = VolumeUuidOf(first.http_port());
  first.process().Signal(SIGKILL);
  ASSERT_EQ(first.process().WaitExit(10s).value_or(-1), 128 + SIGKILL);

  NodeProcess second;  // the kernel released the flock with the dead process
  ASSERT_TRUE(second.Start(dir)) << second.Log();
  EXPECT_EQ(VolumeUuidOf(second.http_port()), uuid);
  EXPECT_EQ(PreviousShutdownOf(second.http_port()), "unclean");
  EXPECT_NE(second.Log().find("NOT clean"), std::string::npos);
  StopCleanly(second);
}

TEST(NodeProcessTest, SecondProcessOnSameDataDirExitsAtOnceNamingTheHolder) {
  TempDir tmp;
  const std::string dir = tmp.Sub("data");
  NodeProcess first;
  ASSERT_TRUE(first.Start(dir)) << first.Log();

  NodeProcess second;
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(second.Launch(dir));
  auto code = second.process().WaitExit(10s);
  const auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, kExitVolumeLocked);
  EXPECT_LT(took, 2s);
  EXPECT_NE(second.Log().find("locked by pid " + std::to_string(first.process().pid())),
            std::string::npos)
      << second.Log();
  // The first node is unharmed.
  EXPECT_EQ(HttpCall(first.http_port(), "GET", "/_lifecycle/live").status, 200);
  StopCleanly(first);
}

TEST(NodeProcessTest, ForeignClusterVolumeIsRefusedAndLeftByteIdentical) {
  TempDir tmp;
  const std::string dir = tmp.Sub("data");
  {
    NodeProcess node;
    ASSERT_TRUE(node.Start(dir, {"--cluster-uuid", "cluster-a"})) << node.Log();
    StopCleanly(node);
  }
  const auto before = testing::DirectorySnapshot(dir);
  NodeProcess other;
  ASSERT_TRUE(other.Launch(dir, {"--cluster-uuid", "cluster-b"}));
  EXPECT_EQ(other.process().WaitExit(10s).value_or(-1), kExitClusterMismatch) << other.Log();
  EXPECT_NE(other.Log().find("belongs to cluster cluster-a"), std::string::npos) << other.Log();
  EXPECT_EQ(testing::DirectorySnapshot(dir), before);
}

TEST(NodeProcessTest, NewerFormatVolumeIsRefusedAndLeftByteIdentical) {
  TempDir tmp;
  const std::string dir = tmp.Sub("data");
  {
    NodeProcess node;
    ASSERT_TRUE(node.Start(dir)) << node.Log();
    StopCleanly(node);
  }
  auto id = DecodeVolumeIdentity(ReadFileToString(dir + "/VOLUME").value());
  ASSERT_TRUE(id.ok());
  id->format_version = kVolumeFormatVersion + 7;
  ASSERT_TRUE(WriteFileDurably(dir + "/VOLUME", EncodeVolumeIdentity(id.value())).ok());
  const auto before = testing::DirectorySnapshot(dir);
  NodeProcess newer;
  ASSERT_TRUE(newer.Launch(dir));
  EXPECT_EQ(newer.process().WaitExit(10s).value_or(-1), kExitVolumeTooNew) << newer.Log();
  EXPECT_NE(newer.Log().find("newer than this holdfast reads"), std::string::npos) << newer.Log();
  EXPECT_EQ(testing::DirectorySnapshot(dir), before);
}

TEST(NodeProcessTest, JsonLogsAreOneObjectPerLine) {
  TempDir tmp;
  NodeProcess node;
  ASSERT_TRUE(node.Start(tmp.Sub("data"), {"--log-format", "json", "--node-name", "with \"quotes\""}))
      << node.Log();
  StopCleanly(node);
  const std::string log = node.Log();
  size_t lines = 0, pos = 0;
  bool saw_banner = false;
  while (pos < log.size()) {
    size_t eol = log.find('\n', pos);
    std::string line = log.substr(pos, eol - pos);
    pos = eol == std::string::npos ? log.size() : eol + 1;
    auto d = Json(line);
    ASSERT_TRUE(d.IsObject()) << line;
    EXPECT_TRUE(d.HasMember("ts") && d.HasMember("level") && d.HasMember("msg")) << line;
    std::string msg = d["msg"].GetString();
    saw_banner = saw_banner || msg.find("node_name=with \"quotes\"") != std::string::npos;
    ++lines;
  }
  EXPECT_GE(lines, 3u);
  EXPECT_TRUE(saw_banner) << log;
}

TEST(NodeProcessTest, BadConfigurationExitsWithUsageCode) {
  TempDir tmp;
  NodeProcess node;
  ASSERT_TRUE(node.Launch(tmp.Sub("data"), {"--log-level", "loud"}));
  EXPECT_EQ(node.process().WaitExit(10s).value_or(-1), kExitUsage);
  EXPECT_NE(node.Log().find("--log-level"), std::string::npos) << node.Log();
  EXPECT_FALSE(std::filesystem::exists(tmp.Sub("data")));
}

// SIGTERM while a client is still uploading its request body: the request
// is answered (with Connection: close) and the node then exits cleanly.
// `request_line` picks the route: one answered on the I/O thread, or one run
// on the worker pool — which then answers after the acceptor has closed and
// no socket operation is pending.
void ExpectSlowRequestFinishesAfterSigterm(const std::string& request_line, const std::string& expect_in_body) {
  TempDir tmp;
  const std::string dir = tmp.Sub("data");
  NodeProcess node;
  ASSERT_TRUE(node.Start(dir, {"--shutdown-grace", "20s"})) << node.Log();
  ASSERT_TRUE(node.WaitReady()) << node.Log();  // _search answers 503 until startup recovery is done

  const std::string body = R"({"query":{"match_all":{}}})";
  HttpConnection slow(node.http_port(), 20s);
  ASSERT_TRUE(slow.SendRaw(request_line + "\r\nHost: x\r\nContent-Type: application/json\r\n"
                           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
                           body.substr(0, 5)));
  // An idle keep-alive connection must not hold the shutdown up.
  HttpConnection idle(node.http_port());
  ASSERT_EQ(idle.Request("GET", "/_lifecycle/live").status, 200);

  node.process().Signal(SIGTERM);
  ASSERT_TRUE(node.process().WaitForLog("received", 10s)) << node.Log();
  EXPECT_TRUE(idle.WaitClosed(5s));
  // The server is still waiting for the rest of the body; it must not have exited.
  EXPECT_TRUE(node.process().running());
  ASSERT_TRUE(slow.SendRaw(body.substr(5)));
  auto reply = slow.ReadReply();
  EXPECT_EQ(reply.status, 200) << node.Log();
  EXPECT_EQ(reply.Header("connection"), "close");
  EXPECT_NE(reply.body.find(expect_in_body), std::string::npos) << reply.body;

  auto start = std::chrono::steady_clock::now();
  auto code = node.process().WaitExit(20s);
  ASSERT_TRUE(code.has_value()) << node.Log();
  EXPECT_EQ(*code, 0) << node.Log();
  // Nothing was left in flight: no wait for the grace period.
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s) << node.Log();
  EXPECT_EQ(node.Log().find("grace period over"), std::string::npos) << node.Log();
  EXPECT_NE(node.Log().find("stopped cleanly"), std::string::npos);

  NodeProcess again;  // the marker was written
  ASSERT_TRUE(again.Start(dir)) << again.Log();
  EXPECT_EQ(PreviousShutdownOf(again.http_port()), "clean");
  StopCleanly(again);
}

TEST(NodeProcessTest, SigtermLetsASlowRequestFinishThenExitsCleanly) {
  ExpectSlowRequestFinishesAfterSigterm("GET / HTTP/1.1", "cluster_uuid");
}

TEST(NodeProcessTest, SigtermLetsASlowWorkerRequestFinishThenExitsCleanly) {
  ExpectSlowRequestFinishesAfterSigterm("POST /_search HTTP/1.1", "\"hits\"");
}

// SIGTERM with a readiness delay: the node turns not-ready at once but keeps
// answering — on a kept-alive connection and on new ones, every response
// saying Connection: close — for the delay, then stops accepting and exits
// cleanly; not before the delay is over.
TEST(NodeProcessTest, SigtermKeepsAnsweringNotReadyForTheReadinessDelay) {
  TempDir tmp;
  NodeProcess node;
  ASSERT_TRUE(node.Start(tmp.Sub("data"), {"--shutdown-readiness-delay", "3s", "--shutdown-grace", "20s"}))
      << node.Log();
  ASSERT_TRUE(node.WaitReady()) << node.Log();
  HttpConnection kept(node.http_port());
  auto before = kept.Request("GET", "/_lifecycle/ready");
  ASSERT_EQ(before.status, 200);
  EXPECT_NE(before.Header("connection"), "close");

  const auto signalled = std::chrono::steady_clock::now();
  node.process().Signal(SIGTERM);
  ASSERT_TRUE(node.process().WaitForLog("still answering", 2s)) << node.Log();
  auto ready = kept.Request("GET", "/_lifecycle/ready");
  EXPECT_EQ(ready.status, 503) << ready.body;
  EXPECT_EQ(ready.Header("connection"), "close");
  EXPECT_TRUE(kept.WaitClosed(2s));
  auto fresh = HttpCall(node.http_port(), "POST", "/_search", R"({"query": {"match_all": {}}})");
  EXPECT_EQ(fresh.status, 200) << fresh.body;
  EXPECT_TRUE(node.process().running());

  auto code = node.process().WaitExit(20s);
  ASSERT_TRUE(code.has_value()) << node.Log();
  EXPECT_EQ(*code, 0) << node.Log();
  EXPECT_GE(std::chrono::steady_clock::now() - signalled, 3s) << node.Log();
  EXPECT_NE(node.Log().find("stopped cleanly"), std::string::npos) << node.Log();
}

// A node that crashes says so in its log — the signal and a backtrace —
// and still dies of that signal (an orchestrator sees the crash as one).
TEST(NodeProcessTest, AFatalSignalIsReportedWithABacktrace) {
  TempDir tmp;
  NodeProcess node;
  ASSERT_TRUE(node.Start(tmp.Sub("data"))) << node.Log();
  node.process().Signal(SIGSEGV);
  auto code = node.process().WaitExit(20s);
  ASSERT_TRUE(code.has_value()) << node.Log();
  EXPECT_EQ(*code, 128 + SIGSEGV) << node.process().HowItEnded() << "\n" << node.Log();
  EXPECT_NE(node.Log().find("holdfast: fatal signal 11; backtrace:"), std::string::npos) << node.Log();
}

TEST(NodeProcessTest, GracePeriodBoundsAStuckRequest) {
  TempDir tmp;
  NodeProcess node;
  ASSERT_TRUE(node.Start(tmp.Sub("data"), {"--shutdown-grace", "500ms"})) << node.Log();
  HttpConnection stuck(node.http_port());
  ASSERT_TRUE(stuck.SendRaw("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc"));
  ASSERT_TRUE(testing::WaitFor(
      [&] { return HttpCall(node.http_port(), "GET", "/metrics").body.find("connections_open 2") != std::string::npos; },
      5s));
  node.process().Signal(SIGTERM);
  auto code = node.process().WaitExit(10s);
  ASSERT_TRUE(code.has_value()) << node.Log();
  EXPECT_EQ(*code, 0);
  EXPECT_NE(node.Log().find("grace period over"), std::string::npos) << node.Log();
}

}  // namespace
}  // namespace holdfast
