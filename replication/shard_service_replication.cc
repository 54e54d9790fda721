// ShardService: the replica write path and the op history of a copy.
#include "replication/proto_convert.h"
#include "replication/shard_service.h"

namespace holdfast {

Status ShardService::Replicate(const pb::ReplicateRequest& request, pb::ReplicateResponse* response) {
  auto copy = CopyFor(request.target());
  if (!copy.ok()) return copy.status();
  ShardEngine& engine = (*copy)->engine();
  std::vector<ShardOp> ops;
  ops.reserve(static_cast<size_t>(request.ops_size()));
  for (const pb::Op& op : request.ops()) ops.push_back(FromProto(op));
  const int64_t term = request.target().primary_term() != 0 ? request.target().primary_term() : engine.primary_term();
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

}  // namespace holdfast
