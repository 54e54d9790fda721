#include "replication/shard_client.h"

#include "replication/proto_convert.h"

namespace holdfast {

const char* ShardMethodName(ShardMethod method) {
  switch (method) {
#define HOLDFAST_SHARD_METHOD_NAME(name, req, resp) \
  case ShardMethod::k##name: return #name;
    HOLDFAST_SHARD_METHODS(HOLDFAST_SHARD_METHOD_NAME)
#undef HOLDFAST_SHARD_METHOD_NAME
  }
  return "unknown";
}

std::optional<ShardMethod> ShardMethodFromName(std::string_view name) {
#define HOLDFAST_SHARD_METHOD_FROM_NAME(method, req, resp) \
  if (name == #method) return ShardMethod::k##method;
  HOLDFAST_SHARD_METHODS(HOLDFAST_SHARD_METHOD_FROM_NAME)
#undef HOLDFAST_SHARD_METHOD_FROM_NAME
  return std::nullopt;
}

std::unique_ptr<google::protobuf::Message> NewShardRequest(ShardMethod method) {
  switch (method) {
#define HOLDFAST_SHARD_NEW_REQUEST(name, req, resp) \
  case ShardMethod::k##name: return std::make_unique<pb::req>();
    HOLDFAST_SHARD_METHODS(HOLDFAST_SHARD_NEW_REQUEST)
#undef HOLDFAST_SHARD_NEW_REQUEST
  }
  return nullptr;
}

std::unique_ptr<google::protobuf::Message> NewShardResponse(ShardMethod method) {
  switch (method) {
#define HOLDFAST_SHARD_NEW_RESPONSE(name, req, resp) \
  case ShardMethod::k##name: return std::make_unique<pb::resp>();
    HOLDFAST_SHARD_METHODS(HOLDFAST_SHARD_NEW_RESPONSE)
#undef HOLDFAST_SHARD_NEW_RESPONSE
  }
  return nullptr;
}

Status EncodeBatch(std::span<const ShardCall> calls, pb::BatchRequest* out) {
  out->mutable_calls()->Reserve(static_cast<int>(calls.size()));
  for (const ShardCall& call : calls) {
    pb::ShardCall* c = out->add_calls();
    c->set_method(ShardMethodName(call.method));
    if (!call.request->SerializeToString(c->mutable_request())) {
      return Status::Internal(std::string("cannot serialize a ") + ShardMethodName(call.method) + " request");
    }
  }
  return Status::OK();
}

void DecodeBatch(const pb::BatchResponse& answer, std::span<ShardCall> calls) {
  for (size_t i = 0; i < calls.size(); ++i) {
    ShardCall& call = calls[i];
    if (i >= static_cast<size_t>(answer.results_size())) {
      call.status = Status::Internal("a batch answer has " + std::to_string(answer.results_size()) + " results for " +
                                     std::to_string(calls.size()) + " calls");
      continue;
    }
    const pb::ShardCallResult& result = answer.results(static_cast<int>(i));
    if (result.has_error()) {
      call.status = FromProto(result.error());
      if (call.status.ok()) call.status = Status::Internal("a failed call in a batch answer carries no error");
      continue;
    }
    call.response->Clear();
    call.status = call.response->ParseFromString(result.response())
                      ? Status::OK()
                      : Status::Internal(std::string("cannot parse a ") + ShardMethodName(call.method) + " answer");
  }
}

void ShardClient::CallBatch(std::span<ShardCall> calls, Deadline deadline) {
  for (ShardCall& call : calls) call.status = Call(call.method, *call.request, call.response, deadline);
}

namespace {
class AnsweredBatch final : public ShardClient::PendingBatch {
 public:
  void Wait() override {}
};
}  // namespace

std::unique_ptr<ShardClient::PendingBatch> ShardClient::StartBatch(std::span<ShardCall> calls, Deadline deadline) {
  CallBatch(calls, deadline);
  return std::make_unique<AnsweredBatch>();
}

}  // namespace holdfast
