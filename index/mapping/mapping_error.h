// MappingError: the Elasticsearch error (type, reason) behind a mapping or
// document-parsing failure.
//
// index/mapping/ reports failures as ordinary holdfast Status values (code
// kInvalidArgument) whose message is "<es_error_type>: <reason>", e.g.
//   "mapper_parsing_exception: failed to parse field [price] of type [long] ..."
// The HTTP layer calls ToMappingError(status) to get the two halves back and
// renders {"error":{"type":..,"reason":..}}. ES error types never contain ": ",
// so the split is unambiguous.
#pragma once

#include <string>
#include <string_view>

#include "index/util/status.h"

namespace holdfast::mapping {

// The Elasticsearch error types this module produces.
inline constexpr std::string_view kMapperParsingException = "mapper_parsing_exception";
inline constexpr std::string_view kStrictDynamicMappingException = "strict_dynamic_mapping_exception";
inline constexpr std::string_view kIllegalArgumentException = "illegal_argument_exception";

struct MappingError {
  std::string type;    // Elasticsearch error type, e.g. "mapper_parsing_exception"
  std::string reason;  // human-readable, Elasticsearch wording where one exists
};

// Builds the Status that carries (type, reason).
Status MappingErrorStatus(std::string_view type, std::string_view reason);

// Shorthands for the common types.
inline Status MapperParsingError(std::string_view reason) {
  return MappingErrorStatus(kMapperParsingException, reason);
}
inline Status IllegalArgumentError(std::string_view reason) {
  return MappingErrorStatus(kIllegalArgumentException, reason);
}

// Splits a Status built by MappingErrorStatus. A Status from elsewhere maps to
// type "exception" with the whole message as reason. Requires !status.ok().
MappingError ToMappingError(const Status& status);

}  // namespace holdfast::mapping
