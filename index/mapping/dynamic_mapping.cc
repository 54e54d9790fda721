#include "index/mapping/dynamic_mapping.h"

#include <charconv>
#include <cmath>

#include "index/mapping/date_parser.h"

namespace holdfast::mapping {
namespace {

bool IsWholeLong(std::string_view text) {
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && end == text.data() + text.size();
}

bool IsWholeFiniteDouble(std::string_view text) {
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && end == text.data() + text.size() && std::isfinite(value);
}

}  // namespace

FieldMapping DetectDynamicField(const JsonScalar& value, bool date_detection,
                                bool numeric_detection) {
  switch (value.kind) {
    case JsonScalar::Kind::kString: {
      int64_t millis = 0;
      if (date_detection) {
        if (std::optional<DateFormatList> formats = DetectDynamicDate(value.text, &millis)) {
          FieldMapping date = FieldMapping::Of(FieldType::kDate);
          date.date_formats = *formats;
          return date;
        }
      }
      if (numeric_detection && !value.text.empty()) {
        if (IsWholeLong(value.text)) return FieldMapping::Of(FieldType::kLong);
        if (IsWholeFiniteDouble(value.text)) return FieldMapping::Of(FieldType::kDouble);
      }
      return DynamicTextField();
    }
    case JsonScalar::Kind::kSignedInteger:
      return FieldMapping::Of(FieldType::kLong);
    case JsonScalar::Kind::kUnsignedInteger:
    case JsonScalar::Kind::kFloat:
      return FieldMapping::Of(FieldType::kDouble);
    case JsonScalar::Kind::kBool:
      return FieldMapping::Of(FieldType::kBoolean);
  }
  return DynamicTextField();
}

}  // namespace holdfast::mapping
