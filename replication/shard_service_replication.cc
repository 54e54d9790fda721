// ShardService: the replica write path, a new primary's resync, the op
// history of a copy, and the end of a replica's recovery on the primary.
#include <unordered_map>

#include "replication/proto_convert.h"
#include "replication/shard_service.h"

namespace holdfast {

namespace {

// Does this copy's history above `global_checkpoint` differ from a new
// primary's of `term` (`ops`, every op it holds above the checkpoint, up to
// `max_seq_no`)? An op of another term at one of those seq_nos, or one of
// an older term above max_seq_no, is an op of the old primary the new one
// never had. (Ops of `term` above max_seq_no are the new primary's live
// writes, which may arrive before its resync.)
Result<bool> Diverged(const ShardEngine& engine, int64_t term, int64_t global_checkpoint, int64_t max_seq_no,
                      const std::vector<ShardOp>& ops) {
  if (engine.max_seq_no() <= global_checkpoint) return false;
  std::unordered_map<int64_t, int64_t> term_of;
  term_of.reserve(ops.size());
  for (const ShardOp& op : ops) term_of[op.stamp.seq_no] = op.stamp.primary_term;
  auto snapshot = engine.OpsSince(global_checkpoint + 1);
  if (!snapshot.ok()) return true;  // trimmed: cannot tell, so recover again
  ShardOp mine;
  while ((*snapshot)->Next(&mine)) {
    if (mine.stamp.seq_no > max_seq_no) {
      if (mine.stamp.primary_term < term) return true;
      continue;
    }
    auto it = term_of.find(mine.stamp.seq_no);
    if (it == term_of.end() || it->second != mine.stamp.primary_term) return true;
  }
  if (!(*snapshot)->status().ok()) return true;
  return false;
}

}  // namespace

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
    auto diverged = Diverged(engine, term, request.global_checkpoint(), request.max_seq_no(), ops);
    if (!diverged.ok()) return diverged.status();
    if (*diverged) {
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
  return Status::OK();
}

Status ShardService::OpsSince(const pb::OpsSinceRequest& request, pb::OpsSinceResponse* response) {
  auto copy = CopyFor(request.target());
  if (!copy.ok()) return copy.status();
  auto snapshot = (*copy)->engine().OpsSince(request.from_seq_no());
  if (!snapshot.ok()) return snapshot.status();
  response->set_max_seq_no((*snapshot)->max_seq_no());
  ShardOp op;
  while ((*snapshot)->Next(&op)) {
    if (request.max_ops() != 0 && static_cast<uint32_t>(response->ops_size()) >= request.max_ops()) {
      response->set_more(true);
      break;
    }
    ToProto(op, response->add_ops());
  }
  return (*snapshot)->status();
}

Status ShardService::FinalizeRecovery(const pb::FinalizeRecoveryRequest& request,
                                      pb::FinalizeRecoveryResponse* response) {
  auto copy = CopyFor(request.target());
  if (!copy.ok()) return copy.status();
  if (!(*copy)->primary()) return Status::Unavailable("the copy of shard " + (*copy)->id().ToString() + " here is not the primary");
  // New writes wait; those running finish (their ops are in the op log, so
  // in the answer). Once the target is marked in sync below, every later
  // write waits for it; it already takes live writes.
  HOLDFAST_RETURN_IF_ERROR((*copy)->BeginHandoff(std::chrono::seconds(10)));
  auto snapshot = (*copy)->engine().OpsSince(request.from_seq_no());
  if (!snapshot.ok()) {
    (*copy)->CancelHandoff();
    return snapshot.status();
  }
  ShardOp op;
  while ((*snapshot)->Next(&op)) ToProto(op, response->add_ops());
  Status read = (*snapshot)->status();
  if (read.ok()) {
    int64_t checkpoint = request.from_seq_no() - 1;
    for (const pb::Op& o : response->ops()) checkpoint = std::max(checkpoint, o.seq_no());
    (*copy)->replication_tracker().MarkInSync(request.recovery_id(), checkpoint);
    response->set_global_checkpoint((*copy)->engine().global_checkpoint());
  }
  (*copy)->CancelHandoff();
  return read;
}

}  // namespace holdfast
