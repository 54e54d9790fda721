#include "index/search/aggregation_spec.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>

#include "index/mapping/date_parser.h"
#include "index/search/aggregation_format.h"
#include "index/search/aggregation_json.h"
#include "index/search/aggregation_parser.h"
#include "index/search/aggregation_top_hits.h"
#include "index/search/date_math.h"
#include "index/search/histogram_keys.h"
#include "index/util/clock.h"

namespace holdfast::search {
namespace {

using mapping::FieldType;

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
    {"cardinality", AggregationType::kCardinality, StatsMetric::kStats},
    {"percentiles", AggregationType::kPercentiles, StatsMetric::kStats},
    {"top_hits", AggregationType::kTopHits, StatsMetric::kStats},
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

}  // namespace


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
    if (spec->type == AggregationType::kTerms) spec->min_doc_count = 1;
    if (spec->type == AggregationType::kPercentiles) {
      spec->keyed = true;
      spec->percents = {1, 5, 25, 50, 75, 95, 99};
    }
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
    if (spec->type == AggregationType::kTopHits) {
      HOLDFAST_RETURN_IF_ERROR(ParseTopHits(value, mapping_, spec));
      continue;
    }
    HOLDFAST_RETURN_IF_ERROR(ParseParams(value, spec));
  }
  if (!typed) return ParsingError("Missing definition for aggregation " + Quote(spec->name));
  if (spec->type == AggregationType::kTopHits && !spec->children.empty()) {
    return IllegalArgumentError("Aggregator " + Quote(spec->name) + " of type [top_hits] cannot accept sub-aggregations");
  }
  if (!spec->order_path.empty()) return ResolveOrderPath(spec);
  return Status::OK();
}

// terms "order": {"<child>[.<value>]": ...} names a metric sub-aggregation.
Status AggregationParser::ResolveOrderPath(AggregationSpec* spec) {
  const std::string& path = spec->order_path;
  const size_t dot = path.find('.');
  const std::string child = path.substr(0, dot);
  std::string metric = dot == std::string::npos ? "" : path.substr(dot + 1);
  auto invalid = [&](const std::string& why) {
    return IllegalArgumentError("Invalid aggregation order path " + Quote(path) + ". " + why);
  };
  for (size_t i = 0; i < spec->children.size(); ++i) {
    const AggregationSpec& c = spec->children[i];
    if (c.name != child) continue;
    const bool multi = c.type == AggregationType::kPercentiles ||
                       (c.type == AggregationType::kStats &&
                        (c.metric == StatsMetric::kStats || c.metric == StatsMetric::kExtendedStats));
    const bool single = c.type == AggregationType::kCardinality || (c.type == AggregationType::kStats && !multi);
    if (!multi && !single) return invalid("Buckets can only be sorted on a metric sub-aggregation, not on " + Quote(child) + ".");
    if (single && metric == "value") metric.clear();
    if (single && !metric.empty()) return invalid(Quote(child) + " has one value: order by " + Quote(child) + ".");
    if (multi && metric.empty()) return invalid(Quote(child) + " has several values: name one, as " + Quote(child + ".max") + ".");
    if (c.type == AggregationType::kPercentiles) {
      char* end = nullptr;
      const double p = std::strtod(metric.c_str(), &end);
      if (end != metric.c_str() + metric.size() || !(p >= 0 && p <= 100)) {
        return invalid("A percentile is a number from 0 to 100, not " + Quote(metric) + ".");
      }
    } else if (multi) {
      static const char* const kValues[] = {"count", "min", "max", "avg", "sum", "sum_of_squares", "variance", "std_deviation"};
      const bool extended = c.metric == StatsMetric::kExtendedStats;
      bool known = false;
      for (size_t k = 0; k < std::size(kValues); ++k) known |= metric == kValues[k] && (k < 5 || extended);
      if (!known) return invalid("Unknown value " + Quote(metric) + " of " + Quote(child) + ".");
    }
    spec->order_child = static_cast<int>(i);
    spec->order_metric = std::move(metric);
    return Status::OK();
  }
  return invalid("The provided aggregation " + Quote(child) + " does not exist.");
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
  // date_range: the format and time zone before the ranges, whatever their position (bounds are parsed with them).
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
    od::value zone_value;
    if (object.find_field_unordered("time_zone").get(zone_value) == simdjson::SUCCESS) {
      Result<std::string_view> text = StringOf(zone_value, "time_zone");
      if (!text.ok()) return text.status();
      Result<TimeZone> zone = TimeZone::Parse(text.value());
      if (!zone.ok()) return zone.status();
      spec->time_zone = zone.value();
    }
    if (auto e = object.reset().error(); e) return JsonError(e);
  }
  bool has_ranges = false;
  for (auto field : object) {
    std::string_view key;
    if (auto e = field.unescaped_key().get(key); e) return JsonError(e);
    od::value value;
    if (auto e = field.value().get(value); e) return JsonError(e);
    if (key == "field" || (spec->date_range && (key == "format" || key == "time_zone"))) continue;
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
  if (spec->type == AggregationType::kCardinality || spec->type == AggregationType::kPercentiles) {
    return ParseSketchParam(key, value, spec);
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
      if (n.value() == 0 && spec->kind != AggValueKind::kKeyword && spec->kind != AggValueKind::kUnmapped) {
        return IllegalArgumentError("[min_doc_count] 0 is supported for terms on keyword fields only (numeric "
                                    "values without documents are not listed) in " + Quote(spec->name));
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

// cardinality's and percentiles' own parameters (Elasticsearch's checks).
Status AggregationParser::ParseSketchParam(std::string_view key, od::value& value, AggregationSpec* spec) {
  if (spec->type == AggregationType::kCardinality && key == "precision_threshold") {
    int64_t n = 0;
    if (value.get_int64().get(n) != simdjson::SUCCESS) return ParsingError("[precision_threshold] must be an integer");
    if (n < 0) {
      return IllegalArgumentError("[precisionThreshold] must be greater than or equal to 0. Found [" +
                                  std::to_string(n) + "] in " + Quote(spec->name));
    }
    // Past 40000 the threshold has the effect of 40000, as in Elasticsearch.
    spec->precision_threshold = static_cast<uint32_t>(std::min<int64_t>(n, 40000));
    return Status::OK();
  }
  if (spec->type == AggregationType::kPercentiles) {
    if (key == "percents") {
      od::array list;
      if (value.get_array().get(list) != simdjson::SUCCESS) return ParsingError("[percents] must be an array of numbers");
      spec->percents.clear();
      for (auto element : list) {
        double p = 0;
        if (element.get_double().get(p) != simdjson::SUCCESS) return ParsingError("[percents] must be an array of numbers");
        if (!(p >= 0 && p <= 100)) {
          return IllegalArgumentError("percent must be in [0,100], got [" + FormatJavaDouble(p) + "]: " + Quote(spec->name));
        }
        spec->percents.push_back(p);
      }
      if (spec->percents.empty()) return IllegalArgumentError("[percents] must not be empty: " + Quote(spec->name));
      std::sort(spec->percents.begin(), spec->percents.end());
      return Status::OK();
    }
    if (key == "keyed") {
      if (value.get_bool().get(spec->keyed) != simdjson::SUCCESS) return ParsingError("[keyed] must be a boolean");
      return Status::OK();
    }
    if (key == "tdigest") {
      od::object object;
      if (value.get_object().get(object) != simdjson::SUCCESS) return ParsingError("[tdigest] must be an object");
      for (auto field : object) {
        std::string_view name;
        if (auto e = field.unescaped_key().get(name); e) return JsonError(e);
        if (name != "compression" || field.value().get_double().get(spec->compression) != simdjson::SUCCESS ||
            !(spec->compression > 0)) {
          return ParsingError("[tdigest] takes one number > 0, [compression]");
        }
        // A digest's size grows with its compression: past 10,000 it acts as 10,000.
        spec->compression = std::min(spec->compression, 10000.0);
      }
      return Status::OK();
    }
    if (key == "hdr") {
      return IllegalArgumentError("[hdr] percentiles are not supported here; use the default [tdigest] in " +
                                  Quote(spec->name));
    }
  }
  return ParsingError("[" + std::string(TypeName(*spec)) + "] unknown field " + Quote(key));
}

Status AggregationParser::SetField(std::string_view field, AggregationSpec* spec) {
  spec->field = std::string(field);
  field_ = mapping_.Find(field);
  if (field_ == nullptr) {
    spec->kind = AggValueKind::kUnmapped;
    return Status::OK();
  }
  spec->field_type = field_->mapping.type;
  const bool counts_only = spec->type == AggregationType::kMissing || spec->type == AggregationType::kCardinality ||
                           (spec->type == AggregationType::kStats && spec->metric == StatsMetric::kValueCount);
  if (!field_->mapping.doc_values && spec->field_type != FieldType::kText &&
      spec->field_type != FieldType::kObject) {
    return IllegalArgumentError("Can't load fielddata on " + Quote(field) +
                                " because fielddata is unsupported on fields of type " +
                                Quote(mapping::DeclaredTypeName(field_->mapping)) + ". Use doc values instead.");
  }
  switch (spec->field_type) {
    case FieldType::kText: return TextFieldDataError(field);
    case FieldType::kIp:
      if (spec->type != AggregationType::kTerms && !counts_only) break;
      spec->kind = AggValueKind::kKeyword;
      return Status::OK();
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
      // A sub-aggregation's value: resolved once the children are parsed.
      spec->order = asc ? TermsOrder::kMetricAsc : TermsOrder::kMetricDesc;
      spec->order_path = std::string(key);
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
      // date_range reads its bounds in its time zone; date_histogram's
      // extended_bounds are read in UTC (Elasticsearch: in the time zone).
      const TimeZone zone = spec.date_range ? spec.time_zone : TimeZone();
      std::string error;
      if (ParseDateMath(text, given ? *given : field_->mapping.date_formats, {WallClockMs(), false, zone}, &millis,
                        &error)) {
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

static std::string BoundText(double bound, const AggregationSpec& spec) {
  if (spec.field_type == FieldType::kDate) return FormatDateMillis(spec.format, spec.time_zone, static_cast<int64_t>(bound));
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
