#include "index/mapping/field_type.h"

namespace holdfast::mapping {
namespace {

struct TypeName {
  std::string_view name;
  FieldType type;
  NumberType number_type = NumberType::kLong;
  bool date_nanos = false;
};
// Canonical names first: FieldTypeName returns the first match.
constexpr TypeName kTypeNames[] = {
    {"text", FieldType::kText},
    {"keyword", FieldType::kKeyword},
    {"long", FieldType::kLong, NumberType::kLong},
    {"double", FieldType::kDouble, NumberType::kDouble},
    {"boolean", FieldType::kBoolean},
    {"date", FieldType::kDate},
    {"object", FieldType::kObject},
    {"ip", FieldType::kIp},
    // Declared types stored with a wider holdfast type.
    {"integer", FieldType::kLong, NumberType::kInteger},
    {"short", FieldType::kLong, NumberType::kShort},
    {"byte", FieldType::kLong, NumberType::kByte},
    {"unsigned_long", FieldType::kLong, NumberType::kUnsignedLong},
    {"float", FieldType::kDouble, NumberType::kFloat},
    {"half_float", FieldType::kDouble, NumberType::kHalfFloat},
    {"scaled_float", FieldType::kDouble, NumberType::kScaledFloat},
    {"date_nanos", FieldType::kDate, NumberType::kLong, true},
};

struct AnalyzerEntry {
  std::string_view name;
  Analyzer analyzer;
};
constexpr AnalyzerEntry kAnalyzers[] = {
    {"standard", Analyzer::kStandard},
    {"english", Analyzer::kEnglish},
    {"simple", Analyzer::kSimple},
    {"keyword", Analyzer::kKeyword},
};

}  // namespace

std::string_view FieldTypeName(FieldType type) {
  for (const TypeName& entry : kTypeNames) {
    if (entry.type == type) return entry.name;
  }
  return "unknown";
}

std::optional<DeclaredType> DeclaredTypeFromName(std::string_view name) {
  for (const TypeName& entry : kTypeNames) {
    if (entry.name == name) return DeclaredType{entry.type, entry.number_type, entry.date_nanos};
  }
  return std::nullopt;
}

std::optional<FieldType> FieldTypeFromName(std::string_view name) {
  std::optional<DeclaredType> declared = DeclaredTypeFromName(name);
  if (!declared) return std::nullopt;
  return declared->type;
}

std::string_view DeclaredTypeName(const FieldMapping& field) {
  for (const TypeName& entry : kTypeNames) {
    if (entry.type != field.type) continue;
    if ((field.type == FieldType::kLong || field.type == FieldType::kDouble) &&
        entry.number_type != field.number_type) {
      continue;
    }
    if (field.type == FieldType::kDate && entry.date_nanos != field.date_nanos) continue;
    return entry.name;
  }
  return FieldTypeName(field.type);
}

std::string_view AnalyzerName(Analyzer analyzer) {
  for (const AnalyzerEntry& entry : kAnalyzers) {
    if (entry.analyzer == analyzer) return entry.name;
  }
  return "unknown";
}

std::optional<Analyzer> AnalyzerFromName(std::string_view name) {
  for (const AnalyzerEntry& entry : kAnalyzers) {
    if (entry.name == name) return entry.analyzer;
  }
  return std::nullopt;
}

std::string_view DynamicModeName(DynamicMode mode) {
  switch (mode) {
    case DynamicMode::kTrue: return "true";
    case DynamicMode::kFalse: return "false";
    case DynamicMode::kStrict: return "strict";
  }
  return "true";
}

FieldMapping FieldMapping::Of(FieldType type) {
  FieldMapping m;
  m.type = type;
  m.number_type = type == FieldType::kDouble ? NumberType::kDouble : NumberType::kLong;
  return m;
}

FieldMapping FieldMapping::Of(const DeclaredType& declared) {
  FieldMapping m = Of(declared.type);
  if (declared.type == FieldType::kLong || declared.type == FieldType::kDouble) {
    m.number_type = declared.number_type;
  }
  m.date_nanos = declared.date_nanos;
  return m;
}

FieldMapping DynamicTextField() {
  FieldMapping text = FieldMapping::Of(FieldType::kText);
  FieldMapping keyword = FieldMapping::Of(FieldType::kKeyword);
  keyword.ignore_above = 256;
  text.multi_fields.push_back(MultiField{"keyword", std::move(keyword)});
  return text;
}

}  // namespace holdfast::mapping
