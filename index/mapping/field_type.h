// Field types and the definition of one mapped field (FieldMapping).
//
// Elasticsearch type names map onto a small set of holdfast types:
//   text                                      → kText (analyzed later by index/analysis/)
//   keyword                                   → kKeyword
//   long, and its aliases integer/short/byte   → kLong (int64; the narrower ES types are
//                                                stored as int64, serialized back as "long")
//   double, and its aliases float/half_float/  → kDouble (binary64; the ES single/half
//   scaled_float                                 precision types are stored as double)
//   boolean                                   → kBoolean
//   date                                      → kDate (int64 epoch millis, UTC)
//   object (or any field with `properties`)   → kObject (flattened to dotted paths)
//
// FieldMapping is a plain value type; copies are independent.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "index/mapping/date_parser.h"

namespace holdfast::mapping {

enum class FieldType : uint8_t { kText, kKeyword, kLong, kDouble, kBoolean, kDate, kObject };

// The canonical Elasticsearch name: "text", "keyword", "long", "double", ...
std::string_view FieldTypeName(FieldType type);
// Accepts canonical names and the aliases listed above; nullopt for anything else
// (including "nested", which holdfast does not support).
std::optional<FieldType> FieldTypeFromName(std::string_view name);

// The analyzers a text field may name. Analysis itself lives in index/analysis/.
enum class Analyzer : uint8_t { kStandard, kEnglish, kSimple, kKeyword };
std::string_view AnalyzerName(Analyzer analyzer);
std::optional<Analyzer> AnalyzerFromName(std::string_view name);

// `dynamic` of the mapping root or of one object.
enum class DynamicMode : uint8_t { kTrue, kFalse, kStrict };
std::string_view DynamicModeName(DynamicMode mode);  // "true", "false", "strict"

struct MultiField;

// The definition of one field. Parameters that do not apply to `type` keep their
// defaults and are neither compared nor serialized.
struct FieldMapping {
  static constexpr int64_t kNoIgnoreAbove = std::numeric_limits<int32_t>::max();  // ES default

  FieldType type = FieldType::kObject;
  Analyzer analyzer = Analyzer::kStandard;         // kText
  int64_t ignore_above = kNoIgnoreAbove;           // kKeyword: longer strings are not indexed
  bool coerce = true;                              // kLong, kDouble: accept "12", truncate 12.5
  DateFormatList date_formats = DateFormatList::Default();  // kDate
  std::optional<DynamicMode> dynamic;              // kObject: unset = inherit from parent
  std::vector<MultiField> multi_fields;            // `fields`: extra views of the same value

  // A mapping of `type` with every parameter at its default.
  static FieldMapping Of(FieldType type);
};

// One entry of `fields`, e.g. {"keyword": {"type": "keyword", "ignore_above": 256}}.
// Its full path is "<parent path>.<name>". A multi-field has no multi-fields itself.
struct MultiField {
  std::string name;
  FieldMapping mapping;
};

// The multi-field Elasticsearch's dynamic mapping gives every new text field.
FieldMapping DynamicTextField();

}  // namespace holdfast::mapping
