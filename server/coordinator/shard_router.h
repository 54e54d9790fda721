// ShardRouter: which copy of a shard answers a request, and the client that
// reaches it.
//
// Writes, events and realtime gets go to the primary (with its primary term,
// so a deposed primary refuses them); gets and other reads of one copy to
// the primary while it is started; searches to any started in-sync copy,
// replicas included (ForSearch).
// This node's copies are reached through a LocalShardClient, a
// LoopbackShardClient (setting `shard.transport: loopback`, every request
// through bytes) or over gRPC (`shard.transport: grpc`); copies on other
// nodes of a cluster through the `remote` clients (gRPC, by the node's
// address in the cluster state). Thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "replication/cluster_state.h"
#include "replication/shard_client.h"
#include "replication/shard_service.h"

namespace holdfast {

// Elasticsearch's setting (dynamic, default true): see ForSearch.
inline constexpr char kAdaptiveReplicaSelectionSetting[] = "cluster.routing.use_adaptive_replica_selection";
// Adaptive replica selection leaves the usual copy only for one whose rank
// is under half of its, and lower by at least this much.
inline constexpr std::chrono::milliseconds kAdaptiveMinGain{2};
// A copy on a node not heard from yet is tried once the usual one ranks above this.
inline constexpr std::chrono::milliseconds kAdaptiveExploreAbove{100};

enum class ShardTransport { kLocal, kLoopback, kGrpc };
// "local" | "loopback" | "grpc"
Result<ShardTransport> ShardTransportFromName(std::string_view name);

// Which of a shard's copies a search prefers (Elasticsearch's `preference`).
struct CopyPreference {
  // A custom string: every search with the same string reads the same copy
  // of each shard (a user's session: no results bouncing between copies).
  std::string custom;
  // `_prefer_nodes:<ids or names>`: a copy on those nodes when there is
  // one; empty: this node's own copy (`_local`, the default).
  std::set<std::string> prefer_nodes;
};

// A read's `preference` as far as copies go (a GET's; a search's adds
// `_shards`: SearchPreference).
struct ReadPreference {
  bool only_local = false;            // _only_local
  std::set<std::string> only_nodes;   // _only_nodes: ids or names; empty: any
  CopyPreference copies;              // a custom string, _prefer_nodes (_local: the default)
  // The nodes whose copies the read may go to (null: any): this node alone,
  // or those `only_nodes` names in `state`. Refers to `state` and `local`.
  std::function<bool(const std::string& node_id)> NodeFilter(const ClusterStateSnapshot& state,
                                                              const std::string& local) const;
};

struct ShardTarget {
  ShardClient* client = nullptr;
  pb::ShardTarget target;  // the shard and the primary term the request carries
  std::string node_id;     // where the copy is
};

// The client of another node's Shard service, by its gRPC address (kept
// for the router's life). Null: other nodes cannot be reached.
using RemoteShardClients = std::function<ShardClient*(const std::string& grpc_address)>;

class ShardRouter {
 public:
  // kGrpc needs `remote` (this node's own address is then used for local copies).
  ShardRouter(ShardService* local_service, std::string local_node_id, ShardTransport transport,
              RemoteShardClients remote = nullptr);
  ~ShardRouter();

  // The primary of `shard` (writes): kUnavailable when it is not started.
  Result<ShardTarget> Primary(const ClusterStateSnapshot& state, const ShardId& shard) const;
  // A started copy of `shard` to read from: kUnavailable when none is. The
  // primary when it is started, else an in-sync replica (every in-sync copy
  // has every acknowledged write). With `on_node`, only a copy on a node it
  // accepts (preference=_only_nodes, _only_local), primary first. A copy on
  // a draining node (replication/drain_records.h) only when no other answers.
  // A copy whose node is no member any more is passed over.
  Result<ShardTarget> ForRead(const ClusterStateSnapshot& state, const ShardId& shard,
                              const std::function<bool(const std::string& node_id)>& on_node = nullptr) const;
  // The copy of `shard` a search reads: a started in-sync copy that
  // `on_node` accepts, off draining nodes when there is one — with a custom
  // preference the one its hash picks (the same for the same string), else a
  // copy on the preferred nodes (this node's own: no network hop), else one
  // picked by a hash of this node and the shard (each coordinator reads the
  // same copy every time, so its cached statistics stay valid, and
  // coordinators spread over the copies). kUnavailable when none is.
  //
  // Adaptive replica selection (`cluster.routing.use_adaptive_replica_selection`,
  // on unless set to false; not with a custom preference or preferred
  // nodes): when the copy picked so is on a node whose searches are slow —
  // its ResponseTimes rank (the recent answer time) more than twice another
  // copy's and kAdaptiveMinGain above it — the faster copy is read
  // instead (a node not heard from yet is tried once the usual one ranks
  // above kAdaptiveExploreAbove); the copy passed over decays toward being
  // tried again. The usual copy is kept
  // otherwise: it keeps cached statistics valid and reads stay local.
  Result<ShardTarget> ForSearch(const ClusterStateSnapshot& state, const ShardId& shard,
                                const std::function<bool(const std::string& node_id)>& on_node,
                                const CopyPreference& preference) const;
  // Every copy ForRead may pick (without `on_node`), in the order it picks
  // them, the first being ForRead's: a read whose copy does not answer goes
  // on to the next (ReadFromCopies). kUnavailable when there is none.
  Result<std::vector<ShardTarget>> ReadCopies(const ClusterStateSnapshot& state, const ShardId& shard) const;
  // The same for a read with a preference (a GET's `preference`): the copies
  // `on_node` accepts, the one ForSearch picks first (this node's own copy by
  // default: no network hop), then the others in ForRead's order.
  Result<std::vector<ShardTarget>> ReadCopies(const ClusterStateSnapshot& state, const ShardId& shard,
                                              const std::function<bool(const std::string& node_id)>& on_node,
                                              const CopyPreference& preference) const;
  // The started replicas of `shard` (reachable ones), for maintenance.
  std::vector<ShardTarget> Replicas(const ClusterStateSnapshot& state, const ShardId& shard) const;
  // The client of node `node_id`'s Shard service (this node's own in
  // process): kUnavailable when it is not a member or cannot be reached.
  Result<ShardClient*> ClientFor(const ClusterStateSnapshot& state, const std::string& node_id) const;
  // The node whose copies this router reaches in process.
  const std::string& local_node_id() const { return local_node_id_; }

 private:
  Result<std::vector<ShardTarget>> ReadCopiesOn(const ClusterStateSnapshot& state, const ShardId& shard,
                                                const std::function<bool(const std::string& node_id)>& on_node) const;
  Result<ShardTarget> To(const ClusterStateSnapshot& state, const ShardRouting& routing, const ShardCopyRouting& copy,
                         const ShardId& shard, bool with_term) const;

  const std::string local_node_id_;
  const ShardTransport transport_;
  std::unique_ptr<ShardClient> local_client_;
  const RemoteShardClients remote_;
};

// Runs `read` (Status(const ShardTarget&)) on `copies` in order until one
// answers anything but kUnavailable — a copy whose node died or left, which
// the cluster state does not know yet; a read changes nothing, so asking
// another in-sync copy is safe (Elasticsearch's GET does the same). The
// answer of the copy that answered, or the last one's.
template <class Read>
Status ReadFromCopies(const std::vector<ShardTarget>& copies, const Read& read) {
  Status status = Status::Unavailable("no copy to read from");
  for (const ShardTarget& to : copies) {
    status = read(to);
    if (status.code() != StatusCode::kUnavailable) break;
  }
  return status;
}

}  // namespace holdfast
