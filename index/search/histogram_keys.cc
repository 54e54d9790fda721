#include "index/search/histogram_keys.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

namespace holdfast::search {
namespace {

constexpr int64_t kMinuteMs = 60'000;
constexpr int64_t kHourMs = 3'600'000;
constexpr int64_t kDayMs = 86'400'000;

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

using std::chrono::days;
using std::chrono::sys_days;
using std::chrono::year_month_day;

struct LocalTime {
  int64_t year;
  unsigned month, day, hour, minute, second, millis;
};

LocalTime Split(int64_t local_ms) {
  const int64_t day = FloorDiv(local_ms, kDayMs);
  const int64_t in_day = local_ms - day * kDayMs;
  const year_month_day ymd{sys_days{days{day}}};
  return {static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
          static_cast<unsigned>(in_day / kHourMs), static_cast<unsigned>(in_day / kMinuteMs % 60),
          static_cast<unsigned>(in_day / 1000 % 60), static_cast<unsigned>(in_day % 1000)};
}

std::string Padded(int64_t value, size_t width) {
  std::string digits = std::to_string(value < 0 ? -value : value);
  if (digits.size() < width) digits.insert(0, width - digits.size(), '0');
  return value < 0 ? "-" + digits : digits;
}

std::string OffsetText(int64_t tz_ms) {
  if (tz_ms == 0) return "Z";
  const int64_t minutes = (tz_ms < 0 ? -tz_ms : tz_ms) / kMinuteMs;
  return std::string(tz_ms < 0 ? "-" : "+") + Padded(minutes / 60, 2) + ":" + Padded(minutes % 60, 2);
}

// A pattern of y M d H m s S runs, 'quoted' text and other characters.
std::string FormatPattern(std::string_view pattern, const LocalTime& t) {
  std::string out;
  for (size_t i = 0; i < pattern.size();) {
    const char c = pattern[i];
    if (c == '\'') {
      const size_t end = pattern.find('\'', i + 1);
      if (end == i + 1) {
        out += '\'';
        i += 2;
        continue;
      }
      out.append(pattern.substr(i + 1, (end == std::string_view::npos ? pattern.size() : end) - i - 1));
      i = end == std::string_view::npos ? pattern.size() : end + 1;
      continue;
    }
    size_t run = 1;
    while (i + run < pattern.size() && pattern[i + run] == c) ++run;
    switch (c) {
      case 'y':
      case 'u': out += run == 2 ? Padded(t.year % 100, 2) : Padded(t.year, run); break;
      case 'M': out += Padded(t.month, run); break;
      case 'd': out += Padded(t.day, run); break;
      case 'H': out += Padded(t.hour, run); break;
      case 'm': out += Padded(t.minute, run); break;
      case 's': out += Padded(t.second, run); break;
      case 'S': out += Padded(t.millis, 3).substr(0, std::min<size_t>(run, 3)); break;
      default: out.append(run, c);
    }
    i += run;
  }
  return out;
}

bool IsPatternLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

}  // namespace

std::optional<int64_t> ParseTimeUnitMillis(std::string_view text) {
  bool negative = false;
  if (!text.empty() && (text.front() == '+' || text.front() == '-')) {
    negative = text.front() == '-';
    text.remove_prefix(1);
  }
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0 || digits > 15) return std::nullopt;
  const int64_t n = std::stoll(std::string(text.substr(0, digits)));
  const std::string_view unit = text.substr(digits);
  int64_t ms = 0;
  if (unit == "ms") {
    ms = n;
  } else if (unit == "s") {
    ms = n * 1000;
  } else if (unit == "m") {
    ms = n * kMinuteMs;
  } else if (unit == "h") {
    ms = n * kHourMs;
  } else if (unit == "d") {
    ms = n * kDayMs;
  } else {
    return std::nullopt;
  }
  return negative ? -ms : ms;
}

std::optional<CalendarUnit> ParseCalendarUnit(std::string_view text) {
  if (text == "minute" || text == "1m") return CalendarUnit::kMinute;
  if (text == "hour" || text == "1h") return CalendarUnit::kHour;
  if (text == "day" || text == "1d") return CalendarUnit::kDay;
  if (text == "week" || text == "1w") return CalendarUnit::kWeek;
  if (text == "month" || text == "1M") return CalendarUnit::kMonth;
  if (text == "quarter" || text == "1q") return CalendarUnit::kQuarter;
  if (text == "year" || text == "1y") return CalendarUnit::kYear;
  return std::nullopt;
}

bool IsSupportedDateFormat(std::string_view format) {
  if (format.empty() || format == "strict_date_optional_time" || format == "date_optional_time" ||
      format == "strict_date" || format == "date" || format == "epoch_millis" || format == "epoch_second") {
    return true;
  }
  for (size_t i = 0; i < format.size(); ++i) {
    const char c = format[i];
    if (c == '\'') {
      const size_t end = format.find('\'', i + 1);
      if (end == std::string_view::npos) return false;
      i = end;
      continue;
    }
    if (IsPatternLetter(c) && std::string_view("yuMdHmsS").find(c) == std::string_view::npos) return false;
  }
  return true;
}

HistogramKeys::HistogramKeys(const AggregationSpec& spec)
    : spec_(spec),
      rounding_(spec.calendar == CalendarUnit::kNone
                    ? LocalRounding(spec.time_zone, std::max<int64_t>(1, static_cast<int64_t>(spec.interval)))
                    : LocalRounding(spec.time_zone, spec.calendar)) {}

double HistogramKeys::Key(double v) {
  if (spec_.type == AggregationType::kHistogram) {
    return std::floor((v - spec_.offset) / spec_.interval) * spec_.interval + spec_.offset;
  }
  const int64_t offset = static_cast<int64_t>(spec_.offset);
  return static_cast<double>(rounding_.Round(static_cast<int64_t>(v) - offset) + offset);
}

double HistogramKeys::Next(double key) {
  if (spec_.type == AggregationType::kHistogram) return key + spec_.interval;
  const int64_t offset = static_cast<int64_t>(spec_.offset);
  return static_cast<double>(rounding_.Next(static_cast<int64_t>(key) - offset) + offset);
}

double HistogramKey(const AggregationSpec& spec, double v) { return HistogramKeys(spec).Key(v); }

double NextHistogramKey(const AggregationSpec& spec, double key) { return HistogramKeys(spec).Next(key); }

std::string FormatDateMillis(std::string_view f, const TimeZone& zone, int64_t millis) {
  if (f == "epoch_millis") return std::to_string(millis);
  if (f == "epoch_second") return std::to_string(FloorDiv(millis, 1000));
  const int64_t offset = zone.OffsetAtUtc(millis);
  const LocalTime t = Split(millis + offset);
  if (f.empty() || f == "strict_date_optional_time" || f == "date_optional_time") {
    return FormatPattern("yyyy-MM-dd'T'HH:mm:ss.SSS", t) + OffsetText(offset);
  }
  if (f == "strict_date" || f == "date") return FormatPattern("yyyy-MM-dd", t);
  return FormatPattern(f, t);
}

}  // namespace holdfast::search
