#include "index/mapping/date_parser.h"

#include <chrono>
#include <limits>

namespace holdfast::mapping {
namespace {

// A left-to-right reader over the date text.
class Cursor {
 public:
  explicit Cursor(std::string_view text) : text_(text) {}

  bool at_end() const { return pos_ == text_.size(); }
  bool Peek(char c) const { return pos_ < text_.size() && text_[pos_] == c; }
  bool Consume(char c) {
    if (!Peek(c)) return false;
    ++pos_;
    return true;
  }
  // Reads exactly `n` decimal digits.
  bool Digits(size_t n, int* out) {
    if (text_.size() - pos_ < n) return false;
    int v = 0;
    for (size_t i = 0; i < n; ++i) {
      char c = text_[pos_ + i];
      if (c < '0' || c > '9') return false;
      v = v * 10 + (c - '0');
    }
    pos_ += n;
    *out = v;
    return true;
  }
  // Reads 1..9 fraction digits and returns them as nanoseconds.
  bool Fraction(int64_t* nanos) {
    size_t n = 0;
    int64_t v = 0;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
      if (++n > 9) return false;
      v = v * 10 + (text_[pos_] - '0');
      ++pos_;
    }
    if (n == 0) return false;
    for (size_t i = n; i < 9; ++i) v *= 10;
    *nanos = v;
    return true;
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

// Days since 1970-01-01 for a validated civil date, or nullopt for an invalid one.
std::optional<int64_t> DaysFromCivil(int year, int month, int day) {
  using namespace std::chrono;
  year_month_day ymd{std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
                     std::chrono::day{static_cast<unsigned>(day)}};
  if (!ymd.ok()) return std::nullopt;
  return sys_days{ymd}.time_since_epoch().count();
}

int64_t ToMillis(int64_t days, int hour, int minute, int second, int64_t nanos,
                 int offset_minutes) {
  int64_t seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
  return seconds * 1000 + nanos / 1'000'000;
}

bool ValidTime(int hour, int minute, int second) {
  return hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59 && second >= 0 && second <= 59;
}

// Z | ±HH | ±HH:mm | ±HHmm → minutes east of UTC.
bool ParseZone(Cursor& in, int* offset_minutes) {
  if (in.Consume('Z')) {
    *offset_minutes = 0;
    return true;
  }
  int sign = 0;
  if (in.Consume('+')) sign = 1;
  else if (in.Consume('-')) sign = -1;
  else return false;
  int hours = 0, minutes = 0;
  if (!in.Digits(2, &hours)) return false;
  if (in.Consume(':')) {
    if (!in.Digits(2, &minutes)) return false;
  } else if (!in.at_end()) {
    if (!in.Digits(2, &minutes)) return false;
  }
  if (hours > 18 || minutes > 59) return false;
  *offset_minutes = sign * (hours * 60 + minutes);
  return true;
}

// `min_date_parts`: 1 = yyyy is enough, 3 = yyyy-MM-dd required.
bool ParseIsoDateTime(std::string_view text, int min_date_parts, int64_t* millis) {
  Cursor in(text);
  int year = 0, month = 1, day = 1;
  if (!in.Digits(4, &year)) return false;
  int parts = 1;
  if (in.Consume('-')) {
    if (!in.Digits(2, &month)) return false;
    ++parts;
    if (in.Consume('-')) {
      if (!in.Digits(2, &day)) return false;
      ++parts;
    }
  }
  if (parts < min_date_parts) return false;
  std::optional<int64_t> days = DaysFromCivil(year, month, day);
  if (!days) return false;

  int hour = 0, minute = 0, second = 0, offset = 0;
  int64_t nanos = 0;
  if (in.Consume('T')) {
    // A 'T' may be followed by nothing but a zone in ES's grammar; we require an hour.
    if (!in.Digits(2, &hour)) return false;
    if (in.Consume(':')) {
      if (!in.Digits(2, &minute)) return false;
      if (in.Consume(':')) {
        if (!in.Digits(2, &second)) return false;
        if (in.Consume('.') || in.Consume(',')) {
          if (!in.Fraction(&nanos)) return false;
        }
      }
    }
    if (!in.at_end() && !ParseZone(in, &offset)) return false;
  }
  if (!in.at_end() || !ValidTime(hour, minute, second)) return false;
  *millis = ToMillis(*days, hour, minute, second, nanos, offset);
  return true;
}

bool ParseSlash(std::string_view text, bool with_time, int64_t* millis) {
  Cursor in(text);
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!in.Digits(4, &year) || !in.Consume('/') || !in.Digits(2, &month) || !in.Consume('/') ||
      !in.Digits(2, &day)) {
    return false;
  }
  if (with_time) {
    if (!in.Consume(' ') || !in.Digits(2, &hour) || !in.Consume(':') || !in.Digits(2, &minute) ||
        !in.Consume(':') || !in.Digits(2, &second)) {
      return false;
    }
  }
  if (!in.at_end() || !ValidTime(hour, minute, second)) return false;
  std::optional<int64_t> days = DaysFromCivil(year, month, day);
  if (!days) return false;
  *millis = ToMillis(*days, hour, minute, second, 0, 0);
  return true;
}

// [-]digits[.digits] scaled by `unit_millis`; the fraction of a millisecond is truncated.
bool ParseEpoch(std::string_view text, int64_t unit_millis, int64_t* millis) {
  size_t i = 0;
  bool negative = false;
  if (i < text.size() && text[i] == '-') {
    negative = true;
    ++i;
  }
  size_t digits_start = i;
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max() / 1000;
  int64_t whole = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
    whole = whole * 10 + (text[i] - '0');
    if (whole > kMax) return false;  // far outside any representable date
  }
  if (i == digits_start) return false;
  int64_t fraction_millis = 0;  // the fraction, in milliseconds
  if (i < text.size() && text[i] == '.') {
    ++i;
    size_t frac_start = i;
    int64_t scale = unit_millis;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
      scale /= 10;
      fraction_millis += (text[i] - '0') * scale;
    }
    if (i == frac_start) return false;
  }
  if (i != text.size()) return false;
  int64_t value = whole * unit_millis + fraction_millis;
  *millis = negative ? -value : value;
  return true;
}

struct NamedFormat {
  std::string_view name;
  DateFormat format;
};
constexpr NamedFormat kFormatNames[] = {
    {"strict_date_optional_time", DateFormat::kStrictDateOptionalTime},
    {"date_optional_time", DateFormat::kStrictDateOptionalTime},
    {"epoch_millis", DateFormat::kEpochMillis},
    {"epoch_second", DateFormat::kEpochSecond},
    {"yyyy/MM/dd HH:mm:ss", DateFormat::kSlashDateTime},
    {"yyyy/MM/dd", DateFormat::kSlashDate},
};

}  // namespace

std::string_view DateFormatName(DateFormat format) {
  for (const NamedFormat& named : kFormatNames) {
    if (named.format == format) return named.name;
  }
  return "unknown";
}

DateFormatList DateFormatList::Default() {
  DateFormatList list;
  list.Add(DateFormat::kStrictDateOptionalTime);
  list.Add(DateFormat::kEpochMillis);
  return list;
}

std::optional<DateFormatList> DateFormatList::Parse(std::string_view spec) {
  DateFormatList list;
  while (true) {
    size_t sep = spec.find("||");
    std::string_view name = spec.substr(0, sep);
    bool found = false;
    for (const NamedFormat& named : kFormatNames) {
      if (named.name == name) {
        if (!list.Add(named.format)) return std::nullopt;
        found = true;
        break;
      }
    }
    if (!found) return std::nullopt;
    if (sep == std::string_view::npos) break;
    spec.remove_prefix(sep + 2);
  }
  return list;
}

bool DateFormatList::Add(DateFormat format) {
  if (size_ == kMaxFormats) return false;
  formats_[size_++] = format;
  return true;
}

bool DateFormatList::Contains(DateFormat format) const {
  for (size_t i = 0; i < size_; ++i) {
    if (formats_[i] == format) return true;
  }
  return false;
}

std::string DateFormatList::ToString() const {
  std::string out;
  for (size_t i = 0; i < size_; ++i) {
    if (i > 0) out += "||";
    out += DateFormatName(formats_[i]);
  }
  return out;
}

bool DateFormatList::operator==(const DateFormatList& other) const {
  if (size_ != other.size_) return false;
  for (size_t i = 0; i < size_; ++i) {
    if (formats_[i] != other.formats_[i]) return false;
  }
  return true;
}

bool ParseDateWithFormat(std::string_view text, DateFormat format, int64_t* millis) {
  switch (format) {
    case DateFormat::kStrictDateOptionalTime:
      return ParseIsoDateTime(text, 1, millis);
    case DateFormat::kEpochMillis:
      return ParseEpoch(text, 1, millis);
    case DateFormat::kEpochSecond:
      return ParseEpoch(text, 1000, millis);
    case DateFormat::kSlashDateTime:
      return ParseSlash(text, true, millis);
    case DateFormat::kSlashDate:
      return ParseSlash(text, false, millis);
  }
  return false;
}

bool ParseDate(std::string_view text, const DateFormatList& formats, int64_t* millis) {
  for (size_t i = 0; i < formats.size(); ++i) {
    if (ParseDateWithFormat(text, formats[i], millis)) return true;
  }
  return false;
}

std::optional<DateFormatList> DetectDynamicDate(std::string_view text, int64_t* millis) {
  // Cheap pre-check: every dynamic date format starts with four digits.
  if (text.size() < 10 || text[4] < '-' || text[4] > '/') return std::nullopt;
  DateFormatList list;
  if (ParseIsoDateTime(text, 3, millis)) {
    return DateFormatList::Default();
  }
  if (ParseSlash(text, true, millis) || ParseSlash(text, false, millis)) {
    list.Add(DateFormat::kSlashDateTime);
    list.Add(DateFormat::kSlashDate);
    list.Add(DateFormat::kEpochMillis);
    return list;
  }
  return std::nullopt;
}

}  // namespace holdfast::mapping
