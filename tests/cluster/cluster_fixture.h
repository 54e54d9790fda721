// Test support for multi-node tests: a real etcd and real `holdfast`
// processes on loopback (ports picked free), started and stopped by the
// test — only the processes the fixture started are ever signalled.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <rapidjson/document.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/etcd_process.h"
#include "tests/support/http_client.h"
#include "tests/support/test_process.h"

namespace holdfast::testing {

using namespace std::chrono_literals;

inline rapidjson::Document ParseJson(const std::string& body) {
  rapidjson::Document d;
  d.Parse(body.c_str(), body.size());
  return d;
}

// Polls `cond` until it holds or `timeout` passes.
inline bool WaitUntil(const std::function<bool()>& cond, std::chrono::milliseconds timeout,
                      std::chrono::milliseconds poll = 100ms) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(poll);
  }
  return cond();
}

struct CtlRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};

class ClusterFixture : public ::testing::Test {
 public:
  static constexpr int kLeaseTtlSeconds = 3;
  int lease_ttl_seconds_ = kLeaseTtlSeconds;  // of the nodes launched from now on

  void SetUp() override {
    ASSERT_TRUE(etcd_.Start(dir_.Sub("etcd"))) << etcd_.Log();
  }
  void TearDown() override {
    for (auto& n : nodes_) {
      if (n && n->process().running()) n->process().Signal(SIGKILL);
    }
    if (HasFailure()) {
      for (size_t i = 0; i < nodes_.size(); ++i) {
        if (nodes_[i]) std::cerr << "---- node n" << i + 1 << " log (tail) ----\n" << Tail(nodes_[i]->Log()) << "\n";
      }
    }
  }

  static std::string Tail(const std::string& log) {
    return log.size() > 6000 ? log.substr(log.size() - 6000) : log;
  }

  // Starts node n<i+1> (data in n<i+1>/ of the test's dir, or in data_dirs_[i]) and waits until it is ready.
  NodeProcess& StartNode(size_t i, std::vector<std::string> extra = {}) {
    LaunchNode(i, std::move(extra));
    EXPECT_TRUE(nodes_[i]->WaitStarted()) << nodes_[i]->Log();
    EXPECT_TRUE(nodes_[i]->WaitReady()) << nodes_[i]->Log();
    return *nodes_[i];
  }
  // Starts node n<i+1> without waiting (then node(i).WaitStarted()). Children
  // die with the thread that started them: launch from the test's thread.
  void LaunchNode(size_t i, std::vector<std::string> extra = {}) {
    if (nodes_.size() <= i) nodes_.resize(i + 1);
    nodes_[i] = std::make_unique<NodeProcess>();
    if (auto pinned = pinned_ports_.find(i); pinned != pinned_ports_.end()) {
      nodes_[i]->set_listen("127.0.0.1", pinned->second.first, pinned->second.second);
    }
    std::vector<std::string> args = {"--node-name", "n" + std::to_string(i + 1), "--cluster-name", "c1",
                                     "--etcd-endpoints", etcd_.endpoint(), "--cluster-lease-ttl",
                                     std::to_string(lease_ttl_seconds_) + "s"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto data_dir = data_dirs_.find(i);
    EXPECT_TRUE(nodes_[i]->Launch(data_dir != data_dirs_.end() ? data_dir->second : dir_.Sub("n" + std::to_string(i + 1)),
                                  args))
        << nodes_[i]->Log();
  }
  void StartNodes(size_t n) {
    for (size_t i = 0; i < n; ++i) StartNode(i);
    ASSERT_TRUE(WaitUntil([&] { return NodesSeen(0) == n; }, 20s)) << "the nodes did not all join";
  }
  NodeProcess& node(size_t i) { return *nodes_.at(i); }

  // Runs `holdfastctl --addr 127.0.0.1:<port> <args>` (stdout and stderr apart).
  CtlRun CtlAt(int grpc_port, const std::string& args) {
    const std::string err_path = dir_.Sub("ctl.err");
    const std::string cmd = std::string(HOLDFASTCTL_BINARY) + " --addr 127.0.0.1:" + std::to_string(grpc_port) +
                            " --timeout 20s " + args + " 2>" + err_path;
    CtlRun run;
    FILE* p = ::popen(cmd.c_str(), "r");
    if (p == nullptr) return run;
    char buf[4096];
    size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) run.out.append(buf, n);
    const int status = ::pclose(p);
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::ifstream err(err_path);
    run.err.assign(std::istreambuf_iterator<char>(err), std::istreambuf_iterator<char>());
    return run;
  }
  CtlRun Ctl(size_t i, const std::string& args) { return CtlAt(node(i).grpc_port(), args); }


  HttpReply Http(size_t i, const std::string& method, const std::string& path, const std::string& body = "") {
    return HttpCall(node(i).http_port(), method, path, body);
  }
  rapidjson::Document HttpJson(size_t i, const std::string& method, const std::string& path,
                               const std::string& body = "") {
    return ParseJson(Http(i, method, path, body).body);
  }
  // How many nodes node i's view of the cluster holds.
  size_t NodesSeen(size_t i) {
    auto d = HttpJson(i, "GET", "/_cluster/health");
    return d.IsObject() && d.HasMember("number_of_nodes") ? d["number_of_nodes"].GetUint() : 0;
  }
  std::string Health(size_t i, const std::string& index = "") {
    auto d = HttpJson(i, "GET", "/_cluster/health" + (index.empty() ? "" : "/" + index));
    return d.IsObject() && d.HasMember("status") ? d["status"].GetString() : "";
  }
  bool WaitHealth(size_t i, const std::string& status, std::chrono::milliseconds timeout = 30s) {
    return WaitUntil([&] { return Health(i) == status; }, timeout);
  }
  // The master's node name as node i sees it ("" when none).
  std::string Master(size_t i) {
    auto r = Http(i, "GET", "/_cat/master?h=node");
    std::string s = r.status == 200 ? r.body : "";
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
  }

  // Node i's restarts listen on the ports it has now (a load balancer in
  // front knows it by them).
  void PinPorts(size_t i) { pinned_ports_[i] = {node(i).http_port(), node(i).grpc_port()}; }

  TempDir dir_;
  std::map<size_t, std::pair<int, int>> pinned_ports_;  // node i → (http, grpc) ports of its restarts
  std::map<size_t, std::string> data_dirs_;  // node i's data dir, when not n<i+1>/ of dir_
  EtcdProcess etcd_;
  std::vector<std::unique_ptr<NodeProcess>> nodes_;
};

}  // namespace holdfast::testing
