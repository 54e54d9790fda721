// Internal to query_parser.cc and query_parser_leaf.cc: the recursive-descent
// reader of the query DSL over simdjson On-Demand values, and the JSON and
// error helpers both files share. Not part of the search API.
#pragma once

#include <simdjson.h>

#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "index/analysis/analyzer.h"
#include "index/mapping/mapping.h"
#include "index/search/query.h"

namespace holdfast::search::dsl {

namespace od = simdjson::ondemand;

Status ParsingError(std::string_view reason);
Status QueryShardError(std::string_view reason);
Status IllegalArgument(std::string_view reason);
Status JsonError(simdjson::error_code error);

// Scalars with Elasticsearch's leniency (numbers given as strings and back).
Status ReadText(od::value value, std::string* out, std::string_view what);  // string, number or bool
Status ReadDouble(od::value value, double* out, std::string_view what);
Status ReadInt(od::value value, int64_t* out, std::string_view what);
Status ReadBool(od::value value, bool* out, std::string_view what);
Status ReadFloat(od::value value, float* out, std::string_view what);
bool IsObject(od::value& value);
bool IsNull(od::value& value);

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
  Result<QueryPtr> ParseMatch(od::value value, bool phrase);
  Result<QueryPtr> ParseMultiMatch(od::value value);
  Result<QueryPtr> ParsePrefix(od::value value);
  Result<QueryPtr> ParseFuzzy(od::value value);
  Result<QueryPtr> ParseRange(od::value value);
  Result<QueryPtr> ParseExists(od::value value);

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
  Result<analysis::Analyzer*> AnalyzerFor(mapping::Analyzer which);

 private:
  const mapping::Mapping& mapping_;
  std::array<std::unique_ptr<analysis::Analyzer>, 4> analyzers_;
};

}  // namespace holdfast::search::dsl
