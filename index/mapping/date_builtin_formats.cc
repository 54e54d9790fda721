#include "index/mapping/date_builtin_formats.h"

namespace holdfast::mapping {
namespace {

enum class Strictness : uint8_t {
  kStrictOnly,    // no strict_ companion; read strictly (the basic_ formats)
  kBothStrict,    // name and strict_name, both read strictly (basic week dates)
  kBoth,          // strict_name strict, name lenient
};

// `pattern` is written, and read by strict_name; `lenient` (when given)
// replaces it for the plain name, whose numbers may also be shorter.
struct BuiltinFormat {
  std::string_view name;
  std::string_view pattern;
  Strictness strictness;
  std::string_view lenient = {};
};

constexpr BuiltinFormat kFormats[] = {
    {"basic_date", "yyyyMMdd", Strictness::kStrictOnly},
    {"basic_date_time", "yyyyMMdd'T'HHmmss.SSSZ", Strictness::kStrictOnly},
    {"basic_date_time_no_millis", "yyyyMMdd'T'HHmmssZ", Strictness::kStrictOnly},
    {"basic_ordinal_date", "yyyyDDD", Strictness::kStrictOnly},
    {"basic_ordinal_date_time", "yyyyDDD'T'HHmmss.SSSZ", Strictness::kStrictOnly},
    {"basic_ordinal_date_time_no_millis", "yyyyDDD'T'HHmmssZ", Strictness::kStrictOnly},
    {"basic_time", "HHmmss.SSSZ", Strictness::kStrictOnly},
    {"basic_time_no_millis", "HHmmssZ", Strictness::kStrictOnly},
    {"basic_t_time", "'T'HHmmss.SSSZ", Strictness::kStrictOnly},
    {"basic_t_time_no_millis", "'T'HHmmssZ", Strictness::kStrictOnly},
    {"basic_week_date", "YYYY'W'wwe", Strictness::kBothStrict},
    {"basic_week_date_time", "YYYY'W'wwe'T'HHmmss.SSSZ", Strictness::kBothStrict},
    {"basic_week_date_time_no_millis", "YYYY'W'wwe'T'HHmmssZ", Strictness::kBothStrict},
    {"date", "yyyy-MM-dd", Strictness::kBoth, "yyyy[-MM[-dd]]"},
    {"date_hour", "yyyy-MM-dd'T'HH", Strictness::kBoth},
    {"date_hour_minute", "yyyy-MM-dd'T'HH:mm", Strictness::kBoth},
    {"date_hour_minute_second", "yyyy-MM-dd'T'HH:mm:ss", Strictness::kBoth},
    {"date_hour_minute_second_fraction", "yyyy-MM-dd'T'HH:mm:ss.SSS", Strictness::kBoth},
    {"date_hour_minute_second_millis", "yyyy-MM-dd'T'HH:mm:ss.SSS", Strictness::kBoth},
    {"date_time", "yyyy-MM-dd'T'HH:mm:ss[.SSS]Z", Strictness::kBoth, "yyyy-MM-dd'T'HH:mm[:ss[.SSS]]Z"},
    {"date_time_no_millis", "yyyy-MM-dd'T'HH:mm:ssZ", Strictness::kBoth, "yyyy-MM-dd'T'HH:mm[:ss][Z]"},
    {"hour", "HH", Strictness::kBoth},
    {"hour_minute", "HH:mm", Strictness::kBoth},
    {"hour_minute_second", "HH:mm:ss", Strictness::kBoth},
    {"hour_minute_second_fraction", "HH:mm:ss.SSS", Strictness::kBoth},
    {"hour_minute_second_millis", "HH:mm:ss.SSS", Strictness::kBoth},
    {"ordinal_date", "yyyy-DDD", Strictness::kBoth},
    {"ordinal_date_time", "yyyy-DDD'T'HH:mm:ss.SSSZ", Strictness::kBoth, "yyyy-DDD'T'HH:mm[:ss.SSS]Z"},
    {"ordinal_date_time_no_millis", "yyyy-DDD'T'HH:mm:ssZ", Strictness::kBoth},
    {"t_time", "'T'HH:mm:ss.SSSZ", Strictness::kBoth},
    {"t_time_no_millis", "'T'HH:mm:ssZ", Strictness::kBoth},
    {"time", "HH:mm:ss.SSSZ", Strictness::kBoth},
    {"time_no_millis", "HH:mm:ssZ", Strictness::kBoth},
    {"week_date", "YYYY-'W'ww-e", Strictness::kBoth},
    {"week_date_time", "YYYY-'W'ww-e'T'HH:mm:ss.SSSZ", Strictness::kBoth},
    {"week_date_time_no_millis", "YYYY-'W'ww-e'T'HH:mm:ssZ", Strictness::kBoth},
    {"weekyear", "YYYY", Strictness::kBoth},
    {"weekyear_week", "YYYY-'W'ww", Strictness::kBoth},
    {"weekyear_week_day", "YYYY-'W'ww-e", Strictness::kBoth},
    {"year", "yyyy", Strictness::kBoth},
    {"year_month", "yyyy-MM", Strictness::kBoth},
    {"year_month_day", "yyyy-MM-dd", Strictness::kBoth},
};

}  // namespace

std::optional<DatePattern> CompileBuiltinFormat(std::string_view name) {
  constexpr std::string_view kStrict = "strict_";
  const bool strict = name.substr(0, kStrict.size()) == kStrict;
  if (strict) name.remove_prefix(kStrict.size());
  for (const BuiltinFormat& f : kFormats) {
    if (f.name != name) continue;
    if (strict && f.strictness == Strictness::kStrictOnly) return std::nullopt;
    if (strict || f.strictness != Strictness::kBoth) return DatePattern::Compile(f.pattern, DatePattern::Mode::kBuiltin);
    return DatePattern::Compile(f.lenient.empty() ? f.pattern : f.lenient, DatePattern::Mode::kBuiltinLenient);
  }
  return std::nullopt;
}

}  // namespace holdfast::mapping
