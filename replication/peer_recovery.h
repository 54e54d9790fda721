// Peer recovery, the target's side (shard.proto "peer recovery"): a copy
// whose volume holds the shard's history catches up from the source's ops
// alone (RecoverFromOps); otherwise its directory is filled from a started
// copy on another node — every file the source froze that is not here
// already, checked by length and checksum, within the node's
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

// The cluster setting (PUT _cluster/settings) that overrides every node's
// own recovery rate: a byte size per second, 0 for unlimited.
inline constexpr char kRecoveryMaxBytesSetting[] = "indices.recovery.max_bytes_per_sec";

struct RecoveryProgress {
  std::string stage = "init";  // init | index | handoff | translog | done | failed
  // "ops": the copy on this volume caught up from the source's ops alone;
  // "files": the source's files, then ops. Empty until decided.
  std::string method;
  uint64_t files_total = 0;
  uint64_t files_done = 0;    // copied from the source
  uint64_t files_reused = 0;  // already here (same name, length and checksum)
  uint64_t bytes_total = 0;
  uint64_t bytes_done = 0;    // copied from the source
  uint64_t bytes_reused = 0;
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

// Ops-based recovery of a replica whose volume holds the shard already:
// `existing` is that copy, open (not serving). It asks the source for the
// ops from where its own op log starts (below that every copy in sync then
// shares its history), checks that its ops from there are the source's
// (op_history.h) and applies the source's, a page at a time, with the
// primary's `term`. True: caught up (FinishReplicaRecovery does the rest);
// false: not possible (other history, ops no longer held, a diverged copy)
// — the caller closes `existing`, calls EndPeerRecovery and recovers from
// files. Errors of the source or the store are returned.
Result<bool> RecoverFromOps(const PeerRecoveryOptions& options, ShardEngine& existing, int64_t term);

// File-based: every file the source froze — reusing those the directory
// holds already with the same name, length and checksum, fetching the rest
// — then the ops since the files were frozen, to apply once the copy is
// open (in seq_no order). The copy that held `dir` must be closed. On
// failure after a handoff began, the handoff is lifted again (writes
// continue on the source) before the error returns.
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
