#include "replication/allocation.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <optional>
#include <tuple>

#include "index/util/clock.h"
#include "index/util/comma_list.h"
#include "index/util/uuid.h"
#include "replication/allocation_filters.h"
#include "replication/allocation_rules.h"
#include "replication/drain_records.h"

namespace holdfast {

using namespace allocation;

namespace {

// A failed replica is allocated again after this pause (not in a loop).
constexpr int64_t kFailedRetryMs = 3000;

// Copies per node: assigned copies and relocation targets.
std::map<std::string, int> NodeLoads(const ClusterStateSnapshot& state) {
  std::map<std::string, int> load;
  for (const auto& [id, node] : state.nodes) load[id] = 0;
  for (const auto& [uuid, index] : state.routing) {
    for (const ShardRouting& shard : index.shards) {
      for (const ShardCopyRouting& copy : shard.copies) {
        if (!copy.node_id.empty()) ++load[copy.node_id];
        if (!copy.relocating_node_id.empty()) ++load[copy.relocating_node_id];
      }
    }
  }
  return load;
}

// The best node for a copy of `shard` (null shard: any), "" when none.
std::string BestNode(const ClusterStateSnapshot& state, const std::string& index_uuid, const ShardRouting* shard,
                     const std::map<std::string, int>& load, const Rules& rules, const AllocationInput& input,
                     const std::string& leaving = "") {
  std::string best;
  std::tuple<int, double, std::string> best_key;
  for (const auto& [id, node] : state.nodes) {
    if (!Refusal(state, index_uuid, shard, id, rules, input, leaving).empty()) continue;
    auto disk = input.disk_used.find(id);
    auto l = load.find(id);
    std::tuple<int, double, std::string> key{l == load.end() ? 0 : l->second,
                                             disk == input.disk_used.end() ? 0.0 : disk->second, id};
    if (best.empty() || key < best_key) {
      best = id;
      best_key = key;
    }
  }
  return best;
}

}  // namespace

bool IsAllocationEnableValue(const std::string& value) {
  return value == "all" || value == "primaries" || value == "new_primaries" || value == "none";
}

std::map<std::string, std::string> ExcludedNodesWithReasons(const ClusterStateSnapshot& state) {
  std::map<std::string, std::string> out = FilteredOutNodes(state);
  // A remove drain excludes its node for as long as its record lives.
  for (const std::string& id : NodesBeingRemoved(state)) {
    out.emplace(id, "the node is being removed (a remove drain moves every copy off it)");
  }
  return out;
}

std::set<std::string> ExcludedNodes(const ClusterStateSnapshot& state) {
  std::set<std::string> out;
  for (const auto& [id, why] : ExcludedNodesWithReasons(state)) out.insert(id);
  return out;
}

Result<IndexRouting> AllocateNewIndex(const IndexMetadata& index, const ClusterStateSnapshot& state,
                                      const AllocationInput& input) {
  Rules rules = RulesOf(state);
  AddIndexRules(state, index, &rules);
  std::map<std::string, int> load = NodeLoads(state);
  // Shard limits count the primaries placed so far: on a working copy of the
  // state that holds them.
  const bool limited = rules.total_shards_per_node >= 0 || index.settings.total_shards_per_node >= 0;
  std::optional<ClusterStateSnapshot> placed;
  if (limited) placed.emplace(state);
  const ClusterStateSnapshot& view = limited ? *placed : state;
  IndexRouting routing;
  // Primaries first (each to the least loaded node), then replicas.
  for (uint32_t n = 0; n < index.settings.number_of_shards; ++n) {
    ShardRouting shard;
    shard.shard = n;
    shard.primary_term = 1;
    if (EnableOf(rules, index.uuid) == "none") {
      // Unassigned (red) until allocation is enabled again.
      ShardCopyRouting primary;
      primary.primary = true;
      primary.unassigned_reason = "INDEX_CREATED";
      primary.unassigned_at_ms = input.now_ms;
      shard.copies.push_back(std::move(primary));
      routing.shards.push_back(std::move(shard));
      continue;
    }
    const std::string node = BestNode(view, index.uuid, nullptr, load, rules, input);
    if (node.empty()) {
      std::string why;
      for (const auto& [id, member] : state.nodes) {
        why += (why.empty() ? "" : "; ") + member.name + ": " + Refusal(view, index.uuid, nullptr, id, rules, input);
      }
      return Status::Unavailable("no node can take the primaries of index [" + index.name + "] (" +
                                 std::to_string(state.nodes.size()) + " members" + (why.empty() ? "" : ": " + why) +
                                 ")");
    }
    ShardCopyRouting primary;
    primary.primary = true;
    AssignTo(&primary, node, false);
    ++load[node];
    shard.in_sync = {primary.allocation_id};
    shard.copies.push_back(std::move(primary));
    if (placed) placed->routing[index.uuid].shards.push_back(shard);
    routing.shards.push_back(std::move(shard));
  }
  for (ShardRouting& shard : routing.shards) {
    for (uint32_t r = 0; r < index.settings.number_of_replicas; ++r) {
      ShardCopyRouting replica;
      // A replica recovers from a started primary: it waits in the
      // unassigned list until Reallocate finds one (INDEX_CREATED).
      replica.unassigned_reason = "INDEX_CREATED";
      replica.unassigned_at_ms = input.now_ms;
      shard.copies.push_back(std::move(replica));
    }
  }
  return routing;
}

bool Reallocate(ClusterStateSnapshot* state, const AllocationInput& input, int64_t* next_check_ms) {
  *next_check_ms = 0;
  bool changed = false;
  const Rules rules = RulesOf(*state);
  const auto& excluded = rules.excluded;
  auto note_check = [&](int64_t at) {
    if (*next_check_ms == 0 || at < *next_check_ms) *next_check_ms = at;
  };
  // 1. Copies of nodes that left keep their place (delayed); relocations to
  //    a node that left are cancelled.
  for (auto& [uuid, index] : state->routing) {
    // A closed index keeps its copies' places until it is opened again.
    if (const IndexMetadata* meta = state->FindIndexByUuid(uuid); meta != nullptr && meta->closed) continue;
    for (ShardRouting& shard : index.shards) {
      // A primary whose node left: an in-sync replica takes over at once
      // (no delay: writes wait for a primary).
      // So is one already unassigned (its node left while no replica could
      // take over yet — e.g. a master elected after the node left saw it
      // gone before its own view held the replica started).
      if (!shard.copies.empty() && shard.copies[0].primary &&
          (shard.copies[0].node_id.empty() ? shard.copies[0].state == ShardCopyState::kUnassigned
                                           : !state->nodes.count(shard.copies[0].node_id)) &&
          PromoteReplica(&shard, *state,
                         shard.copies[0].node_id.empty() && !shard.copies[0].unassigned_reason.empty()
                             ? shard.copies[0].unassigned_reason
                             : std::string("NODE_LEFT"),
                         input.now_ms)) {
        changed = true;
      }
      for (ShardCopyRouting& copy : shard.copies) {
        if (!copy.relocating_node_id.empty() && !state->nodes.count(copy.relocating_node_id)) {
          copy.relocating_node_id.clear();
          copy.relocation_id.clear();
          if (copy.state == ShardCopyState::kRelocating) copy.state = ShardCopyState::kStarted;
          changed = true;
        }
        if (!copy.node_id.empty() && !state->nodes.count(copy.node_id)) {
          // Out of the in-sync set (writes go on without it; it catches up
          // by recovery when it returns) — unless it is the last in-sync
          // copy, which the shard then waits for.
          if (shard.IsInSync(copy.allocation_id) && shard.in_sync.size() > 1) {
            shard.in_sync.erase(std::find(shard.in_sync.begin(), shard.in_sync.end(), copy.allocation_id));
          }
          MarkUnassigned(&copy, "NODE_LEFT", input.now_ms);
          changed = true;
        }
      }
    }
  }
  std::map<std::string, int> load = NodeLoads(*state);
  RecoveryCounts recoveries = RecoveryCounts::Of(*state);
  for (auto& [uuid, index] : state->routing) {
    const IndexMetadata* metadata = state->FindIndexByUuid(uuid);
    if (metadata == nullptr || metadata->closed) continue;
    const int64_t delay = metadata->settings.node_left_delayed_timeout.count();
    for (ShardRouting& shard : index.shards) {
      for (ShardCopyRouting& copy : shard.copies) {
        if (copy.state != ShardCopyState::kUnassigned || !EnableRefusal(rules, uuid, copy).empty()) continue;
        // 2. Back to the node whose volume holds it.
        if (!copy.last_node_id.empty() && state->nodes.count(copy.last_node_id) &&
            !excluded.count(copy.last_node_id) &&
            (copy.primary || IndexRefusal(*state, uuid, copy.last_node_id, rules).empty()) &&
            !HoldsCopy(shard, copy.last_node_id)) {
          const std::string node = copy.last_node_id;
          // A replica is recovered from its primary (what it holds may
          // miss writes): it waits its turn like any recovery — and for a
          // started primary. Opened as it is, a copy that left the in-sync
          // set would join it and could be promoted, losing the writes
          // acknowledged without it.
          const ShardCopyRouting* source = copy.primary ? nullptr : StartedPrimary(shard);
          if (!copy.primary && source == nullptr) continue;
          if (source != nullptr) {
            if (!recoveries.Throttled(rules.recoveries, node, source->node_id).empty()) continue;
            recoveries.Add(node, source->node_id);
          } else if (copy.primary) {
            if (!recoveries.PrimaryThrottled(rules.recoveries, node).empty()) continue;
            ++recoveries.primaries[node];
          }
          // A primary opens what its volume holds (even where the index's
          // own rules no longer want it: better than red; it moves off once
          // started, like a copy over a limit); a replica is recovered
          // from the primary under a new allocation id (what it holds may
          // miss writes acknowledged while it was away).
          AssignTo(&copy, node, /*keep_allocation=*/copy.primary);
          ++load[node];
          changed = true;
          continue;
        }
        // A copy that failed because its node was going away (it stopped
        // while a write was under way) waits for that node like a copy
        // whose node left: its volume still holds it.
        const bool node_away = copy.unassigned_reason == "NODE_LEFT" ||
                               (copy.unassigned_reason == "ALLOCATION_FAILED" && !copy.last_node_id.empty() &&
                                !state->nodes.count(copy.last_node_id));
        const int64_t wait = node_away ? delay : kFailedRetryMs;
        const bool delayed = (node_away || copy.unassigned_reason == "ALLOCATION_FAILED") &&
                             input.now_ms < copy.unassigned_at_ms + wait;
        if (delayed) {
          note_check(copy.unassigned_at_ms + wait);
          continue;
        }
        // 3. A primary is never re-created empty once it held data: it waits
        //    for its node (or a replica's promotion). One that never started
        //    (created while allocation was off) goes where a new one would.
        if (NewPrimary(copy)) {
          const std::string node = BestNode(*state, uuid, &shard, load, rules, input);
          if (node.empty() || !recoveries.PrimaryThrottled(rules.recoveries, node).empty()) continue;
          ++recoveries.primaries[node];
          AssignTo(&copy, node, /*keep_allocation=*/false);
          shard.in_sync = {copy.allocation_id};
          ++load[node];
          changed = true;
          continue;
        }
        if (copy.primary) continue;
        // 4. A replica: a new copy elsewhere, recovered from the started primary.
        const ShardCopyRouting* source = StartedPrimary(shard);
        if (source == nullptr) continue;
        const std::string node = BestNode(*state, uuid, &shard, load, rules, input);
        if (node.empty() || !recoveries.Throttled(rules.recoveries, node, source->node_id).empty()) continue;
        recoveries.Add(node, source->node_id);
        AssignTo(&copy, node, /*keep_allocation=*/false);
        ++load[node];
        changed = true;
      }
      // 5. Off excluded nodes, and off values of an awareness attribute
      //    that hold more than their share of the shard's copies: relocate
      //    started copies, one shard at a time.
      bool moving = false;
      for (const ShardCopyRouting& copy : shard.copies) moving |= !copy.relocating_node_id.empty();
      if (moving) continue;
      for (ShardCopyRouting& copy : shard.copies) {
        if (copy.state != ShardCopyState::kStarted || MustLeave(*state, uuid, shard, copy.node_id, rules).empty() ||
            !EnableRefusal(rules, uuid, copy).empty()) {
          continue;
        }
        const std::string node = BestNode(*state, uuid, &shard, load, rules, input, copy.node_id);
        if (node.empty() || !recoveries.Throttled(rules.recoveries, node, copy.node_id).empty()) continue;
        recoveries.Add(node, copy.node_id);
        copy.state = ShardCopyState::kRelocating;
        copy.relocating_node_id = node;
        copy.relocation_id = NewUuid();
        ++load[node];
        changed = true;
        break;
      }
    }
  }
  return changed;
}

void AddPublishedDiskUse(const ClusterStateSnapshot& state, AllocationInput* input) {
  for (const auto& [id, node] : state.nodes) {
    auto used = node.attributes.find("disk.used_percent");
    if (used != node.attributes.end()) input->disk_used[id] = std::atof(used->second.c_str()) / 100.0;
    auto high = node.attributes.find("disk.over_high");
    if (high != node.attributes.end() && high->second == "true") input->over_high_watermark.insert(id);
  }
}

std::optional<int32_t> ParseShardLimit(std::string_view text) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < -1 || v > INT32_MAX) return std::nullopt;
  return static_cast<int32_t>(v);
}

int32_t TotalShardsPerNodeOf(const ClusterStateSnapshot& state) {
  auto it = state.settings.find(kTotalShardsPerNodeSetting);
  if (it == state.settings.end()) return -1;
  return ParseShardLimit(it->second).value_or(-1);
}

std::string AllocationEnableRefusal(const ClusterStateSnapshot& state, const std::string& index_uuid,
                                    const ShardCopyRouting& copy) {
  Rules rules;
  rules.enable = AllocationEnableOf(state);
  if (const IndexMetadata* index = state.FindIndexByUuid(index_uuid)) AddIndexRules(state, *index, &rules);
  return EnableRefusal(rules, index_uuid, copy);
}

std::map<ShardId, std::string> CopiesNoNodeCanTake(const ClusterStateSnapshot& state, const std::string& from,
                                                   const std::set<std::string>& skip) {
  const Rules rules = RulesOf(state);
  AllocationInput input;
  AddPublishedDiskUse(state, &input);
  std::map<ShardId, std::string> out;
  for (const auto& [uuid, index] : state.routing) {
    for (const ShardRouting& shard : index.shards) {
      for (const ShardCopyRouting& copy : shard.copies) {
        if (copy.node_id != from || !copy.relocating_node_id.empty()) continue;  // not here, or on its way
        std::string why = EnableRefusal(rules, uuid, copy);
        if (why.empty()) {
          bool taken = false;
          for (const auto& [id, node] : state.nodes) {
            if (id == from || skip.count(id)) continue;
            const std::string refusal = Refusal(state, uuid, &shard, id, rules, input, from);
            if ((taken = refusal.empty())) break;
            why += (why.empty() ? "" : "; ") + node.name + ": " + refusal;
          }
          if (taken) continue;
          if (why.empty()) why = "no other member that is not draining";
        }
        out[ShardId{uuid, shard.shard}] = why;
      }
    }
  }
  return out;
}

Status StartRelocation(ClusterStateSnapshot* state, const ShardId& shard_id, const std::string& from,
                       const std::string& to) {
  auto index = state->routing.find(shard_id.index_uuid);
  if (index == state->routing.end() || shard_id.shard >= index->second.shards.size()) {
    return Status::InvalidArgument("no shard " + shard_id.ToString());
  }
  ShardRouting& shard = index->second.shards[shard_id.shard];
  auto copy = std::find_if(shard.copies.begin(), shard.copies.end(),
                           [&](const ShardCopyRouting& c) { return c.node_id == from; });
  if (copy == shard.copies.end()) return Status::InvalidArgument("no copy of shard " + shard_id.ToString() + " on node [" + from + "]");
  if (copy->state != ShardCopyState::kStarted) {
    return Status::InvalidArgument("the copy of shard " + shard_id.ToString() + " on node [" + from + "] is " +
                                   ShardCopyStateName(copy->state) + ", only a STARTED copy can move");
  }
  for (const ShardCopyRouting& c : shard.copies) {
    if (!c.relocating_node_id.empty()) return Status::InvalidArgument("shard " + shard_id.ToString() + " is already moving");
  }
  const Rules rules = RulesOf(*state);
  std::string why = EnableRefusal(rules, shard_id.index_uuid, *copy);
  if (why.empty()) why = Refusal(*state, shard_id.index_uuid, &shard, to, rules, AllocationInput{}, from);
  if (!why.empty()) return Status::InvalidArgument("cannot move shard " + shard_id.ToString() + " to node [" + to + "]: " + why);
  copy->state = ShardCopyState::kRelocating;
  copy->relocating_node_id = to;
  copy->relocation_id = NewUuid();
  return Status::OK();
}

Result<bool> ApplyCopyReport(ClusterStateSnapshot* state, const ShardId& shard_id, const std::string& allocation_id,
                             ShardCopyState reported, const std::string& failure) {
  if (reported == ShardCopyState::kUnassigned || reported == ShardCopyState::kRelocating) {
    return Status::InvalidArgument(std::string("a copy cannot report itself ") + ShardCopyStateName(reported));
  }
  auto index = state->routing.find(shard_id.index_uuid);
  if (allocation_id.empty() || index == state->routing.end() || shard_id.shard >= index->second.shards.size()) {
    return false;  // a stale report
  }
  // A closed index's copies stay CLOSED whatever a node opened before it heard.
  if (const IndexMetadata* meta = state->FindIndexByUuid(shard_id.index_uuid); meta != nullptr && meta->closed) {
    return false;
  }
  ShardRouting& shard = index->second.shards[shard_id.shard];
  for (ShardCopyRouting& copy : shard.copies) {
    // A relocation target: started → it takes the source's place.
    if (copy.relocation_id == allocation_id) {
      if (reported == ShardCopyState::kStarted) {
        const std::string old_id = copy.allocation_id;
        copy.node_id = copy.relocating_node_id;
        copy.allocation_id = allocation_id;
        copy.state = ShardCopyState::kStarted;
        copy.relocating_node_id.clear();
        copy.relocation_id.clear();
        std::replace(shard.in_sync.begin(), shard.in_sync.end(), old_id, allocation_id);
      } else if (reported == ShardCopyState::kFailed) {
        copy.relocating_node_id.clear();  // the move failed: the source stays
        copy.relocation_id.clear();
        copy.state = ShardCopyState::kStarted;
      } else {
        return false;
      }
      return true;
    }
  }
  auto copy = std::find_if(shard.copies.begin(), shard.copies.end(),
                           [&](const ShardCopyRouting& c) { return c.allocation_id == allocation_id && !c.node_id.empty(); });
  if (copy == shard.copies.end()) return false;
  const std::string new_failure = reported == ShardCopyState::kFailed ? failure : std::string();
  ShardCopyState next = reported;
  // A relocating source stays RELOCATING while it serves.
  if (reported == ShardCopyState::kStarted && copy->state == ShardCopyState::kRelocating) next = copy->state;
  auto in_sync = std::find(shard.in_sync.begin(), shard.in_sync.end(), allocation_id);
  // A replica is in sync once recovered from a started primary; one that
  // reports started with no primary to have recovered from opened what its
  // volume held (a node of an older view): a stale report.
  if (reported == ShardCopyState::kStarted && !copy->primary && in_sync == shard.in_sync.end() &&
      StartedPrimary(shard) == nullptr) {
    return false;
  }
  const bool joins_in_sync = reported == ShardCopyState::kStarted && in_sync == shard.in_sync.end();
  // The last in-sync copy never leaves the set (as in Elasticsearch).
  const bool leaves_in_sync =
      reported == ShardCopyState::kFailed && in_sync != shard.in_sync.end() && shard.in_sync.size() > 1;
  if (copy->state == next && copy->failure == new_failure && !leaves_in_sync && !joins_in_sync) return false;
  if (reported == ShardCopyState::kFailed) {
    copy->relocating_node_id.clear();
    copy->relocation_id.clear();
    // A failed primary is replaced at once by a started in-sync replica
    // (term + 1), as when its node leaves; it becomes a replica, recovered
    // from the new primary (the allocation puts it back on its node).
    if (copy->primary && PromoteReplica(&shard, *state, "PRIMARY_FAILED", WallClockMs())) {
      for (ShardCopyRouting& c : shard.copies) {
        if (c.unassigned_reason == "PRIMARY_FAILED" && c.node_id.empty()) c.failure = failure;
      }
      return true;
    }
    if (!copy->primary && leaves_in_sync == (in_sync != shard.in_sync.end())) {
      // A replica that failed (to open, to recover) is allocated again after
      // a pause, as a new copy recovered from the primary.
      if (leaves_in_sync) shard.in_sync.erase(in_sync);
      MarkUnassigned(&*copy, "ALLOCATION_FAILED", WallClockMs());
      copy->last_node_id.clear();
      copy->failure = failure;
      return true;
    }
  }
  copy->state = next;
  if (next == ShardCopyState::kStarted) copy->forced_primary.clear();  // it opened as it was asked to
  copy->failure = new_failure;
  if (leaves_in_sync) shard.in_sync.erase(in_sync);
  if (joins_in_sync) shard.in_sync.push_back(allocation_id);
  return true;
}

Result<bool> ApplyReplicaFailure(ClusterStateSnapshot* state, const ShardId& shard_id, const std::string& allocation_id,
                                 int64_t primary_term, const std::string& reason, int64_t now_ms) {
  auto index = state->routing.find(shard_id.index_uuid);
  if (allocation_id.empty() || index == state->routing.end() || shard_id.shard >= index->second.shards.size()) {
    return false;
  }
  ShardRouting& shard = index->second.shards[shard_id.shard];
  if (shard.primary_term != primary_term) {
    return Status::Fenced("shard " + shard_id.ToString() + " is at primary term " + std::to_string(shard.primary_term) +
                          ", not " + std::to_string(primary_term) + ": the caller is no longer its primary");
  }
  bool changed = false;
  auto in_sync = std::find(shard.in_sync.begin(), shard.in_sync.end(), allocation_id);
  if (in_sync != shard.in_sync.end()) {
    shard.in_sync.erase(in_sync);
    changed = true;
  }
  for (ShardCopyRouting& copy : shard.copies) {
    if (copy.primary) continue;
    if (copy.relocation_id == allocation_id) {  // a moving replica's target
      copy.relocating_node_id.clear();
      copy.relocation_id.clear();
      copy.state = ShardCopyState::kStarted;
      return true;
    }
    if (copy.allocation_id != allocation_id || copy.node_id.empty()) continue;
    MarkUnassigned(&copy, "ALLOCATION_FAILED", now_ms);
    copy.last_node_id.clear();
    copy.failure = reason;
    return true;
  }
  return changed;
}

std::vector<PlannedMove> PlanRebalance(const ClusterStateSnapshot& state_in, const AllocationInput& input) {
  ClusterStateSnapshot state = state_in;
  const Rules rules = RulesOf(state);
  std::vector<PlannedMove> moves;
  // Applies a move of a copy from `from` to `to` on the working copy (so the
  // next pick sees it); false when no copy on `from` may go to `to`.
  auto move_one = [&](const std::string& from, const std::string& to, const std::map<std::string, int>& load) {
    for (auto& [uuid, index] : state.routing) {
      for (ShardRouting& shard : index.shards) {
        for (ShardCopyRouting& copy : shard.copies) {
          if (copy.node_id != from || copy.state != ShardCopyState::kStarted ||
              !EnableRefusal(rules, uuid, copy).empty()) {
            continue;
          }
          if (!Refusal(state, uuid, &shard, to, rules, input, from).empty()) continue;
          const IndexMetadata* meta = state.FindIndexByUuid(uuid);
          moves.push_back(PlannedMove{ShardId{uuid, shard.shard}, meta ? meta->name : uuid, from, to,
                                      "node [" + from + "] holds " + std::to_string(load.at(from)) + " copies, node [" +
                                          to + "] " + std::to_string(load.at(to))});
          copy.node_id = to;
          return true;
        }
      }
    }
    return false;
  };
  for (int guard = 0; guard < 1000; ++guard) {
    // To the node with the fewest copies, from the fullest node that has a
    // copy it may take (awareness or disk may rule the fullest one out).
    std::map<std::string, int> load = NodeLoads(state);
    std::vector<std::pair<int, std::string>> candidates;  // (-copies, id): fullest first
    for (const auto& [id, n] : load) {
      if (state.nodes.count(id) && !rules.excluded.count(id)) candidates.emplace_back(-n, id);
    }
    if (candidates.empty()) break;
    std::sort(candidates.begin(), candidates.end());
    const std::string fewest = candidates.back().second;
    bool moved = false;
    for (const auto& [minus, from] : candidates) {
      if (-minus - load[fewest] < 2) break;
      if ((moved = move_one(from, fewest, load))) break;
    }
    if (!moved) break;
  }
  return moves;
}


}  // namespace holdfast
