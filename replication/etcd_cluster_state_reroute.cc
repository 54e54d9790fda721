// EtcdClusterState: POST /_cluster/reroute — the commands applied by the
// master in one change (ApplyReroute, then the allocation pass), or
// forwarded to it.
#include "holdfast/v1/cluster.grpc.pb.h"
#include "replication/allocation.h"
#include "replication/cluster_forwarder.h"
#include "replication/etcd_cluster_state.h"
#include "replication/index_routing_codec.h"

namespace holdfast {

Result<int64_t> EtcdClusterState::MasterReroute(const RerouteRequest& request, RerouteResult* out) {
  return MasterChange([&](ClusterStateSnapshot* next) -> Result<bool> {
    const AllocationInput input = allocation_input();
    std::optional<ClusterStateSnapshot> before;
    if (request.dry_run) before.emplace(*next);
    auto decisions = ApplyReroute(next, request.commands, request.explain, request.retry_failed, input);
    if (!decisions.ok()) return decisions.status();
    out->decisions = std::move(decisions).value();
    out->routing.clear();
    int64_t unused = 0;
    (void)Reallocate(next, input, &unused);
    if (!request.dry_run) return true;
    for (const auto& [uuid, routing] : next->routing) {
      auto was = before->routing.find(uuid);
      if (was == before->routing.end() || !(was->second == routing)) out->routing[uuid] = routing;
    }
    return false;  // nothing written
  });
}

Result<EtcdClusterState::RerouteResult> EtcdClusterState::Reroute(const RerouteRequest& request) {
  holdfast::v1::RerouteRequest message;
  for (const RerouteCommand& c : request.commands) {
    holdfast::v1::RerouteCommand* m = message.add_commands();
    m->set_kind(c.kind);
    m->set_index(c.index);
    m->set_shard(c.shard);
    m->set_node(c.node);
    m->set_from_node(c.from_node);
    m->set_to_node(c.to_node);
    m->set_allow_primary(c.allow_primary);
    m->set_accept_data_loss(c.accept_data_loss);
  }
  message.set_dry_run(request.dry_run);
  message.set_explain(request.explain);
  message.set_retry_failed(request.retry_failed);
  RerouteResult result;
  auto done = Change([&]() { return MasterReroute(request, &result); },
                     [&](const std::string& address) -> Result<int64_t> {
                       holdfast::v1::RerouteResponse response;
                       auto r = forwarder_->Call(address, &holdfast::v1::Cluster::Stub::Reroute, message, &response);
                       if (!r.ok()) return r;
                       result = RerouteResultFromProto(response);
                       for (const auto& [uuid, json] : response.routing()) {
                         auto routing = DecodeIndexRouting(json, "the master's reroute answer");
                         if (!routing.ok()) return routing.status();
                         result.routing[uuid] = std::move(routing).value();
                       }
                       return r;
                     });
  if (!done.ok()) return done.status();
  return result;
}

EtcdClusterState::RerouteRequest EtcdClusterState::RerouteRequestFromProto(const holdfast::v1::RerouteRequest& message) {
  RerouteRequest request;
  for (const holdfast::v1::RerouteCommand& m : message.commands()) {
    request.commands.push_back(RerouteCommand{m.kind(), m.index(), m.shard(), m.node(), m.from_node(), m.to_node(),
                                              m.allow_primary(), m.accept_data_loss()});
  }
  request.dry_run = message.dry_run();
  request.explain = message.explain();
  request.retry_failed = message.retry_failed();
  return request;
}

EtcdClusterState::RerouteResult EtcdClusterState::RerouteResultFromProto(const holdfast::v1::RerouteResponse& message) {
  RerouteResult result;
  for (const auto& d : message.decisions()) result.decisions.push_back(RerouteDecision{d.applied(), d.explanation()});
  return result;
}

void EtcdClusterState::RerouteResultToProto(const RerouteResult& result, holdfast::v1::RerouteResponse* message) {
  for (const RerouteDecision& d : result.decisions) {
    auto* m = message->add_decisions();
    m->set_applied(d.applied);
    m->set_explanation(d.explanation);
  }
  for (const auto& [uuid, routing] : result.routing) (*message->mutable_routing())[uuid] = EncodeIndexRouting(routing);
}

}  // namespace holdfast
