#include "index/search/highlight_spec.h"

#include "index/search/aggregation_json.h"

namespace holdfast::search {
namespace {

Result<std::string> FirstTag(od::value& value, std::string_view what) {
  od::array array;
  if (value.get_array().get(array) != simdjson::SUCCESS) {
    return ParsingError("[highlight] [" + std::string(what) + "] must be an array of strings");
  }
  for (auto element : array) {
    std::string_view tag;
    if (element.get_string().get(tag) != simdjson::SUCCESS) {
      return ParsingError("[highlight] [" + std::string(what) + "] must be an array of strings");
    }
    return std::string(tag);
  }
  return ParsingError("[highlight] [" + std::string(what) + "] must not be empty");
}

// One option of the top level or of a field. `handled` is false for keys
// that are not options.
Status ParseOption(std::string_view key, od::value& value, HighlightOptions* options, bool* handled) {
  *handled = true;
  if (key == "pre_tags" || key == "post_tags") {
    Result<std::string> tag = FirstTag(value, key);
    if (!tag.ok()) return tag.status();
    (key == "pre_tags" ? options->pre_tag : options->post_tag) = std::move(tag.value());
  } else if (key == "fragment_size" || key == "number_of_fragments") {
    Result<int64_t> n = CountOf(value, key);
    if (!n.ok()) return n.status();
    if (n.value() > UINT32_MAX) return ParsingError("[highlight] [" + std::string(key) + "] is too large");
    (key == "fragment_size" ? options->fragment_size : options->number_of_fragments) =
        static_cast<uint32_t>(n.value());
  } else if (key == "order") {
    Result<std::string_view> order = StringOf(value, "order");
    if (!order.ok()) return order.status();
    if (order.value() != "score" && order.value() != "none") {
      return ParsingError("[highlight] unknown order [" + std::string(order.value()) + "]");
    }
    options->order_by_score = order.value() == "score";
  } else if (key == "type" || key == "require_field_match") {
    // Accepted: holdfast has one highlighter, and highlights only the query's terms of the field.
  } else {
    *handled = false;
  }
  return Status::OK();
}

Status ParseField(std::string_view name, od::value& value, const HighlightOptions& defaults, HighlightSpec* spec) {
  HighlightOptions options = defaults;
  od::object object;
  if (value.get_object().get(object) != simdjson::SUCCESS) {
    return ParsingError("[highlight] field [" + std::string(name) + "] must be an object");
  }
  for (auto field : object) {
    std::string_view key;
    if (auto e = field.unescaped_key().get(key); e) return JsonError(e);
    od::value v;
    if (auto e = field.value().get(v); e) return JsonError(e);
    bool handled = false;
    HOLDFAST_RETURN_IF_ERROR(ParseOption(key, v, &options, &handled));
    if (!handled) return ParsingError("[highlight_field] unknown field [" + std::string(key) + "]");
  }
  spec->fields.emplace_back(std::string(name), std::move(options));
  return Status::OK();
}

Status ParseFields(od::value& value, const HighlightOptions& defaults, HighlightSpec* spec) {
  od::object object;
  od::array array;
  if (value.get_array().get(array) == simdjson::SUCCESS) {  // [{"title": {}}, ...]
    for (auto element : array) {
      od::value item;
      if (auto e = element.get(item); e) return JsonError(e);
      HOLDFAST_RETURN_IF_ERROR(ParseFields(item, defaults, spec));
    }
    return Status::OK();
  }
  if (value.get_object().get(object) != simdjson::SUCCESS) return ParsingError("[highlight] [fields] must be an object");
  for (auto field : object) {
    std::string_view name;
    if (auto e = field.unescaped_key().get(name); e) return JsonError(e);
    std::string owned(name);
    od::value v;
    if (auto e = field.value().get(v); e) return JsonError(e);
    HOLDFAST_RETURN_IF_ERROR(ParseField(owned, v, defaults, spec));
  }
  return Status::OK();
}

}  // namespace

Result<HighlightSpec> ParseHighlightSpec(std::string_view json) {
  RequestJson input;
  HOLDFAST_RETURN_IF_ERROR(input.Open(json));
  od::object object;
  if (input.root().get_object().get(object) != simdjson::SUCCESS) {
    return ParsingError("[highlight] must be an object");
  }
  // Top-level options first (they may follow "fields"), then the fields.
  HighlightOptions defaults;
  bool has_fields = false;
  for (auto field : object) {
    std::string_view key;
    if (auto e = field.unescaped_key().get(key); e) return JsonError(e);
    if (key == "fields") {
      has_fields = true;
      continue;
    }
    od::value v;
    if (auto e = field.value().get(v); e) return JsonError(e);
    bool handled = false;
    HOLDFAST_RETURN_IF_ERROR(ParseOption(key, v, &defaults, &handled));
    if (!handled) return ParsingError("[highlight] unknown field [" + std::string(key) + "]");
  }
  if (!has_fields) return ParsingError("[highlight] requires [fields]");
  HighlightSpec spec;
  od::value fields;
  if (auto e = object.reset().error(); e) return JsonError(e);
  if (auto e = object.find_field_unordered("fields").get(fields); e) return JsonError(e);
  HOLDFAST_RETURN_IF_ERROR(ParseFields(fields, defaults, &spec));
  HOLDFAST_RETURN_IF_ERROR(input.Close());
  return spec;
}

}  // namespace holdfast::search
