#include "index/segment/field_info.h"

namespace holdfast::segment {

const char* FieldKindName(FieldKind kind) {
  switch (kind) {
    case FieldKind::kText: return "text";
    case FieldKind::kKeyword: return "keyword";
    case FieldKind::kLong: return "long";
    case FieldKind::kDouble: return "double";
    case FieldKind::kBoolean: return "boolean";
    case FieldKind::kDate: return "date";
  }
  return "unknown";
}

bool IsNumericKind(FieldKind kind) {
  return kind == FieldKind::kLong || kind == FieldKind::kDouble || kind == FieldKind::kBoolean ||
         kind == FieldKind::kDate;
}

bool HasPostings(FieldKind kind) {
  return kind == FieldKind::kText || kind == FieldKind::kKeyword || kind == FieldKind::kBoolean;
}

}  // namespace holdfast::segment
