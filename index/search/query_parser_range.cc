// The range query of the DSL: numeric, date and boolean fields on doc
// values (bounds made inclusive), keyword and text fields in term order.
#include <cmath>
#include <limits>

#include "index/search/doc_values_query.h"
#include "index/search/multi_term_query.h"
#include "index/mapping/ip_address.h"
#include "index/search/query_dsl.h"

namespace holdfast::search::dsl {

namespace {

struct RawBound {
  std::string text;
  bool inclusive = true;
};

// One bound of a numeric / date range as an inclusive int64 or double.
Status LongBound(const mapping::FieldMapping& fm, const std::optional<mapping::DateFormatList>& format,
                 const RawBound& b, bool lower, const TimeZone& time_zone, int64_t* out, bool* empty) {
  using mapping::FieldType;
  int64_t v = 0;
  if (fm.type == FieldType::kDate) {
    // gt and lte round up (the whole rounded unit is excluded / included).
    const bool round_up = lower != b.inclusive;
    HOLDFAST_RETURN_IF_ERROR(ParseDateValue(b.text, format.value_or(fm.date_formats), &v, round_up, time_zone));
  } else if (fm.type == FieldType::kBoolean) {
    if (b.text != "true" && b.text != "false") {
      return QueryShardError("failed to create query: Can't parse boolean value [" + b.text +
                             "], expected [true] or [false]");
    }
    v = b.text == "true";
  } else if (!ParseLong(b.text, &v)) {
    double d;
    if (!ParseDoubleText(b.text, &d)) return BadValue(b.text);
    // A fractional bound on a long field rounds inwards, inclusively.
    double r = lower ? std::ceil(d) : std::floor(d);
    if (r < -9.2e18 || r > 9.2e18) {
      *empty = (lower && r > 0) || (!lower && r < 0);
      *out = lower ? std::numeric_limits<int64_t>::min() : std::numeric_limits<int64_t>::max();
      return Status::OK();
    }
    *out = static_cast<int64_t>(r);
    return Status::OK();
  }
  if (!b.inclusive) {
    if (lower ? v == std::numeric_limits<int64_t>::max() : v == std::numeric_limits<int64_t>::min()) {
      *empty = true;
    } else {
      v += lower ? 1 : -1;
    }
  }
  *out = v;
  return Status::OK();
}

}  // namespace

Result<QueryPtr> DslReader::ParseRange(od::value value) {
  QueryPtr out;
  HOLDFAST_RETURN_IF_ERROR(ForSingleField(value, "range", [&](const std::string& field, od::value v) -> Status {
    std::optional<RawBound> lower, upper;
    bool include_lower = true, include_upper = true;
    bool from_to = false;
    float boost = 1.0f;
    std::optional<mapping::DateFormatList> format;
    TimeZone time_zone;
    auto bound = [&](od::value x, std::optional<RawBound>* b, bool inclusive) -> Status {
      if (IsNull(x)) {
        b->reset();
        return Status::OK();
      }
      RawBound r;
      r.inclusive = inclusive;
      HOLDFAST_RETURN_IF_ERROR(ReadText(x, &r.text, "range"));
      *b = std::move(r);
      return Status::OK();
    };
    HOLDFAST_RETURN_IF_ERROR(ForEachKey(v, "range", [&](std::string_view key, od::value x) -> Status {
      if (key == "gt") return bound(x, &lower, false);
      if (key == "gte") return bound(x, &lower, true);
      if (key == "lt") return bound(x, &upper, false);
      if (key == "lte") return bound(x, &upper, true);
      if (key == "from") return from_to = true, bound(x, &lower, true);
      if (key == "to") return from_to = true, bound(x, &upper, true);
      if (key == "include_lower") return ReadBool(x, &include_lower, key);
      if (key == "include_upper") return ReadBool(x, &include_upper, key);
      if (key == "boost") return ReadFloat(x, &boost, key);
      if (key == "format") {
        std::string spec;
        HOLDFAST_RETURN_IF_ERROR(ReadText(x, &spec, key));
        format = mapping::DateFormatList::Parse(spec);
        if (!format) return IllegalArgument("Invalid format: [" + spec + "]");
        return Status::OK();
      }
      if (key == "time_zone") {
        std::string zone;
        HOLDFAST_RETURN_IF_ERROR(ReadText(x, &zone, key));
        Result<TimeZone> parsed = TimeZone::Parse(zone);
        if (!parsed.ok()) return parsed.status();
        time_zone = parsed.value();
        return Status::OK();
      }
      if (key == "relation" || key == "_name") {
        std::string ignored;
        return ReadText(x, &ignored, key);
      }
      return Unsupported("range", key);
    }));
    if (from_to) {
      if (lower && !include_lower) lower->inclusive = false;
      if (upper && !include_upper) upper->inclusive = false;
    }
    const mapping::MappedField* mf = mapping_.Find(field);
    if (mf == nullptr || mf->mapping.type == mapping::FieldType::kObject) {
      out = None();
      return Status::OK();
    }
    const mapping::FieldMapping& fm = mf->mapping;
    using mapping::FieldType;
    HOLDFAST_RETURN_IF_ERROR(CheckSearchable(field, fm));
    if (fm.type == FieldType::kIp) {  // address order is term order
      std::optional<TermRangeQuery::Bound> lo, hi;
      for (auto [bound, out_bound] : {std::pair{&lower, &lo}, std::pair{&upper, &hi}}) {
        if (!*bound) continue;
        std::string term = mapping::IpTermOf((*bound)->text);
        if (term.empty()) return NotAnIp((*bound)->text);
        *out_bound = TermRangeQuery::Bound{std::move(term), (*bound)->inclusive};
      }
      out = WithBoost(std::make_unique<TermRangeQuery>(field, std::move(lo), std::move(hi)), boost);
      return Status::OK();
    }
    if (fm.type == FieldType::kText || fm.type == FieldType::kKeyword) {
      std::optional<TermRangeQuery::Bound> lo, hi;
      if (lower) lo = TermRangeQuery::Bound{lower->text, lower->inclusive};
      if (upper) hi = TermRangeQuery::Bound{upper->text, upper->inclusive};
      out = WithBoost(std::make_unique<TermRangeQuery>(field, std::move(lo), std::move(hi)), boost);
      return Status::OK();
    }
    NumericRange r;
    bool empty = false;
    if (fm.type == FieldType::kDouble) {
      r.is_double = true;
      if (lower) {
        if (!ParseDoubleText(lower->text, &r.min_double)) return BadValue(lower->text);
        if (!lower->inclusive) r.min_double = std::nextafter(r.min_double, std::numeric_limits<double>::infinity());
      }
      if (upper) {
        if (!ParseDoubleText(upper->text, &r.max_double)) return BadValue(upper->text);
        if (!upper->inclusive) r.max_double = std::nextafter(r.max_double, -std::numeric_limits<double>::infinity());
      }
    } else {
      if (lower) HOLDFAST_RETURN_IF_ERROR(LongBound(fm, format, *lower, true, time_zone, &r.min_long, &empty));
      if (upper) HOLDFAST_RETURN_IF_ERROR(LongBound(fm, format, *upper, false, time_zone, &r.max_long, &empty));
    }
    out = empty ? None() : WithBoost(std::make_unique<NumericRangeQuery>(field, r), boost);
    return Status::OK();
  }));
  return out;
}


}  // namespace holdfast::search::dsl
