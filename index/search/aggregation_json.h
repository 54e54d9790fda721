// Reading request JSON in index/search/ (sort, search_after, aggregations,
// highlight): simdjson On-Demand over a padded copy, plus the Elasticsearch
// error statuses these parsers report.
//
// RequestJson owns the padded copy and the parser; every value it hands out
// is valid only while it lives. The input is wrapped as "[<json>]" so that a
// scalar root ("_score") is read like any other value. One thread at a time.
#pragma once

#include <simdjson.h>

#include <string>
#include <string_view>

#include "index/util/status.h"

namespace holdfast::search {

namespace od = simdjson::ondemand;

// kParse (parsing_exception) with `reason`.
Status ParsingError(std::string_view reason);
// kInvalidArgument (illegal_argument_exception) with `reason`.
Status IllegalArgumentError(std::string_view reason);
// Sorting or aggregating on a text field: illegal_argument_exception with
// Elasticsearch's "Text fields are not optimised ..." reason.
Status TextFieldDataError(std::string_view field);
// A malformed-JSON error from simdjson, as parsing_exception.
Status JsonError(simdjson::error_code error);

class RequestJson {
 public:
  // Parses `json`; parsing_exception when it is not JSON.
  Status Open(std::string_view json);
  od::value& root() { return root_; }
  // After the root has been read: parsing_exception when more follows it
  // ("{...}, {...}").
  Status Close();

 private:
  simdjson::padded_string padded_;
  od::parser parser_;
  od::document doc_;
  od::array array_;  // the wrapper "[...]"
  simdjson::simdjson_result<od::array_iterator> it_;
  od::value root_;
};

// The kind of a value, mapping parse failures to JsonError.
Result<od::json_type> TypeOf(od::value& value);
// A string or a parsing_exception naming `what`.
Result<std::string_view> StringOf(od::value& value, std::string_view what);
// A number (integer or not) as double, or a parsing_exception naming `what`.
Result<double> NumberOf(od::value& value, std::string_view what);
// A non-negative integer, or a parsing_exception naming `what`.
Result<int64_t> CountOf(od::value& value, std::string_view what);

}  // namespace holdfast::search
