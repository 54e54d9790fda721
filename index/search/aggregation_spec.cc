#include "index/search/aggregation_spec.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <regex>

#include "index/mapping/date_parser.h"
#include "index/search/aggregation_format.h"
#include "index/search/aggregation_json.h"
#include "index/search/histogram_keys.h"
#include "index/search/query_parser.h"

namespace holdfast::search {
namespace {

using mapping::FieldType;

std::string Quote(std::string_view s) { return "[" + std::string(s) + "]"; }

struct NamedType {
  std::string_view name;
  AggregationType type;
  StatsMetric metric;
};
constexpr NamedType kTypes[] = {
    {"terms", AggregationType::kTerms, StatsMetric::kStats},
    {"range", AggregationType::kRange, StatsMetric::kStats},
    {"date_range", AggregationType::kRange, StatsMetric::kStats},
    {"stats", AggregationType::kStats, StatsMetric::kStats},
    {"min", AggregationType::kStats, StatsMetric::kMin},
    {"max", AggregationType::kStats, StatsMetric::kMax},
    {"avg", AggregationType::kStats, StatsMetric::kAvg},
    {"sum", AggregationType::kStats, StatsMetric::kSum},
    {"value_count", AggregationType::kStats, StatsMetric::kValueCount},
    {"extended_stats", AggregationType::kStats, StatsMetric::kExtendedStats},
    {"histogram", AggregationType::kHistogram, StatsMetric::kStats},
    {"date_histogram", AggregationType::kDateHistogram, StatsMetric::kStats},
    {"missing", AggregationType::kMissing, StatsMetric::kStats},
    {"filter", AggregationType::kFilter, StatsMetric::kStats},
    {"filters", AggregationType::kFilters, StatsMetric::kStats},
};

std::string_view TypeName(const AggregationSpec& spec) {
  for (const NamedType& t : kTypes) {
    if (t.type == spec.type && (t.type != AggregationType::kStats || t.metric == spec.metric)) return t.name;
  }
  return "";
}

const NamedType* TypeFromName(std::string_view name) {
  for (const NamedType& t : kTypes) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

bool IsHistogram(AggregationType type) {
  return type == AggregationType::kHistogram || type == AggregationType::kDateHistogram;
}

class AggregationParser {
 public:
  explicit AggregationParser(const mapping::Mapping& mapping) : mapping_(mapping) {}

  Status ParseList(od::value& value, std::vector<AggregationSpec>* out);

 private:
  Status ParseOne(std::string_view name, od::value& body, AggregationSpec* spec);
  Status ParseParams(od::value& params, AggregationSpec* spec);
  Status ParseParam(std::string_view key, od::value& value, AggregationSpec* spec);
  Status SetField(std::string_view field, AggregationSpec* spec);
  Status ParseOrder(od::value& value, AggregationSpec* spec);
  Status ParseRanges(od::value& value, AggregationSpec* spec);
  Result<double> ParseBound(od::value& value, const AggregationSpec& spec);
  Status ParseHistogramParam(std::string_view key, od::value& value, AggregationSpec* spec);
  Result<std::shared_ptr<const Query>> ParseFilterQuery(od::value& value, const AggregationSpec& spec);
  Status ParseFilters(od::value& value, AggregationSpec* spec);
  Status ParseTermFilter(std::string_view key, od::value& value, AggregationSpec* spec);

  const mapping::Mapping& mapping_;
  const mapping::MappedField* field_ = nullptr;  // of the aggregation being parsed
};

Status AggregationParser::ParseList(od::value& value, std::vector<AggregationSpec>* out) {
  od::object object;
  if (value.get_object().get(object) != simdjson::SUCCESS) {
    return ParsingError("Expected [START_OBJECT] for aggregations");
  }
  for (auto field : object) {
    std::string_view name;
    if (auto e = field.unescaped_key().get(name); e) return JsonError(e);
    std::string owned_name(name);
    for (const AggregationSpec& seen : *out) {
      if (seen.name == owned_name) return ParsingError("Two sibling aggregations cannot have the same name: " + Quote(owned_name));
    }
    od::value body;
    if (auto e = field.value().get(body); e) return JsonError(e);
    AggregationSpec spec;
    HOLDFAST_RETURN_IF_ERROR(ParseOne(owned_name, body, &spec));
    out->push_back(std::move(spec));
  }
  return Status::OK();
}

Status AggregationParser::ParseOne(std::string_view name, od::value& body, AggregationSpec* spec) {
  spec->name = std::string(name);
  od::object object;
  if (body.get_object().get(object) != simdjson::SUCCESS) {
    return ParsingError("Expected [START_OBJECT] under [" + spec->name + "]");
  }
  bool typed = false;
  for (auto field : object) {
    std::string_view key;
    if (auto e = field.unescaped_key().get(key); e) return JsonError(e);
    od::value value;
    if (auto e = field.value().get(value); e) return JsonError(e);
    if (key == "aggs" || key == "aggregations") {
      HOLDFAST_RETURN_IF_ERROR(ParseList(value, &spec->children));
      continue;
    }
    if (key == "meta") continue;
    const NamedType* type = TypeFromName(key);
    if (type == nullptr) return ParsingError("Unknown aggregation type " + Quote(key));
    if (typed) {
      return ParsingError("Found two aggregation type definitions in " + Quote(spec->name) + ": " +
                          Quote(TypeName(*spec)) + " and " + Quote(key));
    }
    typed = true;
    spec->type = type->type;
    spec->metric = type->metric;
    spec->date_range = key == "date_range";
    if (IsHistogram(spec->type)) spec->min_doc_count = 0;
    if (spec->type == AggregationType::kFilter) {
      auto query = ParseFilterQuery(value, *spec);
      if (!query.ok()) return query.status();
      spec->filters.push_back(std::move(query).value());
      continue;
    }
    if (spec->type == AggregationType::kFilters) {
      HOLDFAST_RETURN_IF_ERROR(ParseFilters(value, spec));
      continue;
    }
    HOLDFAST_RETURN_IF_ERROR(ParseParams(value, spec));
  }
  if (!typed) return ParsingError("Missing definition for aggregation " + Quote(spec->name));
  return Status::OK();
}

Status AggregationParser::ParseParams(od::value& params, AggregationSpec* spec) {
  od::object object;
  if (params.get_object().get(object) != simdjson::SUCCESS) {
    return ParsingError("Expected [START_OBJECT] for " + Quote(TypeName(*spec)) + " in " + Quote(spec->name));
  }
  // The field first, whatever its position: range bounds depend on its type.
  field_ = nullptr;
  bool has_field = false;
  od::value field_value;
  if (object.find_field_unordered("field").get(field_value) == simdjson::SUCCESS) {
    has_field = true;
    Result<std::string_view> name = StringOf(field_value, "field");
    if (!name.ok()) return name.status();
    HOLDFAST_RETURN_IF_ERROR(SetField(name.value(), spec));
  }
  if (auto e = object.reset().error(); e) return JsonError(e);
  // date_range: the format before the ranges, whatever its position (bounds are parsed with it).
  if (spec->date_range) {
    if (spec->kind != AggValueKind::kUnmapped && spec->field_type != FieldType::kDate) {
      return IllegalArgumentError("Field " + Quote(spec->field) + " of type " +
                                  Quote(mapping::FieldTypeName(spec->field_type)) +
                                  " is not supported for aggregation [date_range]");
    }
    od::value format_value;
    if (object.find_field_unordered("format").get(format_value) == simdjson::SUCCESS) {
      Result<std::string_view> format = StringOf(format_value, "format");
      if (!format.ok()) return format.status();
      if (!IsSupportedDateFormat(format.value())) {
        return IllegalArgumentError("Invalid format: " + Quote(format.value()) + " in " + Quote(spec->name));
      }
      spec->format = std::string(format.value());
    }
    if (auto e = object.reset().error(); e) return JsonError(e);
  }
  bool has_ranges = false;
  for (auto field : object) {
    std::string_view key;
    if (auto e = field.unescaped_key().get(key); e) return JsonError(e);
    od::value value;
    if (auto e = field.value().get(value); e) return JsonError(e);
    if (key == "field" || (spec->date_range && key == "format")) continue;
    has_ranges |= key == "ranges";
    HOLDFAST_RETURN_IF_ERROR(ParseParam(key, value, spec));
  }
  if (!has_field) {
    return IllegalArgumentError("Required one of fields [field, script], but none were specified.");
  }
  if (spec->type == AggregationType::kRange && !has_ranges) {
    return IllegalArgumentError("No [ranges] specified for the " + Quote(spec->name) + " aggregation");
  }
  if (spec->type == AggregationType::kHistogram && !(spec->interval > 0)) {
    return IllegalArgumentError("[interval] must be >0 for histogram aggregation " + Quote(spec->name));
  }
  if (spec->type == AggregationType::kDateHistogram && spec->calendar == CalendarUnit::kNone && !(spec->interval > 0)) {
    return IllegalArgumentError("Invalid interval specified, must be non-null and non-empty");
  }
  if (spec->type == AggregationType::kRange) {
    std::stable_sort(spec->ranges.begin(), spec->ranges.end(), [](const AggRange& a, const AggRange& b) {
      double af = a.from.value_or(-HUGE_VAL), bf = b.from.value_or(-HUGE_VAL);
      if (af != bf) return af < bf;
      return a.to.value_or(HUGE_VAL) < b.to.value_or(HUGE_VAL);
    });
  }
  return Status::OK();
}

Status AggregationParser::ParseParam(std::string_view key, od::value& value, AggregationSpec* spec) {
  const std::string where = "[" + std::string(TypeName(*spec)) + "]";
  if (IsHistogram(spec->type)) return ParseHistogramParam(key, value, spec);
  if (spec->type == AggregationType::kStats && spec->metric == StatsMetric::kExtendedStats && key == "sigma") {
    if (value.get_double().get(spec->sigma) != simdjson::SUCCESS || spec->sigma < 0) {
      return IllegalArgumentError("[sigma] must be greater than or equal to 0. Found in " + Quote(spec->name));
    }
    return Status::OK();
  }
  if (spec->type == AggregationType::kTerms) {
    if (key == "size") {
      Result<int64_t> size = CountOf(value, "size");
      if (!size.ok()) return size.status();
      if (size.value() == 0 || size.value() > UINT32_MAX) {
        return IllegalArgumentError("[size] must be greater than 0. Found [" + std::to_string(size.value()) +
                                    "] in " + Quote(spec->name));
      }
      spec->size = static_cast<uint32_t>(size.value());
      return Status::OK();
    }
    if (key == "order") return ParseOrder(value, spec);
    if (key == "shard_size") return CountOf(value, "shard_size").status();  // every term is kept
    if (key == "min_doc_count") {
      Result<int64_t> n = CountOf(value, "min_doc_count");
      if (!n.ok()) return n.status();
      if (n.value() == 0) {
        return IllegalArgumentError("[min_doc_count] 0 is not supported for terms (terms without documents are not "
                                    "listed) in " + Quote(spec->name));
      }
      spec->min_doc_count = static_cast<uint64_t>(n.value());
      return Status::OK();
    }
    if (key == "include" || key == "exclude") return ParseTermFilter(key, value, spec);
    if (key == "missing") {
      std::string_view text;
      double number = 0;
      if (value.get_string().get(text) == simdjson::SUCCESS) {
        spec->missing_key = std::string(text);
      } else if (value.get_double().get(number) == simdjson::SUCCESS) {
        spec->missing_key = FormatJavaDouble(number);
        if (number == std::floor(number) && std::fabs(number) < 9e15) spec->missing_key = std::to_string(static_cast<int64_t>(number));
      } else {
        return ParsingError("[missing] must be a string or a number in " + Quote(spec->name));
      }
      return Status::OK();
    }
  }
  if (spec->type == AggregationType::kRange) {
    if (key == "ranges") return ParseRanges(value, spec);
    if (key == "keyed") {
      if (value.get_bool().get(spec->keyed) != simdjson::SUCCESS) return ParsingError("[keyed] must be a boolean");
      return Status::OK();
    }
  }
  return ParsingError(where + " unknown field " + Quote(key));
}

Status AggregationParser::SetField(std::string_view field, AggregationSpec* spec) {
  spec->field = std::string(field);
  field_ = mapping_.Find(field);
  if (field_ == nullptr) {
    spec->kind = AggValueKind::kUnmapped;
    return Status::OK();
  }
  spec->field_type = field_->mapping.type;
  const bool counts_only = spec->type == AggregationType::kMissing ||
                           (spec->type == AggregationType::kStats && spec->metric == StatsMetric::kValueCount);
  switch (spec->field_type) {
    case FieldType::kText: return TextFieldDataError(field);
    case FieldType::kKeyword:
      if (spec->type != AggregationType::kTerms && !counts_only) break;
      spec->kind = AggValueKind::kKeyword;
      return Status::OK();
    case FieldType::kDouble: spec->kind = AggValueKind::kDouble; return Status::OK();
    case FieldType::kLong:
    case FieldType::kDate:
    case FieldType::kBoolean: spec->kind = AggValueKind::kLong; return Status::OK();
    case FieldType::kObject: break;
  }
  return IllegalArgumentError("Field " + Quote(field) + " of type " +
                              Quote(mapping::FieldTypeName(spec->field_type)) +
                              " is not supported for aggregation " + Quote(TypeName(*spec)));
}

Status AggregationParser::ParseOrder(od::value& value, AggregationSpec* spec) {
  od::object object;
  od::array array;
  if (value.get_array().get(array) == simdjson::SUCCESS) {
    // [{"_count": "desc"}, ...]: the first criterion decides; ties go to _key asc.
    for (auto element : array) {
      od::value first;
      if (auto e = element.get(first); e) return JsonError(e);
      return ParseOrder(first, spec);
    }
    return Status::OK();
  }
  if (value.get_object().get(object) != simdjson::SUCCESS) return ParsingError("[order] must be an object");
  for (auto field : object) {
    std::string_view key;
    if (auto e = field.unescaped_key().get(key); e) return JsonError(e);
    od::value direction;
    if (auto e = field.value().get(direction); e) return JsonError(e);
    Result<std::string_view> dir = StringOf(direction, "order");
    if (!dir.ok()) return dir.status();
    if (dir.value() != "asc" && dir.value() != "desc") {
      return ParsingError("Unknown terms order direction " + Quote(dir.value()) + " in terms aggregation " + Quote(spec->name));
    }
    bool asc = dir.value() == "asc";
    if (key == "_count") {
      spec->order = asc ? TermsOrder::kCountAsc : TermsOrder::kCountDesc;
    } else if (key == "_key" || key == "_term") {
      spec->order = asc ? TermsOrder::kKeyAsc : TermsOrder::kKeyDesc;
    } else {
      return IllegalArgumentError("Invalid aggregation order path " + Quote(key) +
                                  ". Only _count and _key are supported.");
    }
  }
  return Status::OK();
}

Result<double> AggregationParser::ParseBound(od::value& value, const AggregationSpec& spec) {
  double number = 0;
  if (value.get_double().get(number) == simdjson::SUCCESS) return number;
  std::string_view text;
  if (value.get_string().get(text) == simdjson::SUCCESS) {
    int64_t millis = 0;
    if (spec.field_type == FieldType::kDate && field_ != nullptr) {
      const std::optional<mapping::DateFormatList> given =
          spec.format.empty() ? std::nullopt : mapping::DateFormatList::Parse(spec.format);
      if (mapping::ParseDate(text, given ? *given : field_->mapping.date_formats, &millis)) {
        return static_cast<double>(millis);
      }
    }
    char* end = nullptr;
    std::string owned(text);
    double parsed = std::strtod(owned.c_str(), &end);
    if (!owned.empty() && end == owned.c_str() + owned.size()) return parsed;
    return IllegalArgumentError("failed to parse range bound " + Quote(text) + " for field " + Quote(spec.field));
  }
  return ParsingError("[range] bounds must be numbers or strings in " + Quote(spec.name));
}

std::string BoundText(double bound, const AggregationSpec& spec) {
  if (spec.field_type == FieldType::kDate) return FormatDateMillis(spec.format, 0, static_cast<int64_t>(bound));
  return FormatJavaDouble(bound);
}

Status AggregationParser::ParseRanges(od::value& value, AggregationSpec* spec) {
  od::array array;
  if (value.get_array().get(array) != simdjson::SUCCESS) return ParsingError("[ranges] must be an array");
  for (auto element : array) {
    od::object object;
    if (element.get_object().get(object) != simdjson::SUCCESS) {
      return ParsingError("[ranges] entries must be objects in " + Quote(spec->name));
    }
    AggRange range;
    bool keyed = false;
    for (auto field : object) {
      std::string_view key;
      if (auto e = field.unescaped_key().get(key); e) return JsonError(e);
      od::value v;
      if (auto e = field.value().get(v); e) return JsonError(e);
      bool is_null = false;
      if (v.is_null().get(is_null) == simdjson::SUCCESS && is_null) continue;
      if (key == "from" || key == "to") {
        Result<double> bound = ParseBound(v, *spec);
        if (!bound.ok()) return bound.status();
        (key == "from" ? range.from : range.to) = bound.value();
      } else if (key == "key") {
        Result<std::string_view> k = StringOf(v, "key");
        if (!k.ok()) return k.status();
        range.key = std::string(k.value());
        keyed = true;
      } else {
        return ParsingError("[range] unknown field " + Quote(key));
      }
    }
    if (!keyed) {
      range.key = (range.from ? BoundText(*range.from, *spec) : "*") + "-" +
                  (range.to ? BoundText(*range.to, *spec) : "*");
    }
    spec->ranges.push_back(std::move(range));
  }
  return Status::OK();
}

Status AggregationParser::ParseHistogramParam(std::string_view key, od::value& value, AggregationSpec* spec) {
  const bool date = spec->type == AggregationType::kDateHistogram;
  auto text = [&](std::string_view what) -> Result<std::string_view> { return StringOf(value, what); };
  if (key == "keyed") {
    if (value.get_bool().get(spec->keyed) != simdjson::SUCCESS) return ParsingError("[keyed] must be a boolean");
    return Status::OK();
  }
  if (key == "min_doc_count") {
    Result<int64_t> n = CountOf(value, "min_doc_count");
    if (!n.ok()) return n.status();
    spec->min_doc_count = static_cast<uint64_t>(n.value());
    return Status::OK();
  }
  if (key == "extended_bounds" || key == "hard_bounds") {
    if (key == "hard_bounds") return IllegalArgumentError("[hard_bounds] is not supported in " + Quote(spec->name));
    od::object object;
    if (value.get_object().get(object) != simdjson::SUCCESS) return ParsingError("[extended_bounds] must be an object");
    for (auto field : object) {
      std::string_view k;
      if (auto e = field.unescaped_key().get(k); e) return JsonError(e);
      od::value v;
      if (auto e = field.value().get(v); e) return JsonError(e);
      Result<double> bound = ParseBound(v, *spec);
      if (!bound.ok()) return bound.status();
      if (k == "min") {
        spec->bounds_min = bound.value();
      } else if (k == "max") {
        spec->bounds_max = bound.value();
      } else {
        return ParsingError("[extended_bounds] unknown field " + Quote(k));
      }
    }
    if (spec->bounds_min && spec->bounds_max && *spec->bounds_min > *spec->bounds_max) {
      return IllegalArgumentError("[extended_bounds.min][" + FormatJavaDouble(*spec->bounds_min) +
                                  "] cannot be greater than [extended_bounds.max][" + FormatJavaDouble(*spec->bounds_max) + "]");
    }
    return Status::OK();
  }
  if (!date) {
    if (key == "interval" || key == "offset") {
      double number = 0;
      if (value.get_double().get(number) != simdjson::SUCCESS) return ParsingError("[" + std::string(key) + "] must be a number");
      (key == "interval" ? spec->interval : spec->offset) = number;
      return Status::OK();
    }
    return ParsingError("[histogram] unknown field " + Quote(key));
  }
  if (key == "calendar_interval" || key == "fixed_interval" || key == "interval") {
    Result<std::string_view> t = text(key);
    if (!t.ok()) return t.status();
    if (spec->calendar != CalendarUnit::kNone || spec->interval > 0) {
      return IllegalArgumentError("Cannot use more than one of [calendar_interval], [fixed_interval] and [interval]");
    }
    if (key != "fixed_interval") {
      if (auto unit = ParseCalendarUnit(t.value())) {
        spec->calendar = *unit;
        return Status::OK();
      }
      if (key == "calendar_interval") {
        return IllegalArgumentError("The supplied interval " + Quote(t.value()) +
                                    " could not be parsed as a calendar interval.");
      }
    }
    auto ms = ParseTimeUnitMillis(t.value());
    if (!ms || *ms <= 0) {
      return IllegalArgumentError("failed to parse setting [date_histogram." + std::string(key) + "] with value " +
                                  Quote(t.value()) + " as a time value: unit is missing or unrecognized");
    }
    spec->interval = static_cast<double>(*ms);
    return Status::OK();
  }
  if (key == "offset") {
    int64_t number = 0;
    if (value.get_int64().get(number) == simdjson::SUCCESS) {
      spec->offset = static_cast<double>(number);
      return Status::OK();
    }
    Result<std::string_view> t = text("offset");
    if (!t.ok()) return t.status();
    auto ms = ParseTimeUnitMillis(t.value());
    if (!ms) return IllegalArgumentError("failed to parse [offset] " + Quote(t.value()));
    spec->offset = static_cast<double>(*ms);
    return Status::OK();
  }
  if (key == "time_zone") {
    Result<std::string_view> t = text("time_zone");
    if (!t.ok()) return t.status();
    auto tz = ParseFixedTimeZone(t.value());
    if (!tz) {
      return IllegalArgumentError("[time_zone] " + Quote(t.value()) +
                                  " is not supported: use UTC or a fixed offset such as +01:00 (named zones are not built)");
    }
    spec->tz_offset_ms = *tz;
    return Status::OK();
  }
  if (key == "format") {
    Result<std::string_view> t = text("format");
    if (!t.ok()) return t.status();
    if (!IsSupportedDateFormat(t.value())) {
      return IllegalArgumentError("Invalid format: " + Quote(t.value()) +
                                  " (supported: strict_date_optional_time, strict_date, epoch_millis, epoch_second, "
                                  "and patterns of y M d H m s S)");
    }
    spec->format = std::string(t.value());
    return Status::OK();
  }
  return ParsingError("[date_histogram] unknown field " + Quote(key));
}

Status AggregationParser::ParseTermFilter(std::string_view key, od::value& value, AggregationSpec* spec) {
  if (spec->kind != AggValueKind::kKeyword && spec->kind != AggValueKind::kUnmapped) {
    return IllegalArgumentError("[" + std::string(key) + "] is supported on keyword fields only here, in " +
                                Quote(spec->name));
  }
  auto filter = spec->term_filter ? std::make_shared<AggregationSpec::TermFilter>(*spec->term_filter)
                                  : std::make_shared<AggregationSpec::TermFilter>();
  const bool include = key == "include";
  std::string_view text;
  od::array array;
  od::object object;
  if (value.get_string().get(text) == simdjson::SUCCESS) {
    try {
      std::regex check{std::string(text)};
    } catch (const std::regex_error&) {
      return IllegalArgumentError("[" + std::string(key) + "] is not a valid regular expression: " + std::string(text));
    }
    (include ? filter->include_regex : filter->exclude_regex) = std::string(text);
  } else if (value.get_array().get(array) == simdjson::SUCCESS) {
    for (auto element : array) {
      std::string_view term;
      if (element.get_string().get(term) != simdjson::SUCCESS) {
        return ParsingError("[" + std::string(key) + "] arrays hold strings in " + Quote(spec->name));
      }
      (include ? filter->include_values : filter->exclude_values).emplace_back(term);
    }
  } else if (include && value.get_object().get(object) == simdjson::SUCCESS) {
    int64_t partition = -1, partitions = -1;
    for (auto field : object) {
      std::string_view k;
      if (auto e = field.unescaped_key().get(k); e) return JsonError(e);
      int64_t n = 0;
      if (field.value().get_int64().get(n) != simdjson::SUCCESS) return ParsingError("[include] values must be numbers");
      if (k == "partition") {
        partition = n;
      } else if (k == "num_partitions") {
        partitions = n;
      } else {
        return ParsingError("[include] unknown field " + Quote(k));
      }
    }
    if (partitions <= 0 || partition < 0 || partition >= partitions) {
      return IllegalArgumentError("[include] needs num_partitions > 0 and 0 <= partition < num_partitions in " +
                                  Quote(spec->name));
    }
    filter->partition = static_cast<uint32_t>(partition);
    filter->num_partitions = static_cast<uint32_t>(partitions);
  } else {
    return ParsingError("[" + std::string(key) + "] must be a regular expression, an array of terms" +
                        (include ? std::string(" or partitions") : std::string()) + " in " + Quote(spec->name));
  }
  spec->term_filter = std::move(filter);
  return Status::OK();
}

Result<std::shared_ptr<const Query>> AggregationParser::ParseFilterQuery(od::value& value, const AggregationSpec& spec) {
  od::object object;
  if (value.get_object().get(object) != simdjson::SUCCESS) {
    return ParsingError("[filter] must be a query object in " + Quote(spec.name));
  }
  std::string_view raw;
  if (auto e = object.raw_json().get(raw); e) return JsonError(e);
  QueryParser parser(mapping_);
  auto query = parser.Parse(raw);
  if (!query.ok()) return query.status();
  return std::shared_ptr<const Query>(std::move(query).value());
}

Status AggregationParser::ParseFilters(od::value& value, AggregationSpec* spec) {
  od::object object;
  if (value.get_object().get(object) != simdjson::SUCCESS) {
    return ParsingError("Expected [START_OBJECT] for [filters] in " + Quote(spec->name));
  }
  bool has_filters = false;
  std::optional<bool> keyed_param;  // named filters: buckets as an object unless false
  for (auto field : object) {
    std::string_view key;
    if (auto e = field.unescaped_key().get(key); e) return JsonError(e);
    od::value v;
    if (auto e = field.value().get(v); e) return JsonError(e);
    if (key == "filters") {
      has_filters = true;
      od::object named;
      od::array anonymous;
      if (v.get_object().get(named) == simdjson::SUCCESS) {
        spec->keyed = true;
        for (auto entry : named) {
          std::string_view name;
          if (auto e = entry.unescaped_key().get(name); e) return JsonError(e);
          od::value q;
          if (auto e = entry.value().get(q); e) return JsonError(e);
          auto query = ParseFilterQuery(q, *spec);
          if (!query.ok()) return query.status();
          spec->filter_keys.emplace_back(name);
          spec->filters.push_back(std::move(query).value());
        }
      } else if (v.get_array().get(anonymous) == simdjson::SUCCESS) {
        spec->keyed = false;
        for (auto element : anonymous) {
          od::value q;
          if (auto e = element.get(q); e) return JsonError(e);
          auto query = ParseFilterQuery(q, *spec);
          if (!query.ok()) return query.status();
          spec->filters.push_back(std::move(query).value());
        }
      } else {
        return ParsingError("[filters] must be an object or an array of queries in " + Quote(spec->name));
      }
    } else if (key == "other_bucket") {
      if (v.get_bool().get(spec->other_bucket) != simdjson::SUCCESS) return ParsingError("[other_bucket] must be a boolean");
    } else if (key == "other_bucket_key") {
      Result<std::string_view> k = StringOf(v, "other_bucket_key");
      if (!k.ok()) return k.status();
      spec->other_bucket_key = std::string(k.value());
      spec->other_bucket = true;
    } else if (key == "keyed") {
      bool keyed = true;
      if (v.get_bool().get(keyed) != simdjson::SUCCESS) return ParsingError("[keyed] must be a boolean");
      keyed_param = keyed;
    } else {
      return ParsingError("[filters] unknown field " + Quote(key));
    }
  }
  if (!has_filters) return ParsingError("[filters] cannot be empty in " + Quote(spec->name));
  if (keyed_param && !spec->filter_keys.empty()) spec->keyed = *keyed_param;
  return Status::OK();
}

}  // namespace

Result<std::vector<AggregationSpec>> ParseAggregations(std::string_view json,
                                                       const mapping::Mapping& mapping) {
  RequestJson input;
  HOLDFAST_RETURN_IF_ERROR(input.Open(json));
  std::vector<AggregationSpec> specs;
  AggregationParser parser(mapping);
  HOLDFAST_RETURN_IF_ERROR(parser.ParseList(input.root(), &specs));
  HOLDFAST_RETURN_IF_ERROR(input.Close());
  return specs;
}

}  // namespace holdfast::search
