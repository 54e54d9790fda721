// ShardService: the replica write path, a new primary's resync, the op
// history of a copy, and the end of a replica's recovery on the primary.
#include <spdlog/spdlog.h>

#include "replication/op_history.h"
#include "replication/proto_convert.h"
#include "replication/shard_service.h"

namespace holdfast {

Status ShardService::Replicate(const pb::ReplicateRequest& request, pb::ReplicateResponse* response) {
  auto copy = CopyFor(request.target());
  if (!copy.ok()) return copy.status();
  if (!request.allocation_id().empty() && request.allocation_id() != (*copy)->allocation_id()) {
    return Status::Unavailable("the copy of shard " + (*copy)->id().ToString() + " on this node is another allocation");
  }
  ShardEngine& engine = (*copy)->engine();
  std::vector<ShardOp> ops;
  ops.reserve(static_cast<size_t>(request.ops_size()));
  for (const pb::Op& op : request.ops()) ops.push_back(FromProto(op));
  const int64_t term = request.target().primary_term() != 0 ? request.target().primary_term() : engine.primary_term();
  if (request.resync()) {
    if (term < engine.primary_term()) return Status::Fenced("a resync of an older primary term");
    auto diverged = HistoryDiverged(engine, term, request.global_checkpoint(), request.max_seq_no(), ops);
    if (!diverged.ok()) return diverged.status();
    if (*diverged) {
      auto retained = engine.OplogRetainedFrom();
      spdlog::warn("shard {}: this copy's history differs from the new primary's (term {}): it holds ops up to {} "
                   "(local checkpoint {}, op log from {}), the primary sent {} ops up to {} above global checkpoint {}",
                   (*copy)->id().ToString(), term, engine.max_seq_no(), engine.local_checkpoint(),
                   retained.ok() ? retained.value() : -1, ops.size(), request.max_seq_no(),
                   request.global_checkpoint());
      response->set_diverged(true);
      response->set_local_checkpoint(engine.local_checkpoint());
      response->set_max_seq_no(engine.max_seq_no());
      return Status::OK();
    }
  }
  HOLDFAST_RETURN_IF_ERROR(engine.ApplyOps(term, ops));
  if (request.global_checkpoint() >= 0) {
    engine.UpdateGlobalCheckpoint(std::min(request.global_checkpoint(), engine.local_checkpoint()));
  }
  response->set_local_checkpoint(engine.local_checkpoint());
  response->set_max_seq_no(engine.max_seq_no());
  if (ops.empty() && !request.resync()) {
    // A global checkpoint sync: where this copy's history starts, for the
    // primary's retention lease (shard.proto ReplicateResponse).
    auto retained = engine.OplogRetainedFrom();
    if (retained.ok()) response->set_retained_from(retained.value());
  }
  return Status::OK();
}

Status ShardService::OpsSince(const pb::OpsSinceRequest& request, pb::OpsSinceResponse* response) {
  auto copy = CopyFor(request.target());
  if (!copy.ok()) return copy.status();
  // Only as far as this copy holds every op (shard.proto OpsSinceResponse).
  auto history = ReadWholeHistory((*copy)->engine(), request.from_seq_no(), request.max_ops());
  if (!history.ok()) return history.status();
  response->set_max_seq_no(history->through);
  response->set_more(history->more);
  for (const ShardOp& op : history->ops) ToProto(op, response->add_ops());
  return Status::OK();
}

Status ShardService::FinalizeRecovery(const pb::FinalizeRecoveryRequest& request,
                                      pb::FinalizeRecoveryResponse* response) {
  auto copy = CopyFor(request.target());
  if (!copy.ok()) return copy.status();
  if (!(*copy)->primary()) return Status::Unavailable("the copy of shard " + (*copy)->id().ToString() + " here is not the primary");
  // New writes wait; those running finish (their ops are in the op log, so
  // in the answer). Once the target is marked in sync below, every later
  // write waits for it; it already takes live writes.
  HOLDFAST_RETURN_IF_ERROR((*copy)->BeginHandoff(std::chrono::seconds(10), ShardCopy::WritePause::kRecovery));
  auto snapshot = (*copy)->engine().OpsSince(request.from_seq_no());
  if (!snapshot.ok()) {
    (*copy)->CancelHandoff(ShardCopy::WritePause::kRecovery);
    return snapshot.status();
  }
  ShardOp op;
  while ((*snapshot)->Next(&op)) ToProto(op, response->add_ops());
  Status read = (*snapshot)->status();
  if (read.ok()) {
    int64_t checkpoint = request.from_seq_no() - 1;
    for (const pb::Op& o : response->ops()) checkpoint = std::max(checkpoint, o.seq_no());
    (*copy)->replication_tracker().MarkInSync(request.recovery_id(), checkpoint);
    if (request.has_retained_from()) replicator_.RetainForCopy(**copy, request.recovery_id(), request.retained_from());
    response->set_global_checkpoint((*copy)->engine().global_checkpoint());
  }
  (*copy)->CancelHandoff(ShardCopy::WritePause::kRecovery);
  return read;
}

}  // namespace holdfast
