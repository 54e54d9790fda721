// Memory and size limits of the HTTP server on a real node: a bulk body over
// http.max_body_size is still taken (it is spooled; only http.max_bulk_size
// applies to _bulk) while other routes answer 413; 1,000 idle keep-alive
// connections cost little memory and do not stop the node from serving.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/http_client.h"
#include "tests/support/test_process.h"

namespace holdfast {
namespace {

using namespace std::chrono_literals;

long RssKb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

TEST(HttpLimitsTest, BulkBodiesMayExceedTheBodyLimitButNotTheBulkLimit) {
  testing::TempDir tmp;
  testing::NodeProcess node;
  ASSERT_TRUE(node.Start(tmp.Sub("data"), {"--http-max-body-size", "1mb", "--http-max-bulk-size", "8mb"})) << node.Log();
  ASSERT_TRUE(testing::WaitFor([&] { return testing::HttpCall(node.http_port(), "GET", "/_lifecycle/ready").status == 200; }, 30s));
  std::string bulk;
  for (int i = 0; bulk.size() < (3u << 20); ++i) {
    bulk += "{\"index\":{\"_id\":\"" + std::to_string(i) + "\"}}\n{\"text\":\"" + std::string(200, 'a' + i % 26) + "\"}\n";
  }
  testing::HttpConnection conn(node.http_port(), 120s);
  auto r = conn.Request("POST", "/big/_bulk", bulk, "Content-Type: application/x-ndjson\r\n");
  EXPECT_EQ(r.status, 200) << r.body.substr(0, 300);
  EXPECT_NE(r.body.find("\"errors\":false"), std::string::npos) << r.body.substr(0, 300);
  // The same size to a document route is over http.max_body_size: refused
  // from its head (the client has not sent the body; a client that keeps
  // sending may see the connection closed instead of the answer).
  testing::HttpConnection doc(node.http_port(), 30s);
  ASSERT_TRUE(doc.SendRaw("PUT /big/_doc/x HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                          "Content-Length: " + std::to_string(bulk.size()) + "\r\n\r\n"));
  EXPECT_EQ(doc.ReadReply().status, 413);
  // A bulk announcing more than http.max_bulk_size is refused from its head
  // (413 before any of the body is read).
  testing::HttpConnection big(node.http_port(), 30s);
  ASSERT_TRUE(big.SendRaw("POST /big/_bulk HTTP/1.1\r\nHost: t\r\nContent-Type: application/x-ndjson\r\n"
                          "Content-Length: " + std::to_string(9u << 20) + "\r\n\r\n"));
  EXPECT_EQ(big.ReadReply().status, 413);
  EXPECT_EQ(testing::HttpCall(node.http_port(), "GET", "/_lifecycle/live").status, 200);
}

TEST(HttpLimitsTest, ThousandIdleKeepAliveConnectionsStayCheap) {
  rlimit lim{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &lim), 0);
  if (lim.rlim_cur < 1200 && lim.rlim_max >= 1200) {
    lim.rlim_cur = std::min<rlim_t>(lim.rlim_max, 4096);
    setrlimit(RLIMIT_NOFILE, &lim);
  }
  ASSERT_GE(lim.rlim_cur, 1200u) << "this test needs 1,200 open files";
  testing::TempDir tmp;
  testing::NodeProcess node;
  ASSERT_TRUE(node.Start(tmp.Sub("data"))) << node.Log();
  ASSERT_TRUE(testing::WaitFor([&] { return testing::HttpCall(node.http_port(), "GET", "/_lifecycle/ready").status == 200; }, 30s));
  const pid_t pid = node.process().pid();
  const long before = RssKb(pid);
  std::vector<std::unique_ptr<testing::HttpConnection>> idle;
  for (int i = 0; i < 1000; ++i) {
    auto c = std::make_unique<testing::HttpConnection>(node.http_port(), 10s);
    ASSERT_TRUE(c->connected()) << "connection " << i;
    ASSERT_EQ(c->Request("GET", "/_lifecycle/live").status, 200) << "connection " << i;  // keep-alive: stays open
    idle.push_back(std::move(c));
  }
  const long with_idle = RssKb(pid);
  // docs/operations.md: about 7 KB per idle connection; allow 32 MB for 1,000.
  EXPECT_LT(with_idle - before, 32L * 1024) << "RSS " << before << " kB → " << with_idle << " kB";
  EXPECT_EQ(testing::HttpCall(node.http_port(), "GET", "/_lifecycle/live").status, 200);
  // Every idle connection still works.
  for (size_t i = 0; i < idle.size(); i += 97) EXPECT_EQ(idle[i]->Request("GET", "/").status, 200);
}

}  // namespace
}  // namespace holdfast
