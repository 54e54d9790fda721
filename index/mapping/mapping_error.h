// The errors index/mapping/ reports, as Status kinds (index/util/status.h):
//
//   kMapperParsing         a mapping or document that does not parse, e.g.
//                          "failed to parse field [price] of type [long] ..."
//   kStrictDynamicMapping  a new field under `dynamic: strict`
//   kInvalidArgument       a mapping update that conflicts, a limit exceeded
//                          (Elasticsearch's illegal_argument_exception)
//
// The message is Elasticsearch's reason only; server/api_errors.h turns the
// kind into the error type and HTTP status.
#pragma once

#include <string>
#include <string_view>

#include "index/util/status.h"

namespace holdfast::mapping {

// Shorthands for the two kinds most of index/ reports, from a string_view.
inline Status MapperParsingError(std::string_view reason) { return Status::MapperParsing(std::string(reason)); }
inline Status IllegalArgumentError(std::string_view reason) { return Status::InvalidArgument(std::string(reason)); }

}  // namespace holdfast::mapping
