#include "index/mapping/mapping_serializer.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace holdfast::mapping {
namespace {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;
using Children =
    std::unordered_map<std::string_view, std::vector<std::pair<std::string_view, const MappedField*>>>;

void Key(JsonWriter& w, std::string_view key) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
}
void String(JsonWriter& w, std::string_view value) {
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

void WriteDynamic(JsonWriter& w, DynamicMode mode) {
  Key(w, "dynamic");
  if (mode == DynamicMode::kStrict) {
    String(w, "strict");
  } else {
    w.Bool(mode == DynamicMode::kTrue);
  }
}

void WriteProperties(JsonWriter& w, std::string_view parent, const Children& children);

// The parameters every value type takes, when not at their defaults.
void WriteCommonParameters(JsonWriter& w, const FieldMapping& field) {
  if (!field.index) Key(w, "index"), w.Bool(false);
  if (!field.doc_values) Key(w, "doc_values"), w.Bool(false);
  if (field.store) Key(w, "store"), w.Bool(true);
  if (field.ignore_malformed) Key(w, "ignore_malformed"), w.Bool(true);
  if (field.null_value) {
    Key(w, "null_value");
    const NullValue& null_value = *field.null_value;
    switch (null_value.kind) {
      case NullValue::Kind::kString: String(w, null_value.text); break;
      case NullValue::Kind::kBool: w.Bool(null_value.text == "true"); break;
      case NullValue::Kind::kNumber:
        w.RawValue(null_value.text.data(), null_value.text.size(), rapidjson::kNumberType);
        break;
    }
  }
  if (!field.copy_to.empty()) {
    Key(w, "copy_to");
    w.StartArray();
    for (const std::string& target : field.copy_to) String(w, target);
    w.EndArray();
  }
}

void WriteField(JsonWriter& w, std::string_view path, const FieldMapping& field,
                const Children& children) {
  w.StartObject();
  if (field.type == FieldType::kObject) {
    if (field.dynamic) WriteDynamic(w, *field.dynamic);
    if (children.count(path)) {
      WriteProperties(w, path, children);
    } else {
      Key(w, "type");
      String(w, "object");
    }
    w.EndObject();
    return;
  }
  Key(w, "type");
  String(w, DeclaredTypeName(field));
  switch (field.type) {
    case FieldType::kText:
      if (field.analyzer != Analyzer::kStandard) {
        Key(w, "analyzer");
        String(w, AnalyzerName(field.analyzer));
      }
      break;
    case FieldType::kKeyword:
      if (field.ignore_above != FieldMapping::kNoIgnoreAbove) {
        Key(w, "ignore_above");
        w.Int64(field.ignore_above);
      }
      break;
    case FieldType::kLong:
    case FieldType::kDouble:
      if (!field.coerce) {
        Key(w, "coerce");
        w.Bool(false);
      }
      if (field.number_type == NumberType::kScaledFloat) {
        Key(w, "scaling_factor");
        w.Double(field.scaling_factor);
      }
      break;
    case FieldType::kDate:
      if (!(field.date_formats == DateFormatList::Default())) {
        Key(w, "format");
        String(w, field.date_formats.ToString());
      }
      break;
    case FieldType::kBoolean:
    case FieldType::kIp:
    case FieldType::kObject:
      break;
  }
  WriteCommonParameters(w, field);
  if (!field.multi_fields.empty()) {
    std::vector<const MultiField*> sorted;
    for (const MultiField& multi : field.multi_fields) sorted.push_back(&multi);
    std::sort(sorted.begin(), sorted.end(),
              [](const MultiField* a, const MultiField* b) { return a->name < b->name; });
    Key(w, "fields");
    w.StartObject();
    for (const MultiField* multi : sorted) {
      Key(w, multi->name);
      WriteField(w, {}, multi->mapping, children);
    }
    w.EndObject();
  }
  w.EndObject();
}

void WriteProperties(JsonWriter& w, std::string_view parent, const Children& children) {
  Key(w, "properties");
  w.StartObject();
  auto it = children.find(parent);
  if (it != children.end()) {
    for (const auto& [path, field] : it->second) {
      std::string_view name = parent.empty() ? path : path.substr(parent.size() + 1);
      Key(w, name);
      WriteField(w, path, field->mapping, children);
    }
  }
  w.EndObject();
}

}  // namespace

std::string MappingToJson(const Mapping& mapping) {
  Children children;
  for (const auto& [path, field] : mapping.SortedFields()) {
    if (field->is_multi_field) continue;
    size_t dot = path.rfind('.');
    std::string_view parent = dot == std::string_view::npos ? std::string_view() : path.substr(0, dot);
    children[parent].emplace_back(path, field);
  }

  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  if (mapping.routing_required()) {
    Key(w, "_routing");
    w.StartObject();
    Key(w, "required");
    w.Bool(true);
    w.EndObject();
  }
  if (mapping.dynamic() != DynamicMode::kTrue) WriteDynamic(w, mapping.dynamic());
  if (!mapping.date_detection()) {
    Key(w, "date_detection");
    w.Bool(false);
  }
  if (mapping.numeric_detection()) {
    Key(w, "numeric_detection");
    w.Bool(true);
  }
  WriteProperties(w, {}, children);
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace holdfast::mapping
