// TimeZone: where the wall clock of a query or an aggregation is — a fixed
// offset from UTC ("+01:00", "Z") or a zone of the IANA time zone database
// ("Europe/Paris", "America/New_York") whose offset changes with daylight
// saving time. Dates without a zone of their own are read in it, date math
// rounds in it, date_histogram buckets start at its local midnights and
// key_as_string shows its local time and offset.
//
// LocalRounding: rounds instants down to the start of their local calendar
// unit or fixed interval, and steps from one bucket start to the next, as
// Elasticsearch's date_histogram does across daylight saving changes (a day
// is 23 or 25 hours long; keys are the UTC instants of local midnights).
//
// Named zones come from the system's tzdata files (libhowardhinnant-date,
// `date/tz.h`), loaded once per process and never unloaded. A TimeZone is a
// pointer and an offset: copy it freely and share it between threads. A
// LocalRounding remembers the offset periods of the instants it rounded, so
// that most instants cost a compare or a few: one per thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "index/util/status.h"

namespace date {
class time_zone;
}  // namespace date

namespace holdfast::search {

// date_histogram's calendar_interval units (kNone: a fixed interval).
enum class CalendarUnit : uint8_t { kNone, kMinute, kHour, kDay, kWeek, kMonth, kQuarter, kYear };

class TimeZone {
 public:
  // A stretch of time with one offset: [begin_ms, end_ms) in UTC. A fixed
  // offset is one period from INT64_MIN to INT64_MAX.
  struct Period {
    int64_t begin_ms = 0;
    int64_t end_ms = 0;
    int64_t offset_ms = 0;  // east of UTC
    // The first local time that names an instant of this period only (after
    // the gap or the overlap its start made on the wall clock).
    int64_t unique_local_begin_ms = 0;
    bool Contains(int64_t utc_ms) const { return utc_ms >= begin_ms && utc_ms < end_ms; }
  };

  // A fixed offset, ms east of UTC (0: UTC). Implicit: an offset is a time
  // zone wherever one is taken.
  TimeZone(int64_t fixed_offset_ms = 0) : offset_ms_(fixed_offset_ms) {}  // NOLINT(google-explicit-constructor)
  // What Elasticsearch takes (java.time's ZoneId): an IANA id ("Europe/Paris",
  // "US/Eastern", "Etc/GMT+5"; case as written), "Z", "UTC", "GMT", "UT", an
  // offset (±H, ±HH, ±HH:mm, ±HHmm, ±HH:mm:ss, ±HHmmss, at most 18 hours) and
  // offsets after "UTC", "GMT" or "UT" ("UTC+01:00"). A zone whose offset never
  // changes counts as a fixed offset. InvalidArgument naming the text when it
  // is none of these.
  static Result<TimeZone> Parse(std::string_view text);

  bool is_fixed() const { return zone_ == nullptr; }
  bool is_utc() const { return zone_ == nullptr && offset_ms_ == 0; }
  // The IANA id, or the offset as "+01:00" ("Z" for UTC).
  std::string Id() const;

  Period PeriodAt(int64_t utc_ms) const;
  int64_t OffsetAtUtc(int64_t utc_ms) const { return is_fixed() ? offset_ms_ : PeriodAt(utc_ms).offset_ms; }
  int64_t UtcToLocal(int64_t utc_ms) const { return utc_ms + OffsetAtUtc(utc_ms); }
  // The instant a local time names, as java.time resolves it: in a gap
  // (clocks skipped forward) the local time moves later by the gap's length;
  // in an overlap (clocks set back) the earlier offset wins, or
  // `preferred_offset_ms` when it is one of the two.
  int64_t LocalToUtc(int64_t local_ms) const;
  int64_t LocalToUtc(int64_t local_ms, int64_t preferred_offset_ms) const;
  // The first instant at which the wall clock reads `local_ms` or later: the
  // earlier of two in an overlap, the end of the gap when clocks skip it.
  int64_t FirstInstantAtOrAfterLocal(int64_t local_ms) const;

  friend bool operator==(const TimeZone& a, const TimeZone& b) {
    return a.zone_ == b.zone_ && a.offset_ms_ == b.offset_ms_;
  }

 private:
  const date::time_zone* zone_ = nullptr;  // null: the fixed offset
  int64_t offset_ms_ = 0;
};

// The local calendar arithmetic of date_histogram and date math, on local
// milliseconds (the wall clock read as if it were UTC). Weeks start on Monday.
int64_t LocalCalendarFloor(CalendarUnit unit, int64_t local_ms);
int64_t LocalCalendarNext(CalendarUnit unit, int64_t local_start_ms);

class LocalRounding {
 public:
  // A calendar unit (not kNone) or a fixed interval (ms > 0), in `zone`.
  LocalRounding(const TimeZone& zone, CalendarUnit unit);
  LocalRounding(const TimeZone& zone, int64_t interval_ms);

  // The start of the bucket holding `utc_ms`: its local day (week, ...)
  // began at the first instant of that local midnight; hours, minutes and
  // fixed intervals count on the wall clock, a bucket cut short or
  // lengthened where the offset changes inside it.
  int64_t Round(int64_t utc_ms);
  // The start of the bucket after the one starting at `start_utc_ms`.
  int64_t Next(int64_t start_utc_ms);

 private:
  bool ToMidnight() const { return unit_ >= CalendarUnit::kDay; }
  int64_t FloorLocal(int64_t local_ms) const;
  int64_t NextLocal(int64_t local_start_ms) const;
  int64_t RoundAcrossTransition(int64_t utc_ms) const;
  const TimeZone::Period& PeriodOf(int64_t utc_ms);
  void Cover(int64_t utc_ms);

  TimeZone zone_;
  CalendarUnit unit_ = CalendarUnit::kNone;
  int64_t interval_ms_ = 0;
  // The offset periods from the earliest instant rounded to the latest, in
  // order and without gaps (a year: three of them, a fixed offset: one):
  // each is looked up in the database once.
  std::vector<TimeZone::Period> periods_;
  size_t last_ = 0;  // the period of the last instant (when there are many)
};

}  // namespace holdfast::search
