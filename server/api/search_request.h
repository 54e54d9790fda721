// SearchRequest: the body and URL parameters of `_search` / `_count`, read
// once per request into raw JSON parts that the index-specific parsers
// (query, sort, search_after, aggs — which need an index's mapping) take
// later, per index. Nothing here depends on a mapping.
//
// Body keys: query, from, size, sort, search_after, track_total_hits,
// track_scores, _source, highlight, aggs / aggregations, min_score,
// popularity_boost (holdfast: see docs/recommendations.md), timeout
// (accepted, not enforced), explain, version, seq_no_primary_term,
// stored_fields, profile (accepted, ignored). URL parameters: q, from, size, sort ("f:asc,g"),
// _source, _source_includes, _source_excludes, track_total_hits, scroll,
// rest_total_hits_as_int; a body key wins over the same URL parameter.
//
// Errors are Status kinds: kParseValue (parse_exception: malformed JSON,
// invalid UTF-8), kParse (parsing_exception: unknown keys, wrong types),
// kInvalidArgument (illegal_argument_exception: bad values, negative size, a
// window over index.max_result_window, docvalue_fields over
// index.max_docvalue_fields_search). A plain value; one request, one thread.
#pragma once

#include <simdjson.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "index/util/status.h"
#include "server/http/http_router.h"
#include "server/coordinator/search_request.h"

namespace holdfast {

// Reads `http` (body and URL). `for_count` accepts only what _count takes
// (query, q, min_score).
Result<SearchRequest> ParseSearchRequest(const HttpRequest& http, bool for_count = false);
// The body of the `_explain` API: `{"query": {...}}` (the query's JSON text)
// or nothing (empty); parsing_exception for any other key or shape.
Result<std::string> ParseExplainBody(std::string_view body);

// illegal_argument_exception when from + size (size, for a scroll) passes
// `max_window`: the smallest index.max_result_window of the indices searched.
Status CheckResultWindow(const SearchRequest& request, uint64_t max_window);
// illegal_argument_exception when `fields` (the mapped fields an index's
// docvalue_fields name) passes its index.max_docvalue_fields_search.
Status CheckDocValueFields(size_t fields, uint64_t max_fields);

// An Elasticsearch time value ("30s", "1m", "500ms", "2h", "1d") → ms;
// illegal_argument_exception naming `setting` otherwise.
Result<std::chrono::milliseconds> ParseTimeValue(std::string_view text, std::string_view setting);

// The reply to a malformed body: parse_exception, with simdjson's reason.
Status BodyParseError(std::string_view reason);

// parse_exception unless `doc` (iterated over `body`) is one JSON value with
// nothing but whitespace after it; rewinds `doc` for reading.
Status CheckSingleJsonValue(simdjson::ondemand::document& doc, std::string_view body);

}  // namespace holdfast
