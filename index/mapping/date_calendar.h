// Calendar arithmetic for date parsing and formatting: civil dates, days of
// the year and ISO week dates to days since 1970-01-01, and epoch
// milliseconds back to their UTC fields. A thin layer over Howard Hinnant's
// date library (date/date.h, date/iso_week.h; proleptic Gregorian calendar),
// which holds years -32767..32767: dates outside that range are refused.
//
// Pure functions; thread-safe; no allocation. DaysFromCivil and
// ToEpochMillis are inline: the default date format reads with them per value.
#pragma once

#include <date/date.h>

#include <cstdint>
#include <optional>
#include <string_view>

namespace holdfast::mapping {

inline constexpr int64_t kMinCalendarYear = -32767;  // the years date::year holds
inline constexpr int64_t kMaxCalendarYear = 32767;

// Days since 1970-01-01 of a valid date; nullopt for an invalid one
// (2015-02-30, month 13, a year out of range).
inline std::optional<int64_t> DaysFromCivil(int64_t year, int64_t month, int64_t day) {
  if (year < kMinCalendarYear || year > kMaxCalendarYear || month < 1 || month > 12 || day < 1 || day > 31) {
    return std::nullopt;  // (a wider year would wrap in date::year)
  }
  const date::year_month_day ymd{date::year{static_cast<int>(year)}, date::month{static_cast<unsigned>(month)},
                                 date::day{static_cast<unsigned>(day)}};
  if (!ymd.ok()) return std::nullopt;
  return date::sys_days{ymd}.time_since_epoch().count();
}
// `day_of_year` 1..365 (366 in leap years).
std::optional<int64_t> DaysFromOrdinal(int64_t year, int64_t day_of_year);
// ISO week date: week 1..52 (53 in long years), weekday 1 (Monday)..7.
std::optional<int64_t> DaysFromIsoWeek(int64_t week_year, int64_t week, int64_t weekday);

// Epoch milliseconds plus seconds, minutes and hours; the result may be any
// int64 when the fields came from valid dates and offsets within ±18 hours.
inline int64_t ToEpochMillis(int64_t days, int64_t hour, int64_t minute, int64_t second, int64_t millis,
                             int64_t offset_minutes) {
  const int64_t seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
  return seconds * 1000 + millis;
}

// The UTC fields of one instant.
struct CivilTime {
  int year = 1970;
  int month = 1;        // 1..12
  int day = 1;          // 1..31
  int day_of_year = 1;  // 1..366
  int weekday = 4;      // ISO: 1 = Monday .. 7 = Sunday
  int week_year = 1970; // ISO week-based year
  int week = 1;         // ISO week 1..53
  int hour = 0;
  int minute = 0;
  int second = 0;
  int millis = 0;
};

// nullopt when `millis` is outside the years the calendar holds.
std::optional<CivilTime> CivilFromEpochMillis(int64_t millis);

// English names, as Java's root locale writes them: "January" for 1,
// "Monday" for ISO weekday 1.
std::string_view MonthName(int month);
std::string_view DayName(int weekday);

}  // namespace holdfast::mapping
