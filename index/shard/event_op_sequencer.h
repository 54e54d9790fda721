// EventOpSequencer: applies a shard's event ops in seq_no order (DESIGN.md
// §5: events go through the op log like documents), on the primary path and
// the replica path alike.
//
// Owns: the registered EventOpApplier, the event ops that are in the op log
// but not applied yet (pending), and the events-applied watermark — the
// seq_no of the last event op applied, persisted in the store meta in the
// same atomic write as that op's effects.
// Promises:
//   - Write (primary): stamps, computes the effects and stores op +
//     effects + watermark in one atomic write; ops are applied in the order
//     they are stamped.
//   - AddPending + Drain (replica, open): an event op that arrived through
//     ApplyOps is already durable in the op log; its effects are applied
//     only once every lower seq_no is processed (the local checkpoint passed
//     it), in seq_no order, each once: a re-delivered op at or below the
//     watermark is ignored.
//   - At open the event ops above the persisted watermark are pending, and
//     applied as soon as an applier registers.
// Threads: any thread; one event lock serializes Write, Drain and
// SetApplier (the applier is only ever called under it). The event lock is
// taken with no engine lock held except the term lock; the write path's
// locks come after it.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "index/shard/event_op_applier.h"
#include "index/shard/local_checkpoint_tracker.h"
#include "index/shard/shard_store.h"

namespace holdfast {

class EventOpSequencer {
 public:
  EventOpSequencer(ShardStore* store, LocalCheckpointTracker* tracker) : store_(store), tracker_(tracker) {}

  // At open: reads the watermark (a store without one applied every event
  // op it holds: it gets max_seq_no, persisted).
  Status Open(int64_t max_seq_no);
  int64_t watermark() const { return watermark_.load(); }

  // Registers `applier` (null: unregisters) and, with `drain`, applies what
  // it can.
  Status SetApplier(EventOpApplier* applier, bool drain);
  // Event op `op` is durable in the op log, not applied. Call before the
  // op is marked processed.
  void AddPending(const ShardOp& op);
  // Applies pending ops up to the local checkpoint, in order. An error
  // (the applier's or the store's) leaves the op pending: the caller fails
  // the shard.
  Status Drain();
  // Primary path: effects (an error here changes nothing), then `stamp`
  // gives the op its (term, seq_no), then the atomic store write (an error
  // here: the caller fails the shard), the checkpoint and Applied.
  // FailedPrecondition when no applier is registered or event ops below are
  // still pending (a gap: FillGaps first).
  // *store_failed tells an error after the stamp (the shard must fail).
  Result<OpStamp> Write(std::string payload, const std::function<OpStamp()>& stamp, bool* store_failed);
  // Moves the persisted watermark up to `local_checkpoint` when no event op
  // at or below it waits (every one was applied), so that the next open
  // reads the op log from there. At flush.
  Status AdvanceWatermark(int64_t local_checkpoint);
  // The lowest pending seq_no (INT64_MAX when none): the op log is never
  // trimmed up to it.
  int64_t lowest_pending() const { return lowest_pending_.load(); }

 private:
  Status DrainLocked();
  Status ApplyLocked(const ShardOp& op);  // effects + StoreLocked
  Status StoreLocked(const ShardOp& op, const EventBatch& batch);  // store write + watermark + Applied

  ShardStore* const store_;
  LocalCheckpointTracker* const tracker_;
  std::mutex mu_;
  EventOpApplier* applier_ = nullptr;     // under mu_
  std::map<int64_t, ShardOp> pending_;    // under mu_
  std::atomic<int64_t> watermark_{kNoOpsPerformed};
  std::atomic<int64_t> lowest_pending_{INT64_MAX};
};

}  // namespace holdfast
