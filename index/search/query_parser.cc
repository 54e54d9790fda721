#include "index/search/date_math.h"
#include "index/util/clock.h"
#include "index/search/query_parser.h"

#include <charconv>
#include <cmath>

#include "index/search/bool_query.h"
#include "index/search/constant_score_query.h"
#include "index/search/function_score_query.h"
#include "index/search/match_all_query.h"
#include "index/search/minimum_should_match.h"
#include "index/search/query_dsl.h"

namespace holdfast::search {
namespace dsl {

Status ParsingError(std::string_view reason) { return Status::Parse(std::string(reason)); }
Status QueryShardError(std::string_view reason) { return Status::QueryShard(std::string(reason)); }
Status IllegalArgument(std::string_view reason) { return Status::InvalidArgument(std::string(reason)); }
Status JsonError(simdjson::error_code error) {
  return ParsingError(std::string("failed to parse query: ") + simdjson::error_message(error));
}

bool IsObject(od::value& value) {
  od::json_type t;
  return !value.type().get(t) && t == od::json_type::object;
}

bool IsNull(od::value& value) {
  od::json_type t;
  return !value.type().get(t) && t == od::json_type::null;
}

Status ReadText(od::value value, std::string* out, std::string_view what) {
  od::json_type t;
  HF_JSON(value.type().get(t));
  switch (t) {
    case od::json_type::string: {
      std::string_view s;
      HF_JSON(value.get_string().get(s));
      out->assign(s);
      return Status::OK();
    }
    case od::json_type::number: {
      std::string_view raw = value.raw_json_token();
      while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\n' || raw.back() == '\t' || raw.back() == '\r')) {
        raw.remove_suffix(1);
      }
      out->assign(raw);
      return Status::OK();
    }
    case od::json_type::boolean: {
      bool b;
      HF_JSON(value.get_bool().get(b));
      *out = b ? "true" : "false";
      return Status::OK();
    }
    default:
      return ParsingError("[" + std::string(what) + "] expected a string or a number");
  }
}

Status ReadTextArray(od::value value, std::string_view what, const std::string& not_array, std::vector<std::string>* out) {
  od::array array;
  if (value.get_array().get(array)) return ParsingError(not_array);
  for (auto element : array) {
    od::value e;
    HF_JSON(element.get(e));
    std::string text;
    HOLDFAST_RETURN_IF_ERROR(ReadText(e, &text, what));
    out->push_back(std::move(text));
  }
  return Status::OK();
}

Status ReadDouble(od::value value, double* out, std::string_view what) {
  od::json_type t;
  HF_JSON(value.type().get(t));
  if (t == od::json_type::number) {
    HF_JSON(value.get_double().get(*out));
    return Status::OK();
  }
  if (t == od::json_type::string) {
    std::string_view s;
    HF_JSON(value.get_string().get(s));
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
    if (ec == std::errc() && end == s.data() + s.size() && !s.empty()) return Status::OK();
  }
  return ParsingError("[" + std::string(what) + "] expected a number");
}

Status ReadInt(od::value value, int64_t* out, std::string_view what) {
  double d;
  HOLDFAST_RETURN_IF_ERROR(ReadDouble(value, &d, what));
  if (d != std::floor(d) || std::abs(d) > 9.0e15) return ParsingError("[" + std::string(what) + "] expected an integer");
  *out = static_cast<int64_t>(d);
  return Status::OK();
}

Status ReadFloat(od::value value, float* out, std::string_view what) {
  double d;
  HOLDFAST_RETURN_IF_ERROR(ReadDouble(value, &d, what));
  *out = static_cast<float>(d);
  return Status::OK();
}

Status ReadBool(od::value value, bool* out, std::string_view what) {
  od::json_type t;
  HF_JSON(value.type().get(t));
  if (t == od::json_type::boolean) {
    HF_JSON(value.get_bool().get(*out));
    return Status::OK();
  }
  if (t == od::json_type::string) {
    std::string_view s;
    HF_JSON(value.get_string().get(s));
    if (s == "true" || s == "false") {
      *out = s == "true";
      return Status::OK();
    }
  }
  return ParsingError("[" + std::string(what) + "] expected a boolean");
}

QueryPtr None() { return std::make_unique<MatchNoneQuery>(); }

QueryPtr WithBoost(QueryPtr q, float boost) {
  q->set_boost(q->boost() * boost);
  return q;
}

Status BadValue(std::string_view text) {
  return QueryShardError("failed to create query: For input string: \"" + std::string(text) + "\"");
}

bool ParseLong(std::string_view s, int64_t* out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  if (ec == std::errc() && end == s.data() + s.size() && !s.empty()) return true;
  double d;
  auto [end2, ec2] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (ec2 != std::errc() || end2 != s.data() + s.size() || s.empty() || d != std::floor(d) || std::abs(d) > 9.2e18) {
    return false;
  }
  *out = static_cast<int64_t>(d);
  return true;
}

bool ParseDoubleText(std::string_view s, double* out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size() && !s.empty();
}

Status ParseDateValue(std::string_view text, const mapping::DateFormatList& formats, int64_t* millis,
                      bool round_up, const TimeZone& time_zone) {
  std::string error;
  if (ParseDateMath(text, formats, {WallClockMs(), round_up, time_zone}, millis, &error)) return Status::OK();
  return QueryShardError("failed to create query: " + error);
}


Status Unsupported(std::string_view query_name, std::string_view key) {
  return ParsingError("[" + std::string(query_name) + "] query does not support [" + std::string(key) + "]");
}

Result<QueryPtr> DslReader::ParseQueryValue(od::value value, int depth) {
  od::object object;
  if (!IsObject(value) || value.get_object().get(object)) {
    return ParsingError("[_na] query malformed, must start with start_object");
  }
  return ParseQuery(object, depth);
}

Result<QueryPtr> DslReader::ParseQuery(od::object object, int depth) {
  if (depth > kMaxQueryDepth) {
    return ParsingError("query is nested too deeply: more than " + std::to_string(kMaxQueryDepth) + " levels");
  }
  QueryPtr query;
  std::string name;
  for (auto field_result : object) {
    od::field field;
    HF_JSON(std::move(field_result).get(field));
    std::string_view key;
    HF_JSON(field.unescaped_key().get(key));
    if (query) {
      return ParsingError("[" + name + "] malformed query, expected [END_OBJECT] but found [FIELD_NAME]");
    }
    name.assign(key);
    auto parsed = Dispatch(name, field.value(), depth);
    if (!parsed.ok()) return parsed.status();
    query = std::move(parsed).value();
  }
  if (!query) return ParsingError("query malformed, empty clause found");
  return query;
}

Result<QueryPtr> DslReader::Dispatch(std::string_view name, od::value value, int depth) {
  if (name == "bool") return ParseBool(value, depth);
  if (name == "match") return ParseMatch(value, false);
  if (name == "match_phrase") return ParseMatch(value, true);
  if (name == "multi_match") return ParseMultiMatch(value);
  if (name == "term") return ParseTerm(value);
  if (name == "terms") return ParseTerms(value);
  if (name == "ids") return ParseIds(value);
  if (name == "range") return ParseRange(value);
  if (name == "prefix") return ParsePrefix(value);
  if (name == "fuzzy") return ParseFuzzy(value);
  if (name == "exists") return ParseExists(value);
  if (name == "match_all") return ParseMatchAll(value, false);
  if (name == "match_none") return ParseMatchAll(value, true);
  if (name == "dis_max") return ParseDisMax(value, depth);
  if (name == "constant_score") return ParseConstantScore(value, depth);
  if (name == "function_score") return ParseFunctionScore(value, depth);
  if (name == "more_like_this" || name == "mlt") return ParseMoreLikeThis(value);
  return ParsingError("unknown query [" + std::string(name) + "]");
}

Status DslReader::ParseClauses(od::value value, int depth, std::vector<QueryPtr>* out) {
  od::json_type t;
  HF_JSON(value.type().get(t));
  if (t == od::json_type::array) {
    od::array array;
    HF_JSON(value.get_array().get(array));
    for (auto element : array) {
      od::value v;
      HF_JSON(element.get(v));
      auto q = ParseQueryValue(v, depth + 1);
      if (!q.ok()) return q.status();
      out->push_back(std::move(q).value());
    }
    return Status::OK();
  }
  auto q = ParseQueryValue(value, depth + 1);
  if (!q.ok()) return q.status();
  out->push_back(std::move(q).value());
  return Status::OK();
}

Result<QueryPtr> DslReader::ParseBool(od::value value, int depth) {
  auto q = std::make_unique<BoolQuery>();
  float boost = 1.0f;
  HOLDFAST_RETURN_IF_ERROR(ForEachKey(value, "bool", [&](std::string_view key, od::value v) -> Status {
    if (key == "must") return ParseClauses(v, depth, &q->must);
    if (key == "filter") return ParseClauses(v, depth, &q->filter);
    if (key == "should") return ParseClauses(v, depth, &q->should);
    if (key == "must_not" || key == "mustNot") return ParseClauses(v, depth, &q->must_not);
    if (key == "boost") return ReadFloat(v, &boost, "boost");
    if (key == "minimum_should_match") {
      std::string msm;
      HOLDFAST_RETURN_IF_ERROR(ReadText(v, &msm, key));
      q->minimum_should_match = msm;
      return Status::OK();
    }
    if (key == "adjust_pure_negative" || key == "_name") {
      std::string ignored;
      return ReadText(v, &ignored, key);
    }
    return Unsupported("bool", key);
  }));
  if (q->minimum_should_match && !ResolveMinimumShouldMatch(*q->minimum_should_match, 0)) {
    return IllegalArgument("invalid minimum_should_match [" + *q->minimum_should_match + "]");
  }
  q->set_boost(boost);
  return QueryPtr(std::move(q));
}

Result<QueryPtr> DslReader::ParseDisMax(od::value value, int depth) {
  auto q = std::make_unique<DisMaxQuery>();
  float boost = 1.0f;
  HOLDFAST_RETURN_IF_ERROR(ForEachKey(value, "dis_max", [&](std::string_view key, od::value v) -> Status {
    if (key == "queries") return ParseClauses(v, depth, &q->queries);
    if (key == "tie_breaker") return ReadFloat(v, &q->tie_breaker, key);
    if (key == "boost") return ReadFloat(v, &boost, key);
    return Unsupported("dis_max", key);
  }));
  if (q->queries.empty()) return ParsingError("[dis_max] requires 'queries' field with at least one clause");
  q->set_boost(boost);
  return QueryPtr(std::move(q));
}

Result<QueryPtr> DslReader::ParseConstantScore(od::value value, int depth) {
  QueryPtr filter;
  float boost = 1.0f;
  HOLDFAST_RETURN_IF_ERROR(ForEachKey(value, "constant_score", [&](std::string_view key, od::value v) -> Status {
    if (key == "filter") {
      auto f = ParseQueryValue(v, depth + 1);
      if (!f.ok()) return f.status();
      filter = std::move(f).value();
      return Status::OK();
    }
    if (key == "boost") return ReadFloat(v, &boost, key);
    return Unsupported("constant_score", key);
  }));
  if (!filter) return ParsingError("[constant_score] requires a 'filter' element");
  auto q = std::make_unique<ConstantScoreQuery>(std::move(filter));
  q->set_boost(boost);
  return QueryPtr(std::move(q));
}

namespace {

Status ParseFieldValueFactor(od::value value, FieldValueFactor* fvf, bool* seen) {
  *seen = true;
  return ForEachKey(value, "field_value_factor", [&](std::string_view key, od::value v) -> Status {
    if (key == "field") return ReadText(v, &fvf->field, key);
    if (key == "factor") return ReadDouble(v, &fvf->factor, key);
    if (key == "missing") {
      double m;
      HOLDFAST_RETURN_IF_ERROR(ReadDouble(v, &m, key));
      fvf->missing = m;
      return Status::OK();
    }
    if (key == "modifier") {
      std::string name;
      HOLDFAST_RETURN_IF_ERROR(ReadText(v, &name, key));
      auto m = FieldValueModifierFromName(name);
      if (!m) return IllegalArgument("Illegal modifier [" + name + "] for field_value_factor");
      fvf->modifier = *m;
      return Status::OK();
    }
    return Unsupported("field_value_factor", key);
  });
}

}  // namespace

Result<QueryPtr> DslReader::ParseFunctionScore(od::value value, int depth) {
  QueryPtr inner;
  FieldValueFactor fvf;
  bool has_function = false;
  BoostMode mode = BoostMode::kMultiply;
  float boost = 1.0f;
  float max_boost = std::numeric_limits<float>::max();
  HOLDFAST_RETURN_IF_ERROR(ForEachKey(value, "function_score", [&](std::string_view key, od::value v) -> Status {
    if (key == "query") {
      auto q = ParseQueryValue(v, depth + 1);
      if (!q.ok()) return q.status();
      inner = std::move(q).value();
      return Status::OK();
    }
    if (key == "field_value_factor") {
      if (has_function) return IllegalArgument("[function_score] supports one field_value_factor function");
      return ParseFieldValueFactor(v, &fvf, &has_function);
    }
    if (key == "functions") {
      od::array array;
      HF_JSON(v.get_array().get(array));
      for (auto element : array) {
        od::value fv;
        HF_JSON(element.get(fv));
        HOLDFAST_RETURN_IF_ERROR(ForEachKey(fv, "functions", [&](std::string_view k, od::value f) -> Status {
          if (k != "field_value_factor") return Unsupported("function_score", k);
          if (has_function) return IllegalArgument("[function_score] supports one field_value_factor function");
          return ParseFieldValueFactor(f, &fvf, &has_function);
        }));
      }
      return Status::OK();
    }
    if (key == "boost_mode") {
      std::string name;
      HOLDFAST_RETURN_IF_ERROR(ReadText(v, &name, key));
      auto m = BoostModeFromName(name);
      if (!m) return IllegalArgument("Illegal boost_mode [" + name + "]");
      mode = *m;
      return Status::OK();
    }
    if (key == "score_mode") {
      std::string ignored;
      return ReadText(v, &ignored, key);
    }
    if (key == "boost") return ReadFloat(v, &boost, key);
    if (key == "max_boost") return ReadFloat(v, &max_boost, key);
    return Unsupported("function_score", key);
  }));
  if (!inner) inner = std::make_unique<MatchAllQuery>();
  if (!has_function) {  // no function: the query, scaled by boost
    inner->set_boost(inner->boost() * boost);
    return inner;
  }
  if (fvf.field.empty()) return ParsingError("[field_value_factor] requires a 'field'");
  if (fvf.field == kPopularityField) {
    fvf.source = context_ != nullptr ? context_->Popularity() : nullptr;
    if (fvf.source == nullptr) {
      return IllegalArgument("[field_value_factor] field [_popularity] is only available on indices that take events");
    }
  }
  auto q = std::make_unique<FunctionScoreQuery>(std::move(inner), std::move(fvf), mode, max_boost);
  q->set_boost(boost);
  return QueryPtr(std::move(q));
}

Result<QueryPtr> DslReader::ParseMatchAll(od::value value, bool none) {
  float boost = 1.0f;
  HOLDFAST_RETURN_IF_ERROR(ForEachKey(value, none ? "match_none" : "match_all",
                                        [&](std::string_view key, od::value v) -> Status {
                                          if (key == "boost") return ReadFloat(v, &boost, key);
                                          return Unsupported(none ? "match_none" : "match_all", key);
                                        }));
  QueryPtr q = none ? QueryPtr(std::make_unique<MatchNoneQuery>()) : QueryPtr(std::make_unique<MatchAllQuery>());
  q->set_boost(boost);
  return q;
}

}  // namespace dsl

class QueryParser::Impl {
 public:
  explicit Impl(const mapping::Mapping& mapping) : reader(mapping) {}
  simdjson::ondemand::parser parser;
  dsl::DslReader reader;
};

QueryParser::QueryParser(const mapping::Mapping& mapping) : impl_(std::make_unique<Impl>(mapping)) {}
QueryParser::~QueryParser() = default;

Result<QueryPtr> QueryParser::Parse(std::string_view json, const QueryContext* context) {
  using dsl::JsonError;
  impl_->reader.set_context(context);
  struct Reset {
    dsl::DslReader& reader;
    ~Reset() { reader.set_context(nullptr); }
  } reset{impl_->reader};
  simdjson::padded_string padded(json);
  simdjson::ondemand::document doc;
  HF_JSON(impl_->parser.iterate(padded).get(doc));
  simdjson::ondemand::json_type type;
  HF_JSON(doc.type().get(type));
  if (type != simdjson::ondemand::json_type::object) {
    return dsl::ParsingError("[_na] query malformed, must start with start_object");
  }
  simdjson::ondemand::object object;
  HF_JSON(doc.get_object().get(object));
  auto q = impl_->reader.ParseQuery(object, 1);
  if (!q.ok()) return q.status();
  const char* trailing = nullptr;
  if (doc.current_location().get(trailing) == simdjson::SUCCESS) {
    return dsl::ParsingError("failed to parse query: trailing content after the query object");
  }
  return q;
}

}  // namespace holdfast::search
