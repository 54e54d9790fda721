// Number and date text as Elasticsearch writes it in search responses, so
// that holdfast's aggregation keys and sort values read the same:
//
//   FormatJavaDouble   Java's Double.toString: "100.0", "0.5", "1.0E7", "1.0E-4"
//                      (shortest digits that read back to the same double)
//   FormatJavaFloat    Java's Float.toString, for scores
//   FormatEpochMillis  strict_date_optional_time in UTC: "2020-01-31T12:00:00.000Z"
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>

namespace holdfast::search {

std::string FormatJavaDouble(double value);
std::string FormatJavaFloat(float value);
std::string FormatEpochMillis(int64_t millis);

}  // namespace holdfast::search
