// DatePattern: the reader (text → epoch milliseconds). The compiler and the
// writer are date_pattern.cc.
#include <algorithm>

#include "index/mapping/date_calendar.h"
#include "index/mapping/date_pattern.h"

namespace holdfast::mapping {

// The fields read so far, each at most once (a second, different value
// for the same field refuses the text, as Java's strict resolver does).
struct DatePattern::Values {
  enum Slot : uint8_t {
    kYear, kMonth, kDay, kDayOfYear, kHour, kHourOfHalfDay, kAmPm, kMinute, kSecond,
    kWeekYear, kWeek, kWeekDay, kDayName, kNanos, kOffset, kSlots,
  };
  uint32_t present = 0;
  int32_t value[kSlots] = {};

  bool Has(Slot slot) const { return (present & (1u << slot)) != 0; }
  int32_t Get(Slot slot, int32_t absent) const { return Has(slot) ? value[slot] : absent; }
  bool Set(Slot slot, int64_t v) {
    if (Has(slot)) return value[slot] == v;
    present |= 1u << slot;
    value[slot] = static_cast<int32_t>(v);
    return true;
  }
};

namespace {

using Step = DatePattern::Step;
using Op = DatePattern::Op;
using Field = DatePattern::Field;
using Values = DatePattern::Values;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool StartsWithIgnoringCase(std::string_view text, size_t pos, std::string_view word) {
  if (word.empty() || text.size() - pos < word.size()) return false;
  for (size_t i = 0; i < word.size(); ++i) {
    if (Lower(text[pos + i]) != Lower(word[i])) return false;
  }
  return true;
}

// Stores a number read for `field` in its slot, range-checked.
bool Store(Field field, int64_t v, Values* values) {
  auto in = [v](int64_t lo, int64_t hi) { return v >= lo && v <= hi; };
  switch (field) {
    case Field::kYear: return values->Set(Values::kYear, v);
    case Field::kYearOfCentury: return values->Set(Values::kYear, 2000 + v);
    case Field::kMonth: return in(1, 12) && values->Set(Values::kMonth, v);
    case Field::kDay: return in(1, 31) && values->Set(Values::kDay, v);
    case Field::kDayOfYear: return in(1, 366) && values->Set(Values::kDayOfYear, v);
    case Field::kHour: return in(0, 23) && values->Set(Values::kHour, v);
    case Field::kClockHour: return in(1, 24) && values->Set(Values::kHour, v % 24);
    case Field::kHourOfHalfDay: return in(0, 11) && values->Set(Values::kHourOfHalfDay, v);
    case Field::kClockHourOfHalfDay: return in(1, 12) && values->Set(Values::kHourOfHalfDay, v % 12);
    case Field::kMinute: return in(0, 59) && values->Set(Values::kMinute, v);
    case Field::kSecond: return in(0, 59) && values->Set(Values::kSecond, v);
    case Field::kWeekYear: return values->Set(Values::kWeekYear, v);
    case Field::kWeek: return in(1, 53) && values->Set(Values::kWeek, v);
    case Field::kWeekDay: return in(1, 7) && values->Set(Values::kWeekDay, v);
    default: return false;
  }
}

bool ReadNumber(const Step& s, std::string_view text, size_t* pos, Values* values) {
  const char* const begin = text.data() + *pos;
  const size_t available = text.size() - *pos;
  size_t max = std::min<size_t>(s.max_digits, available);
  if (s.reserved > 0) {  // leave the adjacent fixed-width numbers their digits
    size_t run = 0;
    while (run < available && run < s.max_digits + s.reserved && IsDigit(begin[run])) ++run;
    if (run < s.reserved) return false;
    max = std::min<size_t>(max, run - s.reserved);
  }
  int64_t v = 0;
  size_t n = 0;
  for (; n < max && IsDigit(begin[n]); ++n) v = v * 10 + (begin[n] - '0');
  if (n < s.min_digits) return false;
  *pos += n;
  return Store(s.field, v, values);
}

bool ReadFraction(const Step& s, std::string_view text, size_t* pos, Values* values) {
  size_t n = 0;
  int64_t nanos = 0;
  while (n < s.max_digits && *pos < text.size() && IsDigit(text[*pos])) {
    nanos = nanos * 10 + (text[(*pos)++] - '0');
    ++n;
  }
  if (n < s.min_digits) return false;
  for (size_t i = n; i < 9; ++i) nanos *= 10;
  return values->Set(Values::kNanos, nanos);
}

// Month and day names, English, any case; AM / PM.
bool ReadText(const Step& s, std::string_view text, size_t* pos, Values* values) {
  const bool months = s.field == Field::kMonthShortName || s.field == Field::kMonthName;
  const bool is_short = s.field == Field::kMonthShortName || s.field == Field::kDayShortName;
  if (s.field == Field::kAmPm) {
    for (int half = 0; half < 2; ++half) {
      if (StartsWithIgnoringCase(text, *pos, half == 0 ? "AM" : "PM")) {
        *pos += 2;
        return values->Set(Values::kAmPm, half);
      }
    }
    return false;
  }
  for (int i = 1; i <= (months ? 12 : 7); ++i) {
    std::string_view name = months ? MonthName(i) : DayName(i);
    if (is_short) name = name.substr(0, 3);
    if (StartsWithIgnoringCase(text, *pos, name)) {
      *pos += name.size();
      return values->Set(months ? Values::kMonth : Values::kDayName, i);
    }
  }
  return false;
}

// Z | ±HH | ±HHmm | ±HH:mm → minutes east of UTC.
bool ReadZone(std::string_view text, size_t* pos, Values* values) {
  size_t p = *pos;
  if (p < text.size() && text[p] == 'Z') {
    *pos = p + 1;
    return values->Set(Values::kOffset, 0);
  }
  if (p >= text.size() || (text[p] != '+' && text[p] != '-')) return false;
  const int sign = text[p++] == '-' ? -1 : 1;
  auto two_digits = [&](size_t at) { return at + 1 < text.size() && IsDigit(text[at]) && IsDigit(text[at + 1]); };
  if (!two_digits(p)) return false;
  const int hours = (text[p] - '0') * 10 + (text[p + 1] - '0');
  p += 2;
  int minutes = 0;
  const size_t at = (p < text.size() && text[p] == ':') ? p + 1 : p;
  if (two_digits(at)) {
    minutes = (text[at] - '0') * 10 + (text[at + 1] - '0');
    p = at + 2;
  }
  if (hours > 18 || minutes > 59) return false;
  *pos = p;
  return values->Set(Values::kOffset, sign * (hours * 60 + minutes));
}

// The day the fields name: month and day, else a day of the year, else an
// ISO week date; the year defaults to 1970.
std::optional<int64_t> ResolveDays(const Values& v) {
  const bool calendar = v.Has(Values::kMonth) || v.Has(Values::kDay);
  const bool week = v.Has(Values::kWeekYear) || v.Has(Values::kWeek) || v.Has(Values::kWeekDay);
  if (!calendar && v.Has(Values::kDayOfYear)) {
    return DaysFromOrdinal(v.Get(Values::kYear, 1970), v.Get(Values::kDayOfYear, 1));
  }
  if (!calendar && week) {
    return DaysFromIsoWeek(v.Get(Values::kWeekYear, v.Get(Values::kYear, 1970)), v.Get(Values::kWeek, 1),
                           v.Get(Values::kWeekDay, 1));
  }
  return DaysFromCivil(v.Get(Values::kYear, 1970), v.Get(Values::kMonth, 1), v.Get(Values::kDay, 1));
}

}  // namespace

bool DatePattern::ParseSteps(size_t begin, size_t end, std::string_view text, size_t* pos, Values* values) const {
  for (size_t i = begin; i < end; ++i) {
    const Step& s = steps_[i];
    switch (s.op) {
      case Op::kLiteral:
        if (*pos >= text.size() || text[*pos] != s.symbol) return false;
        ++*pos;
        break;
      case Op::kNumber:
        if (!ReadNumber(s, text, pos, values)) return false;
        break;
      case Op::kFraction:
        if (!ReadFraction(s, text, pos, values)) return false;
        break;
      case Op::kText:
        if (!ReadText(s, text, pos, values)) return false;
        break;
      case Op::kZone:
        if (!ReadZone(text, pos, values)) return false;
        break;
      case Op::kOptionalStart: {
        // Taken whole or not at all: a section that does not match is skipped.
        const size_t saved_pos = *pos;
        const Values saved = *values;
        if (!ParseSteps(i + 1, s.end, text, pos, values)) {
          *pos = saved_pos;
          *values = saved;
        }
        i = s.end;
        break;
      }
      case Op::kOptionalEnd: break;
    }
  }
  return true;
}

bool DatePattern::Parse(std::string_view text, int64_t* millis) const {
  Values v;
  size_t pos = 0;
  if (!ParseSteps(0, steps_.size(), text, &pos, &v) || pos != text.size()) return false;
  if ((v.present & ~(1u << Values::kOffset)) == 0) return false;  // nothing but literals read
  const std::optional<int64_t> days = ResolveDays(v);
  if (!days) return false;
  int64_t hour = v.Get(Values::kHour, 0);
  if (!v.Has(Values::kHour) && v.Has(Values::kHourOfHalfDay)) {
    hour = v.Get(Values::kHourOfHalfDay, 0) + 12 * v.Get(Values::kAmPm, 0);
  }
  *millis = ToEpochMillis(*days, hour, v.Get(Values::kMinute, 0), v.Get(Values::kSecond, 0),
                          v.Get(Values::kNanos, 0) / 1'000'000, v.Get(Values::kOffset, 0));
  return true;
}

}  // namespace holdfast::mapping
