// EtcdStateFollower: a node's view of the cluster state kept in etcd
// (DESIGN.md §6): it reads the state — index metadata and routing, the
// members (nodes) and the elected master — at one revision, then watches
// the cluster's prefix from the next revision and reads again after every
// change, so each published snapshot is one consistent revision. When the watch ends —
// etcd gone, or the revision it would resume from compacted away — it reads
// the whole state again (with backoff while etcd does not answer) and
// watches from there: nothing is skipped, and while etcd is unreachable the
// last snapshot stays current (nodes keep serving what they hold).
// Snapshots are published in version order to on_state, on the follower's
// own thread. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "replication/cluster_state.h"
#include "replication/etcd_client.h"
#include "replication/etcd_state_store.h"

namespace holdfast {

struct EtcdStateFollowerOptions {
  std::string cluster_name;
  std::string cluster_uuid;
  std::chrono::milliseconds retry_interval{500};  // between reads while etcd does not answer
  // Hears each new snapshot and the etcd revision it was read at.
  std::function<void(const ClusterStatePtr& state, int64_t revision)> on_state;
};

class EtcdStateFollower {
 public:
  // Reads the state once (kUnavailable when etcd does not answer), then follows it.
  static Result<std::unique_ptr<EtcdStateFollower>> Start(EtcdClient* etcd, EtcdStateFollowerOptions options);
  ~EtcdStateFollower();
  EtcdStateFollower(const EtcdStateFollower&) = delete;
  EtcdStateFollower& operator=(const EtcdStateFollower&) = delete;

  ClusterStatePtr Current() const;
  // The etcd revision the current snapshot was read at.
  int64_t revision() const;
  // Whole reads after the first (a change, or a watch that ended).
  uint64_t reads() const;

 private:
  EtcdStateFollower(EtcdClient* etcd, EtcdStateFollowerOptions options)
      : etcd_(etcd), options_(std::move(options)), store_(etcd, nullptr, options_.cluster_name) {}
  // Reads the state; publishes it when its version differs.
  Status Read();
  void Loop();
  void StartWatch();

  EtcdClient* const etcd_;
  const EtcdStateFollowerOptions options_;
  EtcdStateStore store_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  ClusterStatePtr current_;      // under mu_
  int64_t revision_ = 0;         // under mu_
  uint64_t reads_ = 0;           // under mu_
  std::string master_key_;       // under mu_: the master's election key ("" when none)
  bool changed_ = false;         // under mu_: the watch saw changes
  bool watch_ended_ = false;     // under mu_
  bool stop_ = false;            // under mu_
  std::unique_ptr<EtcdWatch> watch_;  // the follower thread's
  std::thread thread_;
};

}  // namespace holdfast
