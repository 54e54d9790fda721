// Test support: a few "hosts" on one machine — Linux network namespaces,
// each joined to a bridge in the root namespace by a veth pair — and network
// faults between them made of real dropped packets (nftables rules inside a
// host's namespace): a connect through a cut hangs and an established TCP
// stream stalls, as across a real partition; nothing is refused or reset.
//
// Addresses come from a private /24 chosen for this test process (derived
// from its pid, skipping any subnet the machine already routes): the bridge
// is .1 (the test's own client in the root namespace), host i is .(i + 2),
// and .254 is a second address on the bridge where etcd listens in the root
// namespace, so that a host can be cut off from etcd alone.
// Names carry the pid (namespaces hfnet<pid>-<i>, bridge hfnb<pid>, veths
// hfnv<pid>-<i>); construction first removes what earlier test processes
// whose pid is gone left behind, and destruction removes everything this
// object made (so one object per process at a time). Only traffic to these
// addresses is ever sent.
//
// Needs root, iproute2 (`ip`) and nftables (`nft`); ok() is false with a
// message saying what is missing otherwise. Not thread-safe: call it from one
// thread (the test's).
#pragma once

#include <cstddef>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace holdfast::testing {

struct CommandResult {
  int exit_code = -1;  // 128 + signal when killed; -1 when it could not run
  std::string output;  // stdout and stderr together
  bool ok() const { return exit_code == 0; }
};

// Runs argv (argv[0] found on $PATH) to completion, no shell involved.
CommandResult RunCommand(const std::vector<std::string>& argv);

class NetnsHosts {
 public:
  explicit NetnsHosts(size_t count);
  ~NetnsHosts();
  NetnsHosts(const NetnsHosts&) = delete;
  NetnsHosts& operator=(const NetnsHosts&) = delete;

  // False when the hosts could not be made (see error(): not root, no `ip`
  // or `nft`, no namespace support, ...).
  bool ok() const { return ok_; }
  const std::string& error() const { return error_; }

  size_t size() const { return count_; }
  std::string ns(size_t host) const;       // the namespace's name
  std::string address(size_t host) const;  // "10.a.b.<host + 2>"
  std::string root_address() const;        // the bridge: "10.a.b.1"
  std::string etcd_address() const;        // on the bridge too: "10.a.b.254"
  // Put before a command to run it inside the host's namespace (`ip netns
  // exec` execs in place: the pid stays the command's own).
  std::vector<std::string> ExecPrefix(size_t host) const;
  // Every name starts with one of these, then the pid.
  static constexpr const char* kNsPrefix = "hfnet";
  static constexpr const char* kBridgePrefix = "hfnb";
  static constexpr const char* kVethPrefix = "hfnv";

  // Faults; each adds to those in force and HealAll removes them all. False
  // (see error()) when a rule could not be installed.
  // Every packet to or from the host is dropped, but its own loopback's.
  bool Isolate(size_t host);
  // Only its packets to or from etcd_address() are dropped.
  bool CutFromEtcd(size_t host);
  // Packets between hosts a and b are dropped (in both namespaces).
  bool CutLink(size_t a, size_t b);
  bool HealAll();

  // What is in force, for the test's log: "isolated h1; cut h0<->h2".
  std::string Describe() const;

 private:
  bool Create();
  bool ApplyRules(size_t host);
  bool Fail(std::string what);

  size_t count_;
  std::string tag_;  // the pid, in every name
  int octet2_ = 0;
  int octet3_ = 0;
  bool ok_ = false;
  bool bridge_made_ = false;
  std::vector<bool> ns_made_;
  std::string error_;
  std::set<size_t> isolated_;
  std::set<size_t> cut_from_etcd_;
  std::set<std::pair<size_t, size_t>> cut_links_;  // (low, high)
};

}  // namespace holdfast::testing
