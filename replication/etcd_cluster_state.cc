#include "replication/etcd_cluster_state.h"
#include "replication/cluster_forwarder.h"
#include "index/util/clock.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <cstdlib>

#include "holdfast/v1/cluster.grpc.pb.h"
#include "index/mapping/mapping_parser.h"
#include "index/mapping/mapping_serializer.h"
#include "replication/drain_records.h"
#include "replication/proto_convert.h"
#include "replication/stored_cluster_state.h"

namespace holdfast {

namespace {

constexpr int kMaxConflictRetries = 20;
constexpr std::chrono::milliseconds kLoopInterval{1000};



// The writes that turn `base` into `next` (indices, routing, settings).
void AppendDifference(const ClusterStateSnapshot& base, const ClusterStateSnapshot& next, MetadataMutations* writes) {
  for (const auto& [uuid, index] : base.indices) {
    if (!next.indices.count(uuid)) AppendIndexRemoval(uuid, writes);
  }
  for (const auto& [uuid, index] : next.indices) {
    auto old = base.indices.find(uuid);
    auto routing = next.routing.find(uuid);
    if (routing == next.routing.end()) continue;  // cannot happen: edits keep both
    if (old == base.indices.end()) {
      AppendIndexWrites(index, routing->second, writes);
      continue;
    }
    if (EncodeIndexMetadata(old->second) != EncodeIndexMetadata(index)) AppendMetadataWrite(index, writes);
    auto old_routing = base.routing.find(uuid);
    if (old_routing == base.routing.end() || !(old_routing->second == routing->second)) {
      AppendRoutingWrite(uuid, routing->second, writes);
    }
  }
  if (base.settings != next.settings) AppendSettingsWrite(next.settings, writes);
  AppendTemplateWrites(TemplateKind::kIndex, base.index_templates, next.index_templates, writes);
  AppendTemplateWrites(TemplateKind::kComponent, base.component_templates, next.component_templates, writes);
  AppendTemplateWrites(TemplateKind::kLegacy, base.legacy_templates, next.legacy_templates, writes);
  AppendDrainWrites(base.drains, next.drains, writes);
  AppendOrchestratorWrites(base.orchestrator_epochs, next.orchestrator_epochs, writes);
}

}  // namespace


Result<std::string> EtcdClusterState::ClusterUuid(EtcdClient* etcd, const std::string& cluster_name,
                                                  const std::string& proposed) {
  const std::string key = EtcdClusterPrefix(cluster_name) + "cluster_uuid";
  // Create it if absent; either way read what is there.
  auto txn = etcd->Txn({EtcdCompare::CreateRevision(key, 0)}, {EtcdOp::Put(key, proposed)});
  if (!txn.ok()) return txn.status();
  auto got = etcd->Get(key);
  if (!got.ok()) return got.status();
  if (got->kvs.empty()) return Status::Unavailable("etcd lost the cluster uuid key " + key);
  return got->kvs.front().value;
}

EtcdClusterState::EtcdClusterState(EtcdClient* etcd, EtcdClusterOptions options)
    : etcd_(etcd),
      options_(std::move(options)),
      forwarder_(std::make_unique<ClusterForwarder>()),
      watchers_(ClusterStateWatchers::Create()) {}

Result<std::unique_ptr<EtcdClusterState>> EtcdClusterState::Start(EtcdClient* etcd, EtcdClusterOptions options) {
  std::unique_ptr<EtcdClusterState> c(new EtcdClusterState(etcd, std::move(options)));
  EtcdClusterState* self = c.get();
  EtcdMembershipOptions mo;
  mo.cluster_name = c->options_.cluster_name;
  mo.self = c->options_.self;
  mo.lease_ttl = c->options_.lease_ttl;
  mo.on_rejoined = [self](int64_t) {
    if (self->election_) self->election_->LeaseChanged();
    std::lock_guard<std::mutex> lock(self->mu_);
    self->wake_ = true;
    self->cv_.notify_all();
  };
  auto membership = EtcdMembership::Join(etcd, std::move(mo));
  if (!membership.ok()) return membership.status();
  c->membership_ = std::move(membership).value();

  EtcdStateFollowerOptions fo;
  fo.cluster_name = c->options_.cluster_name;
  fo.cluster_uuid = c->options_.cluster_uuid;
  fo.on_state = [self](const ClusterStatePtr& state, int64_t revision) {
    auto copy = std::make_shared<ClusterStateSnapshot>(*state);
    copy->version = revision;
    self->OnState(copy);
  };
  auto follower = EtcdStateFollower::Start(etcd, std::move(fo));
  if (!follower.ok()) {
    (void)c->membership_->Leave();
    return follower.status();
  }
  c->follower_ = std::move(follower).value();

  EtcdMasterOptions eo;
  eo.cluster_name = c->options_.cluster_name;
  eo.node_id = c->options_.self.node_id;
  eo.lease = [self] { return self->membership_->lease(); };
  eo.on_change = [self](bool is_master, int64_t) {
    if (self->options_.on_master_change) self->options_.on_master_change(is_master);
    std::lock_guard<std::mutex> lock(self->mu_);
    self->wake_ = true;
    self->cv_.notify_all();
  };
  c->election_ = EtcdMasterElection::Start(etcd, std::move(eo));
  c->store_ = std::make_unique<EtcdStateStore>(etcd, c->election_.get(), c->options_.cluster_name);
  c->thread_ = std::thread([self] { self->Loop(); });
  return c;
}

EtcdClusterState::~EtcdClusterState() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
  election_.reset();
  follower_.reset();
  watchers_->Stop();
  membership_.reset();
}

void EtcdClusterState::Leave() {
  if (election_) (void)election_->Resign();
  if (membership_) (void)membership_->Leave();
}

void EtcdClusterState::OnState(const ClusterStatePtr& state) {
  std::lock_guard<std::mutex> lock(mu_);
  const bool wake = current_ == nullptr || current_->nodes != state->nodes || current_->settings != state->settings ||
                    current_->drains != state->drains ||
                    current_->master_node_id != state->master_node_id;
  current_ = state;
  watchers_->Enqueue(state);
  if (wake) wake_ = true;
  cv_.notify_all();
}

ClusterStatePtr EtcdClusterState::Current() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_;
}

std::unique_ptr<ClusterStateWatch> EtcdClusterState::Watch(Watcher watcher) {
  std::lock_guard<std::mutex> lock(mu_);
  return watchers_->Add(std::move(watcher), current_ ? current_->version : 0);
}

bool EtcdClusterState::is_master() const { return election_ && election_->is_master(); }

bool EtcdClusterState::etcd_reachable() const { return membership_ && membership_->reachable(); }

Status EtcdClusterState::SetNodeAttributes(std::map<std::string, std::string> attributes) {
  return membership_->SetAttributes(std::move(attributes));
}

AllocationInput EtcdClusterState::allocation_input() const {
  AllocationInput in;
  if (options_.allocation_input) in = options_.allocation_input();
  in.now_ms = WallClockMs();
  if (ClusterStatePtr state = Current()) AddPublishedDiskUse(*state, &in);
  return in;
}

Result<int64_t> EtcdClusterState::MasterChange(const Edit& edit) {
  std::lock_guard<std::mutex> one(master_mu_);
  for (int attempt = 0; attempt < kMaxConflictRetries; ++attempt) {
    if (!is_master()) return Status::Unavailable("node [" + options_.self.name + "] is not the master");
    auto revision = store_->Refresh();
    if (!revision.ok()) return revision.status();
    auto stored = LoadClusterState(store_.get());
    if (!stored.ok()) return stored.status();
    ClusterStateSnapshot base;
    ClusterStatePtr view = Current();
    if (view) {
      base.nodes = view->nodes;
      base.master_node_id = view->master_node_id;
    }
    base.cluster_uuid = options_.cluster_uuid;
    base.cluster_name = options_.cluster_name;
    int64_t stored_version = 0;
    if (stored->has_value()) {
      stored_version = (*stored)->version;
      AdoptStoredState(std::move(**stored), &base);
    }
    ClusterStateSnapshot next = base;
    auto changed = edit(&next);
    if (!changed.ok()) return changed.status();
    if (!changed.value()) return revision.value();
    MetadataMutations writes;
    AppendDifference(base, next, &writes);
    AppendVersionWrite(stored_version + 1, &writes);
    Status committed = store_->Commit(writes);
    if (committed.code() == StatusCode::kConflict) continue;  // the state moved on: decide again
    if (!committed.ok()) return committed;
    return store_->revision();
  }
  return Status::Unavailable("the cluster state kept changing while the master applied a change; try again");
}

Result<ClusterStatePtr> EtcdClusterState::WaitForRevision(int64_t revision,
                                                          std::chrono::steady_clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    if (current_ && current_->version >= revision) return current_;
    lock.unlock();
    const int64_t seen = follower_->revision();
    lock.lock();
    if (seen >= revision && current_) return current_;  // read past it with nothing new to publish
    if (std::chrono::steady_clock::now() >= deadline || stop_) {
      return Status::Unavailable("the change was made at etcd revision " + std::to_string(revision) +
                                 " but this node's view of the cluster state has not reached it yet (it is at " +
                                 std::to_string(seen) + ")");
    }
    cv_.wait_for(lock, std::chrono::milliseconds(50));
  }
}

Result<ClusterStatePtr> EtcdClusterState::Change(
    const std::function<Result<int64_t>()>& on_master,
    const std::function<Result<int64_t>(const std::string& address)>& forward,
    const std::function<Status()>& moot) {
  const auto deadline = std::chrono::steady_clock::now() + options_.change_timeout;
  Status last = Status::Unavailable("no master is elected");
  while (std::chrono::steady_clock::now() < deadline) {
    if (moot) HOLDFAST_RETURN_IF_ERROR(moot());
    Result<int64_t> done = Status::Unavailable("no master");
    if (is_master()) {
      done = on_master();
    } else {
      ClusterStatePtr state = Current();
      const ClusterNode* master = nullptr;
      if (state) {
        auto it = state->nodes.find(state->master_node_id);
        if (it != state->nodes.end()) master = &it->second;
      }
      done = master == nullptr ? Result<int64_t>(Status::Unavailable("no master is elected (or it is not a member yet)"))
                               : forward(master->grpc_address);
    }
    if (done.ok()) return WaitForRevision(done.value(), deadline);
    if (!IsNotMaster(done.status())) return done.status();
    last = done.status();
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, std::chrono::milliseconds(200), [&] { return stop_; });
    if (stop_) break;
  }
  return Status::Unavailable("the cluster state change did not complete in " +
                             std::to_string(options_.change_timeout.count()) + " ms (outcome unknown): " +
                             last.message());
}

// ------------------------------------------------------------ changes

Result<int64_t> EtcdClusterState::MasterCreateIndex(IndexMetadata metadata) {
  HOLDFAST_RETURN_IF_ERROR(PrepareNewIndex(&metadata));
  const AllocationInput input = allocation_input();
  return MasterChange([&](ClusterStateSnapshot* next) -> Result<bool> {
    auto is_new = CheckNewIndex(*next, metadata, /*retry_is_ok=*/true);  // a forwarded create may be sent again
    if (!is_new.ok() || !is_new.value()) return is_new;
    auto routing = AllocateNewIndex(metadata, *next, input);
    // No member at all is a passing state (members joining again after etcd
    // came back): 503, worth a retry. Members that cannot take it: 400.
    if (!routing.ok()) return routing.status().code() == StatusCode::kUnavailable && !next->nodes.empty()
                                 ? Status::InvalidArgument(routing.status().message())
                                 : routing.status();
    next->routing[metadata.uuid] = std::move(routing).value();
    next->indices[metadata.uuid] = metadata;
    return true;
  });
}

Result<int64_t> EtcdClusterState::MasterDeleteIndex(const std::string& name) {
  return MasterChange([&](ClusterStateSnapshot* next) -> Result<bool> {
    auto uuid = RemoveIndex(next, name);
    if (!uuid.ok()) return uuid.status();
    return true;
  });
}

Result<int64_t> EtcdClusterState::MasterUpdateAliases(const std::vector<AliasAction>& actions) {
  return MasterChange([&](ClusterStateSnapshot* next) -> Result<bool> {
    HOLDFAST_RETURN_IF_ERROR(ApplyAliasActions(next, actions));
    return true;
  });
}

Result<int64_t> EtcdClusterState::MasterUpdateIndexSettings(const std::vector<std::string>& index_uuids,
                                                            const IndexSettingsUpdate& update) {
  return MasterChange([&](ClusterStateSnapshot* next) -> Result<bool> {
    HOLDFAST_RETURN_IF_ERROR(ApplyIndexSettings(next, index_uuids, update, WallClockMs()));
    // New replica copies are placed at once (where a node can take them).
    int64_t unused = 0;
    (void)Reallocate(next, allocation_input(), &unused);
    return true;
  });
}

Result<int64_t> EtcdClusterState::MasterPutMapping(const std::string& index_uuid, const mapping::MappingUpdate& update,
                                                   std::shared_ptr<const mapping::Mapping>* merged_out) {
  return MasterChange([&](ClusterStateSnapshot* next) { return MergeIndexMapping(next, index_uuid, update, merged_out); });
}

Result<int64_t> EtcdClusterState::MasterPutSettings(const std::map<std::string, std::optional<std::string>>& settings) {
  return MasterChange([&](ClusterStateSnapshot* next) -> Result<bool> {
    for (const auto& [key, value] : settings) {
      if (value) {
        next->settings[key] = *value;
      } else {
        next->settings.erase(key);
      }
    }
    // Exclusions act at once.
    int64_t unused = 0;
    (void)Reallocate(next, allocation_input(), &unused);
    return true;
  });
}

Result<int64_t> EtcdClusterState::MasterPutTemplates(TemplateKind kind, const TemplateChanges& changes) {
  return MasterChange([&](ClusterStateSnapshot* next) -> Result<bool> { return ApplyTemplateChanges(next, kind, changes); });
}

Result<int64_t> EtcdClusterState::MasterMoveShard(const std::string& index, uint32_t shard, const std::string& from,
                                                  const std::string& to) {
  // The reroute command `move`, alone and without the allocation pass.
  RerouteCommand move;
  move.kind = "move";
  move.index = index;
  move.shard = shard;
  move.from_node = from;
  move.to_node = to;
  return MasterChange([&](ClusterStateSnapshot* next) -> Result<bool> {
    auto moved = ApplyReroute(next, {move}, /*explain=*/false, /*retry_failed=*/false, AllocationInput{});
    if (!moved.ok()) return moved.status();
    return true;
  });
}

Result<ClusterStatePtr> EtcdClusterState::CreateIndex(IndexMetadata metadata) {
  if (!metadata.mapping) metadata.mapping = std::make_shared<const mapping::Mapping>();
  holdfast::v1::CreateIndexRequest request;
  request.set_metadata(EncodeIndexMetadata(metadata));
  return Change([&]() { return MasterCreateIndex(metadata); },
                [&](const std::string& address) {
                  holdfast::v1::ClusterChangeResponse response;
                  return forwarder_->Call(address, &holdfast::v1::Cluster::Stub::CreateIndex, request, &response);
                });
}

Status EtcdClusterState::DeleteIndex(std::string_view name_view) {
  const std::string name(name_view);
  holdfast::v1::DeleteIndexRequest request;
  request.set_name(name);
  return Change([&]() { return MasterDeleteIndex(name); },
                [&](const std::string& address) {
                  holdfast::v1::ClusterChangeResponse response;
                  return forwarder_->Call(address, &holdfast::v1::Cluster::Stub::DeleteIndex, request, &response);
                })
      .status();
}

Result<std::shared_ptr<const mapping::Mapping>> EtcdClusterState::PutMapping(std::string_view index_uuid_view,
                                                                             const mapping::MappingUpdate& update) {
  const std::string index_uuid(index_uuid_view);
  std::shared_ptr<const mapping::Mapping> merged;
  holdfast::v1::PutMappingRequest request;
  request.set_index_uuid(index_uuid);
  auto as_mapping = mapping::Mapping::Create(mapping::MappingOptions{}, update);
  if (!as_mapping.ok()) return as_mapping.status();
  request.set_mapping_json(mapping::MappingToJson(as_mapping.value()));
  auto done = Change([&]() { return MasterPutMapping(index_uuid, update, &merged); },
                     [&](const std::string& address) -> Result<int64_t> {
                       holdfast::v1::PutMappingResponse response;
                       auto r = forwarder_->Call(address, &holdfast::v1::Cluster::Stub::PutMapping, request, &response);
                       if (!r.ok()) return r;
                       auto parsed = mapping::ParseMapping(response.mapping_json());
                       if (!parsed.ok()) return parsed.status();
                       merged = std::make_shared<const mapping::Mapping>(std::move(parsed).value());
                       return r;
                     });
  if (!done.ok()) return done.status();
  // The merged mapping as this node's view has it (the same once caught up).
  if (const IndexMetadata* index = done.value()->FindIndexByUuid(index_uuid)) return index->mapping;
  return merged;
}

Status EtcdClusterState::UpdateAliases(const std::vector<AliasAction>& actions) {
  holdfast::v1::UpdateAliasesRequest request;
  for (const AliasAction& a : actions) ToProto(a, request.add_actions());
  return Change([&]() { return MasterUpdateAliases(actions); },
                [&](const std::string& address) {
                  holdfast::v1::ClusterChangeResponse response;
                  return forwarder_->Call(address, &holdfast::v1::Cluster::Stub::UpdateAliases, request, &response);
                })
      .status();
}

Status EtcdClusterState::UpdateIndexSettings(const std::vector<std::string>& index_uuids,
                                             const IndexSettingsUpdate& update) {
  holdfast::v1::UpdateIndexSettingsRequest request;
  ToProto(index_uuids, update, &request);
  return Change([&]() { return MasterUpdateIndexSettings(index_uuids, update); },
                [&](const std::string& address) {
                  holdfast::v1::ClusterChangeResponse response;
                  return forwarder_->Call(address, &holdfast::v1::Cluster::Stub::UpdateIndexSettings, request,
                                          &response);
                })
      .status();
}

Status EtcdClusterState::PutTemplates(TemplateKind kind, const TemplateChanges& changes) {
  holdfast::v1::PutTemplatesRequest request;
  request.set_kind(TemplateKindName(kind));
  for (const auto& [name, json] : changes) {
    if (json) {
      (*request.mutable_set())[name] = *json;
    } else {
      request.add_remove(name);
    }
  }
  return Change([&]() { return MasterPutTemplates(kind, changes); },
                [&](const std::string& address) {
                  holdfast::v1::ClusterChangeResponse response;
                  return forwarder_->Call(address, &holdfast::v1::Cluster::Stub::PutTemplates, request, &response);
                })
      .status();
}

Status EtcdClusterState::PutSettings(const std::map<std::string, std::optional<std::string>>& settings) {
  holdfast::v1::PutClusterSettingsRequest request;
  for (const auto& [key, value] : settings) {
    if (value) {
      (*request.mutable_set())[key] = *value;
    } else {
      request.add_remove(key);
    }
  }
  return Change([&]() { return MasterPutSettings(settings); },
                [&](const std::string& address) {
                  holdfast::v1::ClusterChangeResponse response;
                  return forwarder_->Call(address, &holdfast::v1::Cluster::Stub::PutClusterSettings, request,
                                          &response);
                })
      .status();
}

Status EtcdClusterState::MoveShard(const std::string& index, uint32_t shard, const std::string& from,
                                   const std::string& to) {
  holdfast::v1::MoveShardRequest request;
  request.set_index(index);
  request.set_shard(shard);
  request.set_from_node(from);
  request.set_to_node(to);
  return Change([&]() { return MasterMoveShard(index, shard, from, to); },
                [&](const std::string& address) {
                  holdfast::v1::ClusterChangeResponse response;
                  return forwarder_->Call(address, &holdfast::v1::Cluster::Stub::MoveShard, request, &response);
                })
      .status();
}

// ------------------------------------------------------------ background

void EtcdClusterState::Loop() {
  int64_t next_check_ms = 0;
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    auto wait = kLoopInterval;
    if (next_check_ms > 0) {
      wait = std::clamp(std::chrono::milliseconds(next_check_ms - WallClockMs()), std::chrono::milliseconds(0), kLoopInterval);
    }
    cv_.wait_for(lock, wait, [&] { return stop_ || wake_; });
    if (stop_) break;
    wake_ = false;
    std::map<std::string, PendingReport> reports;
    reports.swap(pending_reports_);
    lock.unlock();
    // Copy reports that did not reach the master.
    ClusterStatePtr state = Current();
    for (const auto& [allocation_id, r] : reports) {
      const ShardRouting* routing = state ? state->RoutingOf(r.shard) : nullptr;
      bool known = false;
      if (routing != nullptr) {
        for (const ShardCopyRouting& c : routing->copies) known |= c.allocation_id == allocation_id || c.relocation_id == allocation_id;
      }
      if (known) (void)UpdateShardCopy(r.shard, allocation_id, r.state, r.failure);  // re-queues itself on failure
    }
    // The master keeps the routing table right. Decided on the state in
    // hand first: the guarded read-modify-write only when there is
    // something to change (not a read of the whole state every second).
    if (is_master() && state) {
      const AllocationInput input = allocation_input();
      int64_t check = 0;
      ClusterStateSnapshot trial = *state;
      const bool drains = AdvanceDrains(&trial, input.now_ms);
      if (Reallocate(&trial, input, &check) || drains) {
        auto done = MasterChange([&](ClusterStateSnapshot* next) -> Result<bool> {
          const bool advanced = AdvanceDrains(next, input.now_ms);
          return Reallocate(next, input, &check) || advanced;
        });
        if (!done.ok()) check = 0;
      }
      // Records wait on time (a node away too long) and on copies that
      // report themselves started: looked at again within a second.
      if (!state->drains.empty() && (check == 0 || check > input.now_ms + 1000)) check = input.now_ms + 1000;
      next_check_ms = check;
    } else {
      next_check_ms = 0;
    }
    lock.lock();
  }
}

}  // namespace holdfast
