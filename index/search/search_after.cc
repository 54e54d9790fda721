#include "index/search/search_after.h"

#include <cmath>

#include "index/mapping/ip_address.h"
#include "index/search/aggregation_json.h"

namespace holdfast::search {
namespace {

Status ValueError(const SortKey& key, std::string_view raw) {
  return IllegalArgumentError("Failed to parse search_after value [" + std::string(raw) +
                              "] for sort field [" + key.field + "]");
}

Result<SortValue> ParseValue(od::value& value, const SortKey& key) {
  SortValue out;
  bool is_null = false;
  if (value.is_null().get(is_null) == simdjson::SUCCESS && is_null) {
    // An `_id` is never missing, so null is no position in its order.
    if (key.kind == SortKeyKind::kId) return ValueError(key, "null");
    return out;
  }
  std::string_view raw = value.raw_json_token();
  out.missing = false;
  switch (key.kind) {
    case SortKeyKind::kLong:
    case SortKeyKind::kDoc: {
      if (value.get_int64().get(out.number) == simdjson::SUCCESS) return out;
      double d = 0;
      if (value.get_double().get(d) == simdjson::SUCCESS && std::trunc(d) == d &&
          std::abs(d) < 9.2e18) {
        out.number = static_cast<int64_t>(d);
        return out;
      }
      return ValueError(key, raw);
    }
    case SortKeyKind::kDouble:
    case SortKeyKind::kScore:
      if (value.get_double().get(out.real) == simdjson::SUCCESS) return out;
      return ValueError(key, raw);
    case SortKeyKind::kKeyword:
    case SortKeyKind::kId: {
      std::string_view s;
      if (value.get_string().get(s) != simdjson::SUCCESS) return ValueError(key, raw);
      out.text = std::string(s);
      if (key.field_type == mapping::FieldType::kIp) {  // sorted by the address's term
        out.text = mapping::IpTermOf(s);
        if (out.text.empty()) return ValueError(key, raw);
      }
      return out;
    }
    case SortKeyKind::kUnmapped:
      out.missing = true;  // every doc is missing: any value compares as missing
      return out;
  }
  return out;
}

}  // namespace

Result<std::vector<SortValue>> ParseSearchAfter(std::string_view json, const SortSpec& spec) {
  RequestJson input;
  HOLDFAST_RETURN_IF_ERROR(input.Open(json));
  od::array array;
  if (input.root().get_array().get(array) != simdjson::SUCCESS) {
    return ParsingError("[search_after] must be an array");
  }
  std::vector<SortValue> values;
  size_t count = 0;
  for (auto element : array) {
    if (++count > spec.keys.size()) continue;  // only counted, for the error below
    od::value value;
    if (auto e = element.get(value); e) return JsonError(e);
    Result<SortValue> v = ParseValue(value, spec.keys[values.size()]);
    if (!v.ok()) return v.status();
    values.push_back(std::move(v.value()));
  }
  HOLDFAST_RETURN_IF_ERROR(input.Close());
  if (count != spec.keys.size()) {
    return IllegalArgumentError("search_after has " + std::to_string(count) +
                                " value(s) but sort has " + std::to_string(spec.keys.size()) + ".");
  }
  return values;
}

}  // namespace holdfast::search
