#include "index/search/date_math.h"

#include <cctype>
#include <chrono>

namespace holdfast::search {

namespace {

using namespace std::chrono;

constexpr int64_t kSecond = 1000, kMinute = 60 * kSecond, kHour = 60 * kMinute, kDay = 24 * kHour;

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// Local civil date of `local_ms` and the ms into its day.
year_month_day CivilDay(int64_t local_ms, int64_t* time_of_day) {
  const int64_t days = FloorDiv(local_ms, kDay);
  *time_of_day = local_ms - days * kDay;
  return year_month_day{sys_days{std::chrono::days{days}}};
}

int64_t MillisOf(year_month_day ymd) { return sys_days{ymd}.time_since_epoch().count() * kDay; }

int64_t AddMonths(int64_t ms, int64_t months, const TimeZone& zone) {
  const int64_t offset = zone.OffsetAtUtc(ms);
  int64_t tod = 0;
  const year_month_day ymd = CivilDay(ms + offset, &tod);
  const year_month ym = year_month{ymd.year(), ymd.month()} + std::chrono::months{months};
  const day last = year_month_day_last{ym.year(), month_day_last{ym.month()}}.day();
  const day d = ymd.day() > last ? last : ymd.day();
  return zone.LocalToUtc(MillisOf(year_month_day{ym.year(), ym.month(), d}) + tod, offset);
}

// The start of `unit` holding `ms` (or, round_up, the last ms of it).
bool Round(int64_t* ms, char unit, bool round_up, const TimeZone& zone) {
  CalendarUnit calendar = CalendarUnit::kNone;  // seconds
  switch (unit) {
    case 's': break;
    case 'm': calendar = CalendarUnit::kMinute; break;
    case 'h':
    case 'H': calendar = CalendarUnit::kHour; break;
    case 'd': calendar = CalendarUnit::kDay; break;
    case 'w': calendar = CalendarUnit::kWeek; break;
    case 'M': calendar = CalendarUnit::kMonth; break;
    case 'y': calendar = CalendarUnit::kYear; break;
    default: return false;
  }
  const int64_t offset = zone.OffsetAtUtc(*ms);
  const int64_t local = *ms + offset;
  const int64_t start = calendar == CalendarUnit::kNone ? FloorDiv(local, kSecond) * kSecond
                                                        : LocalCalendarFloor(calendar, local);
  const int64_t next = calendar == CalendarUnit::kNone ? start + kSecond : LocalCalendarNext(calendar, start);
  *ms = round_up ? zone.LocalToUtc(next, offset) - 1 : zone.LocalToUtc(start, offset);
  return true;
}

// Days and weeks on the wall clock (one instant later by as many days, in a
// fixed offset).
int64_t AddDays(int64_t ms, int64_t days, const TimeZone& zone) {
  if (zone.is_fixed()) return ms + days * kDay;
  const int64_t offset = zone.OffsetAtUtc(ms);
  return zone.LocalToUtc(ms + offset + days * kDay, offset);
}

bool Add(int64_t* ms, int64_t n, char unit, const TimeZone& zone) {
  switch (unit) {
    case 'y': *ms = AddMonths(*ms, 12 * n, zone); return true;
    case 'M': *ms = AddMonths(*ms, n, zone); return true;
    case 'w': *ms = AddDays(*ms, 7 * n, zone); return true;
    case 'd': *ms = AddDays(*ms, n, zone); return true;
    case 'h':
    case 'H': *ms += n * kHour; return true;
    case 'm': *ms += n * kMinute; return true;
    case 's': *ms += n * kSecond; return true;
    default: return false;
  }
}

// A date in `formats`; one without a zone of its own ("Z", "+01:00" after
// the time) and not epoch digits is in the time zone `zone`.
bool ParseAnchor(std::string_view text, const mapping::DateFormatList& formats, const TimeZone& zone, int64_t* value) {
  if (!mapping::ParseDate(text, formats, value)) return false;
  if (zone.is_utc()) return true;
  bool digits = !text.empty();
  for (char c : text) digits &= std::isdigit(static_cast<unsigned char>(c)) != 0 || c == '.';
  const size_t t = text.find('T');
  const bool zoned = text.find('Z') != std::string_view::npos ||
                     (t != std::string_view::npos && text.find_first_of("+-", t) != std::string_view::npos);
  if (!digits && !zoned) *value = zone.LocalToUtc(*value);
  return true;
}

// A plain date given to a lower precision than milliseconds, ISO style:
// its last millisecond (when `millis` is the start the text names).
int64_t RoundUpPartialDate(std::string_view text, int64_t millis, const TimeZone& zone) {
  auto digits = [&](size_t at, size_t n) {
    if (text.size() < at + n) return false;
    for (size_t i = at; i < at + n; ++i) {
      if (!std::isdigit(static_cast<unsigned char>(text[i]))) return false;
    }
    return true;
  };
  char unit = 0;
  if (text.size() == 4 && digits(0, 4)) {
    unit = 'y';
  } else if (text.size() == 7 && digits(0, 4) && text[4] == '-' && digits(5, 2)) {
    unit = 'M';
  } else if (text.size() == 10 && digits(0, 4) && text[4] == '-' && text[7] == '-' && digits(8, 2)) {
    unit = 'd';
  } else if (text.size() == 13 && text[10] == 'T' && digits(11, 2)) {
    unit = 'h';
  } else if (text.size() == 16 && text[10] == 'T' && text[13] == ':' && digits(14, 2)) {
    unit = 'm';
  } else if (text.size() == 19 && text[10] == 'T' && text[16] == ':' && digits(17, 2)) {
    unit = 's';
  }
  if (unit == 0) return millis;
  int64_t start = millis;
  // Only when the text was read as that date (not, say, "2026" as epoch millis).
  if (!Round(&start, unit, false, zone) || start != millis) return millis;
  int64_t end = millis;
  Round(&end, unit, true, zone);
  return end;
}

}  // namespace

bool ParseDateMath(std::string_view text, const mapping::DateFormatList& formats, const DateMathOptions& options,
                   int64_t* millis, std::string* error) {
  int64_t value = 0;
  std::string_view math;
  if (text.substr(0, 3) == "now") {
    value = options.now_ms;
    math = text.substr(3);
  } else {
    const size_t bars = text.find("||");
    if (bars == std::string_view::npos) {
      if (!ParseAnchor(text, formats, options.time_zone, &value)) {
        *error = "failed to parse date field [" + std::string(text) + "] with format [" + formats.ToString() + "]";
        return false;
      }
      *millis = options.round_up ? RoundUpPartialDate(text, value, options.time_zone) : value;
      return true;
    }
    if (!ParseAnchor(text.substr(0, bars), formats, options.time_zone, &value)) {
      *error = "failed to parse date field [" + std::string(text.substr(0, bars)) + "] with format [" +
               formats.ToString() + "]";
      return false;
    }
    math = text.substr(bars + 2);
  }
  size_t i = 0;
  while (i < math.size()) {
    const char op = math[i++];
    if (op == '/') {
      if (i >= math.size() || !Round(&value, math[i], options.round_up, options.time_zone)) {
        *error = "rounding `/` can only be followed by a unit (y M w d h H m s) in date math [" + std::string(math) + "]";
        return false;
      }
      ++i;
      continue;
    }
    if (op != '+' && op != '-') {
      *error = "operator not supported for date math [" + std::string(math) + "]";
      return false;
    }
    int64_t n = 0;
    bool any = false;
    while (i < math.size() && std::isdigit(static_cast<unsigned char>(math[i]))) {
      n = n * 10 + (math[i++] - '0');
      any = true;
      if (n > 1'000'000'000) {
        *error = "number too large in date math [" + std::string(math) + "]";
        return false;
      }
    }
    if (!any) n = 1;
    if (i >= math.size() || !Add(&value, op == '-' ? -n : n, math[i], options.time_zone)) {
      *error = "unit [" + std::string(i < math.size() ? math.substr(i, 1) : "") + "] not supported for date math [" +
               std::string(math) + "]";
      return false;
    }
    ++i;
  }
  *millis = value;
  return true;
}

}  // namespace holdfast::search
