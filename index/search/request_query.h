// The query of a search request, for one index: the body's `query` (or the
// `q` URL parameter, or match_all) parsed against the index's mapping.
//
// Parsers are kept per thread (QueryParser is single-threaded and binds a
// mapping): each worker thread caches a few, keyed by the mapping object,
// and holds the mapping alive while cached. A new mapping version (dynamic
// fields) simply gets a new parser; old ones age out of the small cache.
//
// `q` is a small subset of Lucene's query string: whitespace-separated terms,
// each "field:value" (a match query on that field) or a bare value (a
// multi_match over every text and keyword field of the mapping); the terms
// are OR-ed, like query_string's default operator. No boolean syntax,
// phrases or ranges.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "index/mapping/mapping.h"
#include "index/search/query.h"
#include "index/search/query_context.h"

namespace holdfast {

// What the `_explain` API's URL may add to `q` (Elasticsearch's df,
// analyzer, default_operator): a bare value is a match on `default_field`
// (empty: the multi_match above), every match uses `analyzer` (empty: the
// field's), and with `operator_and` every term must match.
struct QueryStringOptions {
  std::string default_field;
  std::string analyzer;
  bool operator_and = false;
};

// The query DSL (JSON) of the query string `q`.
std::string QueryStringToJson(const mapping::Mapping& mapping, std::string_view q,
                              const QueryStringOptions& options = {});

// Parses `query_json` (empty: `q`, and when that is empty too, match_all).
// `context` serves more_like_this documents and `_popularity` (may be null).
// With `filter_json` (an alias's filter), the query is
// {"bool":{"must":[query],"filter":[filter]}}: the same scores, fewer docs.
Result<search::QueryPtr> ParseRequestQuery(const std::shared_ptr<const mapping::Mapping>& mapping,
                                           std::string_view query_json, std::string_view q,
                                           const search::QueryContext* context = nullptr,
                                           std::string_view filter_json = {});

}  // namespace holdfast
