// Date parsing for `date` fields: text or numbers → int64 milliseconds since
// the Unix epoch, UTC.
//
// Supported Elasticsearch formats (a field's `format` is a "||"-separated list,
// tried in order; the first that matches wins):
//   strict_date_optional_time  yyyy[-MM[-dd]] ['T' HH[:mm[:ss[.fraction]]] [zone]]
//                              zone: Z | ±HH | ±HH:mm | ±HHmm; no zone means UTC.
//                              Fractions of 1-9 digits; digits past milliseconds
//                              are truncated. (`date_optional_time` is accepted as
//                              the same format.)
//   epoch_millis               [-]digits[.fraction] milliseconds; fraction truncated
//   epoch_second               [-]digits[.fraction] seconds
//   yyyy/MM/dd HH:mm:ss        and  yyyy/MM/dd  (Elasticsearch's dynamic date formats)
// Every calendar field is validated: 2015-02-30 and 25:00 are refused.
//
// Pure functions; thread-safe; no allocation on the parse path.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace holdfast::mapping {

enum class DateFormat : uint8_t {
  kStrictDateOptionalTime,
  kEpochMillis,
  kEpochSecond,
  kSlashDateTime,  // yyyy/MM/dd HH:mm:ss
  kSlashDate,      // yyyy/MM/dd
};

// An ordered list of up to kMaxFormats formats, held inline.
class DateFormatList {
 public:
  static constexpr size_t kMaxFormats = 5;

  // The default format of a date field: "strict_date_optional_time||epoch_millis".
  static DateFormatList Default();
  // Parses "a||b||c"; nullopt when a name is unknown or there are too many.
  static std::optional<DateFormatList> Parse(std::string_view spec);

  bool Add(DateFormat format);
  size_t size() const { return size_; }
  DateFormat operator[](size_t i) const { return formats_[i]; }
  bool Contains(DateFormat format) const;
  // "strict_date_optional_time||epoch_millis"
  std::string ToString() const;
  bool operator==(const DateFormatList& other) const;

 private:
  std::array<DateFormat, kMaxFormats> formats_{};
  size_t size_ = 0;
};

std::string_view DateFormatName(DateFormat format);

// Parses `text` with one format. Returns false when it does not match exactly.
bool ParseDateWithFormat(std::string_view text, DateFormat format, int64_t* millis);

// Tries each format in order.
bool ParseDate(std::string_view text, const DateFormatList& formats, int64_t* millis);

// Elasticsearch's dynamic date detection for a JSON string: strict_date_optional_time
// (requiring at least yyyy-MM-dd, so that strings like "2015" or "12" stay text),
// "yyyy/MM/dd HH:mm:ss" or "yyyy/MM/dd". On a match returns the format list the
// new field gets (the matched family plus epoch_millis) and sets *millis.
std::optional<DateFormatList> DetectDynamicDate(std::string_view text, int64_t* millis);

}  // namespace holdfast::mapping
