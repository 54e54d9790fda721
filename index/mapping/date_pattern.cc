// DatePattern: the compiler (pattern text → steps) and the writer. The
// reader is date_pattern_parse.cc.
#include "index/mapping/date_pattern.h"

#include "index/mapping/date_calendar.h"

namespace holdfast::mapping {
namespace {

using Step = DatePattern::Step;
using Op = DatePattern::Op;
using Field = DatePattern::Field;
using Mode = DatePattern::Mode;

constexpr size_t kMaxOptionalDepth = 16;
constexpr size_t kMaxSteps = 1024;
constexpr uint8_t kMaxYearDigits = 9;

// How a zone step writes UTC (Step::symbol).
constexpr char kZulu = 'Z';        // "Z"
constexpr char kHours = 'h';       // "+00"
constexpr char kHoursMinutes = 'm';  // "+0000"
constexpr char kColon = 'c';       // "+00:00"

Step Number(Field field, uint8_t min, uint8_t max, uint8_t width) {
  Step s;
  s.op = Op::kNumber;
  s.field = field;
  s.min_digits = min;
  s.max_digits = max;
  s.width = width;
  return s;
}

Step Text(Field field) {
  Step s;
  s.op = Op::kText;
  s.field = field;
  return s;
}

Step Zone(char symbol) {
  Step s;
  s.op = Op::kZone;
  s.symbol = symbol;
  return s;
}

// y, u, Y: one letter any width, yy two digits of the century, yyy three
// and up, four and more exactly that many.
std::optional<Step> Year(Field field, size_t count) {
  if (count == 2) {
    if (field != Field::kYear) return std::nullopt;  // no two-digit week-based year
    return Number(Field::kYearOfCentury, 2, 2, 2);
  }
  if (count > kMaxYearDigits) return std::nullopt;
  const uint8_t n = static_cast<uint8_t>(count);
  if (count >= 4) return Number(field, n, n, n);
  return Number(field, n, kMaxYearDigits, n);
}

// A number of one or two letters: 1-2 digits, or exactly 2.
std::optional<Step> Short(Field field, size_t count) {
  if (count == 1) return Number(field, 1, 2, 1);
  if (count == 2) return Number(field, 2, 2, 2);
  return std::nullopt;
}

std::optional<Step> Zone(char letter, size_t count, Mode mode) {
  std::optional<Step> step;
  if (letter == 'Z' && count <= 3) step = Zone(kHoursMinutes);
  if (letter == 'Z' && count == 5) step = Zone(kZulu);
  if (letter == 'X' && count <= 5) step = Zone(kZulu);
  if (letter == 'x' && count <= 5) step = Zone(count == 1 ? kHours : count % 2 == 0 ? kHoursMinutes : kColon);
  if (step && mode != Mode::kJava) step->symbol = kZulu;
  return step;
}

// The step for `count` repeats of the pattern letter `letter`.
std::optional<Step> FieldStep(char letter, size_t count, Mode mode) {
  switch (letter) {
    case 'y':
    case 'u': return Year(Field::kYear, count);
    case 'Y': return Year(Field::kWeekYear, count);
    case 'M':
    case 'L':
      if (count == 3) return Text(Field::kMonthShortName);
      if (count == 4) return Text(Field::kMonthName);
      return Short(Field::kMonth, count);
    case 'd': return Short(Field::kDay, count);
    case 'D':
      if (count > 3) return std::nullopt;
      return Number(Field::kDayOfYear, static_cast<uint8_t>(count), 3, static_cast<uint8_t>(count));
    case 'H': return Short(Field::kHour, count);
    case 'k': return Short(Field::kClockHour, count);
    case 'K': return Short(Field::kHourOfHalfDay, count);
    case 'h': return Short(Field::kClockHourOfHalfDay, count);
    case 'm': return Short(Field::kMinute, count);
    case 's': return Short(Field::kSecond, count);
    case 'w': return Short(Field::kWeek, count);
    case 'e':
      if (count != 1) return std::nullopt;
      return Number(Field::kWeekDay, 1, 1, 1);
    case 'S': {
      if (count > 9) return std::nullopt;
      Step s;
      s.op = Op::kFraction;
      s.width = static_cast<uint8_t>(count);
      s.min_digits = mode == Mode::kJava ? s.width : 1;
      s.max_digits = mode == Mode::kJava ? s.width : 9;
      return s;
    }
    case 'E':
      if (count <= 3) return Text(Field::kDayShortName);
      if (count == 4) return Text(Field::kDayName);
      return std::nullopt;
    case 'a':
      if (count != 1) return std::nullopt;
      return Text(Field::kAmPm);
    case 'Z':
    case 'X':
    case 'x': return Zone(letter, count, mode);
    default: return std::nullopt;  // G, Q, z, V, O, n, A, W, ...: not supported
  }
}

// Non-strict named formats also read numbers of fewer digits than written.
void Relax(Step* step) {
  if (step->op != Op::kNumber || step->field == Field::kYearOfCentury) return;
  step->min_digits = 1;
  if (step->field == Field::kYear || step->field == Field::kWeekYear) step->max_digits = kMaxYearDigits;
}

bool IsLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

bool IsNumber(const Step& s) { return s.op == Op::kNumber || s.op == Op::kFraction; }

// Java's adjacent value parsing: a variable-width number followed directly
// by other numbers leaves them the digits they need at least.
void ReserveAdjacentDigits(std::vector<Step>* steps) {
  for (size_t i = 0; i < steps->size(); ++i) {
    Step& s = (*steps)[i];
    if (s.op != Op::kNumber || s.min_digits == s.max_digits) continue;
    unsigned reserved = 0;
    for (size_t j = i + 1; j < steps->size() && IsNumber((*steps)[j]); ++j) reserved += (*steps)[j].min_digits;
    s.reserved = static_cast<uint8_t>(reserved > 255 ? 255 : reserved);
  }
}

// --- writing ---

void AppendPadded(int64_t value, int width, std::string* out) {
  if (value < 0) {
    out->push_back('-');
    value = -value;
  }
  char digits[20];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value > 0);
  for (int i = n; i < width; ++i) out->push_back('0');
  while (n > 0) out->push_back(digits[--n]);
}

int64_t FieldValue(Field field, const CivilTime& t) {
  switch (field) {
    case Field::kYear: return t.year;
    case Field::kYearOfCentury: return ((t.year % 100) + 100) % 100;
    case Field::kMonth: return t.month;
    case Field::kDay: return t.day;
    case Field::kDayOfYear: return t.day_of_year;
    case Field::kHour: return t.hour;
    case Field::kClockHour: return t.hour == 0 ? 24 : t.hour;
    case Field::kHourOfHalfDay: return t.hour % 12;
    case Field::kClockHourOfHalfDay: return t.hour % 12 == 0 ? 12 : t.hour % 12;
    case Field::kMinute: return t.minute;
    case Field::kSecond: return t.second;
    case Field::kWeekYear: return t.week_year;
    case Field::kWeek: return t.week;
    case Field::kWeekDay: return t.weekday;
    default: return 0;
  }
}

void AppendNumber(const Step& s, const CivilTime& t, std::string* out) {
  const int64_t value = FieldValue(s.field, t);
  // Java's yyyy (four letters or more): a year wider than that gets a '+'.
  if ((s.field == Field::kYear || s.field == Field::kWeekYear) && s.width >= 4) {
    int64_t limit = 1;
    for (int i = 0; i < s.width; ++i) limit *= 10;
    if (value >= limit) out->push_back('+');
  }
  AppendPadded(value, s.width, out);
}

void AppendText(const Step& s, const CivilTime& t, std::string* out) {
  switch (s.field) {
    case Field::kMonthShortName: out->append(MonthName(t.month).substr(0, 3)); break;
    case Field::kMonthName: out->append(MonthName(t.month)); break;
    case Field::kDayShortName: out->append(DayName(t.weekday).substr(0, 3)); break;
    case Field::kDayName: out->append(DayName(t.weekday)); break;
    case Field::kAmPm: out->append(t.hour < 12 ? "AM" : "PM"); break;
    default: break;
  }
}

void AppendZone(char symbol, std::string* out) {
  switch (symbol) {
    case kHours: out->append("+00"); break;
    case kHoursMinutes: out->append("+0000"); break;
    case kColon: out->append("+00:00"); break;
    default: out->push_back('Z'); break;
  }
}

}  // namespace

std::optional<DatePattern> DatePattern::Compile(std::string_view pattern, Mode mode) {
  if (pattern.empty()) return std::nullopt;
  DatePattern out;
  std::vector<Step>& steps = out.steps_;
  std::vector<size_t> open;  // unclosed '[', innermost last
  auto literal = [&](char c) {
    Step s;
    s.symbol = c;
    steps.push_back(s);
  };
  auto close = [&] {
    steps[open.back()].end = static_cast<uint16_t>(steps.size());
    Step s;
    s.op = Op::kOptionalEnd;
    steps.push_back(s);
    open.pop_back();
  };
  for (size_t i = 0; i < pattern.size();) {
    if (steps.size() > kMaxSteps) return std::nullopt;
    const char c = pattern[i];
    if (IsLetter(c)) {
      size_t count = 1;
      while (i + count < pattern.size() && pattern[i + count] == c) ++count;
      std::optional<Step> step = FieldStep(c, count, mode);
      if (!step) return std::nullopt;
      if (mode == Mode::kBuiltinLenient) Relax(&*step);
      steps.push_back(*step);
      i += count;
    } else if (c == '\'') {
      size_t j = i + 1;
      if (j < pattern.size() && pattern[j] == '\'') {  // '' is a quote
        literal('\'');
        i = j + 1;
        continue;
      }
      for (;; ++j) {
        if (j == pattern.size() || steps.size() > kMaxSteps) return std::nullopt;  // unterminated, or too long
        if (pattern[j] != '\'') {
          literal(pattern[j]);
        } else if (j + 1 < pattern.size() && pattern[j + 1] == '\'') {
          literal('\'');
          ++j;
        } else {
          break;
        }
      }
      i = j + 1;
    } else if (c == '[') {
      if (open.size() == kMaxOptionalDepth) return std::nullopt;
      open.push_back(steps.size());
      Step s;
      s.op = Op::kOptionalStart;
      steps.push_back(s);
      ++i;
    } else if (c == ']') {
      if (open.empty()) return std::nullopt;
      close();
      ++i;
    } else if (c == '#' || c == '{' || c == '}') {
      return std::nullopt;  // reserved by Java
    } else {
      literal(c);
      ++i;
    }
  }
  while (!open.empty()) close();  // Java closes open sections at the end
  if (steps.size() > kMaxSteps) return std::nullopt;
  ReserveAdjacentDigits(&steps);
  return out;
}

void DatePattern::Format(int64_t millis, std::string* out) const {
  const std::optional<CivilTime> t = CivilFromEpochMillis(millis);
  if (!t) {  // beyond the calendar: the number itself
    out->append(std::to_string(millis));
    return;
  }
  for (const Step& s : steps_) {
    switch (s.op) {
      case Op::kLiteral: out->push_back(s.symbol); break;
      case Op::kNumber: AppendNumber(s, *t, out); break;
      case Op::kFraction: {
        int64_t digits = static_cast<int64_t>(t->millis) * 1'000'000;  // nanoseconds
        for (int i = s.width; i < 9; ++i) digits /= 10;
        AppendPadded(digits, s.width, out);
        break;
      }
      case Op::kText: AppendText(s, *t, out); break;
      case Op::kZone: AppendZone(s.symbol, out); break;
      case Op::kOptionalStart:
      case Op::kOptionalEnd: break;  // every field is known: optional parts are written
    }
  }
}

}  // namespace holdfast::mapping
