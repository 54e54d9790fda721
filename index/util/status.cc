#include "index/util/status.h"

#include <ostream>

namespace holdfast {

const char* StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "OK";
    case StatusCode::kNotFound: return "NotFound";
    case StatusCode::kAlreadyExists: return "AlreadyExists";
    case StatusCode::kInvalidArgument: return "InvalidArgument";
    case StatusCode::kCorruption: return "Corruption";
    case StatusCode::kIOError: return "IOError";
    case StatusCode::kFailedPrecondition: return "FailedPrecondition";
    case StatusCode::kUnavailable: return "Unavailable";
    case StatusCode::kInternal: return "Internal";
    case StatusCode::kConflict: return "Conflict";
    case StatusCode::kParse: return "Parse";
    case StatusCode::kXContentParse: return "XContentParse";
    case StatusCode::kParseValue: return "ParseValue";
    case StatusCode::kMapperParsing: return "MapperParsing";
    case StatusCode::kStrictDynamicMapping: return "StrictDynamicMapping";
    case StatusCode::kValidation: return "Validation";
    case StatusCode::kQueryShard: return "QueryShard";
    case StatusCode::kIndexNotFound: return "IndexNotFound";
    case StatusCode::kDocumentMissing: return "DocumentMissing";
    case StatusCode::kResourceNotFound: return "ResourceNotFound";
    case StatusCode::kSearchContextMissing: return "SearchContextMissing";
    case StatusCode::kResourceAlreadyExists: return "ResourceAlreadyExists";
    case StatusCode::kInvalidIndexName: return "InvalidIndexName";
    case StatusCode::kTooLarge: return "TooLarge";
    case StatusCode::kRejected: return "Rejected";
    case StatusCode::kBlocked: return "Blocked";
    case StatusCode::kFenced: return "Fenced";
    case StatusCode::kNoSpace: return "NoSpace";
    case StatusCode::kHistoryTrimmed: return "HistoryTrimmed";
    case StatusCode::kShardFailed: return "ShardFailed";
    case StatusCode::kAliasesNotFound: return "AliasesNotFound";
    case StatusCode::kIndexClosed: return "IndexClosed";
    case StatusCode::kInvalidIndexTemplate: return "InvalidIndexTemplate";
    case StatusCode::kRoutingMissing: return "RoutingMissing";
    case StatusCode::kInvalidAliasName: return "InvalidAliasName";
  }
  return "Unknown";
}

std::ostream& operator<<(std::ostream& os, StatusCode code) { return os << StatusCodeName(code); }

std::string Status::ToString() const {
  if (ok()) return "OK";
  return std::string(StatusCodeName(code_)) + ": " + message_;
}

}  // namespace holdfast
