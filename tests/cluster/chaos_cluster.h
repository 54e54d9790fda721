// A holdfast cluster for fault tests: N nodes, each alone on a network-
// namespace host (tests/support/netns_hosts.h) listening on its own address
// (fixed ports: a restarted node comes back where it was), and a real etcd
// in the root namespace on the hosts' bridge. The test's client reaches the
// nodes through the bridge, so every fault the hosts can make — a killed or
// paused process, dropped packets, etcd gone — is one the nodes and the
// client meet as they would on separate machines.
//
// Processes: only those this object started are ever signalled. Nodes and
// etcd must be started, killed and restarted from one thread (the test's:
// children die with the thread that forked them). Http() alone may be
// called from any thread.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/etcd_process.h"
#include "tests/support/http_client.h"
#include "tests/support/netns_hosts.h"
#include "tests/support/test_process.h"

namespace holdfast::testing {

// One copy of a shard as `_cat/shards` lists it.
struct ShardCopyRow {
  int shard = 0;
  bool primary = false;
  std::string state;  // STARTED, INITIALIZING, UNASSIGNED, ...
  std::string node;   // node name, "" when unassigned
};

class ChaosCluster {
 public:
  static constexpr int kHttpPort = 9200;
  static constexpr int kGrpcPort = 9300;

  ChaosCluster(size_t nodes, int lease_ttl_seconds);
  ~ChaosCluster();  // kills what still runs, then the hosts go
  ChaosCluster(const ChaosCluster&) = delete;
  ChaosCluster& operator=(const ChaosCluster&) = delete;

  // Makes the hosts, starts etcd and every node, and waits until every node
  // sees all of them. "" on success, else what failed.
  std::string Start();
  // Before Start: nodes listen on every interface of their host (0.0.0.0,
  // as in a container) and are told their host's address (--publish-host),
  // which is what the other nodes then dial.
  void set_listen_on_every_interface(bool on) { every_interface_ = on; }

  size_t size() const { return nodes_.size(); }
  int lease_ttl_seconds() const { return lease_ttl_seconds_; }
  std::string name(size_t i) const { return "n" + std::to_string(i + 1); }
  // The node index of a name ("n2" → 1), or size() when none.
  size_t IndexOf(const std::string& name) const;
  NetnsHosts& net() { return *hosts_; }

  // One request to node i (any thread), every socket call bounded by `timeout`.
  HttpReply Http(size_t i, const std::string& method, const std::string& target, const std::string& body = "",
                 std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;

  // Starts node i on its volume and waits until it is ready; "" or why not.
  std::string StartNode(size_t i);
  void KillNode(size_t i);   // SIGKILL, reaped
  void PauseNode(size_t i);  // SIGSTOP, returns once stopped
  void ResumeNode(size_t i);  // SIGCONT
  bool NodeRunning(size_t i);
  void StopEtcd();
  std::string StartEtcd();  // on the same data and ports; "" or why not

  // Every node up, every node seeing all of them and `index` green. "" when
  // so within `timeout`, else what was waited for and what was seen last.
  std::string WaitGreen(const std::string& index, std::chrono::milliseconds timeout);
  // Refreshes `index` until every shard answers (a peer restarted a moment
  // ago may be unreachable for up to gRPC's reconnect backoff). "" when done
  // within `timeout`, else the last answer.
  std::string Refresh(const std::string& index, std::chrono::milliseconds timeout);
  // How node `via` sees the cluster: "green, 3 nodes" (or "no answer").
  std::string HealthSeenBy(size_t via);
  // The copies of `index` as the first node that answers lists them.
  std::vector<ShardCopyRow> ShardCopies(const std::string& index);
  // The last lines of every node's logs (each run's) and etcd's current one.
  std::string LogTails(size_t bytes_per_log = 4000) const;

 private:
  int lease_ttl_seconds_;
  bool every_interface_ = false;
  TempDir dir_;
  std::unique_ptr<NetnsHosts> hosts_;
  EtcdProcess etcd_;
  std::vector<std::unique_ptr<NodeProcess>> nodes_;
  std::vector<std::vector<std::string>> earlier_logs_;  // per node: the logs of runs before this one
  std::vector<std::string> addresses_;  // fixed at Start(): Http() reads them from any thread
};

}  // namespace holdfast::testing
