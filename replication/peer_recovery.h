// Peer recovery, the target's side (shard.proto "peer recovery"): fills a
// new copy's directory from a started copy on another node — every file the
// source froze, checked by length and checksum, within the node's
// indices.recovery.max_bytes_per_sec (default 40mb) —
// then, for a move, takes the source's writes over (Handoff) and collects
// the ops written since the files were frozen. The caller opens the copy on
// the directory, applies the ops, reports it started and calls
// EndPeerRecovery. Blocking; one call per recovery; `cancelled` is polled
// between chunks.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "index/shard/shard_store.h"
#include "index/util/rate_limiter.h"
#include "replication/shard_client.h"
#include "replication/shard_copy.h"

namespace holdfast {

struct RecoveryProgress {
  std::string stage = "init";  // init | index | handoff | translog | done | failed
  uint64_t files_total = 0;
  uint64_t files_done = 0;
  uint64_t bytes_total = 0;
  uint64_t bytes_done = 0;
  uint64_t ops = 0;
  int64_t started_ms = 0;
  int64_t finished_ms = 0;  // 0 while running
};

struct PeerRecoveryOptions {
  ShardClient* source = nullptr;
  pb::ShardTarget target;      // the source copy
  std::string recovery_id;     // the new copy's allocation id
  std::string dir;             // the new copy's directory (replaced)
  bool handoff = false;        // a move: the source stops writing at the end
  // The node's limit on recovery bytes (indices.recovery.max_bytes_per_sec),
  // shared by every recovery on the node; null: unlimited.
  RateLimiter* limiter = nullptr;
  const std::atomic<bool>* cancelled = nullptr;
  std::function<void(const RecoveryProgress&)> on_progress;
};

// The ops to apply once the copy is open (in seq_no order). On failure
// after a handoff began, the handoff is lifted again (writes continue on
// the source) before the error returns.
Result<std::vector<ShardOp>> RecoverFromPeer(const PeerRecoveryOptions& options);

// The end of a replica's recovery (shard.proto FinalizeRecovery): `copy`
// is open and takes live writes; the primary (`primary`, of `term`) sends
// the ops from the copy's local checkpoint on and counts it in sync; they
// are applied here with the primary's global checkpoint.
Status FinishReplicaRecovery(ShardClient* primary, int64_t term, const std::string& allocation_id, ShardCopy* copy);

// Frees the source's frozen files (best effort).
void EndPeerRecovery(const PeerRecoveryOptions& options);
// The recovered copy could not be put to use after a handoff: writes
// continue on the source (best effort).
void LiftHandoff(const PeerRecoveryOptions& options);

}  // namespace holdfast
