#include "replication/write_replication.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <unordered_set>

#include "replication/op_history.h"
#include "replication/proto_convert.h"

namespace holdfast {

namespace {

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// A call that never reached the peer: its connection is down (a node that
// restarted on the same address is reconnected to within the channel's
// reconnect backoff — replication/grpc_shard_client.cc).
bool NotConnected(const Status& s) {
  return s.code() == StatusCode::kUnavailable &&
         (s.message().find("failed to connect") != std::string::npos ||
          s.message().find("Connection refused") != std::string::npos);
}

constexpr std::chrono::milliseconds kReconnectWait{1500};  // > the channel's longest reconnect backoff
// A node that is stopping (it has a drain record) closes its connections
// a moment before it leaves the member list: its copies are waited for
// until the routing table says they left (NODE_LEFT keeps their place).
constexpr std::chrono::milliseconds kStoppingNodeWait{8000};
constexpr std::chrono::milliseconds kReconnectPoll{250};

// Whether the routing table still assigns copy `allocation_id` of `shard` to `node`.
bool StillAssigned(const ClusterStateSnapshot& state, const ShardId& shard, const std::string& node,
                   const std::string& allocation_id) {
  const ShardRouting* routing = state.RoutingOf(shard);
  if (routing == nullptr) return false;
  for (const ShardCopyRouting& c : routing->copies) {
    if (c.node_id == node && c.allocation_id == allocation_id) return true;
    if (c.relocating_node_id == node && c.relocation_id == allocation_id) return true;
  }
  return false;
}

bool Assigned(ShardCopyState s) {
  return s == ShardCopyState::kInitializing || s == ShardCopyState::kStarted || s == ShardCopyState::kRelocating;
}

}  // namespace

Status WriteReplicator::Targets(const ShardCopy& primary, std::vector<Target>* targets, uint32_t* total) const {
  *total = 1;
  if (options_.cluster == nullptr) return Status::OK();
  ClusterStatePtr state = options_.cluster->Current();
  const ShardRouting* shard = state->RoutingOf(primary.id());
  if (shard == nullptr) return Status::OK();  // the index is going away; nothing else holds it
  const ShardCopyRouting* p = shard->primary();
  const int64_t term = primary.engine().primary_term();
  if (shard->primary_term > term || (p != nullptr && p->allocation_id != primary.allocation_id() &&
                                     p->relocation_id != primary.allocation_id())) {
    return Status::Fenced("shard " + primary.id().ToString() + " has another primary now (term " +
                          std::to_string(shard->primary_term) + "; this copy's " + std::to_string(term) +
                          "): not acknowledged here");
  }
  *total = static_cast<uint32_t>(std::max<size_t>(1, shard->copies.size()));
  GlobalCheckpointTracker& tracker = const_cast<ShardCopy&>(primary).replication_tracker();
  // A copy the routing table no longer assigns (its node left, it failed)
  // stops counting for the global checkpoint, which it would hold back.
  std::vector<std::string> assigned;
  for (const ShardCopyRouting& c : shard->copies) {
    if (c.node_id.empty() || !Assigned(c.state)) continue;
    assigned.push_back(c.allocation_id);
    if (!c.relocation_id.empty()) assigned.push_back(c.relocation_id);
  }
  tracker.RetainOnly(assigned);
  for (const ShardCopyRouting& c : shard->copies) {
    if (c.allocation_id == primary.allocation_id() || c.node_id.empty() || !Assigned(c.state)) continue;
    targets->push_back(
        Target{c.node_id, c.allocation_id, Contains(shard->in_sync, c.allocation_id) || tracker.IsInSync(c.allocation_id)});
    // A replica moving: its target takes the ops too once it is open, and
    // counts as in sync once its recovery finished on this primary.
    if (!c.relocating_node_id.empty() && !c.relocation_id.empty()) {
      targets->push_back(Target{c.relocating_node_id, c.relocation_id, tracker.IsInSync(c.relocation_id)});
    }
  }
  return Status::OK();
}

void WriteReplicator::Send(const std::vector<Target>& targets, const pb::ReplicateRequest& request,
                           std::vector<pb::ReplicateResponse>* answers, std::vector<Status>* statuses) const {
  const size_t n = targets.size();
  answers->assign(n, pb::ReplicateResponse());
  statuses->assign(n, Status::OK());
  std::vector<pb::ReplicateRequest> requests(n, request);
  std::vector<ShardCall> calls(n);
  std::vector<std::unique_ptr<ShardClient::PendingBatch>> pending(n);
  const Deadline deadline = DeadlineIn(options_.timeout);
  for (size_t i = 0; i < n; ++i) {
    requests[i].set_allocation_id(targets[i].allocation_id);
    ShardClient* client = options_.peer ? options_.peer(targets[i].node_id) : nullptr;
    if (client == nullptr) {
      (*statuses)[i] = Status::Unavailable("node [" + targets[i].node_id + "] is not reachable");
      continue;
    }
    calls[i] = ShardCall{ShardMethod::kReplicate, &requests[i], &(*answers)[i], Status::OK()};
    pending[i] = client->StartBatch(std::span<ShardCall>(&calls[i], 1), deadline);
  }
  for (size_t i = 0; i < n; ++i) {
    if (!pending[i]) continue;
    pending[i]->Wait();
    (*statuses)[i] = calls[i].status;
  }
  // A peer whose connection is down is asked again for a moment before its
  // copy is failed: a node that just restarted (a rolling restart) is
  // reconnected to, and its recovering copy is not thrown away for it.
  const auto start = std::chrono::steady_clock::now();
  const ShardId shard{request.target().shard().index_uuid(), request.target().shard().shard()};
  for (size_t i = 0; i < n; ++i) {
    while (pending[i] && NotConnected((*statuses)[i])) {
      ClusterStatePtr state = options_.cluster != nullptr ? options_.cluster->Current() : nullptr;
      if (state && !StillAssigned(*state, shard, targets[i].node_id, targets[i].allocation_id)) {
        // It left meanwhile: failing it changes nothing now (its place is
        // kept for its node's return).
        break;
      }
      const bool stopping = state && state->drains.count(targets[i].node_id) > 0;
      if (std::chrono::steady_clock::now() + kReconnectPoll >= start + (stopping ? kStoppingNodeWait : kReconnectWait)) {
        break;
      }
      std::this_thread::sleep_for(kReconnectPoll);
      ShardClient* client = options_.peer(targets[i].node_id);
      if (client == nullptr) break;
      (*answers)[i].Clear();
      calls[i] = ShardCall{ShardMethod::kReplicate, &requests[i], &(*answers)[i], Status::OK()};
      auto again = client->StartBatch(std::span<ShardCall>(&calls[i], 1), DeadlineIn(options_.timeout));
      again->Wait();
      (*statuses)[i] = calls[i].status;
    }
  }
}

Status WriteReplicator::FailCopy(ShardCopy& primary, const Target& target, const std::string& why) const {
  const int64_t term = primary.engine().primary_term();
  spdlog::warn("shard {} of [{}]: replica {} on node [{}] did not take a write ({}); removing it from the in-sync set",
               primary.id().ToString(), primary.index_name(), target.allocation_id, target.node_id, why);
  Status s = options_.cluster->FailReplica(primary.id(), target.allocation_id, term, why);
  if (s.ok()) {
    primary.replication_tracker().Remove(target.allocation_id);
    return s;
  }
  if (s.code() == StatusCode::kFenced) return s;
  return Status::Unavailable("shard " + primary.id().ToString() + ": replica on node [" + target.node_id +
                             "] failed (" + why + ") and could not be removed from the in-sync set (" + s.message() +
                             "): the write is not acknowledged");
}

void WriteReplicator::AdvanceGlobalCheckpoint(ShardCopy& primary, const std::vector<Target>& targets) const {
  GlobalCheckpointTracker& tracker = primary.replication_tracker();
  int64_t gcp = primary.engine().local_checkpoint();
  for (const Target& t : targets) {
    if (!t.in_sync) continue;
    if (!tracker.IsInSync(t.allocation_id)) return;  // not heard from yet: the checkpoint waits
  }
  if (tracker.in_sync_count() > 0) gcp = std::min(gcp, tracker.global_checkpoint());
  primary.engine().UpdateGlobalCheckpoint(gcp);
}

Status WriteReplicator::Replicate(ShardCopy& primary, const std::vector<int64_t>& seq_nos,
                                  pb::ReplicationInfo* info) const {
  std::vector<Target> targets;
  uint32_t total = 1;
  HOLDFAST_RETURN_IF_ERROR(Targets(primary, &targets, &total));
  info->set_total(total);
  info->set_successful(1);
  info->set_failed(0);
  if (targets.empty() || seq_nos.empty()) {
    if (targets.empty() && options_.cluster != nullptr) AdvanceGlobalCheckpoint(primary, targets);
    return Status::OK();
  }
  pb::ReplicateRequest request;
  request.mutable_target()->mutable_shard()->set_index_uuid(primary.id().index_uuid);
  request.mutable_target()->mutable_shard()->set_shard(primary.id().shard);
  request.mutable_target()->set_primary_term(primary.engine().primary_term());
  request.set_global_checkpoint(primary.engine().global_checkpoint());
  {
    const auto [lo, hi] = std::minmax_element(seq_nos.begin(), seq_nos.end());
    std::unordered_set<int64_t> wanted(seq_nos.begin(), seq_nos.end());
    auto snapshot = primary.engine().OpsSince(*lo);
    if (!snapshot.ok()) return snapshot.status();
    ShardOp op;
    while ((*snapshot)->Next(&op)) {
      if (op.stamp.seq_no > *hi) break;
      if (wanted.count(op.stamp.seq_no)) ToProto(op, request.add_ops());
    }
    HOLDFAST_RETURN_IF_ERROR((*snapshot)->status());
  }
  std::vector<pb::ReplicateResponse> answers;
  std::vector<Status> statuses;
  Send(targets, request, &answers, &statuses);
  GlobalCheckpointTracker& tracker = primary.replication_tracker();
  for (size_t i = 0; i < targets.size(); ++i) {
    const Target& t = targets[i];
    if (statuses[i].ok()) {
      info->set_successful(info->successful() + 1);
      if (t.in_sync) {
        tracker.MarkInSync(t.allocation_id, answers[i].local_checkpoint());
      }
      continue;
    }
    if (!t.in_sync) continue;  // a recovering copy: its recovery fails or catches up
    HOLDFAST_RETURN_IF_ERROR(FailCopy(primary, t, statuses[i].ToString()));
    info->set_failed(info->failed() + 1);
    info->add_failures("[" + t.node_id + "] " + statuses[i].ToString());
  }
  AdvanceGlobalCheckpoint(primary, targets);
  return Status::OK();
}

std::string PeerRetentionLeaseId(const std::string& node_id) { return "peer_recovery/node/" + node_id; }

void WriteReplicator::RetainFor(ShardCopy& primary, const std::string& node_id, int64_t retained_from) const {
  // The copy's history starts at `retained_from`: should it go away, it can
  // come back with ops alone while this primary keeps ops from there. The
  // lease lapses index.soft_deletes.retention_lease.period after the copy
  // last answered; the seq_no only moves up.
  const std::string id = PeerRetentionLeaseId(node_id);
  const auto now = std::chrono::steady_clock::now();
  {
    // A renewal is a durable store write: once per 30 s unless the seq_no moved.
    std::lock_guard<std::mutex> lock(leases_mu_);
    auto [it, fresh] = renewed_.try_emplace(primary.id().ToString() + "/" + id, retained_from, now);
    if (!fresh) {
      if (it->second.first == retained_from && now - it->second.second < std::chrono::seconds(30)) return;
      it->second = {retained_from, now};
    }
    if (renewed_.size() > 100000) renewed_.clear();
  }
  Status s = primary.engine().RenewRetentionLease(id, retained_from);
  if (s.code() == StatusCode::kNotFound) {
    s = primary.engine().AddRetentionLease(id, retained_from, "peer recovery of the copy on node " + node_id);
  }
  if (!s.ok() && s.code() != StatusCode::kAlreadyExists) {
    spdlog::warn("shard {} of [{}]: cannot keep history for the copy on node {}: {}", primary.id().ToString(),
                 primary.index_name(), node_id, s.ToString());
  }
}

void WriteReplicator::RetainForCopy(ShardCopy& primary, const std::string& allocation_id,
                                    int64_t retained_from) const {
  if (options_.cluster == nullptr) return;
  ClusterStatePtr state = options_.cluster->Current();
  const ShardRouting* shard = state->RoutingOf(primary.id());
  if (shard == nullptr) return;
  for (const ShardCopyRouting& c : shard->copies) {
    if (c.allocation_id == allocation_id && !c.node_id.empty()) return RetainFor(primary, c.node_id, retained_from);
    if (c.relocation_id == allocation_id && !c.relocating_node_id.empty()) {
      return RetainFor(primary, c.relocating_node_id, retained_from);
    }
  }
}

void WriteReplicator::RetainForOtherCopies(ShardCopy& primary) const {
  if (options_.cluster == nullptr) return;
  ClusterStatePtr state = options_.cluster->Current();
  const ShardRouting* shard = state->RoutingOf(primary.id());
  if (shard == nullptr) return;
  auto retained = primary.engine().OplogRetainedFrom();
  if (!retained.ok()) {
    spdlog::warn("shard {} of [{}]: cannot keep history for its other copies: {}", primary.id().ToString(),
                 primary.index_name(), retained.status().ToString());
    return;
  }
  for (const ShardCopyRouting& c : shard->copies) {
    // An unassigned copy goes back to the node that held it last.
    for (const std::string& node : {c.node_id.empty() ? c.last_node_id : c.node_id, c.relocating_node_id}) {
      if (!node.empty() && node != options_.node_id) RetainFor(primary, node, retained.value());
    }
  }
}

void WriteReplicator::SyncGlobalCheckpoint(ShardCopy& primary) const {
  std::vector<Target> targets;
  uint32_t total = 1;
  if (!Targets(primary, &targets, &total).ok()) return;
  targets.erase(std::remove_if(targets.begin(), targets.end(), [](const Target& t) { return !t.in_sync; }),
                targets.end());
  // What was last sent, to whom: a copy that joined the set since gets it
  // too. Every 5 s also on a quiet shard: a replica that reopened under the
  // same allocation id (its node restarted within the lease) learns it
  // again, and the answers renew the copies' retention leases.
  const int64_t period = std::chrono::duration_cast<std::chrono::seconds>(
                             std::chrono::steady_clock::now().time_since_epoch()).count() / 5;
  uint64_t key = std::hash<int64_t>()(primary.engine().global_checkpoint()) ^ std::hash<int64_t>()(period);
  for (const Target& t : targets) key = key * 31 + std::hash<std::string>()(t.allocation_id);
  if (key == primary.synced_global_checkpoint()) return;
  if (!targets.empty()) {
    pb::ReplicateRequest request;
    request.mutable_target()->mutable_shard()->set_index_uuid(primary.id().index_uuid);
    request.mutable_target()->mutable_shard()->set_shard(primary.id().shard);
    request.mutable_target()->set_primary_term(primary.engine().primary_term());
    request.set_global_checkpoint(primary.engine().global_checkpoint());
    std::vector<pb::ReplicateResponse> answers;
    std::vector<Status> statuses;
    Send(targets, request, &answers, &statuses);
    bool all = true;
    for (size_t i = 0; i < targets.size(); ++i) {
      if (statuses[i].ok()) {
        primary.replication_tracker().MarkInSync(targets[i].allocation_id, answers[i].local_checkpoint());
        // A copy takes the checkpoint only up to its own local checkpoint
        // (one that just finished its recovery may still be applying the
        // last ops): sent again next round, until it holds all of it.
        if (answers[i].local_checkpoint() < request.global_checkpoint()) all = false;
        if (answers[i].has_retained_from()) RetainFor(primary, targets[i].node_id, answers[i].retained_from());
      } else {
        all = false;
      }
    }
    const int64_t sent = request.global_checkpoint();
    AdvanceGlobalCheckpoint(primary, targets);
    // Sent as it stands now: done until it moves (else the next round sends the new one).
    if (all && primary.engine().global_checkpoint() == sent) primary.set_synced_global_checkpoint(key);
    return;
  }
  AdvanceGlobalCheckpoint(primary, targets);
  primary.set_synced_global_checkpoint(key);
}

Status WriteReplicator::Resync(ShardCopy& primary) const {
  std::vector<Target> targets;
  uint32_t total = 1;
  HOLDFAST_RETURN_IF_ERROR(Targets(primary, &targets, &total));
  targets.erase(std::remove_if(targets.begin(), targets.end(), [](const Target& t) { return !t.in_sync; }),
                targets.end());
  if (targets.empty()) return Status::OK();
  pb::ReplicateRequest request;
  request.mutable_target()->mutable_shard()->set_index_uuid(primary.id().index_uuid);
  request.mutable_target()->mutable_shard()->set_shard(primary.id().shard);
  request.mutable_target()->set_primary_term(primary.engine().primary_term());
  const int64_t gcp = primary.engine().global_checkpoint();
  request.set_global_checkpoint(gcp);
  request.set_resync(true);
  {
    // Up to where this primary holds every op: its new term's writes may
    // already run (and reach the copies first) with seq_nos not stored yet.
    auto history = ReadWholeHistory(primary.engine(), gcp + 1);
    if (!history.ok()) return history.status();
    request.set_max_seq_no(history->through);
    for (const ShardOp& op : history->ops) ToProto(op, request.add_ops());
  }
  std::vector<pb::ReplicateResponse> answers;
  std::vector<Status> statuses;
  Send(targets, request, &answers, &statuses);
  for (size_t i = 0; i < targets.size(); ++i) {
    if (statuses[i].ok() && !answers[i].diverged()) {
      primary.replication_tracker().MarkInSync(targets[i].allocation_id, answers[i].local_checkpoint());
      continue;
    }
    const std::string why = statuses[i].ok() ? "its history above the global checkpoint differs from the new primary's"
                                             : statuses[i].ToString();
    HOLDFAST_RETURN_IF_ERROR(FailCopy(primary, targets[i], why));
  }
  AdvanceGlobalCheckpoint(primary, targets);
  spdlog::info("shard {} of [{}]: primary of term {} resynced {} ops above global checkpoint {} to {} copies",
               primary.id().ToString(), primary.index_name(), primary.engine().primary_term(), request.ops_size(), gcp,
               targets.size());
  return Status::OK();
}

}  // namespace holdfast
