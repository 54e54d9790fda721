// JsonScalar: one scalar JSON value as read from a document, before it is
// matched against a field type. A plain view type; `text` points into storage
// owned by the ParsedDocument being built.
#pragma once

#include <cstdint>
#include <string_view>

namespace holdfast::mapping {

struct JsonScalar {
  enum class Kind : uint8_t { kString, kSignedInteger, kUnsignedInteger, kFloat, kBool };

  Kind kind = Kind::kString;
  // kString: the unescaped contents; numbers: the literal as written ("1e3");
  // kBool: "true" / "false".
  std::string_view text;
  int64_t int_value = 0;     // kSignedInteger
  uint64_t uint_value = 0;   // kUnsignedInteger (>= 2^63)
  double double_value = 0;   // kFloat
  bool bool_value = false;   // kBool

  bool is_number() const { return kind != Kind::kString && kind != Kind::kBool; }
};

}  // namespace holdfast::mapping
