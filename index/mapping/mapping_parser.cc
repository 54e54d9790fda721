#include "index/mapping/mapping_parser.h"

#include <simdjson.h>

#include <cmath>
#include <string>
#include <vector>

#include "index/mapping/mapping_error.h"
#include "index/mapping/parsed_document.h"
#include "index/mapping/value_conversion.h"

namespace holdfast::mapping {
namespace {

using simdjson::dom::element;
using simdjson::dom::object;

std::string Quote(std::string_view s) { return "[" + std::string(s) + "]"; }

Result<DynamicMode> ParseDynamicValue(element value, std::string_view where) {
  bool flag = false;
  std::string_view text;
  if (value.get(flag) == simdjson::SUCCESS) return flag ? DynamicMode::kTrue : DynamicMode::kFalse;
  if (value.get(text) == simdjson::SUCCESS) {
    if (text == "true") return DynamicMode::kTrue;
    if (text == "false") return DynamicMode::kFalse;
    if (text == "strict") return DynamicMode::kStrict;
  }
  return MapperParsingError("Could not convert [dynamic] to boolean or \"strict\" on " +
                            std::string(where));
}

Result<bool> ParseBoolParam(element value, std::string_view param, std::string_view path) {
  bool flag = false;
  std::string_view text;
  if (value.get(flag) == simdjson::SUCCESS) return flag;
  if (value.get(text) == simdjson::SUCCESS && (text == "true" || text == "false")) {
    return text == "true";
  }
  return MapperParsingError("Failed to parse value for " + Quote(param) + " on mapper " +
                            Quote(path) + ": only [true] or [false] are allowed");
}

Status UnknownParameter(const std::string& path, std::string_view key, const FieldMapping& field) {
  return MapperParsingError("unknown parameter [" + std::string(key) + "] on mapper [" + path +
                            "] of type [" + std::string(DeclaredTypeName(field)) + "]");
}

class MappingDefinitionParser {
 public:
  explicit MappingDefinitionParser(MappingUpdate* out) : out_(out) {}

  Status ParseProperties(element properties, const std::string& prefix);

 private:
  Result<FieldMapping> ParseField(const std::string& path, element definition, bool multi_field);
  Status ParseParameter(const std::string& path, std::string_view key, element value,
                        bool multi_field, FieldMapping* field);
  Status ParseCommonParameter(const std::string& path, std::string_view key, element value,
                              bool multi_field, FieldMapping* field, bool* handled);
  Status ParseNullValue(const std::string& path, element value, FieldMapping* field);

  MappingUpdate* out_;
};

Status MappingDefinitionParser::ParseProperties(element properties, const std::string& prefix) {
  object props;
  if (properties.get(props) != simdjson::SUCCESS) {
    return MapperParsingError("Expected map for property [properties] on field " +
                              Quote(prefix.empty() ? "_doc" : prefix));
  }
  for (auto [name, definition] : props) {
    if (name.empty()) return MapperParsingError("field name cannot be an empty string");
    std::string path = prefix.empty() ? std::string(name) : prefix + "." + std::string(name);
    if (!definition.is_object()) {
      return MapperParsingError("Expected map for property [" + std::string(name) +
                                "] on field " + Quote(path));
    }
    Result<FieldMapping> field = ParseField(path, definition, /*multi_field=*/false);
    if (!field.ok()) return field.status();
    out_->fields.emplace_back(path, std::move(field.value()));
    object def = definition.get_object().value_unsafe();
    element children;
    if (def["properties"].get(children) == simdjson::SUCCESS) {
      HOLDFAST_RETURN_IF_ERROR(ParseProperties(children, path));
    }
  }
  return Status::OK();
}

Result<FieldMapping> MappingDefinitionParser::ParseField(const std::string& path,
                                                         element definition, bool multi_field) {
  object def = definition.get_object().value_unsafe();
  std::string_view type_name = "object";
  element type_value;
  if (def["type"].get(type_value) == simdjson::SUCCESS) {
    if (type_value.get(type_name) != simdjson::SUCCESS) {
      return MapperParsingError("type must be a string on field " + Quote(path));
    }
  }
  std::optional<DeclaredType> declared = DeclaredTypeFromName(type_name);
  if (!declared) {
    return MapperParsingError("No handler for type " + Quote(type_name) + " declared on field " +
                              Quote(path));
  }
  if (multi_field && declared->type == FieldType::kObject) {
    return MapperParsingError("Type [object] cannot be used in multi field [" + path + "]");
  }
  FieldMapping field = FieldMapping::Of(*declared);
  bool has_null_value = false;  // checked against the field once every parameter is known
  element null_value;
  for (auto [key, value] : def) {
    if (key == "type") continue;
    if (key == "null_value" && field.type != FieldType::kObject && field.type != FieldType::kText) {
      has_null_value = !value.is_null();  // null_value: null is no null_value
      null_value = value;
      continue;
    }
    HOLDFAST_RETURN_IF_ERROR(ParseParameter(path, key, value, multi_field, &field));
  }
  if (field.number_type == NumberType::kScaledFloat && field.scaling_factor == 0) {
    return MapperParsingError("Field [scaling_factor] is required");
  }
  if (!has_null_value) return field;
  HOLDFAST_RETURN_IF_ERROR(ParseNullValue(path, null_value, &field));
  return field;
}

Status MappingDefinitionParser::ParseNullValue(const std::string& path, element value,
                                               FieldMapping* field) {
  NullValue null_value;
  std::string_view text;
  bool flag = false;
  JsonScalar scalar;
  if (value.get(text) == simdjson::SUCCESS) {
    null_value.kind = NullValue::Kind::kString;
    null_value.text = std::string(text);
    scalar.kind = JsonScalar::Kind::kString;
  } else if (value.get(flag) == simdjson::SUCCESS) {
    null_value.kind = NullValue::Kind::kBool;
    null_value.text = flag ? "true" : "false";
    scalar.kind = JsonScalar::Kind::kBool;
    scalar.bool_value = flag;
  } else if (value.is_number()) {
    null_value.kind = NullValue::Kind::kNumber;
    null_value.text = simdjson::minify(value);
    int64_t i = 0;
    uint64_t u = 0;
    if (value.get(i) == simdjson::SUCCESS) {
      scalar.kind = JsonScalar::Kind::kSignedInteger;
      scalar.int_value = i;
    } else if (value.get(u) == simdjson::SUCCESS) {
      scalar.kind = JsonScalar::Kind::kUnsignedInteger;
      scalar.uint_value = u;
    } else {
      scalar.kind = JsonScalar::Kind::kFloat;
      scalar.double_value = value.get_double().value_unsafe();
    }
  } else {
    return MapperParsingError("Failed to parse mapping: [null_value] on mapper " + Quote(path) +
                              " must be a value, not an array or object");
  }
  scalar.text = null_value.text;
  FieldValue converted;
  std::string scratch;
  if (ConvertScalar(scalar, *field, &converted, &scratch) == Conversion::kInvalid) {
    return MapperParsingError("Failed to parse mapping: Error parsing [null_value] on field " +
                              Quote(path) + ": [" + null_value.text + "] is not a valid [" +
                              std::string(DeclaredTypeName(*field)) + "] value");
  }
  field->null_value = std::move(null_value);
  return Status::OK();
}

Status MappingDefinitionParser::ParseParameter(const std::string& path, std::string_view key,
                                               element value, bool multi_field,
                                               FieldMapping* field) {
  const FieldType type = field->type;
  if (type == FieldType::kObject) {
    if (key == "properties") return Status::OK();  // walked by ParseProperties
    if (key == "dynamic") {
      Result<DynamicMode> mode = ParseDynamicValue(value, "field " + Quote(path));
      if (!mode.ok()) return mode.status();
      field->dynamic = mode.value();
      return Status::OK();
    }
    return UnknownParameter(path, key, *field);
  }
  bool handled = false;
  HOLDFAST_RETURN_IF_ERROR(ParseCommonParameter(path, key, value, multi_field, field, &handled));
  if (handled) return Status::OK();
  if (key == "fields" && !multi_field) {
    object subfields;
    if (value.get(subfields) != simdjson::SUCCESS) {
      return MapperParsingError("Expected map for property [fields] on field " + Quote(path));
    }
    for (auto [name, definition] : subfields) {
      if (name.empty() || name.find('.') != std::string_view::npos) {
        return MapperParsingError("Field name [" + std::string(name) + "] on multi field [" +
                                  path + "] must not be empty or contain dots");
      }
      if (!definition.is_object()) {
        return MapperParsingError("Expected map for multi field [" + std::string(name) +
                                  "] on field " + Quote(path));
      }
      Result<FieldMapping> sub = ParseField(path + "." + std::string(name), definition, true);
      if (!sub.ok()) return sub.status();
      field->multi_fields.push_back(MultiField{std::string(name), std::move(sub.value())});
    }
    return Status::OK();
  } else if (type == FieldType::kText && key == "analyzer") {
    std::string_view name;
    std::optional<Analyzer> analyzer;
    if (value.get(name) == simdjson::SUCCESS) analyzer = AnalyzerFromName(name);
    if (!analyzer) {
      return MapperParsingError("analyzer [" + std::string(name) + "] has not been configured " +
                                "in mappings (field " + Quote(path) + ")");
    }
    field->analyzer = *analyzer;
    return Status::OK();
  } else if (type == FieldType::kKeyword && key == "ignore_above") {
    int64_t limit = -1;
    if (value.get(limit) != simdjson::SUCCESS || limit < 0 || limit > FieldMapping::kNoIgnoreAbove) {
      return MapperParsingError("[ignore_above] on mapper " + Quote(path) +
                                " must be a non-negative integer");
    }
    field->ignore_above = limit;
    return Status::OK();
  } else if (type == FieldType::kDouble && key == "scaling_factor" &&
             field->number_type == NumberType::kScaledFloat) {
    double factor = 0;
    if (value.get(factor) != simdjson::SUCCESS || !std::isfinite(factor) || factor <= 0) {
      return MapperParsingError("[scaling_factor] must be a positive number, got [" +
                                simdjson::minify(value) + "]");
    }
    field->scaling_factor = factor;
    return Status::OK();
  } else if ((type == FieldType::kLong || type == FieldType::kDouble) && key == "coerce") {
    Result<bool> coerce = ParseBoolParam(value, key, path);
    if (!coerce.ok()) return coerce.status();
    field->coerce = coerce.value();
    return Status::OK();
  } else if (type == FieldType::kDate && key == "format") {
    std::string_view spec;
    std::optional<DateFormatList> formats;
    if (value.get(spec) == simdjson::SUCCESS) formats = DateFormatList::Parse(spec);
    if (!formats) {
      return MapperParsingError("Invalid format: [" + std::string(spec) + "] on field " +
                                Quote(path) + ": unsupported date format");
    }
    field->date_formats = *formats;
    return Status::OK();
  }
  return UnknownParameter(path, key, *field);
}

// Parameters every value type takes: index, doc_values, store, copy_to, and
// ignore_malformed where a value can be malformed.
Status MappingDefinitionParser::ParseCommonParameter(const std::string& path, std::string_view key,
                                                     element value, bool multi_field,
                                                     FieldMapping* field, bool* handled) {
  bool* flag = nullptr;
  if (key == "index") flag = &field->index;
  if (key == "doc_values" && field->type != FieldType::kText) flag = &field->doc_values;
  if (key == "store") flag = &field->store;
  if (key == "ignore_malformed" && field->type != FieldType::kText &&
      field->type != FieldType::kKeyword && field->type != FieldType::kBoolean) {
    flag = &field->ignore_malformed;
  }
  if (flag != nullptr) {
    *handled = true;
    Result<bool> parsed = ParseBoolParam(value, key, path);
    if (!parsed.ok()) return parsed.status();
    *flag = parsed.value();
    return Status::OK();
  }
  if (key != "copy_to") return Status::OK();
  *handled = true;
  if (multi_field) {
    return MapperParsingError("[copy_to] may not be used to copy from a multi-field: [" + path + "]");
  }
  std::vector<std::string> targets;
  std::string_view one;
  simdjson::dom::array many;
  if (value.get(one) == simdjson::SUCCESS) {
    targets.emplace_back(one);
  } else if (value.get(many) == simdjson::SUCCESS) {
    for (element target : many) {
      if (target.get(one) != simdjson::SUCCESS) {
        return MapperParsingError("[copy_to] on mapper " + Quote(path) + " must hold field names");
      }
      targets.emplace_back(one);
    }
  } else {
    return MapperParsingError("[copy_to] on mapper " + Quote(path) +
                              " must be a field name or an array of field names");
  }
  for (const std::string& target : targets) {
    if (target.empty() || target == path) {
      return MapperParsingError("[copy_to] on mapper " + Quote(path) + " names an invalid field [" +
                                target + "]");
    }
  }
  field->copy_to = std::move(targets);
  return Status::OK();
}

// The `_routing` metadata mapper: {"required": bool}.
Status ParseRoutingMapper(element value, bool* required) {
  object routing;
  if (value.get(routing) != simdjson::SUCCESS) {
    return MapperParsingError("Failed to parse mapping: [_routing] must be an object");
  }
  for (auto [key, param] : routing) {
    if (key != "required") {
      return MapperParsingError("unknown parameter [" + std::string(key) + "] on metadata field [_routing]");
    }
    Result<bool> flag = ParseBoolParam(param, key, "_routing");
    if (!flag.ok()) return flag.status();
    *required = flag.value();
  }
  return Status::OK();
}

}  // namespace

bool IsMappingTypeName(std::string_view key) {
  if (key == "_doc") return true;
  if (key.empty() || key[0] == '_') return false;
  for (std::string_view param : {"properties", "dynamic", "date_detection", "numeric_detection",
                                 "dynamic_templates", "dynamic_date_formats", "enabled", "runtime"}) {
    if (key == param) return false;
  }
  return true;
}

Result<Mapping> ParseMapping(std::string_view json, const MappingLimits& limits) {
  simdjson::dom::parser parser;
  element root;
  if (auto error = parser.parse(json.data(), json.size()).get(root); error) {
    return MapperParsingError("Failed to parse mapping: " +
                              std::string(simdjson::error_message(error)));
  }
  object root_object;
  if (root.get(root_object) != simdjson::SUCCESS) {
    return MapperParsingError("Failed to parse mapping: the mapping must be a JSON object");
  }
  // A mapping nested under its type, as Elasticsearch 6 wrote one and 7 reads
  // one with include_type_name ({"_doc": {"properties": ...}}): the type's body
  // is the mapping. Applications and legacy templates written for 6 send it.
  if (root_object.size() == 1) {
    const auto field = *root_object.begin();
    object typed;
    if (IsMappingTypeName(field.key) && field.value.get(typed) == simdjson::SUCCESS) root_object = typed;
  }
  MappingOptions options;
  options.limits = limits;
  MappingUpdate fields;
  MappingDefinitionParser definition_parser(&fields);
  std::string unsupported;
  for (auto [key, value] : root_object) {
    if (key == "dynamic") {
      Result<DynamicMode> mode = ParseDynamicValue(value, "[_doc]");
      if (!mode.ok()) return mode.status();
      options.dynamic = mode.value();
    } else if (key == "date_detection" || key == "numeric_detection") {
      Result<bool> flag = ParseBoolParam(value, key, "_doc");
      if (!flag.ok()) return flag.status();
      (key == "date_detection" ? options.date_detection : options.numeric_detection) = flag.value();
    } else if (key == "properties") {
      HOLDFAST_RETURN_IF_ERROR(definition_parser.ParseProperties(value, ""));
    } else if (key == "_routing") {
      HOLDFAST_RETURN_IF_ERROR(ParseRoutingMapper(value, &options.routing_required));
    } else {
      unsupported += (unsupported.empty() ? "[" : ", [") + std::string(key) + "]";
    }
  }
  if (!unsupported.empty()) {
    return MapperParsingError("Root mapping definition has unsupported parameters:  " +
                              unsupported);
  }
  Result<Mapping> mapping = Mapping::Create(options, fields);
  if (!mapping.ok()) return MapperParsingError(mapping.status().message());
  return mapping;
}

}  // namespace holdfast::mapping
