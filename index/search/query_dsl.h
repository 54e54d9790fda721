// Internal to query_parser.cc, query_parser_leaf.cc and query_parser_range.cc:
// the recursive-descent reader of the query DSL over simdjson On-Demand
// values, and the JSON and error helpers the three files share. Not part of
// the search API.
#pragma once

#include <simdjson.h>

#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "index/analysis/analyzer.h"
#include "index/mapping/date_parser.h"
#include "index/mapping/mapping.h"
#include "index/search/query.h"
#include "index/search/time_zone.h"
#include "index/search/query_context.h"
#include "index/segment/analyzer_set.h"

namespace holdfast::search::dsl {

namespace od = simdjson::ondemand;

Status ParsingError(std::string_view reason);
Status QueryShardError(std::string_view reason);
Status IllegalArgument(std::string_view reason);
Status JsonError(simdjson::error_code error);

// Scalars with Elasticsearch's leniency (numbers given as strings and back).
Status ReadText(od::value value, std::string* out, std::string_view what);  // string, number or bool
// An array of such scalars, appended to `out`; `not_array`: the error otherwise.
Status ReadTextArray(od::value value, std::string_view what, const std::string& not_array, std::vector<std::string>* out);
Status ReadDouble(od::value value, double* out, std::string_view what);
Status ReadInt(od::value value, int64_t* out, std::string_view what);
Status ReadBool(od::value value, bool* out, std::string_view what);
Status ReadFloat(od::value value, float* out, std::string_view what);
bool IsObject(od::value& value);
bool IsNull(od::value& value);

// Returns a parsing_exception Status from a simdjson error.
#define HF_JSON(expr)                                     \
  do {                                                    \
    if (auto _hf_err = (expr)) return JsonError(_hf_err); \
  } while (0)

// "[<query>] query does not support [<key>]"
Status Unsupported(std::string_view query_name, std::string_view key);
// "failed to create query: For input string: ..."
Status BadValue(std::string_view text);
// "'x' is not an IP string literal." (a query_shard_exception).
Status NotAnIp(std::string_view text);
// A query_shard_exception unless `field` can be searched (index, or doc values
// on a field that is not text).
Status CheckSearchable(std::string_view field, const mapping::FieldMapping& fm);
QueryPtr None();                               // match_none
QueryPtr WithBoost(QueryPtr q, float boost);   // multiplies q's boost
bool ParseLong(std::string_view s, int64_t* out);  // integers, or integral decimals
bool ParseDoubleText(std::string_view s, double* out);
// A date in `formats`, or date math (date_math.h) from the current time;
// round_up for range bounds gt and lte; `time_zone` for dates without a zone
// and roundings.
Status ParseDateValue(std::string_view text, const mapping::DateFormatList& formats, int64_t* millis,
                      bool round_up = false, const TimeZone& time_zone = {});

// {"<query>": {"<field>": <value>}}: calls fn(field, value) for the one field.
template <class Fn>
Status ForSingleField(od::value value, std::string_view query_name, Fn fn) {
  od::object object;
  if (!IsObject(value) || value.get_object().get(object)) {
    return ParsingError("[" + std::string(query_name) + "] query malformed, no start_object after query name");
  }
  std::string field_name;
  for (auto field_result : object) {
    od::field field;
    HF_JSON(std::move(field_result).get(field));
    std::string_view key;
    HF_JSON(field.unescaped_key().get(key));
    if (!field_name.empty()) {
      return ParsingError("[" + std::string(query_name) + "] query doesn't support multiple fields, found [" +
                          field_name + "] and [" + std::string(key) + "]");
    }
    field_name.assign(key);
    HOLDFAST_RETURN_IF_ERROR(fn(field_name, field.value()));
  }
  if (field_name.empty()) return ParsingError("[" + std::string(query_name) + "] query requires a field");
  return Status::OK();
}

// Calls fn(key, value) -> Status for every member of an object value.
template <class Fn>
Status ForEachKey(od::value value, std::string_view query_name, Fn fn) {
  od::object object;
  if (!IsObject(value) || value.get_object().get(object)) {
    return ParsingError("[" + std::string(query_name) + "] query malformed, no start_object after query name");
  }
  for (auto field_result : object) {
    od::field field;
    HF_JSON(std::move(field_result).get(field));
    std::string_view key;
    HF_JSON(field.unescaped_key().get(key));
    HOLDFAST_RETURN_IF_ERROR(fn(key, field.value()));
  }
  return Status::OK();
}

class DslReader {
 public:
  explicit DslReader(const mapping::Mapping& mapping) : mapping_(mapping) {}

  // One query object: {"<name>": {...}}.
  Result<QueryPtr> ParseQuery(od::object object, int depth);
  Result<QueryPtr> ParseQueryValue(od::value value, int depth);

 private:
  Result<QueryPtr> Dispatch(std::string_view name, od::value value, int depth);

  // Compound queries (query_parser.cc).
  Result<QueryPtr> ParseBool(od::value value, int depth);
  Result<QueryPtr> ParseDisMax(od::value value, int depth);
  Result<QueryPtr> ParseConstantScore(od::value value, int depth);
  Result<QueryPtr> ParseFunctionScore(od::value value, int depth);
  Result<QueryPtr> ParseMatchAll(od::value value, bool none);
  Status ParseClauses(od::value value, int depth, std::vector<QueryPtr>* out);

  // Leaf queries (query_parser_leaf.cc).
  Result<QueryPtr> ParseTerm(od::value value);
  Result<QueryPtr> ParseTerms(od::value value);
  Result<QueryPtr> ParseIds(od::value value);
  Result<QueryPtr> ParseMatch(od::value value, bool phrase);
  Result<QueryPtr> ParseMultiMatch(od::value value);
  Result<QueryPtr> ParsePrefix(od::value value);
  Result<QueryPtr> ParseFuzzy(od::value value);
  Result<QueryPtr> ParseRange(od::value value);  // query_parser_range.cc
  Result<QueryPtr> ParseExists(od::value value);
  Result<QueryPtr> ParseMoreLikeThis(od::value value);  // query_parser_more_like_this.cc

 public:
  // Shared by leaf builders.
  struct MatchOptions {
    std::string text;
    bool operator_and = false;
    std::optional<std::string> minimum_should_match;
    std::optional<mapping::Analyzer> analyzer;
    uint32_t slop = 0;
    std::string fuzziness;  // empty: exact terms
    uint32_t prefix_length = 0;
    uint32_t max_expansions = 50;
    float boost = 1.0f;
  };
  Result<QueryPtr> BuildMatch(std::string_view field, const MatchOptions& options, bool phrase);
  // The query for one exact value of a field (term / terms / match on
  // non-text fields): postings for text/keyword/boolean, doc values else.
  Result<QueryPtr> BuildExactValue(std::string_view field, const mapping::FieldMapping& fm, std::string_view text);
  Result<analysis::Analyzer*> AnalyzerFor(mapping::Analyzer which) { return analyzers_.For(which); }
  // The context of the Parse call in progress (may be null).
  void set_context(const QueryContext* context) { context_ = context; }
  const QueryContext* context() const { return context_; }

 private:
  const mapping::Mapping& mapping_;
  const QueryContext* context_ = nullptr;
  segment::AnalyzerSet analyzers_;
};

}  // namespace holdfast::search::dsl
