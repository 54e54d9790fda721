// Rolling restarts under load with zero failed requests (docs/lifecycle.md):
// three nodes and a real etcd, an index of 3 shards with 1 replica and
// 100,000 documents, a load balancer in front (Debian's haproxy, checking
// /_lifecycle/ready) and a client writing and searching through it at a
// steady rate. Each node in turn is drained for a restart, stopped with
// SIGTERM once safe-to-stop says so, and started again on its volume. Every
// request must succeed, every acknowledged write must be on every copy, no
// segment file may be copied, and no lifecycle record may be left. The same
// roll driven only by SIGTERM, and one with the official Python client given
// all three node addresses instead of a load balancer.
#include <atomic>
#include <csignal>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "tests/cluster/cluster_fixture.h"
#include "tests/support/etcd_process.h"

namespace holdfast::testing {
namespace {

constexpr uint64_t kDocs = 100'000;

// haproxy in front of the nodes: round robin over those whose
// /_lifecycle/ready answers 200 (checked every 100 ms), a connection that
// fails retried on another node.
class Haproxy {
 public:
  bool Start(const std::string& dir, const std::vector<int>& http_ports) {
    port_ = FreeLoopbackPort();
    const std::string config = dir + "/haproxy.cfg";
    std::ofstream out(config);
    out << "global\n  maxconn 512\n"
           "defaults\n  mode http\n  timeout connect 2s\n  timeout client 60s\n  timeout server 60s\n"
           "  retries 3\n  option redispatch\n  retry-on conn-failure empty-response\n"
           "listen holdfast\n  bind 127.0.0.1:"
        << port_
        << "\n  balance roundrobin\n  option httpchk GET /_lifecycle/ready\n  http-check expect status 200\n"
           "  default-server inter 100ms fall 1 rise 2\n";
    for (size_t i = 0; i < http_ports.size(); ++i) {
      out << "  server n" << i + 1 << " 127.0.0.1:" << http_ports[i] << " check\n";
    }
    out.close();
    if (!process_.Start({"/usr/sbin/haproxy", "-db", "-f", config}, dir + "/haproxy.log")) return false;
    // Up once every node is seen ready through it.
    return WaitUntil([&] { return HttpCall(port_, "GET", "/_lifecycle/ready").status == 200; }, 10s);
  }
  ~Haproxy() {
    if (process_.running()) process_.Signal(SIGKILL);
  }
  int port() const { return port_; }
  std::string Log() const { return process_.Log(); }

 private:
  int port_ = 0;
  ChildProcess process_;
};

// Writes (PUT, each a new id) and searches through one port at a steady
// rate (a write and a search every 10 ms) until stopped; bounded in count
// and time. Every answer that is not 2xx — no answer included — counts as
// a failure.
class SteadyLoad {
 public:
  explicit SteadyLoad(int port) : port_(port) {
    writer_ = std::thread([this] { Run(true); });
    searcher_ = std::thread([this] { Run(false); });
  }
  ~SteadyLoad() { Stop(); }
  void Stop() {
    stop_ = true;
    if (writer_.joinable()) writer_.join();
    if (searcher_.joinable()) searcher_.join();
  }
  uint64_t writes() const { return writes_.load(); }
  uint64_t searches() const { return searches_.load(); }
  uint64_t failed() const { return failed_.load(); }
  std::string failures() const {
    std::lock_guard<std::mutex> lock(mu_);
    return failures_;
  }

 private:
  void Run(bool write) {
    const auto deadline = std::chrono::steady_clock::now() + 600s;
    for (int i = 0; i < 60000 && !stop_ && std::chrono::steady_clock::now() < deadline; ++i) {
      const HttpReply r = write ? HttpCall(port_, "PUT", "/books/_doc/load-" + std::to_string(i),
                                           R"({"title": "steady load )" + std::to_string(i) + R"(", "n": )" +
                                               std::to_string(i) + "}")
                                : HttpCall(port_, "GET", "/books/_search?q=title:load&size=5");
      bool ok = r.status >= 200 && r.status < 300;
      if (ok && !write) {
        // A search with a failed shard is a failed search, even when 200.
        auto d = ParseJson(r.body);
        ok = d.IsObject() && d.HasMember("_shards") && d["_shards"]["failed"].GetUint() == 0;
      }
      if (ok) {
        ++(write ? writes_ : searches_);
      } else {
        ++failed_;
        std::lock_guard<std::mutex> lock(mu_);
        if (failures_.size() < 4000) failures_ += (write ? "write " : "search ") + std::to_string(r.status) + " " + r.body.substr(0, 400) + "\n";
      }
      std::this_thread::sleep_for(10ms);
    }
  }
  const int port_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> writes_{0}, searches_{0}, failed_{0};
  mutable std::mutex mu_;
  std::string failures_;
  std::thread writer_, searcher_;
};

class RollingRestartTest : public ClusterFixture {
 protected:
  void SetUpCluster() {
    // Long enough for haproxy (checking every 100 ms) to see a stopping node leave.
    for (size_t i = 0; i < 3; ++i) StartNode(i, {"--shutdown-readiness-delay", "2s"});
    ASSERT_TRUE(WaitUntil([&] { return NodesSeen(0) == 3; }, 20s));
    for (size_t i = 0; i < 3; ++i) PinPorts(i);
    ASSERT_EQ(Http(0, "PUT", "/books", R"({"settings": {"number_of_shards": 3, "number_of_replicas": 1,
        "index.unassigned.node_left.delayed_timeout": "5m"}})").status, 200);
    ASSERT_TRUE(WaitHealth(0, "green", 60s)) << Http(0, "GET", "/_cat/shards?v").body;
    for (uint64_t start = 0; start < kDocs; start += 10'000) {
      std::string bulk;
      for (uint64_t i = start; i < start + 10'000; ++i) {
        bulk += R"({"index": {"_id": ")" + std::to_string(i) + "\"}}\n" + R"({"title": "book )" + std::to_string(i) +
                R"(", "n": )" + std::to_string(i) + "}\n";
      }
      auto r = Http(0, "POST", "/books/_bulk", bulk);
      ASSERT_EQ(r.status, 200) << r.body.substr(0, 400);
      ASSERT_EQ(r.body.find("\"errors\":true"), std::string::npos) << r.body.substr(0, 400);
    }
    roll_started_ms_ = NowMs();
  }
  static int64_t NowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  bool SafeToStop(size_t i) { return Http(i, "GET", "/_lifecycle/safe-to-stop").status == 200; }
  size_t DrainRecords(size_t via) {
    auto d = HttpJson(via, "GET", "/_cluster/state/metadata");
    if (!d.IsObject() || !d.HasMember("metadata")) return 99;
    return d["metadata"]["node_shutdown"]["nodes"].MemberCount();
  }
  // Stops node i with SIGTERM (drained first unless `sigterm_only`) and
  // starts it again on its volume and ports; returns when it is ready,
  // health is green and no drain record is left.
  void Restart(size_t i, bool sigterm_only) {
    const size_t other = (i + 1) % 3;
    if (!sigterm_only) {
      auto drain = Http(i, "POST", "/_lifecycle/drain", R"({"type": "restart"})");
      ASSERT_EQ(drain.status, 200) << drain.body;
      ASSERT_TRUE(WaitUntil([&] { return SafeToStop(i); }, 60s)) << Http(i, "GET", "/_lifecycle/safe-to-stop").body
                                                                  << Http(i, "GET", "/_lifecycle/drain").body;
    }
    node(i).process().Signal(SIGTERM);
    auto code = node(i).process().WaitExit(60s);
    ASSERT_TRUE(code.has_value()) << "n" << i + 1 << " did not stop";
    ASSERT_EQ(*code, 0) << node(i).process().HowItEnded();
    StartNode(i, {"--shutdown-readiness-delay", "2s"});
    ASSERT_TRUE(WaitHealth(other, "green", 90s)) << Http(other, "GET", "/_cat/shards?v").body;
    ASSERT_TRUE(WaitUntil([&] { return DrainRecords(other) == 0; }, 30s))
        << Http(other, "GET", "/_cluster/state/metadata").body;
  }
  // Every copy of every shard holds the same documents as the shard's
  // primary, and the index holds `expected` documents.
  void ExpectEveryCopyHolds(uint64_t expected) {
    ASSERT_EQ(Http(0, "POST", "/books/_refresh").status, 200);
    auto count = [&](const std::string& preference) -> int64_t {
      auto d = HttpJson(0, "GET", "/books/_count?preference=" + preference);
      if (!d.IsObject() || !d.HasMember("count") || d["_shards"]["failed"].GetUint() != 0) return -1;
      return d["count"].GetInt64();
    };
    EXPECT_EQ(count("_shards:0,1,2"), static_cast<int64_t>(expected));
    auto rows = HttpJson(0, "GET", "/_cat/shards/books?format=json&h=shard,prirep,node");
    ASSERT_TRUE(rows.IsArray() && rows.Size() == 6) << Http(0, "GET", "/_cat/shards?v").body;
    for (const auto& row : rows.GetArray()) {
      const std::string shard = row["shard"].GetString();
      const std::string node_name = row["node"].GetString();
      EXPECT_EQ(count("_shards:" + shard + "%7C_only_nodes:" + node_name), count("_shards:" + shard))
          << "shard " << shard << " on " << node_name;
    }
  }
  // The nodes' log lines about recoveries (why one copied files: the
  // source says "copying files" with the op log's start), for a failure.
  std::string RecoveryLogLines() {
    std::string out;
    for (size_t i = 0; i < 3; ++i) {
      std::istringstream log(node(i).Log());
      for (std::string line; std::getline(log, line);) {
        if (line.find("recover") != std::string::npos || line.find("copying files") != std::string::npos) {
          out += "n" + std::to_string(i + 1) + ": " + line.substr(0, 400) + "\n";
        }
      }
    }
    return out;
  }

  // No recovery that started during the roll copied a segment file.
  void ExpectNoFilesCopied() {
    auto d = HttpJson(0, "GET", "/books/_recovery");
    ASSERT_TRUE(d.IsObject() && d.HasMember("books")) << Http(0, "GET", "/books/_recovery").body;
    int during_roll = 0;
    for (const auto& r : d["books"]["shards"].GetArray()) {
      if (r["start_time_in_millis"].GetInt64() < roll_started_ms_) continue;
      ++during_roll;
      EXPECT_EQ(r["index"]["size"]["recovered_in_bytes"].GetUint64(), 0u)
          << Http(0, "GET", "/_cat/recovery?v").body << RecoveryLogLines();
      EXPECT_EQ(r["index"]["files"]["recovered"].GetUint64(), 0u);
    }
    EXPECT_GE(during_roll, 3) << "each node's copies caught up from operations\n" << Http(0, "GET", "/_cat/recovery?v").body;
  }

  // The roll under SteadyLoad through haproxy, then every check.
  void RollThroughHaproxy(bool sigterm_only) {
    SetUpCluster();
    if (HasFatalFailure()) return;
    Haproxy lb;
    ASSERT_TRUE(lb.Start(dir_.path(), {node(0).http_port(), node(1).http_port(), node(2).http_port()})) << lb.Log();
    SteadyLoad load(lb.port());
    ASSERT_TRUE(WaitUntil([&] { return load.writes() >= 100 && load.searches() >= 100; }, 30s)) << load.failures();
    for (size_t i = 0; i < 3; ++i) {
      Restart(i, sigterm_only);
      if (HasFatalFailure()) return;
    }
    const uint64_t before_end = load.writes();
    ASSERT_TRUE(WaitUntil([&] { return load.writes() >= before_end + 50; }, 30s)) << "the load goes on";
    load.Stop();
    EXPECT_EQ(load.failed(), 0u) << load.failures();
    ExpectEveryCopyHolds(kDocs + load.writes());
    ExpectNoFilesCopied();
    EXPECT_EQ(DrainRecords(0), 0u);
  }

  int64_t roll_started_ms_ = 0;
};

TEST_F(RollingRestartTest, DrainSafeToStopSigtermStartUnderLoadThroughHaproxyFailsNothing) {
  RollThroughHaproxy(/*sigterm_only=*/false);
}

TEST_F(RollingRestartTest, TheSameRollDrivenOnlyBySigtermFailsNothing) {
  RollThroughHaproxy(/*sigterm_only=*/true);
}

TEST_F(RollingRestartTest, ThePythonClientGivenAllThreeNodesSeesNoFailure) {
  SetUpCluster();
  const std::string stop_file = dir_.Sub("client.stop");
  const std::string report = dir_.Sub("client.json");
  std::string hosts;
  for (size_t i = 0; i < 3; ++i) hosts += (i ? "," : "") + std::string("127.0.0.1:") + std::to_string(node(i).http_port());
  ChildProcess client;
  ASSERT_TRUE(client.Start({HOLDFAST_CLIENT_PYTHON, HOLDFAST_ROLLING_CLIENT, "--hosts", hosts, "--stop-file", stop_file,
                            "--report", report},
                           dir_.Sub("client.log")));
  ASSERT_TRUE(client.WaitForLog("load running", 30s)) << client.Log();
  for (size_t i = 0; i < 3; ++i) {
    Restart(i, /*sigterm_only=*/false);
    if (HasFatalFailure()) return;
  }
  std::ofstream(stop_file) << "stop\n";
  auto code = client.WaitExit(60s);
  ASSERT_TRUE(code.has_value()) << client.Log();
  EXPECT_EQ(*code, 0) << client.Log();
  std::ifstream in(report);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto r = ParseJson(text);
  ASSERT_TRUE(r.IsObject()) << text << client.Log();
  EXPECT_EQ(r["failed"].GetUint64(), 0u) << text;
  EXPECT_GE(r["writes"].GetUint64(), 100u) << text;
  EXPECT_GE(r["searches"].GetUint64(), 100u) << text;
  ExpectEveryCopyHolds(kDocs + r["writes"].GetUint64());
  ExpectNoFilesCopied();
}

}  // namespace
}  // namespace holdfast::testing
