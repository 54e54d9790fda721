#include "index/mapping/field_type.h"

namespace holdfast::mapping {
namespace {

struct TypeName {
  std::string_view name;
  FieldType type;
};
// Canonical names first: FieldTypeName returns the first match.
constexpr TypeName kTypeNames[] = {
    {"text", FieldType::kText},       {"keyword", FieldType::kKeyword},
    {"long", FieldType::kLong},       {"double", FieldType::kDouble},
    {"boolean", FieldType::kBoolean}, {"date", FieldType::kDate},
    {"object", FieldType::kObject},
    // Aliases: stored with the wider holdfast type.
    {"integer", FieldType::kLong},    {"short", FieldType::kLong},
    {"byte", FieldType::kLong},       {"float", FieldType::kDouble},
    {"half_float", FieldType::kDouble}, {"scaled_float", FieldType::kDouble},
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

std::optional<FieldType> FieldTypeFromName(std::string_view name) {
  for (const TypeName& entry : kTypeNames) {
    if (entry.name == name) return entry.type;
  }
  return std::nullopt;
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
