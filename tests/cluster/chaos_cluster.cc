#include "tests/cluster/chaos_cluster.h"

#include <rapidjson/document.h>
#include <signal.h>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <iterator>
#include <thread>

namespace holdfast::testing {

namespace {

rapidjson::Document Parse(const std::string& body) {
  rapidjson::Document d;
  d.Parse(body.c_str(), body.size());
  return d;
}

// Polls `cond` every 100 ms until it holds or `timeout` passes (each poll
// asks every node over HTTP: no faster).
bool PollUntil(const std::function<bool()>& cond, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (cond()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

std::string Tail(const std::string& log, size_t bytes) {
  return log.size() > bytes ? "..." + log.substr(log.size() - bytes) : log;
}

}  // namespace

ChaosCluster::ChaosCluster(size_t nodes, int lease_ttl_seconds) : lease_ttl_seconds_(lease_ttl_seconds) {
  nodes_.resize(nodes);
  earlier_logs_.resize(nodes);
}

ChaosCluster::~ChaosCluster() {
  for (auto& n : nodes_) {
    if (n && n->process().running()) {
      n->process().Signal(SIGKILL);
      (void)n->process().WaitExit(std::chrono::seconds(10));
    }
  }
  etcd_.Stop();
}

std::string ChaosCluster::Start() {
  hosts_ = std::make_unique<NetnsHosts>(nodes_.size());
  if (!hosts_->ok()) return "network namespace hosts: " + hosts_->error();
  for (size_t i = 0; i < nodes_.size(); ++i) addresses_.push_back(hosts_->address(i));
  etcd_.set_extra_client_host(hosts_->etcd_address());
  if (!etcd_.Start(dir_.Sub("etcd"))) return "etcd did not start: " + etcd_.Log();
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (std::string err = StartNode(i); !err.empty()) return err;
  }
  const bool joined = PollUntil(
      [&] {
        for (size_t i = 0; i < nodes_.size(); ++i) {
          auto d = Parse(Http(i, "GET", "/_cluster/health", "", std::chrono::seconds(2)).body);
          if (!d.IsObject() || !d.HasMember("number_of_nodes") || !d["number_of_nodes"].IsUint() ||
              d["number_of_nodes"].GetUint() != nodes_.size()) {
            return false;
          }
        }
        return true;
      },
      std::chrono::seconds(30));
  return joined ? "" : "the nodes did not all see each other within 30 s";
}

size_t ChaosCluster::IndexOf(const std::string& node_name) const {
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (name(i) == node_name) return i;
  }
  return nodes_.size();
}

HttpReply ChaosCluster::Http(size_t i, const std::string& method, const std::string& target, const std::string& body,
                             std::chrono::milliseconds timeout) const {
  return HttpCall(addresses_.at(i), kHttpPort, method, target, body, timeout);
}

std::string ChaosCluster::StartNode(size_t i) {
  if (nodes_[i]) earlier_logs_[i].push_back(nodes_[i]->log_path());
  nodes_[i] = std::make_unique<NodeProcess>();
  NodeProcess& node = *nodes_[i];
  node.set_command_prefix(hosts_->ExecPrefix(i));
  std::vector<std::string> args = {"--node-name", name(i), "--cluster-name", "chaos", "--etcd-endpoints",
                                   etcd_.extra_endpoint(), "--cluster-lease-ttl",
                                   std::to_string(lease_ttl_seconds_) + "s"};
  if (every_interface_) {
    node.set_listen("0.0.0.0", kHttpPort, kGrpcPort, hosts_->address(i));
    args.insert(args.end(), {"--publish-host", hosts_->address(i)});
  } else {
    node.set_listen(hosts_->address(i), kHttpPort, kGrpcPort);
  }
  if (!node.Start(dir_.Sub(name(i)), args, std::chrono::seconds(60))) {
    return name(i) + " did not start (no banner within 60 s): " + Tail(node.Log(), 4000);
  }
  if (!node.WaitReady(std::chrono::seconds(60))) {
    return name(i) + " started but was not ready within 60 s: " + Tail(node.Log(), 4000);
  }
  return "";
}

void ChaosCluster::KillNode(size_t i) {
  if (!nodes_[i]) return;
  nodes_[i]->process().Signal(SIGKILL);
  (void)nodes_[i]->process().WaitExit(std::chrono::seconds(10));
}

void ChaosCluster::PauseNode(size_t i) {
  if (nodes_[i]) nodes_[i]->process().Signal(SIGSTOP);
}

void ChaosCluster::ResumeNode(size_t i) {
  if (nodes_[i]) nodes_[i]->process().Signal(SIGCONT);
}

bool ChaosCluster::NodeRunning(size_t i) { return nodes_[i] && nodes_[i]->process().running(); }

void ChaosCluster::StopEtcd() { etcd_.Stop(); }

std::string ChaosCluster::StartEtcd() { return etcd_.Restart() ? "" : "etcd did not restart: " + etcd_.Log(); }

std::string ChaosCluster::WaitGreen(const std::string& index, std::chrono::milliseconds timeout) {
  std::string seen;
  const bool green = PollUntil(
      [&] {
        seen.clear();
        bool all = true;
        for (size_t i = 0; i < nodes_.size(); ++i) {
          if (!NodeRunning(i)) {
            seen += " " + name(i) + ": not running (" + nodes_[i]->process().HowItEnded() + ");";
            all = false;
            continue;
          }
          auto d = Parse(Http(i, "GET", "/_cluster/health/" + index, "", std::chrono::seconds(2)).body);
          const bool answered = d.IsObject() && d.HasMember("status") && d["status"].IsString() &&
                                d.HasMember("number_of_nodes") && d["number_of_nodes"].IsUint();
          const std::string status = answered ? d["status"].GetString() : "no answer";
          const unsigned members = answered ? d["number_of_nodes"].GetUint() : 0;
          seen += " " + name(i) + ": " + status + " with " + std::to_string(members) + " nodes;";
          all = all && status == "green" && members == nodes_.size();
        }
        return all;
      },
      timeout);
  if (green) return "";
  std::string copies;
  for (const ShardCopyRow& c : ShardCopies(index)) {
    copies += " [" + std::to_string(c.shard) + (c.primary ? "p " : "r ") + c.state + " " + c.node + "]";
  }
  return "waited " + std::to_string(timeout.count() / 1000) + " s for every node up, seeing " +
         std::to_string(nodes_.size()) + " nodes and index " + index + " green; last seen:" + seen + " copies:" + copies;
}

std::string ChaosCluster::Refresh(const std::string& index, std::chrono::milliseconds timeout) {
  std::string last;
  const bool done = PollUntil(
      [&] {
        const HttpReply r = Http(0, "POST", "/" + index + "/_refresh", "", std::chrono::seconds(10));
        last = std::to_string(r.status) + " " + r.body.substr(0, 600);
        auto d = Parse(r.body);
        return r.status == 200 && d.IsObject() && d.HasMember("_shards") && d["_shards"].IsObject() &&
               d["_shards"].HasMember("failed") && d["_shards"]["failed"].IsInt() && d["_shards"]["failed"].GetInt() == 0;
      },
      timeout);
  return done ? "" : "waited " + std::to_string(timeout.count() / 1000) + " s for a refresh of " + index +
                         " that every shard answers; last answer: " + last;
}

std::string ChaosCluster::HealthSeenBy(size_t via) {
  auto d = Parse(Http(via, "GET", "/_cluster/health", "", std::chrono::seconds(1)).body);
  if (!d.IsObject() || !d.HasMember("status") || !d["status"].IsString() || !d.HasMember("number_of_nodes") ||
      !d["number_of_nodes"].IsUint()) {
    return "no answer";
  }
  return std::string(d["status"].GetString()) + ", " + std::to_string(d["number_of_nodes"].GetUint()) + " nodes";
}

std::vector<ShardCopyRow> ChaosCluster::ShardCopies(const std::string& index) {
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (!NodeRunning(i)) continue;
    auto d = Parse(Http(i, "GET", "/_cat/shards/" + index + "?format=json&h=shard,prirep,state,node", "",
                        std::chrono::seconds(3)).body);
    if (!d.IsArray()) continue;
    std::vector<ShardCopyRow> out;
    for (const auto& row : d.GetArray()) {
      auto text = [&row](const char* key) {
        return row.IsObject() && row.HasMember(key) && row[key].IsString() ? std::string(row[key].GetString()) : "";
      };
      ShardCopyRow c;
      c.shard = std::atoi(text("shard").c_str());
      c.primary = text("prirep") == "p";
      c.state = text("state");
      c.node = text("node");
      out.push_back(std::move(c));
    }
    return out;
  }
  return {};
}

std::string ChaosCluster::LogTails(size_t bytes_per_log) const {
  std::string out;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    for (const std::string& path : earlier_logs_[i]) {
      std::ifstream in(path);
      const std::string log((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      out += "---- " + name(i) + " earlier run's log (tail) ----\n" + Tail(log, bytes_per_log / 2) + "\n";
    }
    if (nodes_[i]) out += "---- " + name(i) + " log (tail) ----\n" + Tail(nodes_[i]->Log(), bytes_per_log) + "\n";
  }
  out += "---- etcd log (tail) ----\n" + Tail(etcd_.Log(), bytes_per_log) + "\n";
  return out;
}

}  // namespace holdfast::testing
