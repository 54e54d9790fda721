#include "replication/allocation_rules.h"

#include <algorithm>

#include "index/util/uuid.h"
#include "replication/allocation_filters.h"

namespace holdfast {

std::optional<int32_t> ParseRecoveryLimit(std::string_view text) {
  const std::optional<int32_t> v = ParseShardLimit(text);  // a whole number >= -1
  return v && *v >= 0 ? v : std::nullopt;
}

bool IsRecoveryLimitSetting(std::string_view key) {
  return key == kConcurrentRecoveriesSetting || key == kConcurrentIncomingRecoveriesSetting ||
         key == kConcurrentOutgoingRecoveriesSetting || key == kInitialPrimariesRecoveriesSetting;
}

RecoveryLimits RecoveryLimitsOf(const ClusterStateSnapshot& state) {
  auto setting = [&](const char* key, int fallback) {
    auto it = state.settings.find(key);
    if (it == state.settings.end()) return fallback;
    return ParseRecoveryLimit(it->second).value_or(fallback);
  };
  const int both = setting(kConcurrentRecoveriesSetting, kDefaultConcurrentRecoveries);
  return RecoveryLimits{setting(kConcurrentIncomingRecoveriesSetting, both),
                        setting(kConcurrentOutgoingRecoveriesSetting, both),
                        setting(kInitialPrimariesRecoveriesSetting, kDefaultInitialPrimariesRecoveries)};
}

}  // namespace holdfast

namespace holdfast::allocation {

namespace {

// The copies a node owns: on it and not moving away, or moving to it
// (Elasticsearch counts shard limits so). `index_uuid` "": of every index.
int OwnedCopies(const ClusterStateSnapshot& state, const std::string& index_uuid, const std::string& node) {
  int n = 0;
  auto count = [&](const IndexRouting& routing) {
    for (const ShardRouting& shard : routing.shards) {
      for (const ShardCopyRouting& copy : shard.copies) {
        n += (copy.node_id == node && copy.relocating_node_id.empty()) || copy.relocating_node_id == node;
      }
    }
  };
  if (index_uuid.empty()) {
    for (const auto& [uuid, routing] : state.routing) count(routing);
  } else if (const IndexRouting* routing = state.RoutingOf(index_uuid)) {
    count(*routing);
  }
  return n;
}

}  // namespace

bool HoldsCopy(const ShardRouting& shard, const std::string& node) {
  for (const ShardCopyRouting& copy : shard.copies) {
    if (copy.node_id == node || copy.relocating_node_id == node) return true;
  }
  return false;
}

std::string AllocationEnableOf(const ClusterStateSnapshot& state) {
  auto enable = state.settings.find(kAllocationEnableSetting);
  return enable != state.settings.end() && IsAllocationEnableValue(enable->second) ? enable->second : "all";
}

void AddIndexRules(const ClusterStateSnapshot& state, const IndexMetadata& index, Rules* rules) {
  if (index.settings.allocation_filters.empty() && index.settings.total_shards_per_node < 0 &&
      index.settings.allocation_enable.empty()) {
    return;
  }
  IndexRules& r = rules->indices[index.uuid];
  r.name = index.name;
  r.excluded = FilteredOutNodes(state, index.settings.allocation_filters, kIndexAllocationPrefix);
  r.total_shards_per_node = index.settings.total_shards_per_node;
  if (IsAllocationEnableValue(index.settings.allocation_enable)) r.enable = index.settings.allocation_enable;
}

Rules RulesOf(const ClusterStateSnapshot& state) {
  Rules rules{ExcludedNodesWithReasons(state), AllocationAwareness::Of(state), AllocationEnableOf(state),
              TotalShardsPerNodeOf(state), RecoveryLimitsOf(state), {}};
  for (const auto& [uuid, index] : state.indices) AddIndexRules(state, index, &rules);
  return rules;
}

std::string IndexRefusal(const ClusterStateSnapshot& state, const std::string& index_uuid, const std::string& node,
                         const Rules& rules, bool stays) {
  if (auto index = rules.indices.find(index_uuid); index != rules.indices.end()) {
    const IndexRules& r = index->second;
    if (auto excluded = r.excluded.find(node); excluded != r.excluded.end()) {
      return excluded->second + " (index [" + r.name + "])";
    }
    if (r.total_shards_per_node >= 0) {
      const int n = OwnedCopies(state, index_uuid, node);
      if (stays ? n > r.total_shards_per_node : n >= r.total_shards_per_node) {
        return "too many shards [" + std::to_string(n) + "] allocated to this node for index [" + r.name +
               "], index setting [index.routing.allocation.total_shards_per_node=" +
               std::to_string(r.total_shards_per_node) + "]";
      }
    }
  }
  if (rules.total_shards_per_node >= 0) {
    const int n = OwnedCopies(state, "", node);
    if (stays ? n > rules.total_shards_per_node : n >= rules.total_shards_per_node) {
      return "too many shards [" + std::to_string(n) + "] allocated to this node, cluster setting [" +
             std::string(kTotalShardsPerNodeSetting) + "=" + std::to_string(rules.total_shards_per_node) + "]";
    }
  }
  return "";
}

bool NewPrimary(const ShardCopyRouting& copy) {
  return copy.primary && copy.state == ShardCopyState::kUnassigned && copy.last_node_id.empty() &&
         copy.unassigned_reason == "INDEX_CREATED";
}

namespace {

// The index's own rules when they set allocation.enable, else null.
const IndexRules* WithOwnEnable(const Rules& rules, const std::string& index_uuid) {
  auto it = rules.indices.find(index_uuid);
  return it != rules.indices.end() && !it->second.enable.empty() ? &it->second : nullptr;
}

int CountOf(const std::map<std::string, int>& counts, const std::string& node) {
  auto it = counts.find(node);
  return it == counts.end() ? 0 : it->second;
}

}  // namespace

const std::string& EnableOf(const Rules& rules, const std::string& index_uuid) {
  const IndexRules* index = WithOwnEnable(rules, index_uuid);
  return index != nullptr ? index->enable : rules.enable;
}

std::string EnableRefusal(const Rules& rules, const std::string& index_uuid, const ShardCopyRouting& copy) {
  const IndexRules* index = WithOwnEnable(rules, index_uuid);
  const std::string& enable = index != nullptr ? index->enable : rules.enable;
  if (enable == "all" || (enable == "primaries" && copy.primary) || (enable == "new_primaries" && NewPrimary(copy))) {
    return "";
  }
  const char* allowed = enable == "primaries"       ? "only primaries are allocated"
                        : enable == "new_primaries" ? "only the primaries of new indices are allocated"
                                                    : "no copy is allocated";
  if (index != nullptr) {
    return "index.routing.allocation.enable is [" + enable + "] for index [" + index->name + "]: " + allowed;
  }
  return std::string(kAllocationEnableSetting) + " is [" + enable + "]: " + allowed;
}

std::string Refusal(const ClusterStateSnapshot& state, const std::string& index_uuid, const ShardRouting* shard,
                    const std::string& node, const Rules& rules, const AllocationInput& input,
                    const std::string& leaving) {
  if (!state.nodes.count(node)) return "the node is not a member of the cluster";
  if (auto excluded = rules.excluded.find(node); excluded != rules.excluded.end()) return excluded->second;
  if (std::string why = IndexRefusal(state, index_uuid, node, rules); !why.empty()) return why;
  if (input.over_high_watermark.count(node)) return "the node is above the high disk watermark";
  if (shard != nullptr && HoldsCopy(*shard, node)) return "a copy of this shard is already allocated to this node";
  return rules.awareness.Refusal(state, shard, node, leaving);
}

std::string MustLeave(const ClusterStateSnapshot& state, const std::string& index_uuid, const ShardRouting& shard,
                      const std::string& node, const Rules& rules) {
  if (auto excluded = rules.excluded.find(node); excluded != rules.excluded.end()) return excluded->second;
  if (std::string why = IndexRefusal(state, index_uuid, node, rules, /*stays=*/true); !why.empty()) return why;
  return rules.awareness.Refusal(state, &shard, node, node);
}

RecoveryCounts RecoveryCounts::Of(const ClusterStateSnapshot& state) {
  RecoveryCounts counts;
  for (const auto& [uuid, index] : state.routing) {
    for (const ShardRouting& shard : index.shards) {
      const ShardCopyRouting* primary = shard.primary();
      const std::string source = primary != nullptr ? primary->node_id : "";
      for (const ShardCopyRouting& copy : shard.copies) {
        if (copy.primary && copy.state == ShardCopyState::kInitializing && !copy.node_id.empty()) {
          ++counts.primaries[copy.node_id];
        }
        if (!copy.relocating_node_id.empty()) counts.Add(copy.relocating_node_id, copy.node_id);
        if (copy.state == ShardCopyState::kInitializing && !copy.primary && !copy.node_id.empty()) {
          counts.Add(copy.node_id, source);
        }
      }
    }
  }
  return counts;
}

std::string RecoveryCounts::Throttled(const RecoveryLimits& limits, const std::string& target,
                                      const std::string& source) const {
  if (const int n = CountOf(incoming, target); n >= limits.incoming) {
    return "reached the limit of incoming shard recoveries [" + std::to_string(n) + "] on node [" + target +
           "], cluster setting [" + kConcurrentIncomingRecoveriesSetting + "=" + std::to_string(limits.incoming) +
           "] (can also be set via [" + kConcurrentRecoveriesSetting + "])";
  }
  if (const int n = CountOf(outgoing, source); !source.empty() && n >= limits.outgoing) {
    return "reached the limit of outgoing shard recoveries [" + std::to_string(n) + "] on node [" + source +
           "], cluster setting [" + kConcurrentOutgoingRecoveriesSetting + "=" + std::to_string(limits.outgoing) +
           "] (can also be set via [" + kConcurrentRecoveriesSetting + "])";
  }
  return "";
}

std::string RecoveryCounts::PrimaryThrottled(const RecoveryLimits& limits, const std::string& node) const {
  const int n = CountOf(primaries, node);
  if (n < limits.initial_primaries) return "";
  return "reached the limit of ongoing initial primary recoveries [" + std::to_string(n) + "] on node [" + node +
         "], cluster setting [" + kInitialPrimariesRecoveriesSetting + "=" + std::to_string(limits.initial_primaries) +
         "]";
}

const ShardCopyRouting* StartedPrimary(const ShardRouting& shard) {
  const ShardCopyRouting* p = shard.primary();
  if (p == nullptr || p->node_id.empty()) return nullptr;
  return (p->state == ShardCopyState::kStarted || p->state == ShardCopyState::kRelocating) ? p : nullptr;
}

void MarkUnassigned(ShardCopyRouting* copy, const std::string& reason, int64_t now_ms) {
  copy->last_node_id = copy->node_id.empty() ? copy->last_node_id : copy->node_id;
  copy->node_id.clear();
  copy->state = ShardCopyState::kUnassigned;
  copy->unassigned_reason = reason;
  copy->unassigned_at_ms = now_ms;
  copy->relocating_node_id.clear();
  copy->relocation_id.clear();
  copy->failure.clear();
}

void AssignTo(ShardCopyRouting* copy, const std::string& node, bool keep_allocation) {
  copy->node_id = node;
  copy->state = ShardCopyState::kInitializing;
  if (!keep_allocation || copy->allocation_id.empty()) copy->allocation_id = NewUuid();
  copy->unassigned_reason.clear();
  copy->unassigned_at_ms = 0;
  copy->last_node_id.clear();
  copy->failure.clear();
}

// The primary's copy is lost (its node left, or it failed): an in-sync
// started replica on a member node becomes the primary of the next term,
// and the old primary's copy a replica that is recovered again (out of the
// in-sync set: it may hold ops of its term that were never acknowledged).
// False, nothing changed, when no such replica exists: the shard waits for
// its primary (red), never promoting a copy that may lack acknowledged
// writes.
bool PromoteReplica(ShardRouting* shard, const ClusterStateSnapshot& state, const std::string& reason, int64_t now_ms) {
  if (shard->copies.empty() || !shard->copies[0].primary) return false;
  size_t best = 0;
  for (size_t i = 1; i < shard->copies.size(); ++i) {
    const ShardCopyRouting& c = shard->copies[i];
    if (c.primary || c.node_id.empty() || !state.nodes.count(c.node_id)) continue;
    if (c.state != ShardCopyState::kStarted && c.state != ShardCopyState::kRelocating) continue;
    if (!shard->IsInSync(c.allocation_id)) continue;
    best = i;
    break;
  }
  if (best == 0) return false;
  ShardCopyRouting old = shard->copies[0];
  ShardCopyRouting promoted = shard->copies[best];
  shard->in_sync.erase(std::remove(shard->in_sync.begin(), shard->in_sync.end(), old.allocation_id), shard->in_sync.end());
  old.primary = false;
  // Delayed like any copy whose node left: back to its volume if the node
  // returns in time (under a new allocation id, recovered from the new primary).
  MarkUnassigned(&old, reason, now_ms);
  promoted.primary = true;
  if (promoted.state == ShardCopyState::kRelocating) {
    promoted.state = ShardCopyState::kStarted;
    promoted.relocating_node_id.clear();
    promoted.relocation_id.clear();
  }
  shard->copies.erase(shard->copies.begin() + static_cast<ptrdiff_t>(best));
  shard->copies[0] = std::move(promoted);
  shard->copies.push_back(std::move(old));
  shard->primary_term += 1;
  return true;
}

}  // namespace holdfast::allocation
