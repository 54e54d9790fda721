#include "server/grpc/admin_service.h"

#include <algorithm>
#include <set>
#include <tuple>

#include "lifecycle/node_drain.h"
#include "lifecycle/safe_to_stop.h"
#include "replication/cluster_admin.h"
#include "replication/cluster_health.h"
#include "replication/etcd_cluster_state.h"
#include "replication/grpc_status.h"
#include "server/grpc/admin_token.h"
#include "server/process/version.h"

namespace holdfast {

namespace pb = ::holdfast::v1;

class AdminService::Use {
 public:
  explicit Use(AdminService* service) : service_(service) {
    std::lock_guard<std::mutex> lock(service_->mu_);
    state = service_->state_;
    etcd = service_->etcd_;
    drainer = service_->drainer_;
    node_id = service_->node_id_;
    if (state != nullptr || drainer != nullptr) ++service_->running_;
  }
  ~Use() {
    if (state == nullptr && drainer == nullptr) return;
    std::lock_guard<std::mutex> lock(service_->mu_);
    if (--service_->running_ == 0) service_->idle_.notify_all();
  }
  Use(const Use&) = delete;
  Use& operator=(const Use&) = delete;

  ClusterState* state = nullptr;
  EtcdClusterState* etcd = nullptr;
  NodeDrainer* drainer = nullptr;
  std::string node_id;

 private:
  AdminService* const service_;
};

namespace {

grpc::Status NoCluster(const NodeIdentityView& identity) {
  return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                      "node " + identity.node_name + " has no cluster state (starting or stopping)");
}

grpc::Status NeedsClusterMode(const std::string& what) {
  return ToGrpcStatus(Status::FailedPrecondition(what + " needs cluster mode (--etcd-endpoints)"));
}

void ToProto(const ClusterStateSnapshot& state, const IndexMetadata& index, const ShardRouting& shard,
             const ShardCopyRouting& copy, pb::ShardCopyInfo* out) {
  out->set_index(index.name);
  out->set_index_uuid(index.uuid);
  out->set_shard(shard.shard);
  out->set_primary(copy.primary);
  out->set_state(ShardCopyStateName(copy.state));
  out->set_node_id(copy.node_id);
  out->set_node_name(NodeNameOf(state, copy.node_id));
  out->set_relocating_node_id(copy.relocating_node_id);
  out->set_relocating_node_name(NodeNameOf(state, copy.relocating_node_id));
  out->set_allocation_id(copy.allocation_id);
  out->set_primary_term(shard.primary_term);
  out->set_unassigned_reason(UnassignedReasonOf(copy));
  out->set_unassigned_at_ms(copy.unassigned_at_ms);
  out->set_last_node_id(copy.last_node_id);
  out->set_failure(copy.failure);
}

void AddMembers(const ClusterStateSnapshot& state, google::protobuf::RepeatedPtrField<pb::ClusterMemberInfo>* out) {
  const std::map<std::string, uint64_t> copies = CopiesPerNode(state);
  const std::set<std::string> excluded = ExcludedNodes(state);
  std::vector<const ClusterNode*> by_name;
  for (const auto& [id, node] : state.nodes) by_name.push_back(&node);
  std::sort(by_name.begin(), by_name.end(), [](const ClusterNode* a, const ClusterNode* b) {
    return std::tie(a->name, a->node_id) < std::tie(b->name, b->node_id);
  });
  for (const ClusterNode* node_ptr : by_name) {
    const ClusterNode& node = *node_ptr;
    const std::string& id = node.node_id;
    pb::ClusterMemberInfo* m = out->Add();
    m->set_node_id(id);
    m->set_name(node.name);
    m->set_http_address(node.http_address);
    m->set_grpc_address(node.grpc_address);
    m->set_master(id == state.master_node_id);
    m->set_shards(static_cast<uint32_t>(copies.at(id)));
    m->set_excluded(excluded.count(id) > 0);
  }
}

void ToProto(const ClusterStateSnapshot& state, const PlannedMove& move, pb::PlannedMoveInfo* out) {
  out->set_index(move.index_name);
  out->set_index_uuid(move.shard.index_uuid);
  out->set_shard(move.shard.shard);
  out->set_from_node_id(move.from);
  out->set_from_node_name(NodeNameOf(state, move.from));
  out->set_to_node_id(move.to);
  out->set_to_node_name(NodeNameOf(state, move.to));
  out->set_reason(move.reason);
}

void ToProto(const ClusterStateSnapshot& state, const CopyExplanation& e, pb::AllocationExplanation* out) {
  out->set_index(e.index);
  out->set_shard(e.shard);
  out->set_primary(e.primary);
  out->set_current_state(e.current_state);
  out->set_current_node_id(e.current_node);
  out->set_current_node_name(NodeNameOf(state, e.current_node));
  out->set_unassigned_reason(e.unassigned_reason);
  out->set_unassigned_at_ms(e.unassigned_at_ms);
  out->set_delayed(e.delay_left_ms > 0);
  out->set_remaining_delay_ms(e.delay_left_ms);
  out->set_can_allocate(CanAllocateOf(e));
  out->set_allocate_explanation(e.allocate_explanation);
  for (const auto& [id, why] : e.node_decisions) {
    pb::NodeAllocationDecision* d = out->add_node_decisions();
    d->set_node_id(id);
    d->set_node_name(NodeNameOf(state, id));
    d->set_decision(why == "yes" ? "yes" : "no");
    if (why != "yes") d->set_explanation(why);
  }
}

}  // namespace

void AdminService::SetCluster(ClusterState* state, EtcdClusterState* etcd) {
  std::unique_lock<std::mutex> lock(mu_);
  state_ = state;
  etcd_ = state != nullptr ? etcd : nullptr;
  idle_.wait(lock, [this] { return running_ == 0; });
}

void AdminService::SetDrainer(NodeDrainer* drainer, std::string node_id) {
  std::unique_lock<std::mutex> lock(mu_);
  drainer_ = drainer;
  node_id_ = std::move(node_id);
  idle_.wait(lock, [this] { return running_ == 0; });
}

grpc::Status AdminService::Authorize(const grpc::ServerContext* ctx) const {
  if (identity_->admin_token.empty()) return grpc::Status::OK;
  const auto& metadata = ctx->client_metadata();
  auto it = metadata.find("authorization");
  if (it != metadata.end() &&
      BearerMatches(std::string_view(it->second.data(), it->second.size()), identity_->admin_token)) {
    return grpc::Status::OK;
  }
  return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                      it == metadata.end() ? "admin calls need `authorization: Bearer <token>` (holdfastctl --token-file)"
                                           : "the admin token is not this node's");
}

grpc::Status AdminService::GetNodeInfo(grpc::ServerContext* ctx, const pb::GetNodeInfoRequest*, pb::NodeInfo* out) {
  if (grpc::Status denied = Authorize(ctx); !denied.ok()) return denied;
  out->set_name(identity_->node_name);
  out->set_node_id(identity_->volume->node_id);
  out->set_volume_uuid(identity_->volume->volume_uuid);
  out->set_cluster_uuid(identity_->volume->cluster_uuid);
  out->set_format_version(identity_->volume->format_version);
  out->set_version(kHoldfastVersion);
  out->set_phase(NodePhaseName(identity_->readiness->phase()));
  return grpc::Status::OK;
}

grpc::Status AdminService::GetClusterState(grpc::ServerContext* ctx, const pb::GetClusterStateRequest*,
                                           pb::ClusterStateInfo* out) {
  if (grpc::Status denied = Authorize(ctx); !denied.ok()) return denied;
  Use use(this);
  if (use.state == nullptr) return NoCluster(*identity_);
  const ClusterStatePtr state = use.state->Current();
  out->set_cluster_name(state->cluster_name);
  out->set_cluster_uuid(state->cluster_uuid);
  out->set_version(state->version);
  out->set_master_node_id(state->master_node_id);
  out->set_master_node_name(NodeNameOf(*state, state->master_node_id));
  out->set_cluster_mode(use.etcd != nullptr);
  out->set_health(HealthStatusName(ComputeClusterHealth(*state, {}).status));
  AddMembers(*state, out->mutable_nodes());
  for (const IndexMetadata* index : state->IndicesByName()) {
    pb::IndexInfo* i = out->add_indices();
    i->set_name(index->name);
    i->set_uuid(index->uuid);
    i->set_number_of_shards(index->settings.number_of_shards);
    i->set_number_of_replicas(index->settings.number_of_replicas);
    i->set_creation_date_ms(index->creation_date_ms);
    i->set_health(HealthStatusName(ComputeIndexHealth(*state, *index).status));
    const IndexRouting* routing = state->RoutingOf(index->uuid);
    if (routing == nullptr) continue;
    pb::IndexRoutingInfo* r = out->add_routing();
    r->set_index(index->name);
    r->set_index_uuid(index->uuid);
    for (const ShardRouting& shard : routing->shards) {
      pb::ShardRoutingInfo* s = r->add_shards();
      s->set_shard(shard.shard);
      s->set_primary_term(shard.primary_term);
      for (const std::string& id : shard.in_sync) s->add_in_sync(id);
      for (const ShardCopyRouting& copy : shard.copies) ToProto(*state, *index, shard, copy, s->add_copies());
    }
  }
  for (const auto& [key, value] : state->settings) (*out->mutable_settings())[key] = value;
  return grpc::Status::OK;
}

grpc::Status AdminService::ListNodes(grpc::ServerContext* ctx, const pb::ListNodesRequest*, pb::ListNodesResponse* out) {
  if (grpc::Status denied = Authorize(ctx); !denied.ok()) return denied;
  Use use(this);
  if (use.state == nullptr) return NoCluster(*identity_);
  AddMembers(*use.state->Current(), out->mutable_nodes());
  return grpc::Status::OK;
}

grpc::Status AdminService::ListShards(grpc::ServerContext* ctx, const pb::ListShardsRequest* request,
                                      pb::ListShardsResponse* out) {
  if (grpc::Status denied = Authorize(ctx); !denied.ok()) return denied;
  Use use(this);
  if (use.state == nullptr) return NoCluster(*identity_);
  const ClusterStatePtr state = use.state->Current();
  auto names = state->ResolveIndices(request->index());
  if (!names.ok()) return ToGrpcStatus(names.status());
  for (const std::string& name : *names) {
    const IndexMetadata* index = state->FindIndex(name);
    const IndexRouting* routing = index != nullptr ? state->RoutingOf(index->uuid) : nullptr;
    if (routing == nullptr) continue;
    for (const ShardRouting& shard : routing->shards) {
      for (const ShardCopyRouting& copy : shard.copies) ToProto(*state, *index, shard, copy, out->add_shards());
    }
  }
  return grpc::Status::OK;
}

grpc::Status AdminService::MoveShard(grpc::ServerContext* ctx, const pb::MoveShardRequest* request,
                                     pb::MoveShardResponse* out) {
  if (grpc::Status denied = Authorize(ctx); !denied.ok()) return denied;
  Use use(this);
  if (use.state == nullptr) return NoCluster(*identity_);
  if (use.etcd == nullptr) return NeedsClusterMode("moving a shard");
  if (request->index().empty() || request->from_node().empty() || request->to_node().empty()) {
    return ToGrpcStatus(Status::InvalidArgument("a move needs index, shard, from_node and to_node"));
  }
  Status moved = use.etcd->MoveShard(request->index(), request->shard(), request->from_node(), request->to_node());
  if (!moved.ok()) return ToGrpcStatus(moved);
  // MoveShard returned once this node's view holds the relocation.
  const ClusterStatePtr state = use.state->Current();
  const IndexMetadata* index = state->FindIndex(request->index());
  const ShardRouting* shard = index != nullptr ? state->RoutingOf(ShardId{index->uuid, request->shard()}) : nullptr;
  if (shard != nullptr) {
    for (const ShardCopyRouting& copy : shard->copies) ToProto(*state, *index, *shard, copy, out->add_copies());
  }
  return grpc::Status::OK;
}

grpc::Status AdminService::Reroute(grpc::ServerContext* ctx, const pb::RerouteRequest* request,
                                   pb::AdminRerouteResponse* out) {
  if (grpc::Status denied = Authorize(ctx); !denied.ok()) return denied;
  Use use(this);
  if (use.state == nullptr) return NoCluster(*identity_);
  if (use.etcd == nullptr) return NeedsClusterMode("rerouting");
  auto done = use.etcd->Reroute(EtcdClusterState::RerouteRequestFromProto(*request));
  if (!done.ok()) return ToGrpcStatus(done.status());
  pb::RerouteResponse answer;
  EtcdClusterState::RerouteResultToProto(*done, &answer);
  out->mutable_decisions()->Swap(answer.mutable_decisions());
  // The copies of each shard named (Reroute returned once this node's view
  // holds the change; a dry run's routing is in the result only).
  const ClusterStatePtr state = use.state->Current();
  std::set<std::pair<std::string, uint32_t>> shown;
  for (const pb::RerouteCommand& c : request->commands()) {
    const IndexMetadata* index = state->FindIndex(c.index());
    if (index == nullptr || !shown.emplace(index->uuid, c.shard()).second) continue;
    const ShardRouting* shard = nullptr;
    if (auto planned = done->routing.find(index->uuid); planned != done->routing.end()) {
      if (c.shard() < planned->second.shards.size()) shard = &planned->second.shards[c.shard()];
    } else {
      shard = state->RoutingOf(ShardId{index->uuid, c.shard()});
    }
    if (shard == nullptr) continue;
    for (const ShardCopyRouting& copy : shard->copies) ToProto(*state, *index, *shard, copy, out->add_copies());
  }
  return grpc::Status::OK;
}

grpc::Status AdminService::SetExcluded(const pb::NodeExclusionRequest& request, bool excluded,
                                       pb::NodeExclusionResponse* out) {
  Use use(this);
  if (use.state == nullptr) return NoCluster(*identity_);
  if (use.etcd == nullptr) return NeedsClusterMode(excluded ? "excluding a node" : "including a node");
  auto done = SetNodeExcluded(use.etcd, request.node(), excluded);
  if (!done.ok()) return ToGrpcStatus(done.status());
  out->set_exclude_name(done->exclude_name);
  out->set_changed(done->changed);
  return grpc::Status::OK;
}

grpc::Status AdminService::ExcludeNode(grpc::ServerContext* ctx, const pb::NodeExclusionRequest* request,
                                       pb::NodeExclusionResponse* out) {
  if (grpc::Status denied = Authorize(ctx); !denied.ok()) return denied;
  return SetExcluded(*request, true, out);
}

grpc::Status AdminService::IncludeNode(grpc::ServerContext* ctx, const pb::NodeExclusionRequest* request,
                                       pb::NodeExclusionResponse* out) {
  if (grpc::Status denied = Authorize(ctx); !denied.ok()) return denied;
  return SetExcluded(*request, false, out);
}

grpc::Status AdminService::PlanRebalance(grpc::ServerContext* ctx, const pb::PlanRebalanceRequest*,
                                         pb::PlanRebalanceResponse* out) {
  if (grpc::Status denied = Authorize(ctx); !denied.ok()) return denied;
  Use use(this);
  if (use.state == nullptr) return NoCluster(*identity_);
  const ClusterStatePtr state = use.state->Current();
  for (const PlannedMove& move : PlanRebalanceNow(*state, use.etcd)) ToProto(*state, move, out->add_moves());
  return grpc::Status::OK;
}

grpc::Status AdminService::ExecuteRebalance(grpc::ServerContext* ctx, const pb::ExecuteRebalanceRequest*,
                                            pb::ExecuteRebalanceResponse* out) {
  if (grpc::Status denied = Authorize(ctx); !denied.ok()) return denied;
  Use use(this);
  if (use.state == nullptr) return NoCluster(*identity_);
  if (use.etcd == nullptr) return NeedsClusterMode("rebalancing");
  const std::vector<RebalanceStep> steps = holdfast::ExecuteRebalance(use.etcd);
  const ClusterStatePtr state = use.state->Current();
  for (const RebalanceStep& step : steps) {
    pb::RebalanceMoveOutcome* o = out->add_moves();
    ToProto(*state, step.move, o->mutable_move());
    o->set_started(step.status.ok());
    o->set_error(step.status.message());
  }
  return grpc::Status::OK;
}

grpc::Status AdminService::ExplainAllocation(grpc::ServerContext* ctx, const pb::ExplainAllocationRequest* request,
                                             pb::AllocationExplanation* out) {
  if (grpc::Status denied = Authorize(ctx); !denied.ok()) return denied;
  Use use(this);
  if (use.state == nullptr) return NoCluster(*identity_);
  ExplainTarget target;
  target.index = request->index();
  if (request->has_shard()) target.shard = static_cast<int>(request->shard());
  if (request->has_primary()) target.primary = request->primary();
  const ClusterStatePtr state = use.state->Current();
  auto explained = ExplainCopy(*state, use.etcd, target);
  if (!explained.ok()) return ToGrpcStatus(explained.status());
  ToProto(*state, *explained, out);
  return grpc::Status::OK;
}

// ------------------------------------------------------------ lifecycle

namespace {

void AddReason(const std::string& reason, const std::string& index, int64_t shard, const std::string& detail,
               google::protobuf::RepeatedPtrField<pb::LifecycleReason>* out) {
  pb::LifecycleReason* r = out->Add();
  r->set_reason(reason);
  r->set_index(index);
  r->set_shard(shard);
  r->set_detail(detail);
}

}  // namespace

grpc::Status AdminService::Drain(grpc::ServerContext* ctx, const pb::DrainNodeRequest* request,
                                 pb::DrainNodeResponse* out) {
  if (grpc::Status denied = Authorize(ctx); !denied.ok()) return denied;
  Use use(this);
  if (use.drainer == nullptr) return NoCluster(*identity_);
  Status s;
  if (request->op() == "start") {
    s = use.drainer->Start(request->type().empty() ? "restart" : request->type());
  } else if (request->op() == "cancel") {
    s = use.drainer->Cancel();
  } else if (request->op() != "get") {
    s = Status::InvalidArgument("drain op must be start, get or cancel, not [" + request->op() + "]");
  }
  if (!s.ok()) return ToGrpcStatus(s);
  const DrainProgress p = use.drainer->Progress();
  out->set_node_name(identity_->node_name);
  out->set_state(p.state);
  out->set_type(p.type);
  out->set_forced(p.forced);
  out->set_primaries_left(p.primaries_left);
  out->set_copies_left(p.copies_left);
  out->set_shard_requests_in_flight(p.shard_requests_in_flight);
  out->set_primaries_handed_off(p.primaries_handed_off);
  out->set_flushed(p.flushed);
  for (const DrainBlocker& b : p.blockers) AddReason(b.reason, b.index, b.shard, b.detail, out->mutable_reasons());
  return grpc::Status::OK;
}

grpc::Status AdminService::SafeToStop(grpc::ServerContext* ctx, const pb::SafeToStopRequest* request,
                                      pb::SafeToStopResponse* out) {
  if (grpc::Status denied = Authorize(ctx); !denied.ok()) return denied;
  Use use(this);
  if (use.state == nullptr) return NoCluster(*identity_);
  StopRequirement require = StopRequirement::kAvailability;
  if (request->require() == "data") {
    require = StopRequirement::kData;
  } else if (!request->require().empty() && request->require() != "availability") {
    return ToGrpcStatus(Status::InvalidArgument("require must be availability or data, not [" + request->require() + "]"));
  }
  const ClusterStatePtr state = use.state->Current();
  const bool known = use.etcd == nullptr || use.etcd->etcd_reachable();
  const SafeToStopReport report = JudgeSafeToStop(*state, use.node_id, require, known);
  out->set_node_name(identity_->node_name);
  out->set_safe_to_stop(report.safe);
  out->set_cluster_state_version(state->version);
  for (const StopReason& r : report.reasons) AddReason(r.reason, r.index, r.shard, r.detail, out->mutable_reasons());
  return grpc::Status::OK;
}

}  // namespace holdfast
