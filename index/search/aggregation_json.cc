#include "index/search/aggregation_json.h"

namespace holdfast::search {

Status ParsingError(std::string_view reason) { return Status::Parse(std::string(reason)); }

Status IllegalArgumentError(std::string_view reason) { return Status::InvalidArgument(std::string(reason)); }

Status TextFieldDataError(std::string_view field) {
  return IllegalArgumentError(
      "Text fields are not optimised for operations that require per-document field data like "
      "aggregations and sorting, so these operations are disabled by default. Please use a "
      "keyword field instead. Alternatively, set fielddata=true on [" + std::string(field) +
      "] in order to load field data by uninverting the inverted index. Note that this can use "
      "significant memory.");
}

Status JsonError(simdjson::error_code error) {
  return ParsingError(std::string("failed to parse request: ") + simdjson::error_message(error));
}

Status RequestJson::Open(std::string_view json) {
  std::string wrapped;
  wrapped.reserve(json.size() + 2);
  wrapped.append("[").append(json).append("]");
  padded_ = simdjson::padded_string(wrapped);
  if (auto e = parser_.iterate(padded_).get(doc_); e) return JsonError(e);
  if (auto e = doc_.get_array().get(array_); e) return JsonError(e);
  it_ = array_.begin();
  if (auto e = it_.error(); e) return JsonError(e);
  if (!(it_ != array_.end())) return ParsingError("empty request value");
  if (auto e = (*it_).get(root_); e) return JsonError(e);
  return Status::OK();
}

Status RequestJson::Close() {
  ++it_;
  if (auto e = it_.error(); e) return JsonError(e);
  const char* trailing = nullptr;
  if (it_ != array_.end() || doc_.current_location().get(trailing) == simdjson::SUCCESS) {
    return ParsingError("unexpected content after the request value");
  }
  return Status::OK();
}

Result<od::json_type> TypeOf(od::value& value) {
  od::json_type type;
  if (auto e = value.type().get(type); e) return JsonError(e);
  return type;
}

Result<std::string_view> StringOf(od::value& value, std::string_view what) {
  std::string_view s;
  if (value.get_string().get(s) != simdjson::SUCCESS) {
    return ParsingError("[" + std::string(what) + "] must be a string");
  }
  return s;
}

Result<double> NumberOf(od::value& value, std::string_view what) {
  double d = 0;
  if (value.get_double().get(d) != simdjson::SUCCESS) {
    return ParsingError("[" + std::string(what) + "] must be a number");
  }
  return d;
}

Result<int64_t> CountOf(od::value& value, std::string_view what) {
  int64_t n = 0;
  if (value.get_int64().get(n) != simdjson::SUCCESS || n < 0) {
    return ParsingError("[" + std::string(what) + "] must be a non-negative integer");
  }
  return n;
}

}  // namespace holdfast::search
