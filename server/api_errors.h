// Turning Status values into Elasticsearch-shaped error responses.
//
// Modules below the server report errors as Status; where Elasticsearch has
// an error type the message reads "<es_type>: <reason>" (see
// index/mapping/mapping_error.h). ErrorFromStatus splits that and picks the
// HTTP status Elasticsearch uses for the type (404 index_not_found_exception,
// 409 version_conflict_engine_exception, 400 parsing/mapper errors, ...).
#pragma once

#include <string_view>

#include "index/util/status.h"
#include "server/http_router.h"

namespace holdfast {

// The HTTP status Elasticsearch answers an error type with.
int HttpStatusForErrorType(std::string_view type, StatusCode code);

// {"error":{"root_cause":[...],"type":..,"reason":..},"status":N}
HttpResponse ErrorFromStatus(const Status& status);

}  // namespace holdfast
