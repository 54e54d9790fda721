#include "replication/grpc_status.h"

namespace holdfast {

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
    case StatusCode::kAliasesNotFound: return grpc::StatusCode::NOT_FOUND;
    case StatusCode::kInvalidAliasName:
    case StatusCode::kInvalidIndexTemplate:
    case StatusCode::kRoutingMissing: return grpc::StatusCode::INVALID_ARGUMENT;
    case StatusCode::kIndexClosed: return grpc::StatusCode::FAILED_PRECONDITION;
  }
  return grpc::StatusCode::UNKNOWN;
}

grpc::Status ToGrpcStatus(const Status& status, const std::string& details) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(GrpcCodeFor(status.code()), status.message(), details);
}

}  // namespace holdfast
