// The bucket-shaping parameters of aggregations: histogram and date_histogram
// (intervals, time zones, bounds, formats), filter and filters (queries), and
// the include/exclude filter of terms. See aggregation_spec.h.
#include <bit>
#include <cmath>
#include <cstdlib>
#include <regex>

#include "index/search/aggregation_format.h"
#include "index/search/aggregation_parser.h"
#include "index/search/histogram_keys.h"
#include "index/search/query_parser.h"

namespace holdfast::search {

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
    Result<TimeZone> zone = TimeZone::Parse(t.value());
    if (!zone.ok()) return zone.status();
    spec->time_zone = zone.value();
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
  const bool numeric = spec->kind == AggValueKind::kLong || spec->kind == AggValueKind::kDouble;
  auto filter = spec->term_filter ? std::make_shared<AggregationSpec::TermFilter>(*spec->term_filter)
                                  : std::make_shared<AggregationSpec::TermFilter>();
  const bool include = key == "include";
  std::string_view text;
  od::array array;
  od::object object;
  if (numeric && value.get_string().get(text) == simdjson::SUCCESS) {
    return IllegalArgumentError("Aggregation " + Quote(spec->name) +
                                " cannot support regular expression style include/exclude settings as they can only "
                                "be applied to string fields. Use an array of numeric values for include/exclude "
                                "clauses used to filter numeric fields");
  }
  if (numeric && value.get_array().get(array) == simdjson::SUCCESS) {
    for (auto element : array) {
      double number = 0;
      std::string_view number_text;
      if (element.get_double().get(number) != simdjson::SUCCESS) {
        const std::string owned = element.get_string().get(number_text) == simdjson::SUCCESS ? std::string(number_text) : "";
        char* end = nullptr;
        number = std::strtod(owned.c_str(), &end);
        if (owned.empty() || end != owned.c_str() + owned.size()) {
          return ParsingError("[" + std::string(key) + "] arrays hold numbers on numeric fields, in " + Quote(spec->name));
        }
      }
      int64_t stored = std::bit_cast<int64_t>(number);
      if (spec->kind == AggValueKind::kLong) {
        if (number != std::floor(number) || std::fabs(number) > 9.2e18) continue;  // no long has this value
        stored = static_cast<int64_t>(number);
      }
      (include ? filter->include_numbers : filter->exclude_numbers).push_back(stored);
    }
    spec->term_filter = std::move(filter);
    return Status::OK();
  }
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

}  // namespace holdfast::search
