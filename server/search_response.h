// The fetch phase and the `_search` response body.
//
// For each hit of a page: its _id from the segment, its _source from the
// index's realtime store (LocalIndex::Get — a doc deleted after the query
// phase is skipped; one updated since shows its new source), filtered by
// `_source`, and highlight fragments of the requested fields. The body is
// Elasticsearch 7's shape, rendered once with RapidJSON's writer:
//   {"_scroll_id"?, "took", "timed_out", "_shards", "hits": {"total"?,
//    "max_score", "hits": [{"_index", "_type", "_id", "_score", "_source"?,
//    "highlight"?, "sort"?}]}, "aggregations"?}
//
// Highlighting uses the field's analyzer (one per kind, per thread) and the
// terms the index's parsed query looks for in that field
// (Query::CollectTerms). Field names are exact paths (no wildcards); a
// multi-field ("title.keyword") highlights its parent's source values.
// Stateless; call from any thread.
#pragma once

#include <optional>
#include <string>

#include "index/search/highlight_spec.h"
#include "server/search_plan.h"
#include "server/search_request.h"

namespace holdfast {

struct SearchResponseParts {
  const SearchPlan* plan = nullptr;
  const QueryPhaseResult* result = nullptr;
  const SearchRequest* request = nullptr;
  const search::HighlightSpec* highlight = nullptr;  // null: none
  std::optional<std::string> scroll_id;
  int64_t took_ms = 0;
};

// The JSON body; errors only when highlighting fails to analyze.
Result<std::string> RenderSearchResponse(const SearchResponseParts& parts);

}  // namespace holdfast
