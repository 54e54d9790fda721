#include "server/grpc/shard_grpc_service.h"

#include "replication/proto_convert.h"

namespace holdfast {

namespace {

// The gRPC code for an error of the ShardService: only for tools that read
// the code (grpcurl, logs); holdfast's client reads the pb::Error details.
grpc::StatusCode GrpcCodeFor(StatusCode kind) {
  switch (kind) {
    case StatusCode::kOk: return grpc::StatusCode::OK;
    case StatusCode::kInvalidArgument:
    case StatusCode::kParse:
    case StatusCode::kXContentParse:
    case StatusCode::kParseValue:
    case StatusCode::kMapperParsing:
    case StatusCode::kStrictDynamicMapping:
    case StatusCode::kValidation:
    case StatusCode::kQueryShard:
    case StatusCode::kInvalidIndexName: return grpc::StatusCode::INVALID_ARGUMENT;
    case StatusCode::kNotFound:
    case StatusCode::kIndexNotFound:
    case StatusCode::kDocumentMissing:
    case StatusCode::kResourceNotFound:
    case StatusCode::kSearchContextMissing: return grpc::StatusCode::NOT_FOUND;
    case StatusCode::kAlreadyExists:
    case StatusCode::kResourceAlreadyExists: return grpc::StatusCode::ALREADY_EXISTS;
    case StatusCode::kConflict: return grpc::StatusCode::ABORTED;
    case StatusCode::kFailedPrecondition:
    case StatusCode::kBlocked:
    case StatusCode::kFenced:
    case StatusCode::kHistoryTrimmed: return grpc::StatusCode::FAILED_PRECONDITION;
    case StatusCode::kUnavailable: return grpc::StatusCode::UNAVAILABLE;
    case StatusCode::kRejected:
    case StatusCode::kNoSpace: return grpc::StatusCode::RESOURCE_EXHAUSTED;
    case StatusCode::kCorruption: return grpc::StatusCode::DATA_LOSS;
    case StatusCode::kInternal: return grpc::StatusCode::INTERNAL;
    case StatusCode::kIOError:
    case StatusCode::kTooLarge:
    case StatusCode::kShardFailed: return grpc::StatusCode::UNKNOWN;
  }
  return grpc::StatusCode::UNKNOWN;
}

}  // namespace

void ShardGrpcService::SetShardService(ShardService* service) {
  service_.store(service);
  // A request that took the previous service counted itself in running_
  // before reading service_, so it is seen here until it has finished.
  for (int n = running_.load(); n != 0; n = running_.load()) running_.wait(n);
}

grpc::Status ShardGrpcService::Serve(ShardMethod method, const google::protobuf::Message& request,
                                     google::protobuf::Message* response) {
  running_.fetch_add(1);
  ShardService* service = service_.load();
  Status status = service != nullptr
                      ? service->Handle(method, request, response)
                      : Status::Unavailable("node " + node_name_ + " is not serving shards (starting or stopping)");
  if (running_.fetch_sub(1) == 1) running_.notify_all();
  if (status.ok()) return grpc::Status::OK;
  if (service == nullptr) return grpc::Status(grpc::StatusCode::UNAVAILABLE, status.message());
  pb::Error error;
  ToProto(status, &error);
  return grpc::Status(GrpcCodeFor(status.code()), status.message(), error.SerializeAsString());
}

}  // namespace holdfast
