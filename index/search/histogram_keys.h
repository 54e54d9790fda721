// The parameters of histogram and date_histogram aggregations as text —
// intervals ("90m", "1d"), calendar units ("month", "1M"), time zones
// ("+01:00", "UTC") and date formats — parsed for AggregationSpec, and the
// bucket arithmetic behind HistogramKey and NextHistogramKey
// (aggregation_spec.h), and dates as key text (FormatDateMillis). Calendar units go by the proleptic
// Gregorian calendar of <chrono> in the (fixed-offset) time zone; weeks start
// on Monday, as Elasticsearch's. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "index/search/aggregation_spec.h"

namespace holdfast::search {

// "500ms", "30s", "90m", "12h", "7d" (a leading '+' or '-' for offsets) → ms.
std::optional<int64_t> ParseTimeUnitMillis(std::string_view text);
// "minute"/"1m", "hour"/"1h", "day"/"1d", "week"/"1w", "month"/"1M",
// "quarter"/"1q", "year"/"1y".
std::optional<CalendarUnit> ParseCalendarUnit(std::string_view text);
// "UTC", "Z", "GMT", "+01:00", "-0530", "+02" → ms east of UTC; nullopt for
// anything else (named zones are not supported).
std::optional<int64_t> ParseFixedTimeZone(std::string_view text);
// True when `format` is one this formatter writes: empty,
// strict_date_optional_time, date_optional_time, strict_date, date,
// epoch_millis, epoch_second, or a pattern of y M d H m s S, 'quoted' text
// and punctuation.
bool IsSupportedDateFormat(std::string_view format);
// `millis` as `format` (one IsSupportedDateFormat accepts; empty:
// strict_date_optional_time) in the time zone `tz_offset_ms` east of UTC.
std::string FormatDateMillis(std::string_view format, int64_t tz_offset_ms, int64_t millis);

}  // namespace holdfast::search
