// ShardCopy: one copy of one shard on this node — its engine (documents,
// op log, segments: index/shard/), its event state (index/recommend/), the
// mapping source it parses with, and its place in the routing table: role
// (primary or replica), state and allocation id.
//
// Owned by the ShardRegistry and handed out as shared_ptr: a request in
// flight keeps its copy open while the registry closes or deletes it; the
// files of a deleted index go with the last reference.
// A full disk (DESIGN.md §9): when the engine failed for lack of space
// (kNoSpace: a write met ENOSPC, or the store could only be opened
// read-only), the copy is out_of_space(): it still serves searches and gets
// and stays started in the routing table, it refuses writes, and the
// registry reopens it from its files once the disk has room again.
// Thread-safe: every accessor may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "index/recommend/event_shard.h"
#include "index/recommend/recommend_settings.h"
#include "index/shard/mapping_source.h"
#include "index/shard/shard_engine.h"
#include "replication/cluster_state.h"
#include "replication/global_checkpoint_tracker.h"
#include "replication/shard_id.h"

namespace holdfast {

struct ShardCopyOptions {
  ShardId id;
  std::string index_name;        // for messages and logs
  std::string dir;               // <indices>/<index-uuid>/<shard>
  std::string allocation_id;
  bool primary = true;
  int64_t primary_term = 1;
  // No other in-sync copy exists (a single node): the global checkpoint is
  // the local one, so the op log is trimmed up to the flush point.
  bool sole_copy = true;
  // A primary forced by _cluster/reroute (ShardCopyRouting::forced_primary):
  // "empty" sets aside what the directory holds unless it is this
  // allocation's already; "stale" needs a copy there and gives it a new
  // history (once: when it was another allocation's). "" otherwise.
  std::string forced_primary;
  // Told, once, why the copy failed (after it opened); the registry logs it
  // and reports the copy failed in the cluster state.
  std::function<void(const ShardId&, const Status&)> on_failure;
  ShardEngineOptions engine;     // `dir` is set from `dir` above
  recommend::RecommendSettings recommend;
  std::shared_ptr<MappingSource> mappings;
};

class ShardCopy {
 public:
  // Opens (or creates) the copy and recovers it (op log replay).
  static Result<std::unique_ptr<ShardCopy>> Open(ShardCopyOptions options);
  ~ShardCopy();  // stops background work; removes the files if RemoveFilesWhenClosed
  ShardCopy(const ShardCopy&) = delete;
  ShardCopy& operator=(const ShardCopy&) = delete;

  const ShardId& id() const { return options_.id; }
  const std::string& index_name() const { return options_.index_name; }
  const std::string& allocation_id() const { return options_.allocation_id; }
  const std::string& dir() const { return options_.dir; }
  // Bytes of every file of the copy on disk (segments, document store, op log).
  uint64_t StoreBytes() const;
  bool primary() const { return primary_.load(); }
  // The routing table made this replica the primary of `term`: the engine
  // adopts the term, fills its seq_no gaps with no-ops, and the copy takes
  // writes (PromotedTo then holds). Idempotent for the same term.
  Status Promote(int64_t term);
  // The routing table handed this primary's role to another copy (a drain's
  // primary handoff, term `term`): it stays in sync as a replica. Writes
  // waiting on the handoff are refused (kFenced: the coordinator sends them
  // to the new primary); replication from the new primary is taken.
  Status Demote(int64_t term);
  // Waits up to `wait` until the copy is the primary of at least `term`
  // (a coordinator may name the promotion before this node applied it).
  bool WaitPrimary(int64_t term, std::chrono::milliseconds wait);
  // On the primary: the local checkpoints of the copies it knows in sync —
  // those marked at the end of their recovery here, and those that
  // answered a replication (replication/write_replication.h).
  GlobalCheckpointTracker& replication_tracker() { return tracker_; }
  // What the global checkpoint sync last sent (the checkpoint and to whom,
  // hashed: write_replication.cc).
  uint64_t synced_global_checkpoint() const { return synced_gcp_.load(); }
  void set_synced_global_checkpoint(uint64_t key) { synced_gcp_.store(key); }
  ShardEngine& engine() const { return *engine_; }
  recommend::EventShard& events() const { return *events_; }
  std::shared_ptr<const mapping::Mapping> mapping() const { return options_.mappings->Current(); }
  const recommend::RecommendSettings& recommend_settings() const { return options_.recommend; }
  // What it was opened with (the registry reopens it with the same).
  const ShardCopyOptions& options() const { return options_; }

  // kStarted while serving; kFailed (with failure()) once the engine failed
  // (a write, refresh, flush, sync or merge met an error: writes are
  // refused, searches still answer from what was published) — except for
  // lack of space: an out_of_space() copy stays kStarted.
  ShardCopyState state() const;
  std::string failure() const;
  // The engine failed for lack of space (kNoSpace): see above.
  bool out_of_space() const;

  // Flushes and stops the engine. Idempotent. An out-of-space copy (or one
  // whose flush at close meets a full disk) closes without flushing and
  // returns OK: its op log holds every acknowledged write, replayed at the
  // next open.
  Status Close();
  // The copy is no longer wanted here (its index was deleted): when the
  // last user is done, its directory is removed.
  void RemoveFilesWhenClosed() { remove_files_ = true; }
  // A closed copy that moved away: its directory is renamed aside now
  // (open files and mappings stay valid for readers still holding it) and
  // removed with the last user, so that a new copy of the same shard can
  // take the directory at once without the old one's removal reaching it.
  void MoveFilesAside();

  // The handoff of a move (a relocating primary, peer recovery): while a
  // handoff runs, new writes wait (up to the wait they ask for); once the
  // copy is handed off, or the wait ends, they are refused with kFenced —
  // not applied, so the coordinator retries them on the copy's new place.
  // Writes hold a WriteTicket while they run; BeginHandoff waits for them.
  class WriteTicket {
   public:
    explicit WriteTicket(ShardCopy* copy = nullptr) : copy_(copy) {}
    WriteTicket(WriteTicket&& o) noexcept : copy_(o.copy_) { o.copy_ = nullptr; }
    WriteTicket& operator=(WriteTicket&&) = delete;
    ~WriteTicket();

   private:
    ShardCopy* copy_;
  };
  Result<WriteTicket> EnterWrite(std::chrono::milliseconds wait = std::chrono::seconds(30));
  // Who stops writes: each lifts only its own pause, so that a recovery's
  // finalization ending does not let writes in under a drain's handoff.
  enum class WritePause {
    kMove,      // a relocation's handoff, which a routing table that no longer moves the copy calls off (handoff_active)
    kDrain,     // a drain's primary handoff (one at a time)
    kRecovery,  // a replica's recovery finalizing here (several may overlap)
  };
  // Stops new writes; waits up to `wait` for those running (kUnavailable
  // when they do not finish, and this pause is lifted again).
  Status BeginHandoff(std::chrono::milliseconds wait, WritePause why);
  // This pause ends (the move or handoff failed, the finalization read
  // what it needed): writes continue here unless another pause holds them.
  void CancelHandoff(WritePause why);
  // The move completed (the routing table names the new copy): every later
  // write is refused.
  void MarkHandedOff();
  // A relocation's handoff is running (not a pause).
  bool handoff_active() const;

 private:
  explicit ShardCopy(ShardCopyOptions options) : options_(std::move(options)) {}

  ShardCopyOptions options_;
  std::atomic<bool> primary_{true};
  GlobalCheckpointTracker tracker_;
  std::atomic<uint64_t> synced_gcp_{0};
  std::mutex promote_mu_;
  std::condition_variable promoted_;
  std::atomic<bool> closed_{false};
  std::atomic<bool> remove_files_{false};
  std::string aside_dir_;  // set by MoveFilesAside, read by the destructor (after every user let go)
  std::unique_ptr<ShardEngine> engine_;
  std::unique_ptr<recommend::EventShard> events_;
  mutable std::mutex handoff_mu_;
  std::condition_variable handoff_cv_;
  // Under handoff_mu_: whether any pause holds; `why`'s pause begins or ends.
  bool Paused() const { return move_pause_ || drain_pause_ || recovery_pauses_ > 0; }
  void SetPause(WritePause why, bool on);
  // Under handoff_mu_: writes wait while any pause holds, and are refused
  // once handed off.
  bool move_pause_ = false;
  bool drain_pause_ = false;
  int recovery_pauses_ = 0;
  bool handed_off_ = false;
  int writes_in_flight_ = 0;  // under handoff_mu_
};

}  // namespace holdfast
