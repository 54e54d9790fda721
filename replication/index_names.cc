#include "replication/index_names.h"

#include <chrono>
#include <string>


namespace holdfast {

Status ValidateIndexName(std::string_view name) {
  auto invalid = [&](const std::string& why) {
    return Status::InvalidIndexName("Invalid index name [" + std::string(name) + "], " + why);
  };
  if (name.empty()) return invalid("must not be empty");
  if (name.size() > 255) return invalid("index name is too long, (" + std::to_string(name.size()) + " > 255)");
  if (name == "." || name == "..") return invalid("must not be '.' or '..'");
  if (name[0] == '-' || name[0] == '_' || name[0] == '+') return invalid("must not start with '_', '-', or '+'");
  for (char c : name) {
    if (c >= 'A' && c <= 'Z') return invalid("must be lowercase");
    if (std::string_view("\\/*?\"<>| ,#:").find(c) != std::string_view::npos || static_cast<unsigned char>(c) < 0x20) {
      return invalid("must not contain the following characters [ , \", *, \\, <, |, ,, >, /, ?, #, :]");
    }
  }
  return Status::OK();
}

namespace {

using Days = std::chrono::sys_days;

struct Civil {
  std::chrono::year_month_day date;
  int64_t ms_of_day = 0;
};

Civil ToCivil(int64_t ms) {
  const int64_t day_ms = 86'400'000;
  int64_t days = ms / day_ms, rest = ms % day_ms;
  if (rest < 0) {
    rest += day_ms;
    --days;
  }
  return {std::chrono::year_month_day(Days(std::chrono::days(days))), rest};
}

int64_t FromCivil(const Civil& c) {
  return int64_t{Days(c.date).time_since_epoch().count()} * 86'400'000 + c.ms_of_day;
}

// A valid date after moving by months (the day kept, or the month's last).
std::chrono::year_month_day Clamp(std::chrono::year_month_day d) {
  if (d.ok()) return d;
  return std::chrono::year_month_day_last(d.year(), std::chrono::month_day_last(d.month()));
}

Result<int64_t> UnitMs(char unit) {
  switch (unit) {
    case 'w': return int64_t{7} * 86'400'000;
    case 'd': return int64_t{86'400'000};
    case 'h':
    case 'H': return int64_t{3'600'000};
    case 'm': return int64_t{60'000};
    case 's': return int64_t{1'000};
    default: return Status::ParseValue("unit [" + std::string(1, unit) + "] not supported for date math");
  }
}

// `now` + operations, in local milliseconds (UTC + offset).
Result<int64_t> EvalDateMath(std::string_view math, int64_t local_now) {
  if (math.substr(0, 3) != "now") return Status::ParseValue("date math must start with [now], got [" + std::string(math) + "]");
  int64_t t = local_now;
  size_t i = 3;
  while (i < math.size()) {
    const char op = math[i++];
    if (op == '/') {
      if (i >= math.size()) return Status::ParseValue("truncated date math [" + std::string(math) + "]");
      const char unit = math[i++];
      Civil c = ToCivil(t);
      switch (unit) {
        case 'y':
          c.date = std::chrono::year_month_day(c.date.year(), std::chrono::January, std::chrono::day(1));
          c.ms_of_day = 0;
          break;
        case 'M':
          c.date = std::chrono::year_month_day(c.date.year(), c.date.month(), std::chrono::day(1));
          c.ms_of_day = 0;
          break;
        case 'w': {
          const std::chrono::weekday wd{Days(c.date)};
          const unsigned since_monday = (wd.c_encoding() + 6) % 7;
          c.date = std::chrono::year_month_day(Days(c.date) - std::chrono::days(since_monday));
          c.ms_of_day = 0;
          break;
        }
        default: {
          auto unit_ms = UnitMs(unit);
          if (!unit_ms.ok()) return unit_ms.status();
          c.ms_of_day -= c.ms_of_day % *unit_ms;
        }
      }
      t = FromCivil(c);
      continue;
    }
    if (op != '+' && op != '-') {
      return Status::ParseValue("operator not supported for date math [" + std::string(math) + "]");
    }
    size_t digits = i;
    while (digits < math.size() && math[digits] >= '0' && math[digits] <= '9') ++digits;
    int64_t n = 1;
    if (digits > i) {
      if (digits - i > 9) return Status::ParseValue("date math amount too large [" + std::string(math) + "]");
      n = std::stoll(std::string(math.substr(i, digits - i)));
    }
    if (digits >= math.size()) return Status::ParseValue("truncated date math [" + std::string(math) + "]");
    const char unit = math[digits];
    i = digits + 1;
    if (op == '-') n = -n;
    if (unit == 'y' || unit == 'M') {
      Civil c = ToCivil(t);
      const int months = static_cast<int>(unit == 'y' ? n * 12 : n);
      c.date = Clamp(c.date + std::chrono::months(months));
      t = FromCivil(c);
    } else {
      auto unit_ms = UnitMs(unit);
      if (!unit_ms.ok()) return unit_ms.status();
      t += n * *unit_ms;
    }
  }
  return t;
}

// "+05:30", "-08:00", "Z", "UTC" → milliseconds east of UTC.
Result<int64_t> ZoneOffsetMs(std::string_view tz) {
  if (tz.empty() || tz == "Z" || tz == "UTC") return int64_t{0};
  if ((tz[0] == '+' || tz[0] == '-') && tz.size() == 6 && tz[3] == ':') {
    auto num = [&](size_t at) { return (tz[at] - '0') * 10 + (tz[at + 1] - '0'); };
    for (size_t k : {1, 2, 4, 5}) {
      if (tz[k] < '0' || tz[k] > '9') return Status::ParseValue("invalid time zone [" + std::string(tz) + "]");
    }
    const int64_t ms = (int64_t{num(1)} * 60 + num(4)) * 60'000;
    return tz[0] == '-' ? -ms : ms;
  }
  return Status::ParseValue("time zone [" + std::string(tz) + "] not supported (a fixed offset like +01:00, or UTC)");
}

std::string Pad(int64_t v, size_t width) {
  std::string s = std::to_string(v);
  if (s.size() < width) s.insert(0, width - s.size(), '0');
  return s;
}

Result<std::string> FormatLocal(int64_t local_ms, std::string_view pattern) {
  const Civil c = ToCivil(local_ms);
  const int64_t year = static_cast<int>(c.date.year()), month = static_cast<unsigned>(c.date.month()),
                day = static_cast<unsigned>(c.date.day());
  const int64_t hour = c.ms_of_day / 3'600'000, minute = c.ms_of_day / 60'000 % 60, second = c.ms_of_day / 1000 % 60;
  std::string out;
  for (size_t i = 0; i < pattern.size();) {
    const char ch = pattern[i];
    if (ch == '\'') {
      const size_t close = pattern.find('\'', i + 1);
      if (close == std::string_view::npos) return Status::ParseValue("unterminated quote in [" + std::string(pattern) + "]");
      out += close == i + 1 ? "'" : std::string(pattern.substr(i + 1, close - i - 1));
      i = close + 1;
      continue;
    }
    size_t run = i;
    while (run < pattern.size() && pattern[run] == ch) ++run;
    const size_t n = run - i;
    switch (ch) {
      case 'y':
      case 'u': out += n == 2 ? Pad(year % 100, 2) : Pad(year, n); break;
      case 'M': out += Pad(month, n); break;
      case 'd': out += Pad(day, n); break;
      case 'H': out += Pad(hour, n); break;
      case 'm': out += Pad(minute, n); break;
      case 's': out += Pad(second, n); break;
      default:
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')) {
          return Status::ParseValue("pattern letter [" + std::string(1, ch) + "] not supported in [" +
                                    std::string(pattern) + "]");
        }
        out.append(n, ch);
    }
    i = run;
  }
  return out;
}

}  // namespace

Result<std::string> ResolveDateMathName(std::string_view name, int64_t now_ms) {
  if (name.size() < 2 || name.front() != '<' || name.back() != '>') return std::string(name);
  const std::string_view inner = name.substr(1, name.size() - 2);
  auto invalid = [&](const std::string& why) {
    return Status::ParseValue("invalid dynamic name expression [" + std::string(inner) + "]: " + why);
  };
  std::string out;
  for (size_t i = 0; i < inner.size();) {
    const char ch = inner[i];
    if (ch == '\\') {
      if (i + 1 >= inner.size()) return invalid("ends with an escape");
      out.push_back(inner[i + 1]);
      i += 2;
      continue;
    }
    if (ch == '}') return invalid("a '}' without its '{'");
    if (ch != '{') {
      out.push_back(ch);
      ++i;
      continue;
    }
    // {math} or {math{format}} or {math{format|tz}}
    size_t j = i + 1;
    while (j < inner.size() && inner[j] != '{' && inner[j] != '}') ++j;
    if (j >= inner.size()) return invalid("a '{' without its '}'");
    const std::string_view math = inner.substr(i + 1, j - i - 1);
    std::string_view format = "uuuu.MM.dd", tz;
    if (inner[j] == '{') {
      const size_t close = inner.find('}', j + 1);
      if (close == std::string_view::npos || close + 1 >= inner.size() || inner[close + 1] != '}') {
        return invalid("a format must be closed by '}}'");
      }
      std::string_view spec = inner.substr(j + 1, close - j - 1);
      if (const size_t bar = spec.find('|'); bar != std::string_view::npos) {
        tz = spec.substr(bar + 1);
        spec = spec.substr(0, bar);
      }
      if (!spec.empty()) format = spec;
      j = close + 1;
    }
    auto offset = ZoneOffsetMs(tz);
    if (!offset.ok()) return invalid(offset.status().message());
    auto t = EvalDateMath(math, now_ms + *offset);
    if (!t.ok()) return invalid(t.status().message());
    auto text = FormatLocal(*t, format);
    if (!text.ok()) return invalid(text.status().message());
    out += *text;
    i = j + 1;
  }
  return out;
}

}  // namespace holdfast
