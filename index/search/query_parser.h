// QueryParser: the Elasticsearch query DSL (the JSON of a "query" object)
// → a Query tree, resolved against an index Mapping.
//
// Supported: match_all, match_none, term, terms, match, multi_match
// (best_fields — the default —, most_fields, phrase), match_phrase,
// prefix, fuzzy, range, exists, bool, dis_max, constant_score,
// function_score (one field_value_factor; the field may be `_popularity`),
// more_like_this, each with `boost`; short forms
// ({"term":{"tags":"x"}}) and long forms ({"term":{"tags":{"value":"x"}}}).
// Text is analyzed with the field's analyzer from the mapping (or the
// query's `analyzer`). Queries on unmapped fields match nothing, as in ES.
//
// Errors are Status values whose kind names the Elasticsearch error type
// (index/util/status.h) and whose message is the reason:
//   kParse            parsing_exception: malformed JSON or structure, unknown
//                     query ("unknown query [foo]") or parameter, nesting
//                     deeper than kMaxQueryDepth
//   kQueryShard       query_shard_exception: a value the field cannot hold
//                     ("failed to create query: ...")
//   kInvalidArgument  illegal_argument_exception: a bad parameter value
//                     (operator, fuzziness...)
//
// A QueryParser owns its JSON parser and analyzers (built on first use), so
// it belongs to one thread; keep one per search thread. The Mapping must
// outlive it. Parsed queries are independent of the parser.
#pragma once

#include <memory>
#include <string_view>

#include "index/mapping/mapping.h"
#include "index/search/query.h"
#include "index/search/query_context.h"

namespace holdfast::search {

inline constexpr int kMaxQueryDepth = 32;

class QueryParser {
 public:
  explicit QueryParser(const mapping::Mapping& mapping);
  ~QueryParser();
  QueryParser(const QueryParser&) = delete;
  QueryParser& operator=(const QueryParser&) = delete;

  // `json` is one query object, e.g. {"match":{"title":"red shoes"}}.
  // `context` (optional) serves more_like_this documents given by id and the
  // `_popularity` field; it is used during the call only.
  Result<QueryPtr> Parse(std::string_view json, const QueryContext* context = nullptr);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace holdfast::search
