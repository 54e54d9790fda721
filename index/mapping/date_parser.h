// Date parsing and formatting for `date` fields: text or numbers → int64
// milliseconds since the Unix epoch, UTC, and back.
//
// A field's `format` is a "||"-separated list, tried in order when reading
// (the first that matches wins); the first one writes. Each entry is
//   strict_date_optional_time  yyyy[-MM[-dd]] ['T' HH[:mm[:ss[.fraction]]] [zone]]
//                              zone: Z | ±HH | ±HH:mm | ±HHmm; no zone means UTC.
//                              Fractions of 1-9 digits (',' too); digits past
//                              milliseconds are truncated. Also under the names
//                              strict_date_optional_time_nanos and iso8601.
//   date_optional_time         the same, also with shorter numbers (2015-1-5T9:05)
//   epoch_millis               [-]digits[.fraction] milliseconds; fraction truncated
//   epoch_second               [-]digits[.fraction] seconds
//   another built-in name      see date_builtin_formats.h (basic_date, date_time,
//                              strict_week_date, hour_minute, year_month, ...)
//   a pattern                  Java DateTimeFormatter letters, see date_pattern.h
//                              ("yyyy-MM-dd HH:mm:ss", "dd/MM/yyyy", "MMM d, yyyy")
// Every calendar field is validated: 2015-02-30 and 25:00 are refused.
//
// DateFormatList is an immutable value, cheap to copy (it shares its compiled
// formats). Parsing and formatting are thread-safe; parsing does not allocate.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "index/mapping/date_pattern.h"

namespace holdfast::mapping {

// One entry of a format list, compiled.
class DateFormat {
 public:
  // A built-in name or a pattern; nullopt when it is neither.
  static std::optional<DateFormat> Compile(std::string_view spec);

  // False unless all of `text` matches and names a valid date.
  bool Parse(std::string_view text, int64_t* millis) const;
  // Appends `millis` as this format writes it (UTC).
  void Format(int64_t millis, std::string* out) const;

 private:
  // The default formats and the dynamic mapping's slash formats have readers
  // of their own (the formats of most date values indexed); patterns and
  // other names go through DatePattern.
  enum class Kind : uint8_t {
    kIsoStrict, kIsoLenient, kEpochMillis, kEpochSecond, kSlashDateTime, kSlashDate, kPattern,
  };
  Kind kind_ = Kind::kPattern;
  DatePattern pattern_;  // kPattern, kSlashDateTime, kSlashDate
};

// An ordered, non-empty list of formats and the text it was written as.
class DateFormatList {
 public:
  // The default format of a date field: "strict_date_optional_time||epoch_millis".
  DateFormatList();
  static DateFormatList Default() { return DateFormatList(); }
  // Parses "a||b||c"; nullopt when an entry is empty, an unknown name or an
  // invalid pattern.
  static std::optional<DateFormatList> Parse(std::string_view spec);

  size_t size() const { return compiled_->formats.size(); }
  const DateFormat& operator[](size_t i) const { return compiled_->formats[i]; }
  // The list exactly as it was written.
  const std::string& ToString() const { return compiled_->spec; }
  bool operator==(const DateFormatList& other) const { return ToString() == other.ToString(); }

 private:
  struct Compiled {
    std::string spec;
    std::vector<DateFormat> formats;
  };
  explicit DateFormatList(std::shared_ptr<const Compiled> compiled) : compiled_(std::move(compiled)) {}

  std::shared_ptr<const Compiled> compiled_;
};

// Tries each format in order.
bool ParseDate(std::string_view text, const DateFormatList& formats, int64_t* millis);

// `millis` as the first format of `formats` writes it, as Elasticsearch shows
// a date field in `fields` and aggregation keys: epoch_millis "1420114230000",
// epoch_second "1420114230" (with a fraction when there are milliseconds),
// strict_date_optional_time "2015-01-01T12:10:30.000Z", patterns as patterned.
// An instant outside the years -32767..32767 is written as its number.
std::string FormatDate(int64_t millis, const DateFormatList& formats);

// Elasticsearch's dynamic date detection for a JSON string: strict_date_optional_time
// (requiring at least yyyy-MM-dd, so that strings like "2015" or "12" stay text),
// "yyyy/MM/dd HH:mm:ss" or "yyyy/MM/dd". On a match returns the format list the
// new field gets (the matched family plus epoch_millis) and sets *millis.
std::optional<DateFormatList> DetectDynamicDate(std::string_view text, int64_t* millis);

}  // namespace holdfast::mapping
