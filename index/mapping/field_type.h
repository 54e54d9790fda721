// Field types and the definition of one mapped field (FieldMapping).
//
// Elasticsearch type names map onto a small set of holdfast types:
//   text                                      → kText (analyzed later by index/analysis/)
//   keyword                                   → kKeyword
//   long, integer, short, byte, unsigned_long → kLong (int64), with the declared
//                                                NumberType kept for range checks and
//                                                for GET _mapping
//   double, float, half_float, scaled_float   → kDouble (binary64; a float or half_float
//                                                value is first rounded to its precision,
//                                                a scaled_float one to its scaling_factor)
//   boolean                                   → kBoolean
//   date, date_nanos                          → kDate (int64 epoch millis, UTC)
//   ip                                        → kIp (IPv4 and IPv6, indexed as the 32 hex
//                                                digits of the 16-byte IPv6 form, so that
//                                                term order is address order; ip_address.h)
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

enum class FieldType : uint8_t { kText, kKeyword, kLong, kDouble, kBoolean, kDate, kObject, kIp };

// The Elasticsearch numeric type a kLong or kDouble field was declared with.
enum class NumberType : uint8_t {
  kLong, kInteger, kShort, kByte, kUnsignedLong,      // kLong
  kDouble, kFloat, kHalfFloat, kScaledFloat,          // kDouble
};

// The canonical Elasticsearch name of the storage type: "text", "keyword", "long", ...
std::string_view FieldTypeName(FieldType type);

// A declared type name: the storage type plus what the name adds.
struct DeclaredType {
  FieldType type = FieldType::kObject;
  NumberType number_type = NumberType::kLong;  // kLong, kDouble
  bool date_nanos = false;                     // kDate
};
// Accepts every type name listed above; nullopt for anything else (including
// "nested", which holdfast does not support).
std::optional<DeclaredType> DeclaredTypeFromName(std::string_view name);
std::optional<FieldType> FieldTypeFromName(std::string_view name);

// The analyzers a text field may name. Analysis itself lives in index/analysis/.
enum class Analyzer : uint8_t { kStandard, kEnglish, kSimple, kKeyword };
std::string_view AnalyzerName(Analyzer analyzer);
std::optional<Analyzer> AnalyzerFromName(std::string_view name);

// `dynamic` of the mapping root or of one object.
enum class DynamicMode : uint8_t { kTrue, kFalse, kStrict };
std::string_view DynamicModeName(DynamicMode mode);  // "true", "false", "strict"

struct MultiField;

// `null_value`: the JSON scalar indexed in place of an explicit null.
struct NullValue {
  enum class Kind : uint8_t { kString, kNumber, kBool } kind = Kind::kString;
  std::string text;  // the string, or the number as written, or "true"/"false"
  bool operator==(const NullValue&) const = default;
};

// The definition of one field. Parameters that do not apply to `type` keep their
// defaults and are neither compared nor serialized.
struct FieldMapping {
  static constexpr int64_t kNoIgnoreAbove = std::numeric_limits<int32_t>::max();  // ES default

  FieldType type = FieldType::kObject;
  Analyzer analyzer = Analyzer::kStandard;         // kText
  int64_t ignore_above = kNoIgnoreAbove;           // kKeyword: longer strings are not indexed
  bool coerce = true;                              // kLong, kDouble: accept "12", truncate 12.5
  DateFormatList date_formats = DateFormatList::Default();  // kDate
  NumberType number_type = NumberType::kLong;      // kLong, kDouble: the declared type
  double scaling_factor = 0;                       // NumberType::kScaledFloat (required there)
  bool date_nanos = false;                         // kDate declared as date_nanos
  // Parameters of every value type (not kObject):
  bool index = true;           // false: not searchable (text) / searched by doc values (others)
  bool doc_values = true;      // false: no sorting, aggregations or docvalue_fields
  bool store = false;          // stored_fields returns it (read back from _source)
  bool ignore_malformed = false;            // numbers, dates, ip, boolean: skip bad values
  std::optional<NullValue> null_value;      // indexed for an explicit null
  std::vector<std::string> copy_to;         // paths that also index this field's values
  std::optional<DynamicMode> dynamic;              // kObject: unset = inherit from parent
  std::vector<MultiField> multi_fields;            // `fields`: extra views of the same value

  // A mapping of `type` with every parameter at its default.
  static FieldMapping Of(FieldType type);
  static FieldMapping Of(const DeclaredType& declared);
};

// The type name a field was declared with: "integer", "scaled_float",
// "date_nanos", "ip", ... (what GET _mapping shows and error messages name).
std::string_view DeclaredTypeName(const FieldMapping& field);

// One entry of `fields`, e.g. {"keyword": {"type": "keyword", "ignore_above": 256}}.
// Its full path is "<parent path>.<name>". A multi-field has no multi-fields itself.
struct MultiField {
  std::string name;
  FieldMapping mapping;
};

// The multi-field Elasticsearch's dynamic mapping gives every new text field.
FieldMapping DynamicTextField();

}  // namespace holdfast::mapping
