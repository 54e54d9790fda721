// Helpers shared by the etcd tests: a client of the test's etcd, and a
// node's membership plus master election in cluster "c1".
#pragma once

#include <atomic>
#include <memory>

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "replication/etcd_client.h"
#include "replication/etcd_master.h"
#include "replication/etcd_membership.h"
#include "tests/support/etcd_process.h"

namespace holdfast::testing {

inline std::unique_ptr<EtcdClient> ConnectTo(const EtcdProcess& etcd, std::chrono::milliseconds call_timeout) {
  EtcdClientOptions options;
  options.endpoints = {etcd.endpoint()};
  options.call_timeout = call_timeout;
  auto c = EtcdClient::Connect(options);
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return c.ok() ? std::move(c).value() : nullptr;
}

// A node of cluster "c1": its membership (lease) and its campaign.
struct EtcdTestMember {
  std::unique_ptr<EtcdMembership> membership;
  std::unique_ptr<EtcdMasterElection> election;
};

// Joins node `id` (named `name`, addresses 127.0.0.1:1 and :2) and starts
// campaigning; membership is null (and a failure is recorded) when the join fails.
inline EtcdTestMember JoinAndCampaign(EtcdClient* client, const std::string& id, const std::string& name,
                                      std::chrono::seconds lease_ttl,
                                      std::function<void(bool, int64_t)> on_change = nullptr) {
  EtcdTestMember out;
  EtcdMembershipOptions m;
  m.cluster_name = "c1";
  m.self = {id, name, "127.0.0.1:1", "127.0.0.1:2", {}};
  m.lease_ttl = lease_ttl;
  // As EtcdClusterState does: a new lease restarts a campaign waiting on the old one.
  auto election_slot = std::make_shared<std::atomic<EtcdMasterElection*>>(nullptr);
  m.on_rejoined = [election_slot](int64_t) {
    if (EtcdMasterElection* e = election_slot->load()) e->LeaseChanged();
  };
  auto joined = EtcdMembership::Join(client, m);
  EXPECT_TRUE(joined.ok()) << joined.status().ToString();
  if (!joined.ok()) return out;
  out.membership = std::move(joined).value();
  EtcdMasterOptions e;
  e.cluster_name = "c1";
  e.node_id = id;
  e.lease = [p = out.membership.get()] { return p->lease(); };
  e.check_interval = std::chrono::milliseconds(200);
  e.on_change = std::move(on_change);
  out.election = EtcdMasterElection::Start(client, e);
  election_slot->store(out.election.get());
  return out;
}

}  // namespace holdfast::testing
