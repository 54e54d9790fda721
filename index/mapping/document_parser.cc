#include "index/mapping/document_parser.h"

#include <algorithm>
#include <charconv>
#include <string>
#include <utility>

#include "index/mapping/dynamic_mapping.h"
#include "index/mapping/mapping_error.h"
#include "index/mapping/value_conversion.h"

namespace holdfast::mapping {
namespace {

namespace od = simdjson::ondemand;

constexpr size_t kMaxPreview = 256;

constexpr std::string_view kMetadataFields[] = {
    "_id",     "_index",         "_source",      "_routing", "_seq_no",
    "_version", "_primary_term", "_field_names", "_ignored",
};

Status JsonError(simdjson::error_code error) {
  return MapperParsingError("failed to parse: " + std::string(simdjson::error_message(error)));
}

std::string_view TrimTrailingSpace(std::string_view token) {
  while (!token.empty() && (token.back() == ' ' || token.back() == '\n' || token.back() == '\t' ||
                            token.back() == '\r')) {
    token.remove_suffix(1);
  }
  return token;
}

// At most kMaxPreview bytes, cut on a UTF-8 character boundary.
std::string_view Preview(std::string_view value) {
  if (value.size() <= kMaxPreview) return value;
  size_t end = kMaxPreview;
  while (end > 0 && (static_cast<unsigned char>(value[end]) & 0xC0) == 0x80) --end;
  return value.substr(0, end);
}

size_t PathDepth(std::string_view path) {
  return 1 + static_cast<size_t>(std::count(path.begin(), path.end(), '.'));
}

Status CheckKey(std::string_view key, bool at_root) {
  if (key.empty()) return MapperParsingError("field name cannot be an empty string");
  if (key.find('.') != std::string_view::npos &&
      (key.front() == '.' || key.back() == '.' || key.find("..") != std::string_view::npos)) {
    return MapperParsingError("field name [" + std::string(key) +
                              "] cannot contain empty path segments");
  }
  if (at_root && key.front() == '_') {
    for (std::string_view meta : kMetadataFields) {
      if (key == meta) {
        return MapperParsingError("Field [" + std::string(key) +
                                  "] is a metadata field and cannot be added inside a document. "
                                  "Use the index API request parameters.");
      }
    }
  }
  return Status::OK();
}

// A number as JSON holds it, from its literal (a null_value).
JsonScalar NumberScalar(std::string_view literal) {
  JsonScalar scalar;
  scalar.text = literal;
  if (literal.find_first_of(".eE") == std::string_view::npos) {
    int64_t value = 0;
    auto [end, ec] = std::from_chars(literal.data(), literal.data() + literal.size(), value);
    if (ec == std::errc() && end == literal.data() + literal.size()) {
      scalar.kind = JsonScalar::Kind::kSignedInteger;
      scalar.int_value = value;
      return scalar;
    }
  }
  scalar.kind = JsonScalar::Kind::kFloat;
  std::from_chars(literal.data(), literal.data() + literal.size(), scalar.double_value);
  return scalar;
}

}  // namespace

Status DocumentParser::Parse(const Mapping& mapping, std::string_view id, std::string_view source,
                             ParsedDocument* out, MappingUpdate* new_fields) {
  out->Reset(id, source, simdjson::SIMDJSON_PADDING);
  mapping_ = &mapping;
  doc_ = out;
  dynamic_allowed_ = new_fields != nullptr;
  path_.clear();
  pending_.clear();
  pending_entries_ = 0;

  Status status = [&]() -> Status {
    od::document document;
    if (auto error = parser_.iterate(out->buffer_.get(), out->source_size_,
                                     out->buffer_capacity_).get(document)) {
      return JsonError(error);
    }
    od::json_type type;
    if (auto error = document.type().get(type)) return JsonError(error);
    if (type != od::json_type::object) {
      return MapperParsingError("failed to parse: the document must be a JSON object");
    }
    od::object root;
    if (auto error = document.get_object().get(root)) return JsonError(error);
    HOLDFAST_RETURN_IF_ERROR(ParseObject(root, mapping.dynamic(), 1));
    const char* trailing = nullptr;
    if (document.current_location().get(trailing) == simdjson::SUCCESS) {
      return MapperParsingError("failed to parse: unexpected content after the document");
    }
    return Status::OK();
  }();

  if (!status.ok()) {
    out->ClearFields();
  } else if (new_fields != nullptr) {
    for (auto& entry : pending_) new_fields->fields.push_back(std::move(entry));
  }
  pending_.clear();
  mapping_ = nullptr;
  doc_ = nullptr;
  return status;
}

Result<ParsedDocument> DocumentParser::Parse(const Mapping& mapping, std::string_view id,
                                             std::string_view source, MappingUpdate* new_fields) {
  ParsedDocument doc;
  HOLDFAST_RETURN_IF_ERROR(Parse(mapping, id, source, &doc, new_fields));
  return doc;
}

Status DocumentParser::ParseObject(od::object object, DynamicMode dynamic, size_t nesting) {
  const bool at_root = path_.empty();
  for (auto field_result : object) {
    od::field field;
    if (auto error = std::move(field_result).get(field)) return JsonError(error);
    std::string_view key;
    if (auto error = field.unescaped_key().get(key)) return JsonError(error);
    HOLDFAST_RETURN_IF_ERROR(CheckKey(key, at_root));
    const size_t saved = path_.size();
    if (!at_root) path_.push_back('.');
    path_.append(key);
    Status status = ParseValue(field.value(), dynamic, nesting);
    path_.resize(saved);
    if (!status.ok()) return status;
  }
  return Status::OK();
}

Status DocumentParser::ParseValue(od::value value, DynamicMode dynamic, size_t nesting) {
  od::json_type type;
  if (auto error = value.type().get(type)) return JsonError(error);
  switch (type) {
    case od::json_type::null: {
      bool is_null = false;
      if (auto error = value.is_null().get(is_null)) return JsonError(error);
      if (!is_null) return JsonError(simdjson::N_ATOM_ERROR);
      // null produces no value and no mapping, unless the field has a null_value.
      Resolved resolved = Resolve(path_);
      if (resolved.mapping == nullptr || !resolved.mapping->null_value) return Status::OK();
      const NullValue& null_value = *resolved.mapping->null_value;
      JsonScalar scalar;
      scalar.text = null_value.text;
      if (null_value.kind == NullValue::Kind::kBool) {
        scalar.kind = JsonScalar::Kind::kBool;
        scalar.bool_value = null_value.text == "true";
      } else if (null_value.kind == NullValue::Kind::kNumber) {
        scalar = NumberScalar(null_value.text);
      }
      return Emit(scalar, *resolved.mapping, path_);
    }
    case od::json_type::array: {
      if (nesting + 1 > kMaxNesting) {
        return MapperParsingError("failed to parse: nesting deeper than [" +
                                  std::to_string(kMaxNesting) + "] at field [" + path_ + "]");
      }
      od::array array;
      if (auto error = value.get_array().get(array)) return JsonError(error);
      for (auto element_result : array) {
        od::value element;
        if (auto error = element_result.get(element)) return JsonError(error);
        // Elements share the path; the first non-null one decides a dynamic type.
        HOLDFAST_RETURN_IF_ERROR(ParseValue(element, dynamic, nesting + 1));
      }
      return Status::OK();
    }
    case od::json_type::object:
      return ParseObjectValue(value, dynamic, nesting);
    default:
      return ParseScalar(value, type, dynamic);
  }
}

Status DocumentParser::ParseObjectValue(od::value value, DynamicMode dynamic, size_t nesting) {
  Resolved resolved = Resolve(path_);
  DynamicMode child_dynamic = dynamic;
  if (resolved.mapping != nullptr) {
    if (resolved.is_multi_field || resolved.mapping->type != FieldType::kObject) {
      od::object object;
      std::string_view raw;
      if (auto error = value.get_object().get(object)) return JsonError(error);
      if (auto error = object.raw_json().get(raw)) return JsonError(error);
      return FieldError(path_, *resolved.mapping, raw);
    }
    if (resolved.mapping->dynamic) child_dynamic = *resolved.mapping->dynamic;
  } else {
    bool skip = false;
    HOLDFAST_RETURN_IF_ERROR(CheckUnmapped(dynamic, &skip));
    if (skip) return SkipValue(value, nesting);
    HOLDFAST_RETURN_IF_ERROR(AddDynamicField(FieldMapping::Of(FieldType::kObject)));
  }
  const size_t limit = mapping_->limits().depth_limit;
  if (PathDepth(path_) + 1 > limit || nesting + 1 > kMaxNesting) {
    return MapperParsingError("Limit of mapping depth [" + std::to_string(limit) +
                              "] has been exceeded due to object field [" + path_ + "]");
  }
  od::object object;
  if (auto error = value.get_object().get(object)) return JsonError(error);
  return ParseObject(object, child_dynamic, nesting + 1);
}

Status DocumentParser::ParseScalar(od::value value, od::json_type type, DynamicMode dynamic) {
  Resolved resolved = Resolve(path_);
  const FieldMapping* field = resolved.mapping;
  if (field != nullptr && field->type == FieldType::kObject) {
    return MapperParsingError("object mapping for [" + path_ + "] tried to parse field [" +
                              path_ + "] as object, but found a concrete value");
  }
  if (resolved.is_multi_field) {
    return MapperParsingError("field [" + path_ + "] is a multi-field of [" +
                              path_.substr(0, path_.rfind('.')) +
                              "] and cannot be given a value of its own");
  }
  if (field == nullptr) {
    bool skip = false;
    HOLDFAST_RETURN_IF_ERROR(CheckUnmapped(dynamic, &skip));
    if (skip) return SkipValue(value, 0);
  }
  JsonScalar scalar;
  HOLDFAST_RETURN_IF_ERROR(ReadScalar(value, type, &scalar));
  if (field == nullptr) {
    HOLDFAST_RETURN_IF_ERROR(AddDynamicField(DetectDynamicField(
        scalar, mapping_->date_detection(), mapping_->numeric_detection())));
    field = &pending_.back().second;
  }
  return Emit(scalar, *field, path_);
}

Status DocumentParser::ReadScalar(od::value value, od::json_type type, JsonScalar* out) {
  switch (type) {
    case od::json_type::string: {
      out->kind = JsonScalar::Kind::kString;
      std::string_view token = TrimTrailingSpace(value.raw_json_token());
      if (token.size() >= 2 && token.front() == '"' && token.back() == '"' &&
          token.find('\\') == std::string_view::npos) {
        out->text = token.substr(1, token.size() - 2);  // a view into the document's buffer
        return Status::OK();
      }
      std::string_view unescaped;
      if (auto error = value.get_string().get(unescaped)) return JsonError(error);
      out->text = doc_->arena_.Copy(unescaped);  // the parser's copy dies with the next document
      return Status::OK();
    }
    case od::json_type::number: {
      out->text = TrimTrailingSpace(value.raw_json_token());
      od::number number;
      if (auto error = value.get_number().get(number)) return JsonError(error);
      switch (number.get_number_type()) {
        case od::number_type::signed_integer:
          out->kind = JsonScalar::Kind::kSignedInteger;
          out->int_value = number.get_int64();
          break;
        case od::number_type::unsigned_integer:
          out->kind = JsonScalar::Kind::kUnsignedInteger;
          out->uint_value = number.get_uint64();
          break;
        default:
          out->kind = JsonScalar::Kind::kFloat;
          out->double_value = number.get_double();
          break;
      }
      return Status::OK();
    }
    case od::json_type::boolean: {
      if (auto error = value.get_bool().get(out->bool_value)) return JsonError(error);
      out->kind = JsonScalar::Kind::kBool;
      out->text = out->bool_value ? "true" : "false";
      return Status::OK();
    }
    default:
      return JsonError(simdjson::INCORRECT_TYPE);
  }
}

Status DocumentParser::Emit(const JsonScalar& scalar, const FieldMapping& field,
                            std::string_view path) {
  HOLDFAST_RETURN_IF_ERROR(EmitOne(scalar, field, path));
  for (const MultiField& multi : field.multi_fields) {
    path_scratch_.assign(path).append(".").append(multi.name);
    HOLDFAST_RETURN_IF_ERROR(EmitOne(scalar, multi.mapping, path_scratch_));
  }
  for (const std::string& target : field.copy_to) {
    HOLDFAST_RETURN_IF_ERROR(CopyTo(scalar, target));
  }
  return Status::OK();
}

Status DocumentParser::EmitOne(const JsonScalar& scalar, const FieldMapping& field,
                               std::string_view path) {
  FieldValue value;
  Conversion conversion = ConvertScalar(scalar, field, &value, &term_scratch_);
  if (conversion == Conversion::kInvalid) {
    if (field.ignore_malformed) return Status::OK();  // kept in _source, not indexed
    return FieldError(path, field, scalar.text);
  }
  if (conversion == Conversion::kOk) {
    if (field.type == FieldType::kIp) value.text = doc_->arena_.Copy(value.text);
    value.path = InternPath(path);
    doc_->fields_.push_back(value);
  }
  return Status::OK();
}

// copy_to: the value is indexed again under `target` (with the target's own
// mapping and multi-fields, not its copy_to); an unmapped target is added by
// dynamic mapping like a field of the document.
Status DocumentParser::CopyTo(const JsonScalar& scalar, const std::string& target) {
  Resolved resolved = Resolve(target);
  const FieldMapping* mapping = resolved.mapping;
  if (mapping != nullptr && mapping->type == FieldType::kObject) {
    return MapperParsingError("Cannot copy to field [" + target +
                              "] since it is mapped as an object");
  }
  if (mapping == nullptr) {
    std::string saved = std::move(path_);
    path_ = target;
    bool skip = false;
    Status status = CheckUnmapped(mapping_->dynamic(), &skip);
    if (status.ok() && !skip) {
      status = AddDynamicField(DetectDynamicField(scalar, mapping_->date_detection(),
                                                  mapping_->numeric_detection()));
      if (status.ok()) mapping = &pending_.back().second;
    }
    path_ = std::move(saved);
    HOLDFAST_RETURN_IF_ERROR(status);
    if (mapping == nullptr) return Status::OK();
  }
  HOLDFAST_RETURN_IF_ERROR(EmitOne(scalar, *mapping, target));
  for (const MultiField& multi : mapping->multi_fields) {
    copy_scratch_.assign(target).append(".").append(multi.name);
    HOLDFAST_RETURN_IF_ERROR(EmitOne(scalar, multi.mapping, copy_scratch_));
  }
  return Status::OK();
}

Status DocumentParser::SkipValue(od::value value, size_t nesting) {
  if (nesting + 1 > kMaxNesting) {
    return MapperParsingError("failed to parse: nesting deeper than [" +
                              std::to_string(kMaxNesting) + "]");
  }
  od::json_type type;
  if (auto error = value.type().get(type)) return JsonError(error);
  switch (type) {
    case od::json_type::object: {
      od::object object;
      if (auto error = value.get_object().get(object)) return JsonError(error);
      for (auto field_result : object) {
        od::field field;
        std::string_view key;
        if (auto error = std::move(field_result).get(field)) return JsonError(error);
        if (auto error = field.unescaped_key().get(key)) return JsonError(error);
        HOLDFAST_RETURN_IF_ERROR(SkipValue(field.value(), nesting + 1));
      }
      return Status::OK();
    }
    case od::json_type::array: {
      od::array array;
      if (auto error = value.get_array().get(array)) return JsonError(error);
      for (auto element_result : array) {
        od::value element;
        if (auto error = element_result.get(element)) return JsonError(error);
        HOLDFAST_RETURN_IF_ERROR(SkipValue(element, nesting + 1));
      }
      return Status::OK();
    }
    case od::json_type::string: {
      std::string_view ignored;
      if (auto error = value.get_string().get(ignored)) return JsonError(error);
      return Status::OK();
    }
    case od::json_type::number: {
      od::number ignored;
      if (auto error = value.get_number().get(ignored)) return JsonError(error);
      return Status::OK();
    }
    case od::json_type::boolean: {
      bool ignored = false;
      if (auto error = value.get_bool().get(ignored)) return JsonError(error);
      return Status::OK();
    }
    case od::json_type::null: {
      bool is_null = false;
      if (auto error = value.is_null().get(is_null)) return JsonError(error);
      return is_null ? Status::OK() : JsonError(simdjson::N_ATOM_ERROR);
    }
  }
  return JsonError(simdjson::INCORRECT_TYPE);
}

DocumentParser::Resolved DocumentParser::Resolve(std::string_view path) const {
  if (const MappedField* mapped = mapping_->Find(path)) {
    return {&mapped->mapping, mapped->is_multi_field};
  }
  for (const auto& [pending_path, field] : pending_) {
    if (pending_path == path) return {&field, false};
  }
  return {};
}

Status DocumentParser::CheckUnmapped(DynamicMode dynamic, bool* skip) const {
  *skip = false;
  if (dynamic == DynamicMode::kStrict) {
    size_t dot = path_.rfind('.');
    std::string_view name = dot == std::string::npos ? std::string_view(path_)
                                                      : std::string_view(path_).substr(dot + 1);
    std::string parent = dot == std::string::npos ? "_doc" : path_.substr(0, dot);
    return Status::StrictDynamicMapping("mapping set to strict, dynamic introduction of [" + std::string(name) +
                                        "] within [" + parent + "] is not allowed");
  }
  if (dynamic == DynamicMode::kFalse || !dynamic_allowed_) *skip = true;
  return Status::OK();
}

Status DocumentParser::AddDynamicField(FieldMapping field) {
  const MappingLimits& limits = mapping_->limits();
  if (PathDepth(path_) > limits.depth_limit) {
    return MapperParsingError("Limit of mapping depth [" + std::to_string(limits.depth_limit) +
                              "] has been exceeded due to object field [" + path_ + "]");
  }
  // Dotted keys ({"a.b": 1}) need their parent objects too.
  size_t new_entries = 1 + field.multi_fields.size();
  std::string_view path(path_);
  for (size_t dot = path.find('.'); dot != std::string_view::npos; dot = path.find('.', dot + 1)) {
    Resolved parent = Resolve(path.substr(0, dot));
    if (parent.mapping == nullptr) {
      ++new_entries;
    } else if (parent.is_multi_field || parent.mapping->type != FieldType::kObject) {
      return MapperParsingError(
          "Could not dynamically add mapping for field [" + path_ + "]. Existing mapping for [" +
          std::string(path.substr(0, dot)) + "] must be of type object but found [" +
          std::string(FieldTypeName(parent.mapping->type)) + "].");
    }
  }
  if (mapping_->total_fields() + pending_entries_ + new_entries > limits.total_fields_limit) {
    return IllegalArgumentError("Limit of total fields [" +
                                std::to_string(limits.total_fields_limit) +
                                "] has been exceeded while adding new fields [" +
                                std::to_string(pending_entries_ + new_entries) + "]");
  }
  for (size_t dot = path.find('.'); dot != std::string_view::npos; dot = path.find('.', dot + 1)) {
    if (Resolve(path.substr(0, dot)).mapping == nullptr) {
      pending_.emplace_back(std::string(path.substr(0, dot)), FieldMapping::Of(FieldType::kObject));
    }
  }
  pending_.emplace_back(path_, std::move(field));
  pending_entries_ += new_entries;
  return Status::OK();
}

Status DocumentParser::FieldError(std::string_view path, const FieldMapping& field,
                                  std::string_view preview) const {
  return MapperParsingError("failed to parse field [" + std::string(path) + "] of type [" +
                            std::string(DeclaredTypeName(field)) + "] in document with id '" +
                            doc_->id_ + "'. Preview of field's value: '" +
                            std::string(Preview(preview)) + "'");
}

std::string_view DocumentParser::InternPath(std::string_view path) {
  // Arrays and multi-fields repeat the last paths: reuse their copies.
  const std::vector<FieldValue>& fields = doc_->fields_;
  for (size_t i = fields.size(), seen = 0; i > 0 && seen < 2; --i, ++seen) {
    if (fields[i - 1].path == path) return fields[i - 1].path;
  }
  return doc_->arena_.Copy(path);
}

Result<ParsedDocument> ParseDocument(const Mapping& mapping, std::string_view id,
                                     std::string_view source_json, MappingUpdate* new_fields) {
  thread_local DocumentParser parser;
  return parser.Parse(mapping, id, source_json, new_fields);
}

}  // namespace holdfast::mapping
