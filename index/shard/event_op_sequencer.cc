#include "index/shard/event_op_sequencer.h"

#include <charconv>

namespace holdfast {

Status EventOpSequencer::Open(int64_t max_seq_no) {
  auto stored = store_->GetMeta(ShardStore::kEventsAppliedKey);
  if (stored.ok()) {
    int64_t w = 0;
    const std::string& v = stored.value();
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), w);
    if (ec != std::errc() || p != v.data() + v.size()) return Status::Corruption("bad events-applied watermark: " + v);
    watermark_ = w;
    return Status::OK();
  }
  if (stored.status().code() != StatusCode::kNotFound) return stored.status();
  // Written before watermarks existed: every event op was applied with its op.
  watermark_ = max_seq_no;
  return store_->PutMeta(ShardStore::kEventsAppliedKey, std::to_string(max_seq_no));
}

Status EventOpSequencer::SetApplier(EventOpApplier* applier, bool drain) {
  std::lock_guard<std::mutex> lock(mu_);
  applier_ = applier;
  return drain ? DrainLocked() : Status::OK();
}

void EventOpSequencer::AddPending(const ShardOp& op) {
  std::lock_guard<std::mutex> lock(mu_);
  if (op.stamp.seq_no <= watermark_.load()) return;  // applied already (a re-delivery)
  pending_.emplace(op.stamp.seq_no, op);
  lowest_pending_ = pending_.begin()->first;
}

Status EventOpSequencer::AdvanceWatermark(int64_t local_checkpoint) {
  std::lock_guard<std::mutex> lock(mu_);
  // An event op <= the checkpoint was added as pending before it counted as
  // processed (or applied before, on the primary): none pending, all applied.
  if (local_checkpoint <= watermark_.load() || (!pending_.empty() && pending_.begin()->first <= local_checkpoint)) {
    return Status::OK();
  }
  // Not synced: losing it costs the next open a longer read of the op log,
  // nothing more (a later synced write makes it durable anyway).
  HOLDFAST_RETURN_IF_ERROR(store_->PutMeta(ShardStore::kEventsAppliedKey, std::to_string(local_checkpoint), false));
  watermark_ = local_checkpoint;
  return Status::OK();
}

Status EventOpSequencer::Drain() {
  if (lowest_pending_.load() == INT64_MAX) return Status::OK();
  std::lock_guard<std::mutex> lock(mu_);
  return DrainLocked();
}

Status EventOpSequencer::DrainLocked() {
  if (applier_ == nullptr) return Status::OK();
  Status s;
  const int64_t checkpoint = tracker_->checkpoint();
  while (!pending_.empty() && pending_.begin()->first <= checkpoint) {
    s = ApplyLocked(pending_.begin()->second);
    if (!s.ok()) break;
    pending_.erase(pending_.begin());
  }
  lowest_pending_ = pending_.empty() ? INT64_MAX : pending_.begin()->first;
  return s;
}

Status EventOpSequencer::ApplyLocked(const ShardOp& op) {
  auto batch = applier_->Effects(op);
  if (!batch.ok()) {
    return Status(batch.status().code(), "event op " + std::to_string(op.stamp.seq_no) + ": " + batch.status().message());
  }
  return StoreLocked(op, batch.value());
}

Status EventOpSequencer::StoreLocked(const ShardOp& op, const EventBatch& batch) {
  HOLDFAST_RETURN_IF_ERROR(store_->WriteEventOp(op, batch));
  watermark_ = op.stamp.seq_no;
  applier_->Applied(op);
  return Status::OK();
}

Result<OpStamp> EventOpSequencer::Write(std::string payload, const std::function<OpStamp()>& stamp,
                                        bool* store_failed) {
  *store_failed = false;
  std::lock_guard<std::mutex> lock(mu_);
  if (applier_ == nullptr) return Status::FailedPrecondition("no event applier is registered with the shard");
  if (Status drained = DrainLocked(); !drained.ok()) {
    *store_failed = true;  // an op in the op log cannot be applied
    return drained;
  }
  if (!pending_.empty()) {
    return Status::FailedPrecondition("event op " + std::to_string(pending_.begin()->first) +
                                      " waits for a gap below it: fill the gaps (FillGaps) before writing events");
  }
  ShardOp op;
  op.type = OpType::kEvent;
  op.source = std::move(payload);
  // Effects first: events the applier refuses spend no seq_no.
  auto batch = applier_->Effects(op);
  if (!batch.ok()) return batch.status();
  op.stamp = stamp();
  if (Status stored = StoreLocked(op, batch.value()); !stored.ok()) {
    *store_failed = true;
    return stored;
  }
  tracker_->MarkProcessed(op.stamp.seq_no);
  return op.stamp;
}

}  // namespace holdfast
