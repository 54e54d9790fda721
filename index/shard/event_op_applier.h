// EventOpApplier: how the shard engine gets an event op's effects without
// knowing what events are. index/recommend/'s EventShard implements it and
// registers with its engine (ShardEngine::SetEventOpApplier); index/shard/
// never includes index/recommend/.
//
// Event effects (user histories, co-occurrence, popularity) depend on the
// order events are applied in, so the engine calls the applier one op at a
// time, in seq_no order, on one thread at a time (under its event lock):
// Effects(op) reads the event spaces — which then hold the effects of every
// event op below op's seq_no and none above — and returns op's writes; the
// engine stores them atomically with the op and the events-applied
// watermark, then calls Applied(op) so in-memory mirrors follow.
#pragma once

#include "index/shard/shard_store.h"
#include "index/util/status.h"

namespace holdfast {

class EventOpApplier {
 public:
  virtual ~EventOpApplier() = default;
  // The effects of event op `op` (its payload in op.source). On the primary
  // path op is not stamped yet (an error refuses the write); on the replica
  // path and at open it is, and an error fails the shard (the op is in the
  // op log but cannot be applied).
  virtual Result<EventBatch> Effects(const ShardOp& op) = 0;
  // The effects of `op` — the last Effects() result — are durable.
  virtual void Applied(const ShardOp& op) = 0;
};

}  // namespace holdfast
