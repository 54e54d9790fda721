#include "index/search/sort_spec.h"

#include "index/search/aggregation_json.h"

namespace holdfast::search {
namespace {

using mapping::FieldType;

// A key for `field` with its defaults (order, mode) from the mapping.
Result<SortKey> KeyFor(std::string_view field, const mapping::Mapping& mapping) {
  SortKey key;
  key.field = std::string(field);
  if (field == "_score") {
    key.kind = SortKeyKind::kScore;
    key.descending = true;
    return key;
  }
  if (field == "_doc") {
    key.kind = SortKeyKind::kDoc;
    return key;
  }
  if (field == "_id") {  // a metadata field: never in the mapping
    key.kind = SortKeyKind::kId;
    return key;
  }
  if (field == kPopularityField) {
    key.kind = SortKeyKind::kDouble;
    key.field_type = FieldType::kDouble;
    return key;
  }
  const mapping::MappedField* mapped = mapping.Find(field);
  if (mapped == nullptr) {
    key.kind = SortKeyKind::kUnmapped;
    return key;
  }
  key.field_type = mapped->mapping.type;
  if (!mapped->mapping.doc_values && key.field_type != FieldType::kText && key.field_type != FieldType::kObject) {
    return IllegalArgumentError("Can't load fielddata on [" + key.field +
                                "] because fielddata is unsupported on fields of type [" +
                                std::string(mapping::DeclaredTypeName(mapped->mapping)) + "]. Use doc values instead.");
  }
  switch (key.field_type) {
    case FieldType::kText: return TextFieldDataError(field);
    case FieldType::kObject:
      return IllegalArgumentError("Field [" + key.field + "] of type [object] is not supported for sorting");
    case FieldType::kKeyword:
    case FieldType::kIp: key.kind = SortKeyKind::kKeyword; break;
    case FieldType::kDouble: key.kind = SortKeyKind::kDouble; break;
    case FieldType::kLong:
    case FieldType::kDate:
    case FieldType::kBoolean: key.kind = SortKeyKind::kLong; break;
  }
  return key;
}

Status ParseOrder(std::string_view text, SortKey* key) {
  if (text == "asc") {
    key->descending = false;
  } else if (text == "desc") {
    key->descending = true;
  } else {
    return IllegalArgumentError("Unknown SortOrder [" + std::string(text) + "]");
  }
  if (key->kind != SortKeyKind::kScore && key->kind != SortKeyKind::kDoc) {
    key->mode = key->descending ? SortMode::kMax : SortMode::kMin;
  }
  return Status::OK();
}

// {"order": .., "missing": .., "mode": ..}; `mode` set explicitly wins over
// the order's default whichever comes first.
Status ParseKeyOptions(od::object options, SortKey* key) {
  bool mode_given = false;
  SortMode mode = SortMode::kMin;
  for (auto field : options) {
    std::string_view name;
    if (auto e = field.unescaped_key().get(name); e) return JsonError(e);
    od::value value;
    if (auto e = field.value().get(value); e) return JsonError(e);
    Result<std::string_view> text = StringOf(value, name);
    if (name == "order") {
      if (!text.ok()) return text.status();
      HOLDFAST_RETURN_IF_ERROR(ParseOrder(text.value(), key));
    } else if (name == "missing") {
      if (!text.ok() || (text.value() != "_last" && text.value() != "_first")) {
        return IllegalArgumentError("[missing] supports only _last and _first on [" + key->field + "]");
      }
      key->missing_first = text.value() == "_first";
    } else if (name == "mode") {
      if (!text.ok() || (text.value() != "min" && text.value() != "max")) {
        return IllegalArgumentError("[mode] supports only min and max on [" + key->field + "]");
      }
      mode_given = true;
      mode = text.value() == "min" ? SortMode::kMin : SortMode::kMax;
    } else if (name == "unmapped_type" || name == "format" || name == "numeric_type") {
      // Accepted and ignored: unmapped fields are always missing, and values
      // are rendered in their stored form.
    } else {
      return ParsingError("[field_sort] unknown field [" + std::string(name) + "]");
    }
  }
  if (mode_given) key->mode = mode;
  return Status::OK();
}

Status ParseOneKey(od::value& value, const mapping::Mapping& mapping, SortSpec* spec) {
  Result<od::json_type> type = TypeOf(value);
  if (!type.ok()) return type.status();
  if (type.value() == od::json_type::string) {
    Result<std::string_view> name = StringOf(value, "sort");
    if (!name.ok()) return name.status();
    Result<SortKey> key = KeyFor(name.value(), mapping);
    if (!key.ok()) return key.status();
    spec->keys.push_back(std::move(key.value()));
    return Status::OK();
  }
  if (type.value() != od::json_type::object) {
    return ParsingError("[sort] expected a field name or an object, found " +
                        std::string(value.raw_json_token()));
  }
  od::object object;
  if (auto e = value.get_object().get(object); e) return JsonError(e);
  size_t fields = 0;
  for (auto field : object) {
    if (++fields > 1) return ParsingError("[sort] an object must hold exactly one field");
    std::string_view name;
    if (auto e = field.unescaped_key().get(name); e) return JsonError(e);
    Result<SortKey> key = KeyFor(name, mapping);
    if (!key.ok()) return key.status();
    od::value options;
    if (auto e = field.value().get(options); e) return JsonError(e);
    Result<od::json_type> options_type = TypeOf(options);
    if (!options_type.ok()) return options_type.status();
    if (options_type.value() == od::json_type::string) {
      Result<std::string_view> order = StringOf(options, "order");
      if (!order.ok()) return order.status();  // e.g. a bad escape in the string
      HOLDFAST_RETURN_IF_ERROR(ParseOrder(order.value(), &key.value()));
    } else if (options_type.value() == od::json_type::object) {
      od::object opts;
      if (auto e = options.get_object().get(opts); e) return JsonError(e);
      HOLDFAST_RETURN_IF_ERROR(ParseKeyOptions(opts, &key.value()));
    } else {
      return ParsingError("[sort] expected an order or an object for [" + std::string(name) + "]");
    }
    spec->keys.push_back(std::move(key.value()));
  }
  if (fields == 0) return ParsingError("[sort] an object must hold exactly one field");
  return Status::OK();
}

}  // namespace

bool SortSpec::NeedsScores() const {
  for (const SortKey& key : keys) {
    if (key.kind == SortKeyKind::kScore) return true;
  }
  return false;
}

Status BindSortSources(SortSpec* spec, std::shared_ptr<const DocValueSource> popularity) {
  for (SortKey& key : spec->keys) {
    if (key.field != kPopularityField) continue;
    if (popularity == nullptr) {
      return IllegalArgumentError("No mapping found for [_popularity] in order to sort on: the index takes no events");
    }
    key.source = popularity;
  }
  return Status::OK();
}

Result<SortSpec> ParseSortSpec(std::string_view json, const mapping::Mapping& mapping) {
  RequestJson input;
  HOLDFAST_RETURN_IF_ERROR(input.Open(json));
  SortSpec spec;
  Result<od::json_type> type = TypeOf(input.root());
  if (!type.ok()) return type.status();
  if (type.value() != od::json_type::array) {
    HOLDFAST_RETURN_IF_ERROR(ParseOneKey(input.root(), mapping, &spec));
    HOLDFAST_RETURN_IF_ERROR(input.Close());
    return spec;
  }
  od::array array;
  if (auto e = input.root().get_array().get(array); e) return JsonError(e);
  for (auto element : array) {
    od::value value;
    if (auto e = element.get(value); e) return JsonError(e);
    HOLDFAST_RETURN_IF_ERROR(ParseOneKey(value, mapping, &spec));
  }
  HOLDFAST_RETURN_IF_ERROR(input.Close());
  return spec;
}

}  // namespace holdfast::search
