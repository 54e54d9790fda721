// ShardRegistry: peer recoveries — a copy filled from another node on a
// thread of its own, and for a replica finished with the primary.
#include <filesystem>
#include <thread>

#include <spdlog/spdlog.h>

#include "index/shard/shard_state.h"
#include "index/util/clock.h"
#include "replication/shard_registry.h"

namespace holdfast {

void ShardRegistry::StartRecovery(const ShardId& id, const IndexMetadata& index, const ShardRouting& shard,
                                  const ShardCopyRouting& copy, const std::string& allocation_id,
                                  const std::string& source_node, bool relocation) {
  ShardClient* source = options_.peer ? options_.peer(source_node) : nullptr;
  if (source == nullptr) return;  // not reachable now: the next convergence tries again
  auto r = std::make_shared<Recovery>();
  r->copy_options = CopyOptions(id, index, shard, allocation_id, relocation ? copy.primary : false);
  r->allocation_id = allocation_id;
  r->info_view.shard = id;
  r->info_view.index_name = index.name;
  r->info_view.source_node = source_node;
  r->info_view.relocation = relocation;
  r->peer.source = source;
  r->peer.target.mutable_shard()->set_index_uuid(id.index_uuid);
  r->peer.target.mutable_shard()->set_shard(id.shard);
  r->peer.recovery_id = allocation_id;
  r->peer.dir = r->copy_options.dir;
  r->peer.handoff = relocation;
  r->peer.limiter = &recovery_limiter_;
  r->peer.cancelled = &r->cancelled;
  Recovery* raw = r.get();
  r->peer.on_progress = [this, raw](const RecoveryProgress& p) {
    std::lock_guard<std::mutex> lock(mu_);
    raw->info_view.progress = p;
  };
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return;
  recoveries_[id] = r;
  r->thread = std::thread([this, r] { RunRecovery(r); });
}

void ShardRegistry::RunRecovery(const std::shared_ptr<Recovery>& r) {
  const ShardId id = r->copy_options.id;
  auto fail = [&](const Status& why) {
    std::error_code ec;
    std::filesystem::remove_all(r->peer.dir + ".incoming", ec);
    if (options_.on_failure) options_.on_failure(id, why);
    if (!r->cancelled) (void)state_->UpdateShardCopy(id, r->allocation_id, ShardCopyState::kFailed, why.message());
    std::lock_guard<std::mutex> lock(mu_);
    r->info_view.progress.stage = "failed";
    r->info_view.progress.finished_ms = WallClockMs();
    r->done = true;
  };
  // A copy this one replaces (same directory) must be closed for good.
  if (!WaitReleased(id, std::chrono::seconds(60), &r->cancelled)) {
    EndPeerRecovery(r->peer);
    return fail(Status::Unavailable("the previous copy of shard " + id.ToString() +
                                    " on this node is still in use; recovery retried later"));
  }
  // A replica whose volume holds the shard (its node restarted, or it
  // comes back after a failure) catches up from the primary's ops when the
  // primary still has them and the histories agree; else from files.
  Result<std::unique_ptr<ShardCopy>> opened = Status::NotFound("no copy on this volume");
  if (!r->copy_options.primary &&
      std::filesystem::exists(r->peer.dir + "/" + std::string(ShardStateFile::kFileName))) {
    opened = ShardCopy::Open(r->copy_options);
    if (opened.ok()) {
      auto caught_up = RecoverFromOps(r->peer, (*opened)->engine(), r->copy_options.primary_term);
      if (!caught_up.ok() || !*caught_up) {
        spdlog::info("shard {} of [{}]: the copy on this volume cannot catch up from ops ({}); recovering from files",
                     id.ToString(), r->copy_options.index_name,
                     caught_up.ok() ? "the primary no longer holds them, or the histories differ"
                                    : caught_up.status().ToString());
        EndPeerRecovery(r->peer);
        (void)(*opened)->Close();
        opened = Status::NotFound("recovering from files");
      }
    }
  }
  Status applied;
  if (!opened.ok()) {
    auto ops = RecoverFromPeer(r->peer);
    if (!ops.ok()) {
      EndPeerRecovery(r->peer);
      return fail(ops.status());
    }
    opened = ShardCopy::Open(r->copy_options);
    applied = opened.ok() ? Status::OK() : opened.status();
    if (applied.ok() && !ops->empty()) {
      applied = (*opened)->engine().ApplyOps(r->copy_options.primary_term, ops.value());
    }
  }
  EndPeerRecovery(r->peer);
  if (!applied.ok()) {
    if (r->peer.handoff) LiftHandoff(r->peer);
    return fail(applied);
  }
  std::shared_ptr<ShardCopy> copy;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_ || r->cancelled) {
      r->done = true;
      (void)(*opened)->Close();
      return;
    }
    copy = std::shared_ptr<ShardCopy>(std::move(opened).value());
    copies_[id] = copy;
  }
  if (!r->copy_options.primary) {
    // A replica takes the primary's live writes from now on (it is found
    // here); the primary then sends what it wrote meanwhile and counts it
    // in sync, so no acknowledged write is missing when it reports started.
    Status finalized = FinalizeReplicaRecovery(id, r->allocation_id, copy.get());
    if (!finalized.ok()) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (auto it = copies_.find(id); it != copies_.end() && it->second == copy) copies_.erase(it);
      }
      (void)copy->Close();
      return fail(finalized);
    }
  }
  // Searches read a started copy, replicas too: what it recovered is
  // searchable before it says so (as Elasticsearch's post-recovery refresh).
  if (Status refreshed = copy->engine().Refresh(); !refreshed.ok()) {
    spdlog::warn("shard {} of [{}]: refresh after recovery failed: {}", id.ToString(), r->copy_options.index_name,
                 refreshed.ToString());
  }
  Status reported = state_->UpdateShardCopy(id, r->allocation_id, ShardCopyState::kStarted, "");
  if (!reported.ok() && options_.on_failure) options_.on_failure(id, reported);
  std::lock_guard<std::mutex> lock(mu_);
  r->done = true;
}

Status ShardRegistry::FinalizeReplicaRecovery(const ShardId& id, const std::string& allocation_id, ShardCopy* copy) {
  ClusterStatePtr state = state_->Current();
  const ShardRouting* shard = state->RoutingOf(id);
  const ShardCopyRouting* primary = shard != nullptr ? shard->primary() : nullptr;
  if (primary == nullptr || primary->node_id.empty()) {
    return Status::Unavailable("shard " + id.ToString() + " has no primary to finish its recovery with");
  }
  ShardClient* client = options_.peer ? options_.peer(primary->node_id) : nullptr;
  if (client == nullptr) return Status::Unavailable("the primary's node [" + primary->node_id + "] is not reachable");
  return FinishReplicaRecovery(client, shard->primary_term, allocation_id, copy);
}

void ShardRegistry::JoinFinishedRecoveries() {
  std::vector<std::shared_ptr<Recovery>> finished;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = recoveries_.begin(); it != recoveries_.end();) {
      if (it->second->done) {
        finished_recoveries_.push_back(it->second->info_view);
        if (finished_recoveries_.size() > 100) finished_recoveries_.erase(finished_recoveries_.begin());
        finished.push_back(it->second);
        it = recoveries_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& r : finished) {
    if (r->thread.joinable()) r->thread.join();
  }
}

std::vector<ShardRecoveryInfo> ShardRegistry::Recoveries() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<ShardRecoveryInfo> out = finished_recoveries_;
  for (const auto& [id, r] : recoveries_) out.push_back(r->info_view);
  return out;
}

}  // namespace holdfast
