// Elasticsearch's date math, for date values in queries (range, term) and
// date_range aggregation bounds:
//
//   now-7d/d   2026-12-03||+1M/M   now+90m   now/w
//
// An anchor — `now`, or a date in the field's formats followed by `||` —
// then any number of operations: `+N<unit>` and `-N<unit>` (N digits,
// default 1) add or subtract, `/<unit>` rounds to the start of the unit.
// Units: y (years), M (months), w (weeks, from Monday), d (days), h and H
// (hours), m (minutes), s (seconds). Months and years keep the day of the
// month where it exists (Jan 31 + 1M is Feb 28 or 29).
//
// `round_up` (range queries' gt and lte, as Elasticsearch): a rounding lands
// on the last millisecond of its unit instead of the first, and a plain date
// missing its later fields ("2026", "2026-12", "2026-12-03",
// "2026-12-03T10", ...) stands for the last millisecond it covers.
// `time_zone` (time_zone.h) is where day, week, month and year boundaries
// fall and the zone of dates written without one. In a named zone, adding
// days, weeks, months or years keeps the wall-clock time (a day across a
// daylight saving change is 23 or 25 hours), adding hours, minutes or seconds
// adds them to the instant, and a rounded local time the clocks skipped or
// showed twice resolves as java.time does (later by the gap; the offset it
// had before rounding, else the earlier). Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "index/mapping/date_parser.h"
#include "index/search/time_zone.h"

namespace holdfast::search {

struct DateMathOptions {
  int64_t now_ms = 0;
  bool round_up = false;
  TimeZone time_zone;  // UTC unless given
};

// The instant `text` names (ms since the epoch, UTC). False with `*error`
// set when it is not a date in `formats` or its math is malformed.
bool ParseDateMath(std::string_view text, const mapping::DateFormatList& formats, const DateMathOptions& options,
                   int64_t* millis, std::string* error);

}  // namespace holdfast::search
