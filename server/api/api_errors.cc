#include "server/api/api_errors.h"

namespace holdfast {

namespace {

struct KindError {
  std::string_view type;
  int http_status;
};

KindError ErrorForKind(StatusCode kind) {
  switch (kind) {
    case StatusCode::kOk: return {"exception", 500};  // not an error: callers check ok() first
    case StatusCode::kNotFound: return {"resource_not_found_exception", 404};
    case StatusCode::kAlreadyExists: return {"resource_already_exists_exception", 400};
    case StatusCode::kInvalidArgument: return {"illegal_argument_exception", 400};
    case StatusCode::kCorruption: return {"exception", 500};
    case StatusCode::kIOError: return {"exception", 500};
    case StatusCode::kFailedPrecondition: return {"illegal_state_exception", 409};
    case StatusCode::kUnavailable: return {"exception", 503};
    case StatusCode::kInternal: return {"exception", 500};
    case StatusCode::kConflict: return {"version_conflict_engine_exception", 409};
    case StatusCode::kParse: return {"parsing_exception", 400};
    case StatusCode::kXContentParse: return {"x_content_parse_exception", 400};
    case StatusCode::kParseValue: return {"parse_exception", 400};
    case StatusCode::kMapperParsing: return {"mapper_parsing_exception", 400};
    case StatusCode::kStrictDynamicMapping: return {"strict_dynamic_mapping_exception", 400};
    case StatusCode::kValidation: return {"action_request_validation_exception", 400};
    case StatusCode::kQueryShard: return {"query_shard_exception", 400};
    case StatusCode::kIndexNotFound: return {"index_not_found_exception", 404};
    case StatusCode::kDocumentMissing: return {"document_missing_exception", 404};
    case StatusCode::kResourceNotFound: return {"resource_not_found_exception", 404};
    case StatusCode::kSearchContextMissing: return {"search_context_missing_exception", 404};
    case StatusCode::kResourceAlreadyExists: return {"resource_already_exists_exception", 400};
    case StatusCode::kInvalidIndexName: return {"invalid_index_name_exception", 400};
    case StatusCode::kTooLarge: return {"content_too_long_exception", 413};
    case StatusCode::kRejected: return {"es_rejected_execution_exception", 429};
    case StatusCode::kBlocked: return {"cluster_block_exception", 429};
    case StatusCode::kFenced: return {"stale_primary_term_exception", 409};
    case StatusCode::kNoSpace: return {"no_space_left_exception", 503};
    case StatusCode::kHistoryTrimmed: return {"history_trimmed_exception", 409};
    case StatusCode::kShardFailed: return {"shard_failed_exception", 503};
    case StatusCode::kAliasesNotFound: return {"aliases_not_found_exception", 404};
    case StatusCode::kInvalidAliasName: return {"invalid_alias_name_exception", 400};
    case StatusCode::kIndexClosed: return {"index_closed_exception", 400};
    case StatusCode::kInvalidIndexTemplate: return {"invalid_index_template_exception", 400};
    case StatusCode::kRoutingMissing: return {"routing_missing_exception", 400};
  }
  return {"exception", 500};
}

}  // namespace

std::string_view ErrorTypeForKind(StatusCode kind) { return ErrorForKind(kind).type; }

int HttpStatusForKind(StatusCode kind) { return ErrorForKind(kind).http_status; }

HttpResponse ErrorFromStatus(const Status& status) {
  const KindError e = ErrorForKind(status.kind());
  return ErrorResponse(e.http_status, e.type, status.message());
}

}  // namespace holdfast
