#include "index/mapping/date_parser.h"

#include <limits>

#include "index/mapping/date_builtin_formats.h"
#include "index/mapping/date_calendar.h"

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
      const char c = text_[pos_ + i];
      if (c < '0' || c > '9') return false;
      v = v * 10 + (c - '0');
    }
    pos_ += n;
    *out = v;
    return true;
  }
  // Reads `min` to `max` decimal digits, as many as there are.
  bool Digits(size_t min, size_t max, int* out) {
    size_t n = 0;
    int v = 0;
    for (; n < max && pos_ + n < text_.size(); ++n) {
      const char c = text_[pos_ + n];
      if (c < '0' || c > '9') break;
      v = v * 10 + (c - '0');
    }
    if (n < min) return false;
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

// One part of an ISO date of `n` digits: exactly those in
// strict_date_optional_time; date_optional_time also takes fewer (and a
// year of up to 9).
template <bool kLenient>
bool IsoPart(Cursor& in, size_t n, int* out) {
  if constexpr (kLenient) {
    return in.Digits(1, n == 4 ? 9 : n, out);
  } else {
    return in.Digits(n, out);
  }
}

// `min_date_parts`: 1 = yyyy is enough, 3 = yyyy-MM-dd required.
template <bool kLenient>
bool ParseIsoDateTime(std::string_view text, int min_date_parts, int64_t* millis) {
  Cursor in(text);
  int year = 0, month = 1, day = 1;
  if (!IsoPart<kLenient>(in, 4, &year)) return false;
  int parts = 1;
  if (in.Consume('-')) {
    if (!IsoPart<kLenient>(in, 2, &month)) return false;
    ++parts;
    if (in.Consume('-')) {
      if (!IsoPart<kLenient>(in, 2, &day)) return false;
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
    if (!IsoPart<kLenient>(in, 2, &hour)) return false;
    if (in.Consume(':')) {
      if (!IsoPart<kLenient>(in, 2, &minute)) return false;
      if (in.Consume(':')) {
        if (!IsoPart<kLenient>(in, 2, &second)) return false;
        if (in.Consume('.') || in.Consume(',')) {
          if (!in.Fraction(&nanos)) return false;
        }
      }
    }
    if (!in.at_end() && !ParseZone(in, &offset)) return false;
  }
  if (!in.at_end() || !ValidTime(hour, minute, second)) return false;
  *millis = ToEpochMillis(*days, hour, minute, second, nanos / 1'000'000, offset);
  return true;
}

// The two formats Elasticsearch's dynamic mapping gives "2015/01/01 12:10:30"
// strings, read by hand as the default ones are (their patterns write them).
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
  *millis = ToEpochMillis(*days, hour, minute, second, 0, 0);
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


// epoch_second as Elasticsearch writes it: seconds, and a fraction only when
// there are milliseconds ("1420070400.5", "-1.5").
void AppendEpochSeconds(int64_t millis, std::string* out) {
  const uint64_t magnitude = millis < 0 ? 0 - static_cast<uint64_t>(millis) : static_cast<uint64_t>(millis);
  if (millis < 0) out->push_back('-');
  out->append(std::to_string(magnitude / 1000));
  uint64_t fraction = magnitude % 1000;
  if (fraction == 0) return;
  int digits = 3;
  while (fraction % 10 == 0) {
    fraction /= 10;
    --digits;
  }
  std::string text = std::to_string(fraction);
  out->push_back('.');
  out->append(static_cast<size_t>(digits) - text.size(), '0');
  out->append(text);
}

const DatePattern& IsoPrinter() {
  static const DatePattern printer =
      *DatePattern::Compile("yyyy-MM-dd'T'HH:mm:ss.SSSX", DatePattern::Mode::kBuiltin);
  return printer;
}

// The formats Elasticsearch's dynamic mapping gives a "2015/01/01" string.
const DateFormatList& SlashFormats() {
  static const DateFormatList formats = *DateFormatList::Parse("yyyy/MM/dd HH:mm:ss||yyyy/MM/dd||epoch_millis");
  return formats;
}

}  // namespace

std::optional<DateFormat> DateFormat::Compile(std::string_view spec) {
  DateFormat format;
  if (spec == "strict_date_optional_time" || spec == "strict_date_optional_time_nanos" || spec == "iso8601") {
    format.kind_ = Kind::kIsoStrict;
  } else if (spec == "date_optional_time") {
    format.kind_ = Kind::kIsoLenient;
  } else if (spec == "epoch_millis") {
    format.kind_ = Kind::kEpochMillis;
  } else if (spec == "epoch_second") {
    format.kind_ = Kind::kEpochSecond;
  } else if (std::optional<DatePattern> builtin = CompileBuiltinFormat(spec)) {
    format.pattern_ = std::move(*builtin);
  } else if (std::optional<DatePattern> pattern = DatePattern::Compile(spec)) {
    format.pattern_ = std::move(*pattern);
    if (spec == "yyyy/MM/dd HH:mm:ss") format.kind_ = Kind::kSlashDateTime;
    if (spec == "yyyy/MM/dd") format.kind_ = Kind::kSlashDate;
  } else {
    return std::nullopt;
  }
  return format;
}

bool DateFormat::Parse(std::string_view text, int64_t* millis) const {
  switch (kind_) {
    case Kind::kIsoStrict: return ParseIsoDateTime<false>(text, 1, millis);
    case Kind::kIsoLenient: return ParseIsoDateTime<true>(text, 1, millis);
    case Kind::kEpochMillis: return ParseEpoch(text, 1, millis);
    case Kind::kEpochSecond: return ParseEpoch(text, 1000, millis);
    case Kind::kSlashDateTime: return ParseSlash(text, true, millis);
    case Kind::kSlashDate: return ParseSlash(text, false, millis);
    case Kind::kPattern: return pattern_.Parse(text, millis);
  }
  return false;
}

void DateFormat::Format(int64_t millis, std::string* out) const {
  switch (kind_) {
    case Kind::kIsoStrict:
    case Kind::kIsoLenient: IsoPrinter().Format(millis, out); return;
    case Kind::kEpochMillis: out->append(std::to_string(millis)); return;
    case Kind::kEpochSecond: AppendEpochSeconds(millis, out); return;
    case Kind::kSlashDateTime:
    case Kind::kSlashDate:
    case Kind::kPattern: pattern_.Format(millis, out); return;
  }
}

DateFormatList::DateFormatList() {
  static const std::shared_ptr<const Compiled> kDefault = [] {
    auto compiled = std::make_shared<Compiled>();
    compiled->spec = "strict_date_optional_time||epoch_millis";
    compiled->formats = {*DateFormat::Compile("strict_date_optional_time"), *DateFormat::Compile("epoch_millis")};
    return compiled;
  }();
  compiled_ = kDefault;
}

std::optional<DateFormatList> DateFormatList::Parse(std::string_view spec) {
  auto compiled = std::make_shared<Compiled>();
  compiled->spec = std::string(spec);
  while (true) {
    const size_t sep = spec.find("||");
    std::optional<DateFormat> format = DateFormat::Compile(spec.substr(0, sep));
    if (!format) return std::nullopt;
    compiled->formats.push_back(std::move(*format));
    if (sep == std::string_view::npos) break;
    spec.remove_prefix(sep + 2);
  }
  return DateFormatList(std::move(compiled));
}

// Every date value indexed comes through here: flattening inlines the ISO and
// epoch readers, so that the default formats cost no calls.
[[gnu::flatten]] bool ParseDate(std::string_view text, const DateFormatList& formats, int64_t* millis) {
  for (size_t i = 0; i < formats.size(); ++i) {
    if (formats[i].Parse(text, millis)) return true;
  }
  return false;
}

std::string FormatDate(int64_t millis, const DateFormatList& formats) {
  std::string out;
  formats[0].Format(millis, &out);
  return out;
}

std::optional<DateFormatList> DetectDynamicDate(std::string_view text, int64_t* millis) {
  // Cheap pre-check: every dynamic date format starts with four digits.
  if (text.size() < 10 || text[4] < '-' || text[4] > '/') return std::nullopt;
  if (ParseIsoDateTime<false>(text, 3, millis)) return DateFormatList::Default();
  const DateFormatList& slash = SlashFormats();
  if (slash[0].Parse(text, millis) || slash[1].Parse(text, millis)) return slash;
  return std::nullopt;
}

}  // namespace holdfast::mapping
