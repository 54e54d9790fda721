#include "index/mapping/value_conversion.h"

#include <charconv>
#include <cmath>

#include "index/mapping/date_parser.h"

namespace holdfast::mapping {
namespace {

size_t CountCodePoints(std::string_view utf8) {
  size_t count = 0;
  for (unsigned char c : utf8) count += (c & 0xC0) != 0x80;
  return count;
}

// Truncates toward zero; false when out of int64 range or not finite.
bool TruncateToLong(double value, int64_t* out) {
  if (!std::isfinite(value)) return false;
  double truncated = std::trunc(value);
  // 2^63 is exactly representable; every double below it converts safely.
  if (truncated < -9223372036854775808.0 || truncated >= 9223372036854775808.0) return false;
  *out = static_cast<int64_t>(truncated);
  return true;
}

template <typename T>
bool ParseWhole(std::string_view text, T* out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size();
}

bool ToLong(const JsonScalar& value, bool coerce, int64_t* out) {
  switch (value.kind) {
    case JsonScalar::Kind::kSignedInteger:
      *out = value.int_value;
      return true;
    case JsonScalar::Kind::kUnsignedInteger:
      return false;  // >= 2^63
    case JsonScalar::Kind::kFloat:
      if (!coerce && value.double_value != std::trunc(value.double_value)) return false;
      return TruncateToLong(value.double_value, out);
    case JsonScalar::Kind::kString: {
      if (!coerce) return false;
      if (ParseWhole(value.text, out)) return true;
      double parsed = 0;
      return ParseWhole(value.text, &parsed) && TruncateToLong(parsed, out);
    }
    case JsonScalar::Kind::kBool:
      return false;
  }
  return false;
}

bool ToDouble(const JsonScalar& value, bool coerce, double* out) {
  switch (value.kind) {
    case JsonScalar::Kind::kSignedInteger:
      *out = static_cast<double>(value.int_value);
      return true;
    case JsonScalar::Kind::kUnsignedInteger:
      *out = static_cast<double>(value.uint_value);
      return true;
    case JsonScalar::Kind::kFloat:
      *out = value.double_value;
      return std::isfinite(*out);
    case JsonScalar::Kind::kString:
      return coerce && ParseWhole(value.text, out) && std::isfinite(*out);
    case JsonScalar::Kind::kBool:
      return false;
  }
  return false;
}

bool ToBool(const JsonScalar& value, bool* out) {
  if (value.kind == JsonScalar::Kind::kBool) {
    *out = value.bool_value;
    return true;
  }
  if (value.kind != JsonScalar::Kind::kString) return false;
  if (value.text == "true") {
    *out = true;
    return true;
  }
  if (value.text == "false" || value.text.empty()) {
    *out = false;
    return true;
  }
  return false;
}

}  // namespace

Conversion ConvertScalar(const JsonScalar& value, const FieldMapping& field, FieldValue* out) {
  out->type = field.type;
  switch (field.type) {
    case FieldType::kText:
      out->analyzer = field.analyzer;
      out->text = value.text;
      return Conversion::kOk;
    case FieldType::kKeyword:
      out->text = value.text;
      if (static_cast<int64_t>(value.text.size()) > field.ignore_above &&
          static_cast<int64_t>(CountCodePoints(value.text)) > field.ignore_above) {
        return Conversion::kIgnored;
      }
      return Conversion::kOk;
    case FieldType::kLong:
      return ToLong(value, field.coerce, &out->long_value) ? Conversion::kOk : Conversion::kInvalid;
    case FieldType::kDouble:
      return ToDouble(value, field.coerce, &out->double_value) ? Conversion::kOk
                                                               : Conversion::kInvalid;
    case FieldType::kBoolean:
      return ToBool(value, &out->bool_value) ? Conversion::kOk : Conversion::kInvalid;
    case FieldType::kDate:
      if (value.kind == JsonScalar::Kind::kBool) return Conversion::kInvalid;
      return ParseDate(value.text, field.date_formats, &out->long_value) ? Conversion::kOk
                                                                         : Conversion::kInvalid;
    case FieldType::kObject:
      return Conversion::kInvalid;
  }
  return Conversion::kInvalid;
}

}  // namespace holdfast::mapping
