#include "lifecycle/node_drain.h"

#include <spdlog/spdlog.h>

#include <map>
#include <set>

#include "index/util/clock.h"
#include "index/util/uuid.h"
#include "replication/allocation.h"
#include "replication/drain_records.h"
#include "replication/etcd_cluster_state.h"
#include "replication/shard_registry.h"

namespace holdfast {

namespace {

constexpr std::chrono::milliseconds kHandoffWait{2000};  // writes in flight must finish within it
constexpr int64_t kRetryAfterMs = 1000;                  // a failed handoff is tried again after it

bool Active(const ShardCopyRouting& copy) {
  return copy.state == ShardCopyState::kStarted || copy.state == ShardCopyState::kRelocating;
}

// The copy a primary here can hand over to: started, in sync, on a member
// that is not draining.
const ShardCopyRouting* HandoffTarget(const ClusterStateSnapshot& state, const ShardRouting& shard,
                                      const std::string& self) {
  for (const ShardCopyRouting& c : shard.copies) {
    if (c.primary || c.node_id.empty() || c.node_id == self || c.state != ShardCopyState::kStarted) continue;
    if (!shard.IsInSync(c.allocation_id) || !state.nodes.count(c.node_id) || IsDraining(state, c.node_id)) continue;
    return &c;
  }
  return nullptr;
}

// Whether some other member could take a copy of `shard` (a remove drain).
// The shards whose copy on `self` no member that is not draining may take,
// with why, as the master's allocation decides it.
std::map<ShardId, std::string> CopiesStuckOn(const ClusterStateSnapshot& state, const std::string& self) {
  std::set<std::string> draining;
  for (const auto& [id, node] : state.nodes) {
    if (IsDraining(state, id)) draining.insert(id);
  }
  return CopiesNoNodeCanTake(state, self, draining);
}

std::string NameOf(const ClusterStateSnapshot& state, const std::string& node_id) {
  auto it = state.nodes.find(node_id);
  return it == state.nodes.end() ? node_id : it->second.name;
}

}  // namespace

NodeDrainer::NodeDrainer(NodeDrainerOptions options)
    : options_(std::move(options)), incarnation_(NewUuid()), started_at_ms_(WallClockMs()) {
  thread_ = std::thread([this] { Loop(); });
}

NodeDrainer::~NodeDrainer() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

void NodeDrainer::SetState(const std::string& state) {
  if (progress_.state != state) {
    progress_.state = state;
    progress_.state_since_ms = WallClockMs();
  }
}

Status NodeDrainer::Start(const std::string& type, bool forced) {
  if (type != kDrainRestart && type != kDrainRemove) {
    return Status::InvalidArgument("[type] must be [restart] or [remove], not [" + type + "]");
  }
  if (type == kDrainRemove && options_.cluster == nullptr) {
    return Status::InvalidArgument("a [remove] drain needs a cluster: this node runs alone (no --etcd-endpoints)");
  }
  // Forced (a stop signal): the record is asked for by the drainer's own
  // thread, so that a master that does not answer cannot hold the stop.
  if (options_.cluster != nullptr && !forced) {
    HOLDFAST_RETURN_IF_ERROR(options_.cluster->ChangeDrain({options_.node_id, "request", type, incarnation_}));
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (!active_ || progress_.type != type) {
    spdlog::info("drain ({}{}) started", type, forced ? ", on a stop signal" : "");
    progress_ = DrainProgress{};
    progress_.type = type;
    progress_.started_at_ms = WallClockMs();
    SetState("queued");
  }
  progress_.forced |= forced;
  active_ = true;
  cv_.notify_all();
  return Status::OK();
}

Status NodeDrainer::Cancel() {
  if (options_.cluster != nullptr) {
    HOLDFAST_RETURN_IF_ERROR(options_.cluster->ChangeDrain({options_.node_id, "cancel", "", incarnation_}));
  }
  // Primaries still held by a handoff whose outcome was unknown take writes
  // again (those handed over meanwhile are demoted by the routing table).
  LetGoAll();
  std::lock_guard<std::mutex> lock(mu_);
  if (active_) spdlog::info("drain ({}) cancelled", progress_.type);
  active_ = false;
  progress_ = DrainProgress{};
  if (options_.readiness->phase() == NodePhase::kDraining) options_.readiness->set_phase(NodePhase::kReady);
  cv_.notify_all();
  return Status::OK();
}

DrainProgress NodeDrainer::Progress() const {
  std::lock_guard<std::mutex> lock(mu_);
  return progress_;
}

bool NodeDrainer::WaitComplete(std::chrono::steady_clock::time_point deadline) const {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_until(lock, deadline, [&] { return stop_ || progress_.state == "complete"; }) &&
         progress_.state == "complete";
}

bool NodeDrainer::WaitHandoffsSettled(std::chrono::steady_clock::time_point deadline) const {
  std::unique_lock<std::mutex> lock(mu_);
  auto settled = [&] {
    if (progress_.state != "in_progress" && progress_.state != "stalled" && progress_.state != "complete") return false;
    uint64_t without_replica = 0;
    for (const DrainBlocker& b : progress_.blockers) without_replica += b.reason == "no_in_sync_replica";
    return progress_.primaries_left == without_replica;
  };
  return cv_.wait_until(lock, deadline, [&] { return stop_ || settled(); }) && settled();
}

void NodeDrainer::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    lock.unlock();
    Step();
    lock.lock();
    cv_.wait_for(lock, options_.poll, [&] { return stop_; });
  }
}

Result<bool> NodeDrainer::HandOff(const ShardId& id, const ShardRouting& shard, const ShardCopyRouting& from,
                                  const ShardCopyRouting& to) {
  std::shared_ptr<ShardCopy> open = options_.registry->Get(id);
  {
    std::lock_guard<std::mutex> lock(mu_);
    held_.erase(id);  // decided again below
  }
  // Not open, or handed over already (this node's view lags).
  if (options_.cluster == nullptr || !open || !open->primary()) return false;
  // A pause, not a move: a routing change meanwhile must not lift it.
  HOLDFAST_RETURN_IF_ERROR(open->BeginHandoff(kHandoffWait, ShardCopy::WritePause::kDrain));
  Status s = options_.cluster->HandOffPrimary(id, from.allocation_id, to.allocation_id, shard.primary_term);
  if (s.ok()) return true;
  spdlog::warn("drain: handing the primary of shard {} to [{}] failed: {}", id.ToString(), to.node_id, s.ToString());
  // Refused by the master (the shard and its term as they were): writes go
  // on here. Any other failure may have committed the handoff after all (a
  // lost answer, a view not caught up): writes stay paused — a write here
  // would be one the new primary never has, which fails this copy — until
  // this node's view shows the new primary (the copy is demoted), or a
  // retry is refused, or the drain is cancelled.
  const ShardRouting* now = options_.state->Current()->RoutingOf(id);
  if (s.code() == StatusCode::kInvalidArgument && now != nullptr && now->primary_term == shard.primary_term) {
    open->CancelHandoff(ShardCopy::WritePause::kDrain);
  } else {
    std::lock_guard<std::mutex> lock(mu_);
    held_.insert(id);
  }
  return s;
}

void NodeDrainer::LetGo(const ShardId& id) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (held_.erase(id) == 0) return;
  }
  std::shared_ptr<ShardCopy> open = options_.registry->Get(id);
  if (open && open->primary()) open->CancelHandoff(ShardCopy::WritePause::kDrain);
}

void NodeDrainer::LetGoAll() {
  std::set<ShardId> held;
  {
    std::lock_guard<std::mutex> lock(mu_);
    held = held_;
  }
  for (const ShardId& id : held) LetGo(id);
}

void NodeDrainer::Step() {
  const ClusterStatePtr state = options_.state->Current();
  if (!state) return;
  const std::string& self = options_.node_id;
  EtcdClusterState* cluster = options_.cluster;
  // A record of an earlier process of this node (it drained, stopped and is
  // back): the master now waits for this one to be in sync.
  bool tell_returned = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!returned_told_) {
      const NodeDrain* d = cluster != nullptr ? DrainOf(*state, self) : nullptr;
      // Asked for before this process started: by an earlier one, or by an
      // orchestrator's reconcile (a token) before it stopped this node.
      if (d == nullptr || d->incarnation == incarnation_ || d->returned || d->requested_at_ms >= started_at_ms_) {
        returned_told_ = true;
      } else {
        tell_returned = true;
      }
    }
  }
  if (tell_returned && cluster->ChangeDrain({self, "returned", "", incarnation_}).ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    returned_told_ = true;
  }

  std::string type;
  bool forced = false;
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (!active_) {
      lock.unlock();
      LetGoAll();  // cancelled while a handoff of unknown outcome was under way
      return;
    }
    type = progress_.type;
    forced = progress_.forced;
  }
  const NodeDrain* record = cluster != nullptr ? DrainOf(*state, self) : nullptr;
  if (cluster != nullptr && (record == nullptr || record->incarnation != incarnation_ || record->type != type)) {
    // The record is not (or no longer) this drain's: ask again (idempotent).
    (void)cluster->ChangeDrain({self, "request", type, incarnation_});
  }
  const bool has_slot = cluster == nullptr || (record != nullptr && record->slot_at_ms > 0 &&
                                               record->incarnation == incarnation_);
  if (!has_slot && !forced) {
    std::vector<DrainBlocker> waiting;
    for (const auto& [id, d] : state->drains) {
      if (d.slot_at_ms > 0 && id != self) {
        waiting.push_back({"waiting_for_disruption_slot", "", -1,
                           "node [" + d.node_name + "] holds a disruption slot (" + d.type + " drain" +
                               (d.away_since_ms > 0 ? ", node away" : d.returned ? ", node back, not yet in sync" : "") +
                               ")"});
      }
    }
    std::lock_guard<std::mutex> lock(mu_);
    if (!active_) return;
    SetState("queued");
    progress_.blockers = std::move(waiting);
    cv_.notify_all();
    return;
  }
  // (Still catching up after a start counts as ready here: the drain wins.)
  const NodePhase phase = options_.readiness->phase();
  if (phase == NodePhase::kReady || phase == NodePhase::kStarting) options_.readiness->set_phase(NodePhase::kDraining);

  std::vector<DrainBlocker> blockers;
  const std::map<ShardId, std::string> stuck =
      type == kDrainRemove ? CopiesStuckOn(*state, self) : std::map<ShardId, std::string>{};
  uint64_t primaries = 0, copies = 0, handed_off = 0;
  const int64_t now_ms = WallClockMs();
  for (const IndexMetadata* index : state->IndicesByName()) {
    const IndexRouting* routing = state->RoutingOf(index->uuid);
    if (routing == nullptr) continue;
    for (const ShardRouting& shard : routing->shards) {
      const ShardId id{index->uuid, shard.shard};
      for (const ShardCopyRouting& c : shard.copies) {
        if (c.node_id != self || c.state == ShardCopyState::kUnassigned) continue;
        ++copies;
        if (auto why = stuck.find(id); why != stuck.end()) {
          blockers.push_back({"no_node_for_copy", index->name, static_cast<int64_t>(shard.shard),
                              "no other member may take a copy of this shard: " + why->second});
        }
        if (!c.primary) continue;
        ++primaries;
        if (type == kDrainRemove) continue;  // moved off with the other copies (relocation hands it over)
        const ShardCopyRouting* target = HandoffTarget(*state, shard, self);
        if (target == nullptr) {
          LetGo(id);  // nowhere to go now: writes go on here
          blockers.push_back({"no_in_sync_replica", index->name, static_cast<int64_t>(shard.shard),
                              "no started in-sync copy on another node that is not draining to hand the primary to"});
          continue;
        }
        if (!Active(c) || c.state == ShardCopyState::kRelocating) {  // a move is under way
          LetGo(id);
          continue;
        }
        {
          std::lock_guard<std::mutex> lock(mu_);
          auto retry = retry_at_.find(id);
          if (retry != retry_at_.end() && retry->second > now_ms) continue;
        }
        auto handed = HandOff(id, shard, c, *target);
        if (handed.ok() && handed.value()) {
          ++handed_off;
          spdlog::info("drain: primary of shard {} of [{}] handed to the copy on [{}] (term {})", id.ToString(),
                       index->name, NameOf(*state, target->node_id), shard.primary_term + 1);
        } else if (!handed.ok()) {
          blockers.push_back({"handoff_failed", index->name, static_cast<int64_t>(shard.shard), handed.status().message()});
          std::lock_guard<std::mutex> lock(mu_);
          retry_at_[id] = now_ms + kRetryAfterMs;
        }
      }
    }
  }
  const int in_flight = options_.shard_requests_in_flight ? options_.shard_requests_in_flight() : 0;
  bool flushed = false, was_complete = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    flushed = progress_.flushed;
    was_complete = progress_.state == "complete";
  }
  // Once complete, the shard requests a restart drain's copies still take
  // (replication to them, reads) do not make it incomplete again.
  const bool done = (type == kDrainRemove ? copies == 0 : primaries == 0) && (in_flight == 0 || was_complete);
  if (done && !flushed) {
    Status flush;
    for (const auto& open : options_.registry->All()) {
      Status f = open->engine().Flush();
      if (!f.ok() && flush.ok()) flush = f;
    }
    flushed = flush.ok();
    if (!flush.ok()) blockers.push_back({"flush_failed", "", -1, flush.message()});
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (!active_) return;
  progress_.primaries_left = primaries;
  progress_.copies_left = copies;
  progress_.shard_requests_in_flight = in_flight;
  progress_.primaries_handed_off += handed_off;
  progress_.flushed = flushed && done;
  progress_.blockers = std::move(blockers);
  if (done && progress_.flushed) {
    if (progress_.state != "complete") spdlog::info("drain ({}) complete", type);
    SetState("complete");
  } else if (!progress_.blockers.empty() && handed_off == 0) {
    SetState("stalled");
  } else {
    SetState("in_progress");
  }
  cv_.notify_all();
}

}  // namespace holdfast
