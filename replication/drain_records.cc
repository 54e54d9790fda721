#include "replication/drain_records.h"

#include <algorithm>
#include <charconv>
#include <vector>

#include "replication/cluster_health.h"

namespace holdfast {

namespace {

constexpr int64_t kDefaultAwayLimitMs = 60'000;  // index.unassigned.node_left.delayed_timeout's default

bool Active(const ShardCopyRouting& copy) {
  return copy.state == ShardCopyState::kStarted || copy.state == ShardCopyState::kRelocating;
}

// How long a restarting node may stay away before its record ends: the
// longest node_left delay of the indices (after it, its copies are rebuilt
// elsewhere anyway).
int64_t AwayLimitMs(const ClusterStateSnapshot& state) {
  int64_t limit = 0;
  for (const auto& [uuid, index] : state.indices) {
    limit = std::max<int64_t>(limit, index.settings.node_left_delayed_timeout.count());
  }
  return limit > 0 ? limit : kDefaultAwayLimitMs;
}

// Every copy the node holds is started and in sync, and health is green.
bool BackInSync(const ClusterStateSnapshot& state, const std::string& node_id) {
  for (const auto& [uuid, index] : state.routing) {
    for (const ShardRouting& shard : index.shards) {
      for (const ShardCopyRouting& copy : shard.copies) {
        if (copy.node_id != node_id) continue;
        if (!Active(copy) || !shard.IsInSync(copy.allocation_id)) return false;
      }
    }
  }
  return ComputeClusterHealth(state, {}).status == HealthStatus::kGreen;
}

}  // namespace

int MaxConcurrentDisruptions(const ClusterStateSnapshot& state) {
  auto it = state.settings.find(kMaxConcurrentDisruptionsSetting);
  if (it == state.settings.end()) return kDefaultMaxConcurrentDisruptions;
  int n = 0;
  auto [end, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), n);
  const bool whole = ec == std::errc() && end == it->second.data() + it->second.size();
  return whole && n >= 1 ? n : kDefaultMaxConcurrentDisruptions;
}

const NodeDrain* DrainOf(const ClusterStateSnapshot& state, const std::string& node_id) {
  auto it = state.drains.find(node_id);
  return it == state.drains.end() ? nullptr : &it->second;
}

bool IsDraining(const ClusterStateSnapshot& state, const std::string& node_id) {
  const NodeDrain* d = DrainOf(state, node_id);
  return d != nullptr && d->slot_at_ms > 0 && d->away_since_ms == 0 && !d->returned;
}

std::set<std::string> NodesBeingRemoved(const ClusterStateSnapshot& state) {
  std::set<std::string> out;
  for (const auto& [id, d] : state.drains) {
    if (d.type == kDrainRemove && d.slot_at_ms > 0) out.insert(id);
  }
  return out;
}

Result<bool> ApplyDrainRequest(ClusterStateSnapshot* state, const std::string& node_id, const std::string& type,
                               const std::string& incarnation, int64_t now_ms) {
  if (type != kDrainRestart && type != kDrainRemove) {
    return Status::InvalidArgument("[type] must be [restart] or [remove], not [" + type + "]");
  }
  auto node = state->nodes.find(node_id);
  if (node == state->nodes.end()) {
    return Status::InvalidArgument("node [" + node_id + "] is not a member of the cluster");
  }
  NodeDrain& d = state->drains[node_id];
  if (d.node_id == node_id && d.type == type && d.incarnation == incarnation) return false;
  if (d.node_id.empty()) {
    d.node_id = node_id;
    d.requested_at_ms = now_ms;
  }
  d.node_name = node->second.name;
  d.type = type;
  d.incarnation = incarnation;
  d.away_since_ms = 0;
  d.returned = false;
  AdvanceDrains(state, now_ms);  // a free slot is taken at once
  return true;
}

bool ApplyDrainCancel(ClusterStateSnapshot* state, const std::string& node_id) {
  return state->drains.erase(node_id) > 0;
}

bool ApplyDrainReturn(ClusterStateSnapshot* state, const std::string& node_id, const std::string& incarnation) {
  auto it = state->drains.find(node_id);
  if (it == state->drains.end() || it->second.incarnation == incarnation || it->second.returned) return false;
  if (it->second.slot_at_ms == 0) {
    state->drains.erase(it);  // a queued drain of a process that is gone
    return true;
  }
  it->second.returned = true;
  return true;
}

bool AdvanceDrains(ClusterStateSnapshot* state, int64_t now_ms) {
  bool changed = false;
  const int64_t away_limit = AwayLimitMs(*state);
  for (auto it = state->drains.begin(); it != state->drains.end();) {
    NodeDrain& d = it->second;
    const bool member = state->nodes.count(d.node_id) > 0;
    bool ends = false;
    if (!member) {
      if (d.slot_at_ms == 0 || d.type == kDrainRemove) {
        ends = true;  // queued and gone, or removed: over
      } else if (d.away_since_ms == 0) {
        d.away_since_ms = now_ms;
        changed = true;
      } else if (now_ms - d.away_since_ms > away_limit) {
        ends = true;  // it did not come back in time; its copies are rebuilt elsewhere
      }
    } else if (d.incarnation.rfind(kTokenPrefix, 0) == 0 && d.away_since_ms == 0 && !d.returned &&
               d.slot_at_ms > 0 && now_ms - d.slot_at_ms > kTokenTtlMs) {
      ends = true;  // the orchestrator did not use its token
    } else if (d.away_since_ms > 0 || d.returned) {
      if (!d.returned) {
        d.returned = true;
        changed = true;
      }
      ends = BackInSync(*state, d.node_id);
    }
    if (ends) {
      it = state->drains.erase(it);
      changed = true;
    } else {
      ++it;
    }
  }
  // Free slots to the queued drains of members, first asked first.
  int held = 0;
  std::vector<NodeDrain*> queued;
  for (auto& [id, d] : state->drains) {
    if (d.slot_at_ms > 0) {
      ++held;
    } else if (state->nodes.count(id)) {
      queued.push_back(&d);
    }
  }
  std::sort(queued.begin(), queued.end(), [](const NodeDrain* a, const NodeDrain* b) {
    return a->requested_at_ms != b->requested_at_ms ? a->requested_at_ms < b->requested_at_ms : a->node_id < b->node_id;
  });
  for (NodeDrain* d : queued) {
    if (held >= MaxConcurrentDisruptions(*state)) break;
    d->slot_at_ms = std::max<int64_t>(now_ms, 1);
    ++held;
    changed = true;
  }
  return changed;
}

Result<bool> ApplyReconcile(ClusterStateSnapshot* state, const std::string& orchestrator_id, int64_t epoch,
                            const std::vector<DisruptionGrant>& grants, int64_t now_ms) {
  bool changed = false;
  auto seen = state->orchestrator_epochs.find(orchestrator_id);
  if (seen != state->orchestrator_epochs.end() && epoch < seen->second) {
    return Status::FailedPrecondition("orchestrator [" + orchestrator_id + "] reconciles with epoch " +
                                      std::to_string(epoch) + ", older than epoch " + std::to_string(seen->second) +
                                      " already seen: a newer instance of it took over");
  }
  if (seen == state->orchestrator_epochs.end() || seen->second != epoch) {
    state->orchestrator_epochs[orchestrator_id] = epoch;
    changed = true;
  }
  std::vector<std::string> added;
  for (const DisruptionGrant& g : grants) {
    if (state->drains.count(g.node_id) || !state->nodes.count(g.node_id)) continue;
    NodeDrain& d = state->drains[g.node_id];
    d.node_id = g.node_id;
    d.node_name = state->nodes.at(g.node_id).name;
    d.type = g.type;
    d.incarnation = g.token;
    d.requested_at_ms = now_ms;
    added.push_back(g.node_id);
  }
  if (AdvanceDrains(state, now_ms)) changed = true;
  for (const std::string& id : added) {
    if (state->drains.at(id).slot_at_ms == 0) {
      state->drains.erase(id);  // no slot free: not queued on the orchestrator's behalf
    } else {
      changed = true;
    }
  }
  return changed;
}

Result<bool> ApplyPrimaryHandoff(ClusterStateSnapshot* state, const ShardId& shard_id, const std::string& from,
                                 const std::string& to, int64_t primary_term) {
  auto index = state->routing.find(shard_id.index_uuid);
  if (index == state->routing.end() || shard_id.shard >= index->second.shards.size()) {
    return Status::InvalidArgument("no shard " + shard_id.ToString());
  }
  ShardRouting& shard = index->second.shards[shard_id.shard];
  if (shard.primary_term == primary_term + 1 && !shard.copies.empty() && shard.copies[0].primary &&
      shard.copies[0].allocation_id == to) {
    return false;  // handed over already (a retry)
  }
  if (shard.primary_term != primary_term) {
    return Status::Fenced("shard " + shard_id.ToString() + " is at primary term " + std::to_string(shard.primary_term) +
                          ", not " + std::to_string(primary_term));
  }
  if (shard.copies.empty() || !shard.copies[0].primary || shard.copies[0].allocation_id != from) {
    return Status::InvalidArgument("the primary of shard " + shard_id.ToString() + " is not the copy [" + from + "]");
  }
  if (shard.copies[0].state != ShardCopyState::kStarted) {
    return Status::InvalidArgument("the primary of shard " + shard_id.ToString() + " is " +
                                   ShardCopyStateName(shard.copies[0].state) + ", not STARTED");
  }
  size_t target = 0;
  for (size_t i = 1; i < shard.copies.size(); ++i) {
    if (shard.copies[i].allocation_id == to && !to.empty()) target = i;
  }
  if (target == 0) return Status::InvalidArgument("shard " + shard_id.ToString() + " has no copy [" + to + "]");
  ShardCopyRouting& next = shard.copies[target];
  if (next.state != ShardCopyState::kStarted || !shard.IsInSync(to) || !state->nodes.count(next.node_id)) {
    return Status::InvalidArgument("the copy [" + to + "] of shard " + shard_id.ToString() +
                                   " is not a started in-sync copy on a member");
  }
  next.primary = true;
  shard.copies[0].primary = false;
  std::swap(shard.copies[0], shard.copies[target]);
  shard.primary_term += 1;
  return true;
}

}  // namespace holdfast
