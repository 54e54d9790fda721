// ShardService: the replica write path and op history.
#include "replication/proto_convert.h"
#include "replication/shard_service.h"

namespace holdfast {

Status ShardService::Replicate(const pb::ReplicateRequest& request, pb::ReplicateResponse* /*response*/) {
  auto copy = CopyFor(request.target());
  if (!copy.ok()) return copy.status();
  return Status::Unavailable("TODO(engine): ApplyOps");
}

Status ShardService::OpsSince(const pb::OpsSinceRequest& request, pb::OpsSinceResponse* /*response*/) {
  auto copy = CopyFor(request.target());
  if (!copy.ok()) return copy.status();
  return Status::Unavailable("TODO(engine): OpsSince");
}

}  // namespace holdfast
