// SearchRequest: what a `_search` / `_count` request asks, read once from
// its body and URL (server/api/search_request.h parses it) into raw JSON
// parts that the mapping-dependent parsers take later, per index and per
// shard (index/search/parsed_search.h). A plain value.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "index/mapping/source_filter.h"

namespace holdfast {

inline constexpr uint64_t kMaxResultWindow = 10000;  // index.max_result_window

// One entry of `fields` or `docvalue_fields`: a field name or pattern
// ("user.*"), and for dates a format (empty: strict_date_optional_time).
struct FieldRequest {
  std::string pattern;
  std::string format;
  bool stored_only = false;  // from stored_fields: fields mapped with store: true
};

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
  // `preference` (Elasticsearch's): `_shards:0,2` searches only those
  // shards; `_only_local` only the shards with a copy on this node;
  // `_only_nodes:<ids or names>` only copies on those nodes (other shards
  // fail); `_local` (the default) reads this node's own copy of a shard
  // when it has one, `_prefer_nodes:<ids or names>` a copy on those nodes,
  // and a custom string (not starting with `_`) the same copies for every
  // search that gives it (ShardRouter::ForSearch). Combined with `|`
  // ("_shards:1|_only_local").
  std::string preference;
  // `routing`: only the shards these routing values map to are searched
  // (combined with the aliases' search routing: IndexHandle::SearchShards).
  std::vector<std::string> routing;
  bool track_scores = false;
  // terminate_after: each shard stops after collecting this many matches
  // (in doc order); the response says `terminated_early` (0: never).
  uint64_t terminate_after = 0;
  // indices_boost: scores of hits from an index (name, alias or wildcard;
  // the first entry that matches) multiplied by the factor.
  std::vector<std::pair<std::string, double>> indices_boost;
  // stored_fields given: hits carry no _source unless `_source` asks for
  // it, and the named fields mapped with `store: true` (read back from
  // _source) go to "fields"; `_none_`: not even _id.
  // post_filter: hits (and hits.total) are those the query and this filter
  // match; aggregations count the query's matches alone.
  std::string post_filter_json;
  bool stored_fields = false;
  bool stored_fields_none = false;
  bool source_requested = false;     // `_source` in the body or the URL
  bool version = false;              // hits carry _version
  bool seq_no_primary_term = false;  // hits carry _seq_no and _primary_term
  std::optional<float> min_score;
  // holdfast extension: score × ln(2 + popularity_boost × _popularity).
  std::optional<double> popularity_boost;
  std::optional<std::chrono::milliseconds> scroll;  // keep-alive of a scroll
  // `fields` and `docvalue_fields`: every hit gets "fields" with their
  // values (server/coordinator/hit_fields.h).
  std::vector<FieldRequest> fields;
  // `docvalue_fields` alone (also in `fields`): what counts against
  // index.max_docvalue_fields_search.
  std::vector<FieldRequest> docvalue_fields;
  // `explain`: every hit carries `_explanation` (its score's breakdown),
  // `_shard` and `_node`.
  bool explain = false;
};

}  // namespace holdfast
