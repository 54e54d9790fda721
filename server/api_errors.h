// Turning Status values into Elasticsearch-shaped error responses.
//
// Modules below the server report errors as Status values whose kind
// (index/util/status.h) names the Elasticsearch error and whose message is
// the reason. This is the one place that knows, for each kind, the error type
// Elasticsearch answers with and its HTTP status (404
// index_not_found_exception, 409 version_conflict_engine_exception, 400
// parsing and mapper errors, ...). Kinds without an Elasticsearch type
// (kCorruption, kIOError, kUnavailable, kInternal) answer type "exception".
#pragma once

#include <string_view>

#include "index/util/status.h"
#include "server/http_router.h"

namespace holdfast {

// The Elasticsearch error type of a kind, e.g. "index_not_found_exception".
std::string_view ErrorTypeForKind(StatusCode kind);

// The HTTP status Elasticsearch answers a kind with.
int HttpStatusForKind(StatusCode kind);

// {"error":{"root_cause":[...],"type":..,"reason":..},"status":N}
HttpResponse ErrorFromStatus(const Status& status);

}  // namespace holdfast
