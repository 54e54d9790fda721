#include "server/coordinator/shard_router.h"

#include <algorithm>
#include <optional>

#include "index/mapping/mapping_error.h"
#include "replication/drain_records.h"
#include "replication/local_shard_client.h"
#include "replication/loopback_shard_client.h"

namespace holdfast {

Result<ShardTransport> ShardTransportFromName(std::string_view name) {
  if (name == "local") return ShardTransport::kLocal;
  if (name == "loopback") return ShardTransport::kLoopback;
  if (name == "grpc") return ShardTransport::kGrpc;
  return Status::InvalidArgument("shard.transport must be local, loopback or grpc, got [" + std::string(name) + "]");
}

ShardRouter::ShardRouter(ShardService* local_service, std::string local_node_id, ShardTransport transport,
                         RemoteShardClients remote)
    : local_node_id_(std::move(local_node_id)), transport_(transport), remote_(std::move(remote)) {
  if (transport == ShardTransport::kLoopback) {
    local_client_ = std::make_unique<LoopbackShardClient>(local_service);
  } else {
    local_client_ = std::make_unique<LocalShardClient>(local_service);
  }
}

ShardRouter::~ShardRouter() = default;

Result<ShardClient*> ShardRouter::ClientFor(const ClusterStateSnapshot& state, const std::string& node_id) const {
  if (node_id == local_node_id_ && (transport_ != ShardTransport::kGrpc || !remote_)) return local_client_.get();
  auto node = state.nodes.find(node_id);
  if (node == state.nodes.end() || !remote_) {
    return Status::Unavailable("node [" + node_id + "] is not a member of the cluster now");
  }
  ShardClient* client = remote_(node->second.grpc_address);
  if (client == nullptr) return Status::Unavailable("cannot reach node [" + node_id + "] at " + node->second.grpc_address);
  return client;
}

Result<ShardTarget> ShardRouter::To(const ClusterStateSnapshot& state, const ShardRouting& routing,
                                    const ShardCopyRouting& copy, const ShardId& shard, bool with_term) const {
  ShardTarget t;
  t.node_id = copy.node_id;
  auto client = ClientFor(state, copy.node_id);
  if (!client.ok()) {
    return Status::Unavailable("shard " + shard.ToString() + ": " + client.status().message());
  }
  t.client = client.value();
  t.target.mutable_shard()->set_index_uuid(shard.index_uuid);
  t.target.mutable_shard()->set_shard(shard.shard);
  if (with_term) t.target.set_primary_term(routing.primary_term);
  return t;
}

Result<ShardTarget> ShardRouter::Primary(const ClusterStateSnapshot& state, const ShardId& shard) const {
  const ShardRouting* routing = state.RoutingOf(shard);
  const ShardCopyRouting* primary = routing != nullptr ? routing->primary() : nullptr;
  if (primary == nullptr || (primary->state != ShardCopyState::kStarted && primary->state != ShardCopyState::kRelocating)) {
    return Status::Unavailable("primary shard " + shard.ToString() + " is not active" +
                               (primary != nullptr && !primary->failure.empty() ? ": " + primary->failure : ""));
  }
  return To(state, *routing, *primary, shard, true);
}

namespace {

// Calls `visit(routing, copy, draining)` with the copies a read may go to, in
// read order — routing order (the primary first), copies on draining nodes
// after the others — until it returns false; the status when there is no such
// copy at all. A template, not a std::function: ForRead is on every
// search's path.
template <class Visit>
Status EachReadCopy(const ClusterStateSnapshot& state, const ShardId& shard,
                    const std::function<bool(const std::string& node_id)>& on_node, const Visit& visit) {
  const ShardRouting* routing = state.RoutingOf(shard);
  if (routing == nullptr) return Status::Unavailable("no active copy of shard " + shard.ToString());
  auto started = [](const ShardCopyRouting& c) {
    return !c.node_id.empty() && (c.state == ShardCopyState::kStarted || c.state == ShardCopyState::kRelocating);
  };
  const bool drains = !state.drains.empty();
  bool any = false;
  for (bool draining : {false, true}) {
    if (draining && !drains) break;
    for (const ShardCopyRouting& c : routing->copies) {
      if (!started(c) || (!c.primary && !routing->IsInSync(c.allocation_id))) continue;
      if (on_node && !on_node(c.node_id)) continue;
      if (drains && IsDraining(state, c.node_id) != draining) continue;
      any = true;
      if (!visit(*routing, c, draining)) return Status::OK();
    }
  }
  if (any) return Status::OK();
  const ShardCopyRouting* primary = routing->primary();
  return Status::Unavailable("no active copy of shard " + shard.ToString() +
                             (primary != nullptr && !primary->failure.empty() ? ": " + primary->failure : ""));
}

}  // namespace

std::function<bool(const std::string& node_id)> ReadPreference::NodeFilter(const ClusterStateSnapshot& state,
                                                                         const std::string& local) const {
  if (only_local) return [&local](const std::string& node_id) { return node_id == local; };
  if (only_nodes.empty()) return nullptr;
  return [this, &state](const std::string& node_id) {
    auto node = state.nodes.find(node_id);
    return only_nodes.count(node_id) > 0 || (node != state.nodes.end() && only_nodes.count(node->second.name) > 0);
  };
}

Result<ShardTarget> ShardRouter::ForRead(const ClusterStateSnapshot& state, const ShardId& shard,
                                         const std::function<bool(const std::string& node_id)>& on_node) const {
  // The first copy whose node is a member (else why the first is not).
  std::optional<Result<ShardTarget>> picked;
  HOLDFAST_RETURN_IF_ERROR(EachReadCopy(state, shard, on_node, [&](const ShardRouting& routing, const ShardCopyRouting& c, bool) {
    Result<ShardTarget> to = To(state, routing, c, shard, false);
    if (to.ok() || !picked) picked.emplace(std::move(to));
    return !picked->ok();
  }));
  return std::move(*picked);
}

namespace {

bool AdaptiveReplicaSelection(const ClusterStateSnapshot& state) {
  auto it = state.settings.find(kAdaptiveReplicaSelectionSetting);
  return it == state.settings.end() || it->second != "false";
}

}  // namespace

Result<ShardTarget> ShardRouter::ForSearch(const ClusterStateSnapshot& state, const ShardId& shard,
                                           const std::function<bool(const std::string& node_id)>& on_node,
                                           const CopyPreference& preference) const {
  // The reachable copies of the first group a read may go to (those off
  // draining nodes; else those on them), in routing order.
  struct Candidate {
    const ShardCopyRouting* copy;
    ShardTarget target;
  };
  std::vector<Candidate> candidates;
  std::optional<bool> group;  // the draining flag of the candidates' group
  Status unreachable;
  HOLDFAST_RETURN_IF_ERROR(
      EachReadCopy(state, shard, on_node, [&](const ShardRouting& routing, const ShardCopyRouting& c, bool draining) {
        if (group && *group != draining) return false;  // a draining copy only when no other answers
        auto to = To(state, routing, c, shard, false);
        if (!to.ok()) {
          if (unreachable.ok()) unreachable = to.status();
          return true;
        }
        group = draining;
        candidates.push_back(Candidate{&c, std::move(to).value()});
        return true;
      }));
  if (candidates.empty()) return unreachable;
  if (candidates.size() == 1) return std::move(candidates.front().target);
  // The same choice for the same request: by allocation id, a hash of the
  // custom string (or of this node, without one) and the shard.
  auto pick = [&](const std::string& key) {
    std::sort(candidates.begin(), candidates.end(),
              [](const Candidate& a, const Candidate& b) { return a.copy->allocation_id < b.copy->allocation_id; });
    const size_t h = std::hash<std::string>()(key + "/" + shard.index_uuid + "/" + std::to_string(shard.shard));
    return h % candidates.size();
  };
  if (!preference.custom.empty()) return std::move(candidates[pick(preference.custom)].target);
  // Copies on the preferred nodes (this node's own, unless named): the
  // primary first among them.
  auto preferred = [&](const std::string& node_id) {
    if (preference.prefer_nodes.empty()) return node_id == local_node_id_;
    if (preference.prefer_nodes.count(node_id)) return true;
    auto node = state.nodes.find(node_id);
    return node != state.nodes.end() && preference.prefer_nodes.count(node->second.name) > 0;
  };
  size_t chosen = candidates.size();
  for (size_t i = 0; i < candidates.size() && chosen == candidates.size(); ++i) {
    if (preferred(candidates[i].copy->node_id)) chosen = i;
  }
  if (chosen == candidates.size()) chosen = pick(local_node_id_);
  if (preference.prefer_nodes.empty() && AdaptiveReplicaSelection(state)) {
    const std::optional<double> usual = candidates[chosen].target.client->response_times().Rank();
    const double gain_ns = std::chrono::duration<double, std::nano>(kAdaptiveMinGain).count();
    const double explore_ns = std::chrono::duration<double, std::nano>(kAdaptiveExploreAbove).count();
    std::optional<size_t> best;
    double best_rank = 0;
    for (size_t i = 0; usual && i < candidates.size(); ++i) {
      if (i == chosen) continue;
      const std::optional<double> rank = candidates[i].target.client->response_times().Rank();
      // Much faster; or not heard from yet while the usual one is very slow.
      const bool faster = rank ? *rank * 2 < *usual && *usual - *rank > gain_ns : *usual > explore_ns;
      if (faster && (!best || rank.value_or(0) < best_rank)) {
        best = i;
        best_rank = rank.value_or(0);
      }
    }
    if (best) {
      candidates[chosen].target.client->response_times().Decay();
      chosen = *best;
    }
  }
  return std::move(candidates[chosen].target);
}

Result<std::vector<ShardTarget>> ShardRouter::ReadCopies(const ClusterStateSnapshot& state, const ShardId& shard) const {
  return ReadCopiesOn(state, shard, nullptr);
}

Result<std::vector<ShardTarget>> ShardRouter::ReadCopies(const ClusterStateSnapshot& state, const ShardId& shard,
                                                         const std::function<bool(const std::string& node_id)>& on_node,
                                                         const CopyPreference& preference) const {
  auto first = ForSearch(state, shard, on_node, preference);
  if (!first.ok()) return first.status();
  auto rest = ReadCopiesOn(state, shard, on_node);
  std::vector<ShardTarget> out;
  out.push_back(std::move(first).value());
  if (rest.ok()) {
    for (ShardTarget& to : *rest) {
      if (to.node_id != out.front().node_id) out.push_back(std::move(to));
    }
  }
  return out;
}

Result<std::vector<ShardTarget>> ShardRouter::ReadCopiesOn(
    const ClusterStateSnapshot& state, const ShardId& shard,
    const std::function<bool(const std::string& node_id)>& on_node) const {
  std::vector<ShardTarget> out;
  Status unreachable;
  HOLDFAST_RETURN_IF_ERROR(EachReadCopy(state, shard, on_node, [&](const ShardRouting& routing, const ShardCopyRouting& c, bool) {
    auto to = To(state, routing, c, shard, false);
    if (to.ok()) {
      out.push_back(std::move(to).value());
    } else if (unreachable.ok()) {
      unreachable = to.status();
    }
    return true;
  }));
  if (out.empty()) return unreachable;
  return out;
}

std::vector<ShardTarget> ShardRouter::Replicas(const ClusterStateSnapshot& state, const ShardId& shard) const {
  std::vector<ShardTarget> out;
  const ShardRouting* routing = state.RoutingOf(shard);
  if (routing == nullptr) return out;
  for (const ShardCopyRouting& c : routing->copies) {
    if (c.primary || c.node_id.empty() || (c.state != ShardCopyState::kStarted && c.state != ShardCopyState::kRelocating)) {
      continue;
    }
    auto to = To(state, *routing, c, shard, false);
    if (to.ok()) out.push_back(std::move(to).value());
  }
  return out;
}

}  // namespace holdfast
