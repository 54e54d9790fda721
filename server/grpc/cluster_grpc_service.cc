#include "server/grpc/cluster_grpc_service.h"

#include "index/mapping/mapping_parser.h"
#include "index/mapping/mapping_serializer.h"
#include "replication/index_routing_codec.h"
#include "replication/proto_convert.h"

namespace holdfast {

namespace {

template <typename Response>
grpc::Status Answer(const Result<int64_t>& done, Response* response) {
  if (done.ok()) {
    response->set_version(done.value());
  } else {
    ToProto(done.status(), response->mutable_error());
  }
  return grpc::Status::OK;
}

Status NotJoined() { return Status::Unavailable("this node has not joined the cluster (starting or stopping)"); }

}  // namespace

grpc::Status ClusterGrpcService::CreateIndex(grpc::ServerContext*, const holdfast::v1::CreateIndexRequest* request,
                                             holdfast::v1::ClusterChangeResponse* response) {
  EtcdClusterState* state = state_.load(std::memory_order_acquire);
  if (state == nullptr) return Answer(NotJoined(), response);
  auto metadata = DecodeIndexMetadata(request->metadata(), "CreateIndex request");
  if (!metadata.ok()) return Answer(metadata.status(), response);
  return Answer(state->MasterCreateIndex(std::move(metadata).value()), response);
}

grpc::Status ClusterGrpcService::DeleteIndex(grpc::ServerContext*, const holdfast::v1::DeleteIndexRequest* request,
                                             holdfast::v1::ClusterChangeResponse* response) {
  EtcdClusterState* state = state_.load(std::memory_order_acquire);
  if (state == nullptr) return Answer(NotJoined(), response);
  return Answer(state->MasterDeleteIndex(request->name()), response);
}

grpc::Status ClusterGrpcService::PutMapping(grpc::ServerContext*, const holdfast::v1::PutMappingRequest* request,
                                            holdfast::v1::PutMappingResponse* response) {
  EtcdClusterState* state = state_.load(std::memory_order_acquire);
  if (state == nullptr) return Answer(NotJoined(), response);
  auto parsed = mapping::ParseMapping(request->mapping_json());
  if (!parsed.ok()) return Answer(parsed.status(), response);
  std::shared_ptr<const mapping::Mapping> merged;
  auto done = state->MasterPutMapping(request->index_uuid(), parsed->ToUpdate(), &merged);
  if (done.ok() && merged) response->set_mapping_json(mapping::MappingToJson(*merged));
  return Answer(done, response);
}

grpc::Status ClusterGrpcService::UpdateAliases(grpc::ServerContext*, const holdfast::v1::UpdateAliasesRequest* request,
                                               holdfast::v1::ClusterChangeResponse* response) {
  EtcdClusterState* state = state_.load(std::memory_order_acquire);
  if (state == nullptr) return Answer(NotJoined(), response);
  std::vector<AliasAction> actions;
  for (const auto& a : request->actions()) {
    auto action = FromProto(a);
    if (!action.ok()) return Answer(action.status(), response);
    actions.push_back(std::move(action).value());
  }
  return Answer(state->MasterUpdateAliases(actions), response);
}

grpc::Status ClusterGrpcService::UpdateIndexSettings(grpc::ServerContext*,
                                                     const holdfast::v1::UpdateIndexSettingsRequest* request,
                                                     holdfast::v1::ClusterChangeResponse* response) {
  EtcdClusterState* state = state_.load(std::memory_order_acquire);
  if (state == nullptr) return Answer(NotJoined(), response);
  std::vector<std::string> uuids(request->index_uuids().begin(), request->index_uuids().end());
  return Answer(state->MasterUpdateIndexSettings(uuids, FromProto(*request)), response);
}

grpc::Status ClusterGrpcService::UpdateShardCopy(grpc::ServerContext*,
                                                 const holdfast::v1::UpdateShardCopyRequest* request,
                                                 holdfast::v1::ClusterChangeResponse* response) {
  EtcdClusterState* state = state_.load(std::memory_order_acquire);
  if (state == nullptr) return Answer(NotJoined(), response);
  if (request->primary_term() != 0) {
    return Answer(state->MasterFailReplica(ShardId{request->shard().index_uuid(), request->shard().shard()},
                                           request->allocation_id(), request->primary_term(), request->failure()),
                  response);
  }
  auto copy_state = ShardCopyStateFromName(request->state());
  if (!copy_state) return Answer(Status::InvalidArgument("unknown shard copy state [" + request->state() + "]"), response);
  return Answer(state->MasterUpdateShardCopy(ShardId{request->shard().index_uuid(), request->shard().shard()},
                                             request->allocation_id(), *copy_state, request->failure()),
                response);
}

grpc::Status ClusterGrpcService::PutClusterSettings(grpc::ServerContext*,
                                                    const holdfast::v1::PutClusterSettingsRequest* request,
                                                    holdfast::v1::ClusterChangeResponse* response) {
  EtcdClusterState* state = state_.load(std::memory_order_acquire);
  if (state == nullptr) return Answer(NotJoined(), response);
  std::map<std::string, std::optional<std::string>> settings;
  for (const auto& [key, value] : request->set()) settings[key] = value;
  for (const std::string& key : request->remove()) settings[key] = std::nullopt;
  return Answer(state->MasterPutSettings(settings), response);
}

grpc::Status ClusterGrpcService::PutTemplates(grpc::ServerContext*, const holdfast::v1::PutTemplatesRequest* request,
                                              holdfast::v1::ClusterChangeResponse* response) {
  EtcdClusterState* state = state_.load(std::memory_order_acquire);
  if (state == nullptr) return Answer(NotJoined(), response);
  const std::optional<TemplateKind> kind = TemplateKindFromName(request->kind());
  if (!kind) return Answer(Status::InvalidArgument("unknown template kind [" + request->kind() + "]"), response);
  TemplateChanges changes;
  for (const auto& [name, json] : request->set()) changes[name] = json;
  for (const std::string& name : request->remove()) changes[name] = std::nullopt;
  return Answer(state->MasterPutTemplates(*kind, changes), response);
}

grpc::Status ClusterGrpcService::MoveShard(grpc::ServerContext*, const holdfast::v1::MoveShardRequest* request,
                                           holdfast::v1::ClusterChangeResponse* response) {
  EtcdClusterState* state = state_.load(std::memory_order_acquire);
  if (state == nullptr) return Answer(NotJoined(), response);
  return Answer(state->MasterMoveShard(request->index(), request->shard(), request->from_node(), request->to_node()),
                response);
}

grpc::Status ClusterGrpcService::Reroute(grpc::ServerContext*, const holdfast::v1::RerouteRequest* request,
                                         holdfast::v1::RerouteResponse* response) {
  EtcdClusterState* state = state_.load(std::memory_order_acquire);
  if (state == nullptr) return Answer(NotJoined(), response);
  EtcdClusterState::RerouteResult result;
  auto done = state->MasterReroute(EtcdClusterState::RerouteRequestFromProto(*request), &result);
  if (done.ok()) EtcdClusterState::RerouteResultToProto(result, response);
  return Answer(done, response);
}

grpc::Status ClusterGrpcService::ChangeDrain(grpc::ServerContext*, const holdfast::v1::DrainChangeRequest* request,
                                             holdfast::v1::ClusterChangeResponse* response) {
  EtcdClusterState* state = state_.load(std::memory_order_acquire);
  if (state == nullptr) return Answer(NotJoined(), response);
  return Answer(state->MasterChangeDrain({request->node_id(), request->op(), request->type(), request->incarnation()}),
                response);
}

grpc::Status ClusterGrpcService::HandOffPrimary(grpc::ServerContext*, const holdfast::v1::HandOffPrimaryRequest* request,
                                                holdfast::v1::ClusterChangeResponse* response) {
  EtcdClusterState* state = state_.load(std::memory_order_acquire);
  if (state == nullptr) return Answer(NotJoined(), response);
  const ShardId shard{request->shard().index_uuid(), request->shard().shard()};
  return Answer(state->MasterHandOffPrimary(shard, request->from_allocation_id(), request->to_allocation_id(),
                                            request->primary_term()),
                response);
}

grpc::Status ClusterGrpcService::Reconcile(grpc::ServerContext*, const holdfast::v1::ReconcileRequest* request,
                                           holdfast::v1::ClusterChangeResponse* response) {
  EtcdClusterState* state = state_.load(std::memory_order_acquire);
  if (state == nullptr) return Answer(NotJoined(), response);
  std::vector<DisruptionGrant> grants;
  for (const auto& g : request->grants()) grants.push_back({g.node_id(), g.type(), g.token()});
  return Answer(state->MasterReconcile(request->orchestrator_id(), request->epoch(), grants), response);
}

}  // namespace holdfast
