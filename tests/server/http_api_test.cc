// The node's HTTP surface on a real process: lifecycle routes, metrics,
// Elasticsearch-shaped errors, request limits, keep-alive; and gRPC health.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <cstdio>
#include <memory>

#include "tests/support/http_client.h"
#include "tests/support/test_process.h"

namespace holdfast {
namespace {

using namespace std::chrono_literals;
using testing::HttpCall;
using testing::HttpConnection;
using testing::HttpReply;
using testing::NodeProcess;
using testing::TempDir;

class HttpApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tmp_ = new TempDir();
    node_ = new NodeProcess();
    ASSERT_TRUE(node_->Start(tmp_->Sub("data"),
                             {"--http-max-body-size", "1kb", "--http-max-header-size", "2kb",
                              "--http-header-timeout", "500ms", "--http-max-connections", "8",
                              "--node-name", "node-under-test", "--cluster-name", "test-cluster"}))
        << node_->Log();
    // Index routes answer 503 until startup recovery is done ("/nope" is one).
    ASSERT_TRUE(node_->WaitReady()) << node_->Log();
  }
  static void TearDownTestSuite() {
    delete node_;
    delete tmp_;
  }
  static int port() { return node_->http_port(); }

  // After each test the node still answers.
  void TearDown() override { EXPECT_EQ(HttpCall(port(), "GET", "/_lifecycle/live").status, 200); }

  static rapidjson::Document Json(const std::string& body) {
    rapidjson::Document d;
    d.Parse(body.c_str());
    EXPECT_FALSE(d.HasParseError()) << body;
    return d;
  }
  static void ExpectEsError(const HttpReply& r, int status, const std::string& type) {
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_EQ(r.Header("content-type"), "application/json");
    auto d = Json(r.body);
    ASSERT_TRUE(d.IsObject()) << r.body;
    ASSERT_TRUE(d.HasMember("error") && d["error"].IsObject()) << r.body;
    EXPECT_EQ(std::string(d["error"]["type"].GetString()), type);
    EXPECT_GT(std::string(d["error"]["reason"].GetString()).size(), 0u);
    EXPECT_EQ(d["error"]["root_cause"][0]["type"].GetString(), type);
    EXPECT_EQ(d["status"].GetInt(), status);
  }

  static TempDir* tmp_;
  static NodeProcess* node_;
};
TempDir* HttpApiTest::tmp_ = nullptr;
NodeProcess* HttpApiTest::node_ = nullptr;

TEST_F(HttpApiTest, RootAnswersInElasticsearchShape) {
  HttpReply r = HttpCall(port(), "GET", "/");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("x-elastic-product"), "Elasticsearch");
  auto d = Json(r.body);
  EXPECT_STREQ(d["name"].GetString(), "node-under-test");
  EXPECT_STREQ(d["cluster_name"].GetString(), "test-cluster");
  EXPECT_EQ(std::string(d["cluster_uuid"].GetString()).size(), 36u);
  EXPECT_STREQ(d["version"]["number"].GetString(), "7.17.0");
  EXPECT_TRUE(d["version"].HasMember("holdfast_version"));
  HttpReply head = HttpCall(port(), "HEAD", "/");
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());
  EXPECT_EQ(head.Header("content-length"), r.Header("content-length"));
}

TEST_F(HttpApiTest, LifecycleLiveReadyStatus) {
  EXPECT_EQ(HttpCall(port(), "GET", "/_lifecycle/live").status, 200);
  HttpReply ready = HttpCall(port(), "GET", "/_lifecycle/ready");
  EXPECT_EQ(ready.status, 200);
  EXPECT_TRUE(Json(ready.body)["ready"].GetBool());
  HttpReply status = HttpCall(port(), "GET", "/_lifecycle/status");
  ASSERT_EQ(status.status, 200);
  auto d = Json(status.body);
  EXPECT_STREQ(d["node"]["name"].GetString(), "node-under-test");
  EXPECT_EQ(std::string(d["node"]["id"].GetString()).size(), 36u);
  EXPECT_EQ(std::string(d["volume"]["uuid"].GetString()).size(), 36u);
  EXPECT_EQ(d["volume"]["format_version"].GetInt(), 1);
  EXPECT_STREQ(d["phase"].GetString(), "ready");
  EXPECT_STREQ(d["drain"]["state"].GetString(), "none");
  EXPECT_TRUE(d["shards"].IsArray());
  EXPECT_EQ(d["shards"].Size(), 0u);
}

TEST_F(HttpApiTest, MetricsCountRequestsByRouteAndStatus) {
  HttpCall(port(), "GET", "/_lifecycle/live");
  HttpCall(port(), "GET", "/no/such/route");
  HttpReply m = HttpCall(port(), "GET", "/metrics");
  ASSERT_EQ(m.status, 200);
  EXPECT_EQ(m.Header("content-type").rfind("text/plain", 0), 0u);
  EXPECT_NE(m.body.find("holdfast_uptime_seconds "), std::string::npos);
  EXPECT_NE(m.body.find("holdfast_http_requests_total{route=\"lifecycle_live\",status=\"200\"}"),
            std::string::npos);
  EXPECT_NE(m.body.find("holdfast_http_requests_total{route=\"unmatched\",status=\"404\"}"),
            std::string::npos);
  EXPECT_NE(m.body.find("holdfast_http_request_duration_seconds_bucket{route=\"lifecycle_live\",le=\"+Inf\"}"),
            std::string::npos);
  // Counters move.
  auto count = [&](const std::string& body) {
    const std::string key = "holdfast_http_requests_total{route=\"lifecycle_live\",status=\"200\"} ";
    size_t p = body.find(key);
    return p == std::string::npos ? -1L : std::atol(body.c_str() + p + key.size());
  };
  long before = count(m.body);
  HttpCall(port(), "GET", "/_lifecycle/live");
  EXPECT_EQ(count(HttpCall(port(), "GET", "/metrics").body), before + 1);
}

TEST_F(HttpApiTest, UnknownRouteIs404AndWrongMethodIs405) {
  ExpectEsError(HttpCall(port(), "GET", "/_nothing_here"), 404, "resource_not_found_exception");
  HttpReply r = HttpCall(port(), "DELETE", "/_lifecycle/status");
  ExpectEsError(r, 405, "method_not_allowed_exception");
  EXPECT_EQ(r.Header("allow"), "GET, HEAD");
}

TEST_F(HttpApiTest, OversizedBodyIs413) {
  ExpectEsError(HttpCall(port(), "POST", "/", std::string(4096, 'x')), 413, "content_too_long_exception");
  // Chunked bodies have no length up front: the limit applies while reading.
  HttpConnection c(port());
  std::string chunk(1500, 'y');
  char size[16];
  std::snprintf(size, sizeof(size), "%zx", chunk.size());
  ASSERT_TRUE(c.SendRaw("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
                        std::string(size) + "\r\n" + chunk + "\r\n0\r\n\r\n"));
  ExpectEsError(c.ReadReply(), 413, "content_too_long_exception");
}

TEST_F(HttpApiTest, OversizedHeadIs431) {
  HttpConnection c(port());
  HttpReply r = c.Request("GET", "/", "", "X-Big: " + std::string(4096, 'h') + "\r\n");
  ExpectEsError(r, 431, "request_header_fields_too_large");
}

TEST_F(HttpApiTest, ExpectContinueIsAnswered) {
  HttpConnection c(port());
  const std::string body = "{}";
  ASSERT_TRUE(c.SendRaw("GET / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n"));
  EXPECT_EQ(c.ReadReply().status, 100);
  ASSERT_TRUE(c.SendRaw(body));
  EXPECT_EQ(c.ReadReply().status, 200);
}

TEST_F(HttpApiTest, GarbageIs400) {
  HttpConnection c(port());
  ASSERT_TRUE(c.SendRaw("THIS IS NOT HTTP\r\n\r\n"));
  ExpectEsError(c.ReadReply(), 400, "bad_request");
}

TEST_F(HttpApiTest, SlowHeadIsDropped) {
  HttpConnection c(port());
  ASSERT_TRUE(c.SendRaw("GET / HTTP/1.1\r\nHost: x\r\n"));  // never finishes its head
  EXPECT_TRUE(c.WaitClosed(5s));
}

TEST_F(HttpApiTest, KeepAliveServesManyRequestsOnOneConnection) {
  HttpConnection c(port());
  for (int i = 0; i < 20; ++i) {
    HttpReply r = c.Request("GET", i % 2 ? "/_lifecycle/live" : "/nope");
    ASSERT_EQ(r.status, i % 2 ? 200 : 404) << "request " << i;
    EXPECT_NE(r.Header("connection"), "close");
  }
  // An error response with a body the server has read keeps the connection too.
  EXPECT_EQ(c.Request("DELETE", "/").status, 405);
  EXPECT_EQ(c.Request("GET", "/").status, 200);
}

TEST_F(HttpApiTest, ConnectionsOverTheLimitGet503) {
  std::vector<std::unique_ptr<HttpConnection>> held;
  for (int i = 0; i < 8; ++i) {
    held.push_back(std::make_unique<HttpConnection>(port()));
    ASSERT_EQ(held.back()->Request("GET", "/_lifecycle/live").status, 200);
  }
  HttpConnection extra(port());
  ExpectEsError(extra.ReadReply(), 503, "too_many_connections_exception");
  held.clear();  // closing them frees the slots
  EXPECT_TRUE(testing::WaitFor([&] { return HttpCall(port(), "GET", "/_lifecycle/live").status == 200; }, 5s));
}

TEST_F(HttpApiTest, GrpcHealthServesThroughHoldfastctl) {
  const std::string ctl = std::string(HOLDFASTCTL_BINARY) + " --addr 127.0.0.1:" +
                          std::to_string(node_->grpc_port()) + " ";
  auto run = [](const std::string& cmd, std::string* out) {
    FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
    char buf[512];
    while (p && std::fgets(buf, sizeof(buf), p)) *out += buf;
    return p ? WEXITSTATUS(::pclose(p)) : -1;
  };
  std::string out;
  EXPECT_EQ(run(ctl + "health", &out), 0) << out;
  EXPECT_NE(out.find("SERVING"), std::string::npos);
  out.clear();
  EXPECT_EQ(run(ctl + "node-info", &out), 0) << out;
  EXPECT_NE(out.find("node-under-test"), std::string::npos) << out;
  EXPECT_NE(out.find("ready"), std::string::npos) << out;
}

}  // namespace
}  // namespace holdfast
