#include "index/mapping/value_conversion.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "index/mapping/date_parser.h"
#include "index/mapping/ip_address.h"

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

// The range a declared integer type accepts (unsigned_long: up to what int64
// storage holds; docs/api.md lists the difference).
bool InIntegerRange(NumberType type, int64_t v) {
  switch (type) {
    case NumberType::kInteger: return v >= INT32_MIN && v <= INT32_MAX;
    case NumberType::kShort: return v >= INT16_MIN && v <= INT16_MAX;
    case NumberType::kByte: return v >= INT8_MIN && v <= INT8_MAX;
    case NumberType::kUnsignedLong: return v >= 0;
    default: return true;
  }
}

// Rounds to the precision the declared type keeps; false when out of its range.
bool RoundToDeclared(const FieldMapping& field, double* v) {
  switch (field.number_type) {
    case NumberType::kFloat: {
      if (std::fabs(*v) > std::numeric_limits<float>::max()) return false;
      *v = static_cast<double>(static_cast<float>(*v));
      return true;
    }
    case NumberType::kHalfFloat: {
      if (std::fabs(*v) > 65504.0) return false;
      *v = static_cast<double>(static_cast<_Float16>(*v));
      return true;
    }
    case NumberType::kScaledFloat: {
      const double scaled = std::round(*v * field.scaling_factor);
      if (!(std::fabs(scaled) < 9223372036854775807.0)) return false;
      *v = scaled / field.scaling_factor;
      return true;
    }
    default: return true;
  }
}

// date_nanos holds 1970-01-01 .. 2262-04-11T23:47:16.854775807Z.
constexpr int64_t kMaxDateNanosMillis = 9223372036854;

}  // namespace

Conversion ConvertScalar(const JsonScalar& value, const FieldMapping& field, FieldValue* out,
                         std::string* scratch) {
  out->type = field.type;
  switch (field.type) {
    case FieldType::kText:
      out->analyzer = field.analyzer;
      out->text = value.text;
      return field.index ? Conversion::kOk : Conversion::kIgnored;
    case FieldType::kKeyword:
      out->text = value.text;
      if (static_cast<int64_t>(value.text.size()) > field.ignore_above &&
          static_cast<int64_t>(CountCodePoints(value.text)) > field.ignore_above) {
        return Conversion::kIgnored;
      }
      return Conversion::kOk;
    case FieldType::kLong:
      return ToLong(value, field.coerce, &out->long_value) &&
                     InIntegerRange(field.number_type, out->long_value)
                 ? Conversion::kOk
                 : Conversion::kInvalid;
    case FieldType::kDouble:
      return ToDouble(value, field.coerce, &out->double_value) &&
                     RoundToDeclared(field, &out->double_value)
                 ? Conversion::kOk
                 : Conversion::kInvalid;
    case FieldType::kIp: {
      if (value.kind != JsonScalar::Kind::kString || scratch == nullptr) return Conversion::kInvalid;
      std::optional<IpBytes> ip = ParseIp(value.text);
      if (!ip) return Conversion::kInvalid;
      *scratch = IpTerm(*ip);
      out->text = *scratch;
      return Conversion::kOk;
    }
    case FieldType::kBoolean:
      return ToBool(value, &out->bool_value) ? Conversion::kOk : Conversion::kInvalid;
    case FieldType::kDate:
      if (value.kind == JsonScalar::Kind::kBool) return Conversion::kInvalid;
      if (!ParseDate(value.text, field.date_formats, &out->long_value)) return Conversion::kInvalid;
      if (field.date_nanos && (out->long_value < 0 || out->long_value > kMaxDateNanosMillis)) {
        return Conversion::kInvalid;
      }
      return Conversion::kOk;
    case FieldType::kObject:
      return Conversion::kInvalid;
  }
  return Conversion::kInvalid;
}

}  // namespace holdfast::mapping
