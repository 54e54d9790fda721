// EtcdMasterElection: which node is the cluster's master, by etcd's
// v3election (DESIGN.md §6), and the only way a master writes.
//
// Every node campaigns in /holdfast/<cluster>/election with its membership
// lease (etcd_membership.h): the campaigner whose key is oldest leads, and
// its leadership ends with its lease — a master that dies or is cut off
// from etcd for longer than the lease TTL is replaced by the next campaigner.
//
// A master writes only through WriteAsMaster: one etcd transaction whose
// guard includes "my election key still exists with the create revision I
// won with" — so a deposed master (paused, partitioned, its lease expired:
// another node may lead by now) can never write, whatever it believes.
// When that guard fails the master steps down at once and the write is
// refused with kFenced.
//
// The election runs on its own thread: it campaigns while not leading and,
// while leading, checks every `check_interval` that its key still leads;
// when etcd does not answer, it steps down (no state changes while etcd is
// unreachable) and campaigns again once etcd answers. is_master() is what
// this node believes now; on_change hears every change, in order, on the
// election's thread.
// Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "replication/etcd_client.h"

namespace holdfast {

struct EtcdMasterOptions {
  std::string cluster_name;
  std::string node_id;
  // The lease to campaign with (the membership's current one: it changes
  // when the membership joins again).
  std::function<int64_t()> lease;
  std::chrono::milliseconds check_interval{500};
  // Hears (is_master, leader key revision) on every change.
  std::function<void(bool is_master, int64_t term)> on_change;
};

class EtcdMasterElection {
 public:
  static std::unique_ptr<EtcdMasterElection> Start(EtcdClient* etcd, EtcdMasterOptions options);
  // Stops campaigning. A leader's key stays until its lease ends (as after
  // a crash); Resign() first hands the lead over at once (a clean stop).
  ~EtcdMasterElection();
  Status Resign();
  EtcdMasterElection(const EtcdMasterElection&) = delete;
  EtcdMasterElection& operator=(const EtcdMasterElection&) = delete;

  // The membership joined again with a new lease: a campaign waiting on
  // the old one (gone with it) starts over at once on the new one.
  void LeaseChanged();

  bool is_master() const;
  // The revision at which this node's leadership began (0 when not master):
  // strictly larger for every later master, so usable as a master term.
  int64_t term() const;
  // The current master's node id as etcd says now; kNotFound when none.
  Result<std::string> Master() const;

  // Runs `ops` if this node still leads and every one of `compares` holds.
  // kFenced (and this node steps down) when it no longer leads; otherwise
  // the result says whether `compares` held (false: the state moved on,
  // re-read). kUnavailable: etcd did not answer, outcome unknown.
  Result<EtcdTxnResult> WriteAsMaster(const std::vector<EtcdCompare>& compares, const std::vector<EtcdOp>& ops);

  static std::string ElectionName(const std::string& cluster_name);

 private:
  EtcdMasterElection(EtcdClient* etcd, EtcdMasterOptions options) : etcd_(etcd), options_(std::move(options)) {}
  void Loop();
  // Under mu_: records a change and tells on_change (lock released meanwhile).
  void SetLeader(std::unique_lock<std::mutex>& lock, std::optional<EtcdLeaderKey> leader);

  EtcdClient* const etcd_;
  const EtcdMasterOptions options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::optional<EtcdLeaderKey> leader_;  // under mu_: set while this node leads
  bool stop_ = false;                    // under mu_
  std::shared_ptr<EtcdCancel> round_;    // under mu_: the campaign in flight (a stop or a new lease ends it)
  std::thread thread_;
};

}  // namespace holdfast
