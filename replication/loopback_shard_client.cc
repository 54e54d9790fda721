#include "replication/loopback_shard_client.h"

#include <memory>

#include "replication/proto_convert.h"

namespace holdfast {

Status LoopbackShardClient::Call(ShardMethod method, const google::protobuf::Message& request,
                                 google::protobuf::Message* response, Deadline deadline) {
  std::string wire;
  if (!request.SerializeToString(&wire)) return Status::Internal(std::string("cannot serialize ") + ShardMethodName(method));
  std::unique_ptr<google::protobuf::Message> received(request.New());
  if (!received->ParseFromString(wire)) return Status::Internal(std::string("cannot parse ") + ShardMethodName(method));
  std::unique_ptr<google::protobuf::Message> answer(response->New());
  pb::Error error;
  ToProto(service_->Handle(method, *received, answer.get()), &error);
  if (std::chrono::steady_clock::now() > deadline) {
    return Status::Unavailable(std::string(ShardMethodName(method)) + ": deadline exceeded (outcome unknown)");
  }
  if (!error.SerializeToString(&wire) || !error.ParseFromString(wire)) return Status::Internal("cannot pass an error");
  Status status = FromProto(error);
  if (!status.ok()) return status;
  if (!answer->SerializeToString(&wire)) return Status::Internal(std::string("cannot serialize ") + ShardMethodName(method) + " answer");
  response->Clear();
  if (!response->ParseFromString(wire)) return Status::Internal(std::string("cannot parse ") + ShardMethodName(method) + " answer");
  return Status::OK();
}

void LoopbackShardClient::CallBatch(std::span<ShardCall> calls, Deadline deadline) {
  auto fail_all = [&](const Status& status) {
    for (ShardCall& call : calls) call.status = status;
  };
  pb::BatchRequest request;
  if (Status s = EncodeBatch(calls, &request); !s.ok()) return fail_all(s);
  std::string wire;
  pb::BatchRequest received;
  if (!request.SerializeToString(&wire) || !received.ParseFromString(wire)) {
    return fail_all(Status::Internal("cannot pass a batch"));
  }
  pb::BatchResponse answer;
  service_->HandleBatch(received, &answer);
  if (std::chrono::steady_clock::now() > deadline) {
    return fail_all(Status::Unavailable("Batch: deadline exceeded (outcome unknown)"));
  }
  pb::BatchResponse back;
  if (!answer.SerializeToString(&wire) || !back.ParseFromString(wire)) {
    return fail_all(Status::Internal("cannot pass a batch answer"));
  }
  DecodeBatch(back, calls);
}

}  // namespace holdfast
