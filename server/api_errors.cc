#include "server/api_errors.h"

#include "index/mapping/mapping_error.h"

namespace holdfast {

int HttpStatusForErrorType(std::string_view type, StatusCode code) {
  if (type == "index_not_found_exception" || type == "document_missing_exception" ||
      type == "resource_not_found_exception" || type == "search_context_missing_exception") {
    return 404;
  }
  if (type == "version_conflict_engine_exception" || type == "resource_already_exists_exception") {
    return type == "resource_already_exists_exception" ? 400 : 409;
  }
  if (type == "content_too_long_exception") return 413;
  if (type == "es_rejected_execution_exception") return 429;
  switch (code) {
    case StatusCode::kInvalidArgument: return 400;
    case StatusCode::kNotFound: return 404;
    case StatusCode::kAlreadyExists: return 400;
    case StatusCode::kFailedPrecondition: return 409;
    case StatusCode::kUnavailable: return 503;
    default: return 500;
  }
}

HttpResponse ErrorFromStatus(const Status& status) {
  mapping::MappingError e = mapping::ToMappingError(status);
  if (e.type.empty()) e.type = "exception";
  return ErrorResponse(HttpStatusForErrorType(e.type, status.code()), e.type, e.reason);
}

}  // namespace holdfast
