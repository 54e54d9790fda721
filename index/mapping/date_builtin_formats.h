// Elasticsearch's built-in named date formats that are fixed layouts
// ("basic_date", "strict_date_time", "week_date", "hour_minute", ...), each
// given as a DatePattern. Most have a strict_ companion: the strict form
// reads exactly the digits written (4-digit year, 2-digit month, ...); the
// plain name also reads fewer (2015-1-5) and, where Elasticsearch does, lets
// trailing parts go ("date" reads "2015" and "2015-01"). The basic_ formats
// (no separators) are strict either way. Fractions of 1-9 digits are read;
// 3 are written. Zones are read as Z, ±HH, ±HHmm or ±HH:mm and written "Z"
// (output is UTC).
//
// strict_date_optional_time, date_optional_time, epoch_millis and
// epoch_second are not here: date_parser.cc reads them by hand.
//
// Pure function over a static table; thread-safe.
#pragma once

#include <optional>
#include <string_view>

#include "index/mapping/date_pattern.h"

namespace holdfast::mapping {

// The compiled format `name` ("strict_date_time", "date_time"); nullopt when
// Elasticsearch has no built-in format of that name here.
std::optional<DatePattern> CompileBuiltinFormat(std::string_view name);

}  // namespace holdfast::mapping
