// ShardRegistry: the shard copies this node holds, keyed by (index uuid,
// shard number), kept equal to what the routing table assigns to the node.
//
// Open() is the node's startup recovery: every copy the cluster state
// assigns here is opened (each replays its op log) and reported started —
// or failed, with the reason, when it cannot be opened; directories under
// <data-dir>/indices that no index of the state owns (left by an interrupted
// create or delete) are removed. Afterwards the registry follows the state:
// a copy newly assigned here is created and opened, a copy no longer assigned
// is closed, and the copies of a deleted index are removed from disk once
// the last request using them is done.
//
// The copies of one index share one mapping source bound to the cluster
// state (dynamic fields go through ClusterState::PutMapping).
//
// A full disk: a copy whose engine failed for lack of space stays open and
// started in the cluster state (it answers searches and gets, refuses
// writes; shard_copy.h) and is not reported failed. Once the owner knows the
// disk has room again it calls ReopenCopiesOutOfSpace: each such copy is
// closed and opened again from its files — the op log replayed, exactly as
// at a restart — and takes writes again.
// Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <set>
#include <thread>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "index/shard/shard_engine.h"
#include "replication/cluster_state.h"
#include "replication/peer_recovery.h"
#include "replication/shard_copy.h"
#include "replication/shard_id.h"

namespace holdfast {

struct ShardRegistryOptions {
  std::string indices_dir;   // <data-dir>/indices
  std::string node_id;       // this node (ClusterNode::node_id)
  // Engine settings every copy starts from (index settings then apply:
  // durability, refresh interval).
  ShardEngineOptions engine;
  // Told about copies that failed to open or failed later (for the log).
  std::function<void(const ShardId&, const Status&)> on_failure;
  // Another node's Shard service, by node id (null when it cannot be
  // reached): where copies that must be filled from a peer recover from.
  std::function<ShardClient*(const std::string& node_id)> peer;
  uint64_t recovery_max_bytes_per_sec = 40ull << 20;  // indices.recovery.max_bytes_per_sec
};

// A peer recovery on this node (a copy being filled from another node).
struct ShardRecoveryInfo {
  ShardId shard;
  std::string index_name;
  std::string source_node;
  bool relocation = false;
  RecoveryProgress progress;
};

class ShardRegistry {
 public:
  static Result<std::unique_ptr<ShardRegistry>> Open(ShardRegistryOptions options, ClusterState* state);
  ~ShardRegistry();  // stops following the state; copies close with their last user

  // The copy of `id` on this node, or null.
  std::shared_ptr<ShardCopy> Get(const ShardId& id) const;
  std::vector<std::shared_ptr<ShardCopy>> All() const;
  // The settings of index `index_uuid` as the cluster state has them now
  // (the defaults for an index it no longer has): what searches check
  // their index-level limits against.
  IndexSettings SettingsOf(const std::string& index_uuid) const;

  // Flushes and closes every copy (clean shutdown); the registry stops
  // following the state first.
  Status CloseAll();

  // Reopens the out-of-space copies (see above) that no request or search
  // context holds now; one still in use, or reopened in the last
  // `retry_after` and out of space again, waits for a later call. While a
  // copy reopens, Get() of it waits (up to 30 s) rather than miss it.
  // Returns how many copies are writable again. Blocks for the reopens.
  size_t ReopenCopiesOutOfSpace(std::chrono::milliseconds retry_after = std::chrono::seconds(10));

  // Peer recoveries running now and the last ones that ended (newest last).
  std::vector<ShardRecoveryInfo> Recoveries() const;
  // The bytes per second every recovery on this node shares from now on
  // (indices.recovery.max_bytes_per_sec; 0: unlimited).
  void SetRecoveryRate(uint64_t bytes_per_second) { recovery_limiter_.SetRate(bytes_per_second); }

  // Called (from the converging thread) after a copy this registry no longer
  // wants was closed — its index closed or deleted, or the copy moved away —
  // so that what still holds it (search contexts of scrolls) lets it go: its
  // files stay locked until its last user does, and the same copy may be
  // opened again (_open). Null: none.
  void SetOnCopyClosed(std::function<void(const ShardId&)> hook);
  // Called (from the converging thread, without the registry's locks)
  // after a replica here was promoted to primary (ShardCopy::Promote), so
  // that its resync runs (write_replication.h). Null: none.
  void SetOnPromoted(std::function<void(const std::shared_ptr<ShardCopy>&)> hook);

 private:
  class IndexMappings;
  ShardRegistry(ShardRegistryOptions options, ClusterState* state)
      : options_(std::move(options)), state_(state), recovery_limiter_(options_.recovery_max_bytes_per_sec) {}
  void Converge(const ClusterStatePtr& state);
  void NotifyClosed(const std::vector<std::shared_ptr<ShardCopy>>& copies);
  void RemoveUnownedDirectories(const ClusterStateSnapshot& state);
  // At open: the shard directories this volume holds (left_on_volume_).
  void FindShardDirectoriesLeftOnVolume();
  // Removes those of them no copy of this process took over, whose shard
  // does not name this node and has every copy started and in sync
  // elsewhere (a convergence looks only at these, never at the disk).
  void RemoveCopiesActiveElsewhere(const ClusterStateSnapshot& state);
  std::shared_ptr<MappingSource> MappingsFor(const IndexMetadata& index);
  ShardCopyOptions CopyOptions(const ShardId& id, const IndexMetadata& index, const ShardRouting& shard,
                               const std::string& allocation_id, bool primary);

  const ShardRegistryOptions options_;
  ClusterState* const state_;
  std::unique_ptr<ClusterStateWatch> watch_;
  std::mutex converge_mu_;  // one convergence at a time; taken before mu_
  mutable std::mutex mu_;
  bool closed_ = false;
  std::function<void(const ShardId&)> on_copy_closed_;  // guarded by mu_
  std::function<void(const std::shared_ptr<ShardCopy>&)> on_promoted_;  // guarded by mu_
  std::map<ShardId, std::shared_ptr<ShardCopy>> copies_;
  std::set<ShardId> reopening_;                                       // under mu_
  mutable std::condition_variable reopened_;                          // with mu_
  std::map<ShardId, std::chrono::steady_clock::time_point> next_try_;  // under converge_mu_
  std::set<ShardId> left_on_volume_;  // under converge_mu_: shard directories found at open, not taken over yet
  std::map<std::string, std::shared_ptr<IndexMappings>> mappings_;  // by index uuid

  // Peer recoveries (a copy filled from another node), on threads of their own.
  struct Recovery {
    ShardCopyOptions copy_options;
    PeerRecoveryOptions peer;
    std::string allocation_id;
    ShardRecoveryInfo info_view;
    std::atomic<bool> cancelled{false};
    std::atomic<bool> done{false};
    std::thread thread;
  };
  void StartRecovery(const ShardId& id, const IndexMetadata& index, const ShardRouting& shard,
                     const ShardCopyRouting& copy, const std::string& allocation_id, const std::string& source_node,
                     bool relocation);
  void RunRecovery(const std::shared_ptr<Recovery>& recovery);
  void JoinFinishedRecoveries();
  // Waits (up to `timeout`, or until `*cancelled`) until no copy of `id`
  // this process held is in use any more; false when one still is.
  bool WaitReleased(const ShardId& id, std::chrono::milliseconds timeout,
                    const std::atomic<bool>* cancelled = nullptr);
  // The end of a replica's recovery, with the primary (FinalizeRecovery).
  Status FinalizeReplicaRecovery(const ShardId& id, const std::string& allocation_id, ShardCopy* copy);
  void StopRecoveries();  // cancels and joins every recovery thread; the registry is closed after
  std::map<ShardId, std::shared_ptr<Recovery>> recoveries_;  // under mu_
  // Copies closed here whose users may still hold them: a recovery into
  // the same directory waits for them.
  std::map<ShardId, std::weak_ptr<ShardCopy>> releasing_;  // under mu_
  RateLimiter recovery_limiter_;  // every recovery on this node shares it

  // Copies that moved away: still found by Get (reads planned before the
  // switch) for kRetiringReads, refusing writes, then closed and removed.
  static constexpr std::chrono::seconds kRetiringReads{5};
  struct Retiring {
    ShardId id;
    std::shared_ptr<ShardCopy> copy;
    std::chrono::steady_clock::time_point until;
  };
  void CloseRetired();
  std::vector<Retiring> retiring_;  // under mu_
  std::vector<ShardRecoveryInfo> finished_recoveries_;       // under mu_, the last few
};

}  // namespace holdfast
