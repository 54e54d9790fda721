// The parameters of histogram and date_histogram aggregations as text —
// intervals ("90m", "1d"), calendar units ("month", "1M") and date formats —
// parsed for AggregationSpec; the bucket arithmetic behind HistogramKey and
// NextHistogramKey (aggregation_spec.h), also as HistogramKeys for a
// collector; and dates as key text (FormatDateMillis). Date buckets go by the
// proleptic Gregorian calendar of <chrono> in the aggregation's time zone
// (time_zone.h); weeks start on Monday, as Elasticsearch's. Pure functions,
// thread-safe; a HistogramKeys is one thread's.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "index/search/aggregation_spec.h"
#include "index/search/time_zone.h"

namespace holdfast::search {

// "500ms", "30s", "90m", "12h", "7d" (a leading '+' or '-' for offsets) → ms.
std::optional<int64_t> ParseTimeUnitMillis(std::string_view text);
// "minute"/"1m", "hour"/"1h", "day"/"1d", "week"/"1w", "month"/"1M",
// "quarter"/"1q", "year"/"1y".
std::optional<CalendarUnit> ParseCalendarUnit(std::string_view text);
// True when `format` is one this formatter writes: empty,
// strict_date_optional_time, date_optional_time, strict_date, date,
// epoch_millis, epoch_second, or a pattern of y M d H m s S, 'quoted' text
// and punctuation.
bool IsSupportedDateFormat(std::string_view format);
// `millis` as `format` (one IsSupportedDateFormat accepts; empty:
// strict_date_optional_time, which ends with the offset in force then: "Z",
// "+01:00") in the local time of `zone`.
std::string FormatDateMillis(std::string_view format, const TimeZone& zone, int64_t millis);

// HistogramKey and NextHistogramKey of one aggregation, for a collector: in a
// named time zone it remembers the offset period of the last value, so that
// values within one period cost a compare, not a lookup. Keeps a reference
// to the spec, which must outlive it. Not thread-safe.
class HistogramKeys {
 public:
  explicit HistogramKeys(const AggregationSpec& spec);
  double Key(double v);
  double Next(double key);

 private:
  const AggregationSpec& spec_;
  LocalRounding rounding_;  // date_histogram
};

}  // namespace holdfast::search
