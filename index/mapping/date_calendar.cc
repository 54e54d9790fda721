#include "index/mapping/date_calendar.h"

#include <date/iso_week.h>

namespace holdfast::mapping {
namespace {

constexpr int64_t kMillisPerDay = 86'400'000;

bool YearInRange(int64_t year) { return year >= kMinCalendarYear && year <= kMaxCalendarYear; }

int64_t DaysOf(date::sys_days day) { return day.time_since_epoch().count(); }

// The first and last day formatted, as days since the epoch: a week inside
// the years held, so that their ISO week-based year is held too.
const int64_t kFirstDay = DaysOf(date::sys_days{date::year{static_cast<int>(kMinCalendarYear)} / 1 / 8});
const int64_t kLastDay = DaysOf(date::sys_days{date::year{static_cast<int>(kMaxCalendarYear)} / 12 / 24});

int64_t FloorDiv(int64_t a, int64_t b) {
  const int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

}  // namespace

std::optional<int64_t> DaysFromOrdinal(int64_t year, int64_t day_of_year) {
  if (!YearInRange(year) || day_of_year < 1) return std::nullopt;
  const date::year y{static_cast<int>(year)};
  if (day_of_year > (y.is_leap() ? 366 : 365)) return std::nullopt;
  return DaysOf(date::sys_days{y / 1 / 1}) + day_of_year - 1;
}

std::optional<int64_t> DaysFromIsoWeek(int64_t week_year, int64_t week, int64_t weekday) {
  if (!YearInRange(week_year) || week < 1 || week > 53 || weekday < 1 || weekday > 7) return std::nullopt;
  const iso_week::year_weeknum_weekday ywd{iso_week::year{static_cast<int>(week_year)},
                                           iso_week::weeknum{static_cast<unsigned>(week)},
                                           iso_week::weekday{static_cast<unsigned>(weekday)}};
  if (!ywd.ok()) return std::nullopt;
  return DaysOf(date::sys_days{ywd});
}

std::optional<CivilTime> CivilFromEpochMillis(int64_t millis) {
  const int64_t days = FloorDiv(millis, kMillisPerDay);
  if (days < kFirstDay || days > kLastDay) return std::nullopt;
  int64_t in_day = millis - days * kMillisPerDay;
  const date::sys_days day{date::days{static_cast<int>(days)}};
  const date::year_month_day ymd{day};
  const iso_week::year_weeknum_weekday iso{day};
  CivilTime t;
  t.year = static_cast<int>(ymd.year());
  t.month = static_cast<int>(static_cast<unsigned>(ymd.month()));
  t.day = static_cast<int>(static_cast<unsigned>(ymd.day()));
  t.day_of_year = static_cast<int>(days - DaysOf(date::sys_days{ymd.year() / 1 / 1})) + 1;
  t.weekday = static_cast<int>(static_cast<unsigned>(iso.weekday()));
  t.week_year = static_cast<int>(iso.year());
  t.week = static_cast<int>(static_cast<unsigned>(iso.weeknum()));
  t.hour = static_cast<int>(in_day / 3'600'000);
  in_day %= 3'600'000;
  t.minute = static_cast<int>(in_day / 60'000);
  in_day %= 60'000;
  t.second = static_cast<int>(in_day / 1000);
  t.millis = static_cast<int>(in_day % 1000);
  return t;
}

std::string_view MonthName(int month) {
  static constexpr std::string_view kNames[] = {"January", "February", "March",     "April",   "May",      "June",
                                                "July",    "August",   "September", "October", "November", "December"};
  return month >= 1 && month <= 12 ? kNames[month - 1] : std::string_view();
}

std::string_view DayName(int weekday) {
  static constexpr std::string_view kNames[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                                "Friday", "Saturday", "Sunday"};
  return weekday >= 1 && weekday <= 7 ? kNames[weekday - 1] : std::string_view();
}

}  // namespace holdfast::mapping
