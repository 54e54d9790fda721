#include "index/search/time_zone.h"

#include <date/tz.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <optional>
#include <stdexcept>

namespace holdfast::search {
namespace {

using std::chrono::days;
using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::sys_days;
using std::chrono::year_month_day;

constexpr int64_t kSecondMs = 1000;
constexpr int64_t kMinuteMs = 60 * kSecondMs;
constexpr int64_t kHourMs = 60 * kMinuteMs;
constexpr int64_t kDayMs = 24 * kHourMs;
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
// The database marks its first and last periods as beginning and ending
// tens of thousands of years away.
constexpr int64_t kFarSeconds = 200'000'000'000;

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

int64_t Ms(seconds s) { return s.count() * kSecondMs; }

int64_t InstantMs(date::sys_seconds t) {
  const int64_t s = t.time_since_epoch().count();
  if (s <= -kFarSeconds) return kMin;
  if (s >= kFarSeconds) return kMax;
  return s * kSecondMs;
}

Status InvalidOffset(std::string_view text) {
  return Status::InvalidArgument("Invalid ID for ZoneOffset, invalid format: " + std::string(text));
}

// java.time's ZoneOffset.of: ±H, ±HH, ±HHmm, ±HH:mm, ±HHmmss, ±HH:mm:ss.
Result<int64_t> ParseOffset(std::string_view text) {
  if (text.empty() || (text[0] != '+' && text[0] != '-')) return InvalidOffset(text);
  std::string_view digits = text.substr(1);
  std::string padded;
  if (digits.size() == 1) {
    padded = "0" + std::string(digits);
    digits = padded;
  }
  // Field i starts at 2i (compact) or 3i (with colons).
  const bool colons = digits.size() == 5 || digits.size() == 8;
  if (digits.size() != 2 && digits.size() != 4 && digits.size() != 6 && !colons) return InvalidOffset(text);
  int fields[3] = {0, 0, 0};
  const size_t count = colons ? (digits.size() + 1) / 3 : digits.size() / 2;
  for (size_t i = 0; i < count; ++i) {
    const size_t at = colons ? 3 * i : 2 * i;
    if (colons && i > 0 && digits[at - 1] != ':') return InvalidOffset(text);
    const char hi = digits[at], lo = digits[at + 1];
    if (hi < '0' || hi > '9' || lo < '0' || lo > '9') {
      return Status::InvalidArgument("Invalid ID for ZoneOffset, non numeric characters found: " + std::string(text));
    }
    fields[i] = (hi - '0') * 10 + (lo - '0');
  }
  const int sign = text[0] == '-' ? -1 : 1;
  if (fields[0] > 18) {
    return Status::InvalidArgument("Zone offset hours not in valid range: value " + std::to_string(sign * fields[0]) +
                                   " is not in the range -18 to 18");
  }
  if (fields[1] > 59 || fields[2] > 59) {
    const bool minutes = fields[1] > 59;
    return Status::InvalidArgument("Zone offset " + std::string(minutes ? "minutes" : "seconds") +
                                   " not in valid range: value " + std::to_string(sign * fields[minutes ? 1 : 2]) +
                                   " is not in the range -59 to 59");
  }
  const int64_t ms = fields[0] * kHourMs + fields[1] * kMinuteMs + fields[2] * kSecondMs;
  if (ms > 18 * kHourMs) return Status::InvalidArgument("Zone offset not in valid range: -18:00 to +18:00");
  return sign * ms;
}

// java.time's region ids: a letter, then letters, digits and ~ / . _ + -.
bool IsRegionId(std::string_view text) {
  auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  if (text.size() < 2 || !letter(text[0])) return false;
  return std::all_of(text.begin(), text.end(), [&](char c) {
    return letter(c) || (c >= '0' && c <= '9') || std::string_view("~/._+-").find(c) != std::string_view::npos;
  });
}

// Short ids Elasticsearch still takes (with a deprecation warning) as the
// zones they stood for.
std::string_view DeprecatedShortId(std::string_view id) {
  if (id == "EST") return "-05:00";
  if (id == "HST") return "-10:00";
  if (id == "MST") return "-07:00";
  if (id == "ROC") return "Asia/Taipei";
  if (id == "Eire") return "Europe/London";
  return id;
}

std::string OffsetId(int64_t offset_ms) {
  if (offset_ms == 0) return "Z";
  const int64_t abs = offset_ms < 0 ? -offset_ms : offset_ms;
  auto two = [](int64_t n) { return std::string(n < 10 ? "0" : "") + std::to_string(n); };
  std::string id = std::string(offset_ms < 0 ? "-" : "+") + two(abs / kHourMs) + ":" + two(abs / kMinuteMs % 60);
  if (abs % kMinuteMs != 0) id += ":" + two(abs / kSecondMs % 60);
  return id;
}

// LocalCalendarFloor, defined here so that LocalRounding inlines it.
inline int64_t CalendarFloor(CalendarUnit unit, int64_t t) {
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

}  // namespace

Result<TimeZone> TimeZone::Parse(std::string_view text) {
  text = DeprecatedShortId(text);
  if (text == "Z" || text == "UTC" || text == "GMT" || text == "UT") return TimeZone();
  if (text.size() <= 1 || text[0] == '+' || text[0] == '-') {
    Result<int64_t> offset = ParseOffset(text);
    if (!offset.ok()) return offset.status();
    return TimeZone(offset.value());
  }
  for (std::string_view prefix : {"UTC", "GMT", "UT"}) {
    if (text.size() > prefix.size() && text.substr(0, prefix.size()) == prefix &&
        (text[prefix.size()] == '+' || text[prefix.size()] == '-')) {
      Result<int64_t> offset = ParseOffset(text.substr(prefix.size()));
      if (!offset.ok()) return Status::InvalidArgument("Invalid ID for offset-based ZoneId: " + std::string(text));
      return TimeZone(offset.value());
    }
  }
  if (!IsRegionId(text)) {
    return Status::InvalidArgument("Invalid ID for region-based ZoneId, invalid format: " + std::string(text));
  }
  TimeZone zone;
  try {
    zone.zone_ = date::locate_zone(text);
    // Loads the zone's data now, so that later lookups cannot fail.
    const date::sys_info now = zone.zone_->get_info(std::chrono::system_clock::now());
    if (InstantMs(now.begin) == kMin && InstantMs(now.end) == kMax) return TimeZone(Ms(now.offset));
  } catch (const std::exception&) {
    return Status::InvalidArgument("Unknown time-zone ID: " + std::string(text));
  }
  return zone;
}

std::string TimeZone::Id() const { return is_fixed() ? OffsetId(offset_ms_) : std::string(zone_->name()); }

TimeZone::Period TimeZone::PeriodAt(int64_t utc_ms) const {
  if (is_fixed()) return {kMin, kMax, offset_ms_, kMin};
  const date::sys_info info = zone_->get_info(date::sys_time<milliseconds>{milliseconds{utc_ms}});
  Period period{InstantMs(info.begin), InstantMs(info.end), Ms(info.offset), kMin};
  if (period.begin_ms != kMin) {
    const int64_t before = Ms(zone_->get_info(info.begin - seconds{1}).offset);
    period.unique_local_begin_ms = period.begin_ms + std::max(period.offset_ms, before);
  }
  return period;
}

int64_t TimeZone::LocalToUtc(int64_t local_ms) const { return LocalToUtc(local_ms, kMin); }

int64_t TimeZone::LocalToUtc(int64_t local_ms, int64_t preferred_offset_ms) const {
  if (is_fixed()) return local_ms - offset_ms_;
  const date::local_info info = zone_->get_info(date::local_time<milliseconds>{milliseconds{local_ms}});
  // In a gap, first is the offset before it: the local time comes out later
  // by the gap's length.
  if (info.result == date::local_info::ambiguous && Ms(info.second.offset) == preferred_offset_ms) {
    return local_ms - preferred_offset_ms;
  }
  return local_ms - Ms(info.first.offset);
}

int64_t TimeZone::FirstInstantAtOrAfterLocal(int64_t local_ms) const {
  if (is_fixed()) return local_ms - offset_ms_;
  const date::local_info info = zone_->get_info(date::local_time<milliseconds>{milliseconds{local_ms}});
  if (info.result == date::local_info::nonexistent) return InstantMs(info.second.begin);
  return local_ms - Ms(info.first.offset);
}

int64_t LocalCalendarFloor(CalendarUnit unit, int64_t t) { return CalendarFloor(unit, t); }

int64_t LocalCalendarNext(CalendarUnit unit, int64_t t) {
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

LocalRounding::LocalRounding(const TimeZone& zone, CalendarUnit unit) : zone_(zone), unit_(unit) {}

LocalRounding::LocalRounding(const TimeZone& zone, int64_t interval_ms) : zone_(zone), interval_ms_(interval_ms) {}

int64_t LocalRounding::FloorLocal(int64_t local_ms) const {
  if (unit_ == CalendarUnit::kNone) return FloorDiv(local_ms, interval_ms_) * interval_ms_;
  return CalendarFloor(unit_, local_ms);
}

int64_t LocalRounding::NextLocal(int64_t local_start_ms) const {
  if (unit_ == CalendarUnit::kNone) return local_start_ms + interval_ms_;
  return LocalCalendarNext(unit_, local_start_ms);
}

const TimeZone::Period& LocalRounding::PeriodOf(int64_t utc_ms) {
  if (periods_.empty() || utc_ms < periods_.front().begin_ms || utc_ms >= periods_.back().end_ms) Cover(utc_ms);
  // The periods are in order: the one holding the instant follows those that
  // ended before it. While they are few (a year holds three), counted
  // without branches, so instants in any order cost the same few compares.
  if (periods_.size() <= 8) {
    size_t i = 0;
    for (const TimeZone::Period& p : periods_) i += static_cast<size_t>(p.end_ms <= utc_ms);
    return periods_[std::min(i, periods_.size() - 1)];  // (INT64_MAX is in no period)
  }
  if (!periods_[last_].Contains(utc_ms)) {
    const auto it = std::partition_point(periods_.begin(), periods_.end() - 1,
                                         [&](const TimeZone::Period& p) { return p.end_ms <= utc_ms; });
    last_ = static_cast<size_t>(it - periods_.begin());
  }
  return periods_[last_];
}

// Extends the periods to hold `utc_ms`, one database lookup per period.
void LocalRounding::Cover(int64_t utc_ms) {
  if (periods_.empty()) {
    periods_.push_back(zone_.PeriodAt(utc_ms));
    return;
  }
  std::vector<TimeZone::Period> before;
  for (int64_t first = periods_.front().begin_ms; utc_ms < first; first = before.back().begin_ms) {
    before.push_back(zone_.PeriodAt(first - 1));
  }
  periods_.insert(periods_.begin(), before.rbegin(), before.rend());
  while (utc_ms >= periods_.back().end_ms && periods_.back().end_ms != kMax) {
    periods_.push_back(zone_.PeriodAt(periods_.back().end_ms));
  }
}

int64_t LocalRounding::Round(int64_t utc_ms) {
  if (zone_.is_fixed()) {
    const int64_t offset = zone_.OffsetAtUtc(utc_ms);
    return FloorLocal(utc_ms + offset) - offset;
  }
  const TimeZone::Period& period = PeriodOf(utc_ms);
  const int64_t start = FloorLocal(utc_ms + period.offset_ms);
  if (ToMidnight()) {
    // The first instant of the local day: where the offset does not change
    // around it, plain arithmetic.
    if (start >= period.unique_local_begin_ms) return start - period.offset_ms;
    return zone_.FirstInstantAtOrAfterLocal(start);
  }
  if (start - period.offset_ms >= period.begin_ms) return start - period.offset_ms;
  return RoundAcrossTransition(utc_ms);
}

// The wall-clock start of the bucket lies before the offset of `utc_ms`
// began. As Elasticsearch: a fixed interval whose start the clocks skipped
// starts at the change; any other bucket holds on to the one before the
// change (the last instant before it rounds the same).
int64_t LocalRounding::RoundAcrossTransition(int64_t utc_ms) const {
  for (;;) {
    const TimeZone::Period p = zone_.PeriodAt(utc_ms);
    const int64_t start = FloorLocal(utc_ms + p.offset_ms);
    if (start - p.offset_ms >= p.begin_ms) return start - p.offset_ms;  // always so in the first period
    if (unit_ == CalendarUnit::kNone) {
      const int64_t first = zone_.FirstInstantAtOrAfterLocal(start);
      if (first >= p.begin_ms) return first;
    }
    utc_ms = p.begin_ms - 1;
  }
}

int64_t LocalRounding::Next(int64_t start_utc_ms) {
  if (ToMidnight()) {
    const int64_t local = zone_.UtcToLocal(start_utc_ms);
    return zone_.FirstInstantAtOrAfterLocal(NextLocal(FloorLocal(local)));
  }
  // The next wall-clock boundary while the offset holds; past a change, the
  // first bucket starting after this one.
  int64_t from = start_utc_ms;
  for (;;) {
    const TimeZone::Period p = zone_.PeriodAt(from);
    const int64_t next = NextLocal(FloorLocal(from + p.offset_ms)) - p.offset_ms;
    if (next < p.end_ms) return next;
    const int64_t after = Round(p.end_ms);
    if (after > start_utc_ms) return after;
    from = p.end_ms;
  }
}

}  // namespace holdfast::search
