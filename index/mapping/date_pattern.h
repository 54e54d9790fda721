// A date pattern in the letters of Java's DateTimeFormatter, the custom
// `format` of an Elasticsearch date field ("yyyy-MM-dd HH:mm:ss", "dd/MM/yyyy",
// "yyyyMMdd'T'HHmmss.SSSZ", "MMM d, yyyy", "[yyyy-MM-dd][yyyy/MM/dd]"),
// compiled once into a list of steps that read text into epoch milliseconds
// and write epoch milliseconds (UTC) as text.
//
// Letters (a run of one letter is one field; the count sets its width):
//   y u      year: y (1+ digits), yy (two digits, 2000-2099), yyyy (4 digits)
//   M L      month: M (1-2 digits), MM, MMM ("Jan"), MMMM ("January")
//   d        day of month: d (1-2 digits), dd
//   D        day of year: D (1-3 digits), DD (2-3), DDD
//   H k      hour of day 0-23 (H) or 1-24 (k); h 1-12 and K 0-11 go with `a`
//   a        AM / PM
//   m s      minute, second: m (1-2 digits), mm
//   S        fraction of a second, as many digits as letters (up to 9);
//            digits past milliseconds are dropped
//   E        day name: E EE EEE ("Mon"), EEEE ("Monday"); read and ignored
//   Y w e    ISO week-based year, week of that year, day of week (1 = Monday)
//   Z X x    zone offset. Read: "Z", ±HH, ±HHmm or ±HH:mm, whichever letter.
//            Written (always UTC): Z..ZZZ "+0000", ZZZZZ and X..XXX "Z",
//            x "+00", xx "+0000", xxx "+00:00"
//   'text'   a literal ('' is a quote); [ ... ] an optional section (nests);
//            any other character but # { } is a literal.
// Other letters are refused, as is a pattern Java would refuse ("ddd", an
// unterminated quote, "]" without "[").
//
// Reading follows Java's strict parse: fixed-width numbers take exactly their
// width, a variable-width number leaves the digits that adjacent fixed-width
// numbers need ("yMMdd"), every field is range-checked and the date must
// exist (no 30 February). Missing fields default as Java's do: no year 1970,
// no month January, no day the 1st, no time midnight, no zone UTC; a day of
// year or an ISO week date stands in for month and day.
//
// Immutable after Compile; Parse and Format are thread-safe, and Parse does
// not allocate.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace holdfast::mapping {

class DatePattern {
 public:
  enum class Mode : uint8_t {
    kJava,             // a user's pattern, with Java's widths
    kBuiltin,          // an Elasticsearch named format: fractions of 1-9 digits,
                       // zones written "Z"
    kBuiltinLenient,   // its non-strict form: numbers of 1 digit and up, too
  };

  // nullopt when the pattern is invalid.
  static std::optional<DatePattern> Compile(std::string_view pattern, Mode mode = Mode::kJava);

  // False unless all of `text` matches and names a valid date.
  bool Parse(std::string_view text, int64_t* millis) const;
  // Appends `millis` (UTC) as the pattern writes it.
  void Format(int64_t millis, std::string* out) const;

  // What one step reads or writes; public for the compiler and the reader.
  enum class Op : uint8_t { kLiteral, kNumber, kFraction, kText, kZone, kOptionalStart, kOptionalEnd };
  enum class Field : uint8_t {
    kYear, kYearOfCentury, kMonth, kDay, kDayOfYear, kHour, kClockHour, kHourOfHalfDay,
    kClockHourOfHalfDay, kMinute, kSecond, kWeekYear, kWeek, kWeekDay,
    kMonthShortName, kMonthName, kDayShortName, kDayName, kAmPm,
  };
  struct Step {
    Op op = Op::kLiteral;
    Field field = Field::kYear;
    uint8_t min_digits = 0;  // kNumber, kFraction: digits read
    uint8_t max_digits = 0;
    uint8_t width = 0;       // kNumber: zero-padded to; kFraction: digits written
    uint8_t reserved = 0;    // kNumber: digits left for adjacent fixed-width numbers
    char symbol = 0;         // kLiteral: the character; kZone: how UTC is written
    uint16_t end = 0;        // kOptionalStart: index of its kOptionalEnd
  };
  struct Values;  // the fields read so far (date_pattern_parse.cc)

 private:
  bool ParseSteps(size_t begin, size_t end, std::string_view text, size_t* pos, Values* values) const;

  std::vector<Step> steps_;
};

}  // namespace holdfast::mapping
