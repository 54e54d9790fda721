// POST /_cluster/reroute's commands on a routing table
// (replication/allocation.h ApplyReroute): what an operator forces by hand —
// a move, a cancel, a replica placed, a primary forced onto an older copy or
// made empty when the copy that held the data is gone for good.
#include <algorithm>

#include "index/util/clock.h"
#include "replication/allocation.h"
#include "replication/allocation_rules.h"

namespace holdfast {

using namespace allocation;

namespace {

struct Target {
  ShardRouting* shard = nullptr;
  std::string uuid;
  std::string what;  // "[index][shard]"
};

Status Refused(const RerouteCommand& c, const std::string& why) {
  return Status::InvalidArgument("[" + c.kind + "] " + why);
}

// A member's id, by id or name ("" when none).
std::string MemberId(const ClusterStateSnapshot& state, const std::string& id_or_name) {
  if (state.nodes.count(id_or_name)) return id_or_name;
  for (const auto& [id, node] : state.nodes) {
    if (node.name == id_or_name) return id;
  }
  return "";
}

Result<Target> FindShard(ClusterStateSnapshot* state, const RerouteCommand& c) {
  const IndexMetadata* meta = state->FindIndex(c.index);
  if (meta == nullptr) return Status::IndexNotFound("no such index [" + c.index + "]");
  const std::string what = "[" + meta->name + "][" + std::to_string(c.shard) + "]";
  if (meta->closed) return Refused(c, "index [" + meta->name + "] is closed");
  auto routing = state->routing.find(meta->uuid);
  if (routing == state->routing.end() || c.shard >= routing->second.shards.size()) {
    return Refused(c, "no shard " + what + ": the index has " +
                          std::to_string(routing == state->routing.end() ? 0 : routing->second.shards.size()) +
                          " shards");
  }
  return Target{&routing->second.shards[c.shard], meta->uuid, what};
}

void DropFromInSync(ShardRouting* shard, const std::string& allocation_id) {
  shard->in_sync.erase(std::remove(shard->in_sync.begin(), shard->in_sync.end(), allocation_id), shard->in_sync.end());
}

// After a primary was forced: replicas still on nodes hold another history;
// each is recovered again from the new primary on its node (files: the
// histories differ).
void ReinitializeReplicas(ShardRouting* shard, int64_t now_ms) {
  for (size_t i = 1; i < shard->copies.size(); ++i) {
    ShardCopyRouting& c = shard->copies[i];
    if (c.node_id.empty()) continue;
    MarkUnassigned(&c, "REINITIALIZED", now_ms);
  }
}

// The shard's primary entry goes to `node` under a new allocation id, forced
// (`how`: ShardCopyRouting::forced_primary): the only in-sync copy of the
// next term. The replicas still on nodes are recovered again from it.
void ForcePrimary(ShardRouting* shard, const std::string& node, const char* how, int64_t now_ms) {
  ShardCopyRouting& primary = shard->copies[0];
  primary.relocating_node_id.clear();
  primary.relocation_id.clear();
  AssignTo(&primary, node, /*keep_allocation=*/false);
  primary.forced_primary = how;
  shard->in_sync = {primary.allocation_id};
  shard->primary_term += 1;
  ReinitializeReplicas(shard, now_ms);
}

// The shard's primary entry may be forced: unassigned, or failed on its node.
Status ForcablePrimary(const RerouteCommand& c, const Target& t, int64_t now_ms) {
  ShardCopyRouting& primary = t.shard->copies[0];
  if (!primary.primary) return Refused(c, "shard " + t.what + " has no primary entry");
  if (primary.state == ShardCopyState::kFailed) {
    MarkUnassigned(&primary, "ALLOCATION_FAILED", now_ms);
    return Status::OK();
  }
  if (primary.state != ShardCopyState::kUnassigned) {
    return Refused(c, "primary " + t.what + " is already assigned (" + ShardCopyStateName(primary.state) +
                          " on node [" + primary.node_id + "])");
  }
  return Status::OK();
}

Result<std::string> Cancel(ClusterStateSnapshot* state, const RerouteCommand& c, const Target& t, const std::string& node,
                           int64_t now_ms) {
  ShardRouting& shard = *t.shard;
  // A relocation, named by either end: the source stays.
  for (ShardCopyRouting& copy : shard.copies) {
    if (!copy.relocation_id.empty() && (copy.relocating_node_id == node || copy.node_id == node)) {
      const std::string to = copy.relocating_node_id;
      copy.relocating_node_id.clear();
      copy.relocation_id.clear();
      copy.state = ShardCopyState::kStarted;
      return "the move of " + t.what + " from node [" + copy.node_id + "] to node [" + to +
             "] is called off; the copy stays where it was";
    }
  }
  auto copy = std::find_if(shard.copies.begin(), shard.copies.end(),
                           [&](const ShardCopyRouting& x) { return x.node_id == node; });
  if (copy == shard.copies.end()) {
    return Refused(c, "can't cancel " + t.what + ", failed to find it on node [" + node + "]");
  }
  if (copy->primary) {
    std::string state_name = ShardCopyStateName(copy->state);
    std::transform(state_name.begin(), state_name.end(), state_name.begin(), ::tolower);
    if (!c.allow_primary) {
      return Refused(c, "can't cancel " + t.what + " on node [" + node + "], shard is primary and " + state_name +
                            " (allow_primary cancels it: an in-sync replica takes its place)");
    }
    if (!PromoteReplica(&shard, *state, "REROUTE_CANCELLED", now_ms)) {
      return Refused(c, "can't cancel the primary of " + t.what + " on node [" + node +
                            "]: no started in-sync replica can take its place");
    }
    return "the primary of " + t.what + " on node [" + node + "] is cancelled: the replica on node [" +
           shard.copies[0].node_id + "] is primary now (term " + std::to_string(shard.primary_term) +
           "), the old primary's copy is recovered from it";
  }
  // A replica: dropped, then allocated again under a new allocation id and
  // recovered from the primary (Elasticsearch's way to resync a replica).
  DropFromInSync(&shard, copy->allocation_id);
  MarkUnassigned(&*copy, "REROUTE_CANCELLED", now_ms);
  copy->last_node_id.clear();
  return "the replica of " + t.what + " on node [" + node + "] is cancelled; it is allocated again and recovered "
         "from the primary";
}

Result<std::string> AllocateReplica(ClusterStateSnapshot* state, const RerouteCommand& c, const Target& t,
                                    const std::string& node, const AllocationInput& input) {
  ShardRouting& shard = *t.shard;
  if (StartedPrimary(shard) == nullptr) {
    return Refused(c, "trying to allocate a replica shard " + t.what +
                          ", while corresponding primary shard is still unassigned or not started");
  }
  auto copy = std::find_if(shard.copies.begin(), shard.copies.end(), [](const ShardCopyRouting& x) {
    return !x.primary && x.state == ShardCopyState::kUnassigned;
  });
  if (copy == shard.copies.end()) {
    return Refused(c, "all copies of " + t.what + " are already assigned (index.number_of_replicas adds more)");
  }
  const Rules rules = RulesOf(*state);
  const std::string why = Refusal(*state, t.uuid, &shard, node, rules, input);
  if (!why.empty()) return Refused(c, "allocation of " + t.what + " to node [" + node + "] is not allowed: " + why);
  AssignTo(&*copy, node, /*keep_allocation=*/false);
  return "a replica of " + t.what + " is allocated to node [" + node + "], recovered from the primary on node [" +
         StartedPrimary(shard)->node_id + "]";
}

Result<std::string> AllocateStalePrimary(const RerouteCommand& c, const Target& t, const std::string& node,
                                         int64_t now_ms) {
  ShardRouting& shard = *t.shard;
  if (!c.accept_data_loss) {
    return Refused(c, "allocating a stale primary for " + t.what +
                          " can result in data loss. Please confirm by setting the accept_data_loss parameter to true");
  }
  HOLDFAST_RETURN_IF_ERROR(ForcablePrimary(c, t, now_ms));
  // The copy whose data is on the node: a replica allocated there, or an
  // unassigned copy whose last place it was (its volume keeps the files).
  size_t chosen = shard.copies.size();
  for (size_t i = 0; i < shard.copies.size() && chosen == shard.copies.size(); ++i) {
    const ShardCopyRouting& x = shard.copies[i];
    if (x.node_id == node || (x.state == ShardCopyState::kUnassigned && x.last_node_id == node)) chosen = i;
  }
  if (chosen == shard.copies.size()) {
    // The routing table forgot that copy (a replica a failed write dropped
    // is allocated anew, not back to its node): the node itself finds out
    // whether its volume holds one, and the primary fails there if not.
    ForcePrimary(&shard, node, "stale", now_ms);
    return "the primary of " + t.what + " is allocated to node [" + node + "] (term " +
           std::to_string(shard.primary_term) + ", a new history) to open the copy its volume holds; the routing "
           "table knows of none there, and if the node holds none the primary fails there (the shard stays red)";
  }
  if (chosen == 0) {
    // The primary's own (in sync) copy: nothing is lost; it opens as it is.
    AssignTo(&shard.copies[0], node, /*keep_allocation=*/true);
    return "the primary of " + t.what + " is allocated to node [" + node + "], whose volume holds its in-sync copy";
  }
  // The copy's entry becomes the primary's; the lost primary's entry is a
  // replica from now on: back to its node if that returns, recovered from
  // the new primary.
  ShardCopyRouting promoted = shard.copies[chosen];
  ShardCopyRouting old = shard.copies[0];
  promoted.primary = true;
  old.primary = false;
  shard.copies.erase(shard.copies.begin() + static_cast<ptrdiff_t>(chosen));
  shard.copies[0] = std::move(promoted);
  shard.copies.push_back(std::move(old));
  ForcePrimary(&shard, node, "stale", now_ms);
  return "the stale copy of " + t.what + " on node [" + node + "] is the primary now (term " +
         std::to_string(shard.primary_term) + ", a new history); writes acknowledged after it fell behind are lost";
}

Result<std::string> AllocateEmptyPrimary(const RerouteCommand& c, const Target& t, const std::string& node,
                                         int64_t now_ms) {
  ShardRouting& shard = *t.shard;
  if (!c.accept_data_loss && !NewPrimary(shard.copies[0])) {
    return Refused(c, "allocating an empty primary for " + t.what +
                          " can result in data loss. Please confirm by setting the accept_data_loss parameter to true");
  }
  HOLDFAST_RETURN_IF_ERROR(ForcablePrimary(c, t, now_ms));
  for (const ShardCopyRouting& x : shard.copies) {
    if (x.node_id == node) return Refused(c, "a copy of " + t.what + " is on node [" + node + "] already");
  }
  // What the node's volume holds of the shard is set aside: no copy goes
  // back there to find it.
  for (ShardCopyRouting& x : shard.copies) {
    if (x.last_node_id == node) x.last_node_id.clear();
  }
  ForcePrimary(&shard, node, "empty", now_ms);
  return "an empty primary of " + t.what + " is allocated to node [" + node + "] (term " +
         std::to_string(shard.primary_term) + "); the shard's documents are lost";
}

Result<std::string> ApplyOne(ClusterStateSnapshot* state, const RerouteCommand& c, const AllocationInput& input,
                             int64_t now_ms) {
  if (!IsRerouteCommand(c.kind)) return Refused(c, "unknown reroute command");
  auto target = FindShard(state, c);
  if (!target.ok()) return target.status();
  if (c.kind == "move") {
    const std::string from = MemberId(*state, c.from_node);
    const std::string to = MemberId(*state, c.to_node);
    if (from.empty()) return Refused(c, "no node [" + c.from_node + "] in the cluster");
    if (to.empty()) return Refused(c, "no node [" + c.to_node + "] in the cluster");
    HOLDFAST_RETURN_IF_ERROR(StartRelocation(state, ShardId{target->uuid, c.shard}, from, to));
    return "the copy of " + target->what + " moves from node [" + from + "] to node [" + to + "]";
  }
  const std::string node = MemberId(*state, c.node);
  if (node.empty()) return Refused(c, "no node [" + c.node + "] in the cluster");
  if (c.kind == "cancel") return Cancel(state, c, *target, node, now_ms);
  if (c.kind == "allocate_replica") return AllocateReplica(state, c, *target, node, input);
  if (c.kind == "allocate_stale_primary") return AllocateStalePrimary(c, *target, node, now_ms);
  return AllocateEmptyPrimary(c, *target, node, now_ms);
}

}  // namespace

bool IsRerouteCommand(const std::string& kind) {
  return kind == "move" || kind == "cancel" || kind == "allocate_replica" || kind == "allocate_stale_primary" ||
         kind == "allocate_empty_primary";
}

Result<std::vector<RerouteDecision>> ApplyReroute(ClusterStateSnapshot* state, const std::vector<RerouteCommand>& commands,
                                                  bool explain, bool retry_failed, const AllocationInput& input) {
  const int64_t now_ms = input.now_ms > 0 ? input.now_ms : WallClockMs();
  if (retry_failed) {
    // Failed allocations wait a pause before the next try: not these.
    for (auto& [uuid, index] : state->routing) {
      for (ShardRouting& shard : index.shards) {
        for (ShardCopyRouting& copy : shard.copies) {
          if (copy.state == ShardCopyState::kUnassigned && copy.unassigned_reason == "ALLOCATION_FAILED" &&
              (copy.last_node_id.empty() || state->nodes.count(copy.last_node_id))) {
            copy.unassigned_at_ms = 0;
          }
        }
      }
    }
  }
  std::vector<RerouteDecision> decisions;
  for (const RerouteCommand& c : commands) {
    auto done = ApplyOne(state, c, input, now_ms);
    if (!done.ok() && !explain) return done.status();
    decisions.push_back(done.ok() ? RerouteDecision{true, done.value()} : RerouteDecision{false, done.status().message()});
  }
  return decisions;
}

}  // namespace holdfast
