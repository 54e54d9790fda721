// EtcdMembership: this node's presence in a cluster whose state lives in
// etcd (DESIGN.md §6). Keys, under /holdfast/<cluster-name>/:
//
//   members/<node-id>  the node's description (JSON: node_id, name, http and
//                      grpc addresses, attributes), attached to its lease
//   names/<name>       the node id holding this name, on the same lease
//
// Both go with the lease: a node that dies (or is paused past its TTL)
// leaves the member list by itself. Joining takes the name in one guarded
// transaction, so two live nodes can never hold one name: a second process
// asking for a name a live node holds is refused (kAlreadyExists, naming the
// holder), while the same node id coming back (a restart within the TTL)
// takes its keys over.
//
// The lease is kept alive on the membership's own thread every TTL/3. When
// etcd does not answer, the node stays a member as far as it knows and
// keeps trying (reachable() turns false: "unknown", not "gone"); when etcd
// says the lease has expired (the node was paused or cut off for longer
// than the TTL), it joins again with a new lease and on_rejoined hears it
// (anything tied to the old lease, such as a won election, is gone).
// Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "replication/etcd_client.h"

namespace holdfast {

struct ClusterMember {
  std::string node_id;
  std::string name;
  std::string http_address;
  std::string grpc_address;
  std::map<std::string, std::string> attributes;

  std::string ToJson() const;
  static Result<ClusterMember> FromJson(std::string_view json);
};

struct EtcdMembershipOptions {
  std::string cluster_name;
  ClusterMember self;
  std::chrono::seconds lease_ttl{10};  // --cluster-lease-ttl
  // Hears each re-join after the lease was lost (on the keep-alive thread).
  std::function<void(int64_t new_lease)> on_rejoined;
};

class EtcdMembership {
 public:
  // Grants the lease, takes the name and writes the member key; then keeps
  // the lease alive until Leave() or destruction. kAlreadyExists when a live
  // node of another id holds the name; kUnavailable when etcd did not answer.
  static Result<std::unique_ptr<EtcdMembership>> Join(EtcdClient* etcd, EtcdMembershipOptions options);
  ~EtcdMembership();  // stops the keep-alive; the keys stay until the lease expires
  EtcdMembership(const EtcdMembership&) = delete;
  EtcdMembership& operator=(const EtcdMembership&) = delete;

  // Revokes the lease: the member and name keys go at once (a clean stop).
  Status Leave();

  int64_t lease() const;
  // Sets attributes in this node's member key (disk use, ...) over those the
  // node joined with (options.self.attributes: --node-attr, volume.uuid),
  // replacing the ones set before; kept across re-joins. kUnavailable when
  // etcd did not answer.
  Status SetAttributes(std::map<std::string, std::string> attributes);
  // False while etcd does not answer the keep-alives (since the last answer).
  bool reachable() const;
  // The live members, by node id.
  Result<std::vector<ClusterMember>> Members() const;

 private:
  EtcdMembership(EtcdClient* etcd, EtcdMembershipOptions options) : etcd_(etcd), options_(std::move(options)) {}
  // Takes the name and writes the member key on `lease`.
  Status Register(int64_t lease);
  void KeepAliveLoop();

  EtcdClient* const etcd_;
  const EtcdMembershipOptions options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  int64_t lease_ = 0;       // under mu_
  std::map<std::string, std::string> attributes_;  // under mu_: published over options_.self.attributes
  bool reachable_ = true;   // under mu_
  bool stop_ = false;       // under mu_
  std::thread keep_alive_;
};

}  // namespace holdfast
