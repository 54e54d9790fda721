// The fetch phase and the `_search` response body.
//
// The page's hits are fetched from their shards — one Fetch request per
// shard, in parallel — by id: the current _source (realtime: a doc deleted
// after the query phase is skipped; one updated since shows its new
// source), filtered by `_source` on the shard, and the highlight fragments of
// the requested fields. The body is Elasticsearch 7's shape, rendered once
// with RapidJSON's writer:
//   {"_scroll_id"?, "took", "timed_out", "_shards", "hits": {"total"?,
//    "max_score", "hits": [{"_index", "_type", "_id", "_score", "_source"?,
//    "highlight"?, "sort"?}]}, "aggregations"?}
//
// Highlighting (index/search/hit_highlighter.h) uses the field's analyzer
// and the terms the index's parsed query looks for in that field
// (Query::CollectTerms, collected here and sent with the fetch request).
// Stateless; call from any thread.
#pragma once

#include <optional>
#include <string>

#include "index/search/highlight_spec.h"
#include "index/util/thread_pool.h"
#include "server/coordinator/search_plan.h"
#include "server/coordinator/search_request.h"

namespace holdfast {

struct SearchResponseParts {
  const SearchPlan* plan = nullptr;
  const QueryPhaseResult* result = nullptr;
  const SearchRequest* request = nullptr;
  const search::HighlightSpec* highlight = nullptr;  // null: none
  std::optional<std::string> scroll_id;
  int64_t took_ms = 0;
  ThreadPool* pool = nullptr;  // fetches from several shards in parallel
  const std::vector<pb::FetchRequest>* fetch = nullptr;  // FetchOptions when already made, else null
};

// The JSON body; errors when a shard cannot be fetched from or
// highlighting fails to analyze.
Result<std::string> RenderSearchResponse(const SearchResponseParts& parts);

// What the fetch phase asks of each index's shards (per index of the plan;
// no target, no ids): source filtering and highlighting as requested.
std::vector<pb::FetchRequest> FetchOptions(const SearchPlan& plan, const SearchRequest& request,
                                           const search::HighlightSpec* highlight);

}  // namespace holdfast
