// SearchRequest: the body and URL parameters of `_search` / `_count`, read
// once per request into raw JSON parts that the index-specific parsers
// (query, sort, search_after, aggs — which need an index's mapping) take
// later, per index. Nothing here depends on a mapping.
//
// Body keys: query, from, size, sort, search_after, track_total_hits,
// track_scores, _source, highlight, aggs / aggregations, min_score,
// popularity_boost (holdfast: see docs/recommendations.md), timeout
// (accepted, not enforced), explain/version/seq_no_primary_term/stored_fields
// (accepted, ignored). URL parameters: q, from, size, sort ("f:asc,g"),
// _source, _source_includes, _source_excludes, track_total_hits, scroll,
// rest_total_hits_as_int; a body key wins over the same URL parameter.
//
// Errors are Status kinds: kParseValue (parse_exception: malformed JSON,
// invalid UTF-8), kParse (parsing_exception: unknown keys, wrong types),
// kInvalidArgument (illegal_argument_exception: bad values, negative size, a
// window over index.max_result_window). A plain value; one request, one thread.
#pragma once

#include <simdjson.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "index/util/status.h"
#include "server/http_router.h"
#include "server/source_filter.h"

namespace holdfast {

inline constexpr uint64_t kMaxResultWindow = 10000;  // index.max_result_window

struct SearchRequest {
  std::string query_json;         // the `query` object; empty: match_all
  std::string q;                  // the `q` URL parameter (see search_api.cc)
  uint64_t from = 0;
  uint64_t size = 10;
  std::string sort_json;          // empty: by score
  std::string search_after_json;  // empty: from the start
  std::string highlight_json;     // empty: no highlight
  std::string aggs_json;          // empty: no aggregations
  SourceFilter source;
  uint64_t track_total_hits = 10000;  // search::kExactTotalHits for true
  bool total_hidden = false;          // track_total_hits: false → no hits.total
  bool total_as_int = false;          // rest_total_hits_as_int
  bool track_scores = false;
  std::optional<float> min_score;
  // holdfast extension: score × ln(2 + popularity_boost × _popularity).
  std::optional<double> popularity_boost;
  std::optional<std::chrono::milliseconds> scroll;  // keep-alive of a scroll
};

// Reads `http` (body and URL). `for_count` accepts only what _count takes
// (query, q, min_score).
Result<SearchRequest> ParseSearchRequest(const HttpRequest& http, bool for_count = false);

// An Elasticsearch time value ("30s", "1m", "500ms", "2h", "1d") → ms;
// illegal_argument_exception naming `setting` otherwise.
Result<std::chrono::milliseconds> ParseTimeValue(std::string_view text, std::string_view setting);

// The reply to a malformed body: parse_exception, with simdjson's reason.
Status BodyParseError(std::string_view reason);

// parse_exception unless `doc` (iterated over `body`) is one JSON value with
// nothing but whitespace after it; rewinds `doc` for reading.
Status CheckSingleJsonValue(simdjson::ondemand::document& doc, std::string_view body);

}  // namespace holdfast
