// ParsedSearch: the parts of a search request that depend on an index's
// mapping — the query, the sort and the aggregations — parsed once per index
// by the coordinator (to validate, to collect highlight terms and
// more_like_this documents) and once more by every shard it asks (each with
// its own `_popularity` source). Both sides parse the same JSON with the same
// mapping, so they agree on what the request means.
//
// The sort always ends with `_doc` (segment, doc) so that a page ends at an
// exact position; without a request `sort` it is `[_score, _doc]`.
// A plain value (the query is immutable and may be shared by threads).
#pragma once

#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "index/mapping/mapping.h"
#include "index/search/aggregation_spec.h"
#include "index/search/query.h"
#include "index/search/query_context.h"
#include "index/search/sort_spec.h"

namespace holdfast::search {

struct SearchSourceParts {
  std::string_view query_json;  // empty: `q`, then match_all
  std::string_view q;
  std::string_view sort_json;   // empty: by score
  std::string_view aggs_json;   // empty: none
  std::optional<double> popularity_boost;
  // An alias's filter (a query as JSON; empty: none): the query becomes
  // bool { must: query, filter: this }.
  std::string_view alias_filter_json;
  // False: the query is left unparsed (null) — a coordinator that needs
  // neither its terms nor its more_like_this documents lets the shards parse
  // it (they report the same errors).
  bool parse_query = true;
};

struct ParsedSearch {
  QueryPtr query;                  // null when parts.parse_query was false
  SortSpec sort;                   // the request's keys (or `_score`) + `_doc`
  size_t request_sort_keys = 0;    // keys the request gave (0: by score)
  std::vector<AggregationSpec> aggs;
  bool sorted_by_request() const { return request_sort_keys > 0; }
};

// `context` serves more_like_this documents and `_popularity` (may be null
// when the request needs neither).
Result<ParsedSearch> ParseSearch(const std::shared_ptr<const mapping::Mapping>& mapping, const SearchSourceParts& parts,
                                 const QueryContext* context);

}  // namespace holdfast::search
