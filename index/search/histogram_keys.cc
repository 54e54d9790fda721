#include "index/search/histogram_keys.h"

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

// Local ms → the start (local ms) of its calendar period.
int64_t CalendarFloor(CalendarUnit unit, int64_t t) {
  switch (unit) {
    case CalendarUnit::kNone: return t;
    case CalendarUnit::kMinute: return FloorDiv(t, kMinuteMs) * kMinuteMs;
    case CalendarUnit::kHour: return FloorDiv(t, kHourMs) * kHourMs;
    case CalendarUnit::kDay: return FloorDiv(t, kDayMs) * kDayMs;
    case CalendarUnit::kWeek: {
      const int64_t day = FloorDiv(t, kDayMs);
      const int64_t monday = day - ((day % 7 + 7 + 3) % 7);  // 1970-01-01 was a Thursday
      return monday * kDayMs;
    }
    case CalendarUnit::kMonth:
    case CalendarUnit::kQuarter:
    case CalendarUnit::kYear: {
      const year_month_day ymd{sys_days{days{FloorDiv(t, kDayMs)}}};
      unsigned month = static_cast<unsigned>(ymd.month());
      if (unit == CalendarUnit::kQuarter) month = (month - 1) / 3 * 3 + 1;
      if (unit == CalendarUnit::kYear) month = 1;
      const sys_days first{ymd.year() / std::chrono::month{month} / 1};
      return static_cast<int64_t>(first.time_since_epoch().count()) * kDayMs;
    }
  }
  return t;
}

// The start (local ms) of the calendar period after the one starting at `t`.
int64_t CalendarNext(CalendarUnit unit, int64_t t) {
  switch (unit) {
    case CalendarUnit::kNone: return t;
    case CalendarUnit::kMinute: return t + kMinuteMs;
    case CalendarUnit::kHour: return t + kHourMs;
    case CalendarUnit::kDay: return t + kDayMs;
    case CalendarUnit::kWeek: return t + 7 * kDayMs;
    case CalendarUnit::kMonth:
    case CalendarUnit::kQuarter:
    case CalendarUnit::kYear: {
      const year_month_day ymd{sys_days{days{FloorDiv(t, kDayMs)}}};
      const int months = unit == CalendarUnit::kMonth ? 1 : unit == CalendarUnit::kQuarter ? 3 : 12;
      const year_month_day next = ymd + std::chrono::months{months};
      return static_cast<int64_t>(sys_days{next}.time_since_epoch().count()) * kDayMs;
    }
  }
  return t;
}

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

std::optional<int64_t> ParseFixedTimeZone(std::string_view text) {
  if (text == "UTC" || text == "Z" || text == "GMT" || text == "Etc/UTC") return 0;
  if (text.size() < 3 || (text[0] != '+' && text[0] != '-')) return std::nullopt;
  const bool negative = text[0] == '-';
  std::string digits;
  for (size_t i = 1; i < text.size(); ++i) {
    if (text[i] == ':' && i == 3) continue;
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    digits += text[i];
  }
  if (digits.size() != 2 && digits.size() != 4) return std::nullopt;
  const int hours = std::stoi(digits.substr(0, 2));
  const int minutes = digits.size() == 4 ? std::stoi(digits.substr(2)) : 0;
  if (hours > 18 || minutes > 59) return std::nullopt;
  const int64_t ms = (hours * 60 + minutes) * kMinuteMs;
  return negative ? -ms : ms;
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

double HistogramKey(const AggregationSpec& spec, double v) {
  if (spec.type == AggregationType::kHistogram) {
    return std::floor((v - spec.offset) / spec.interval) * spec.interval + spec.offset;
  }
  const int64_t offset = static_cast<int64_t>(spec.offset);
  const int64_t local = static_cast<int64_t>(v) + spec.tz_offset_ms - offset;
  int64_t key = 0;
  if (spec.calendar == CalendarUnit::kNone) {
    const int64_t interval = static_cast<int64_t>(spec.interval);
    key = FloorDiv(local, interval) * interval;
  } else {
    key = CalendarFloor(spec.calendar, local);
  }
  return static_cast<double>(key + offset - spec.tz_offset_ms);
}

double NextHistogramKey(const AggregationSpec& spec, double key) {
  if (spec.type == AggregationType::kHistogram || spec.calendar == CalendarUnit::kNone) return key + spec.interval;
  const int64_t offset = static_cast<int64_t>(spec.offset);
  const int64_t local = static_cast<int64_t>(key) + spec.tz_offset_ms - offset;
  return static_cast<double>(CalendarNext(spec.calendar, local) + offset - spec.tz_offset_ms);
}

std::string FormatDateMillis(std::string_view f, int64_t tz_offset_ms, int64_t millis) {
  if (f == "epoch_millis") return std::to_string(millis);
  if (f == "epoch_second") return std::to_string(FloorDiv(millis, 1000));
  const LocalTime t = Split(millis + tz_offset_ms);
  if (f.empty() || f == "strict_date_optional_time" || f == "date_optional_time") {
    return FormatPattern("yyyy-MM-dd'T'HH:mm:ss.SSS", t) + OffsetText(tz_offset_ms);
  }
  if (f == "strict_date" || f == "date") return FormatPattern("yyyy-MM-dd", t);
  return FormatPattern(f, t);
}

}  // namespace holdfast::search
