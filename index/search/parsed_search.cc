#include "index/search/parsed_search.h"

#include "index/search/function_score_query.h"
#include "index/search/request_query.h"

namespace holdfast::search {

namespace {

SortKey KeyOf(std::string_view field, SortKeyKind kind, bool descending) {
  SortKey k;
  k.field = std::string(field);
  k.kind = kind;
  k.descending = descending;
  return k;
}

}  // namespace

Result<ParsedSearch> ParseSearch(const std::shared_ptr<const mapping::Mapping>& mapping, const SearchSourceParts& parts,
                                 const QueryContext* context) {
  ParsedSearch out;
  std::shared_ptr<const DocValueSource> popularity = context != nullptr ? context->Popularity() : nullptr;
  if (parts.parse_query) {
    auto query = ParseRequestQuery(mapping, parts.query_json, parts.q, context, parts.alias_filter_json);
    if (!query.ok()) return query.status();
    out.query = std::move(query).value();
    if (parts.popularity_boost && *parts.popularity_boost > 0) {
      out.query = WithPopularityBoost(std::move(out.query), *parts.popularity_boost, popularity);
    }
  }
  if (!parts.sort_json.empty()) {
    auto sort = ParseSortSpec(parts.sort_json, *mapping);
    if (!sort.ok()) return sort.status();
    out.sort = std::move(sort).value();
    HOLDFAST_RETURN_IF_ERROR(BindSortSources(&out.sort, popularity));
    out.request_sort_keys = out.sort.keys.size();
  } else {
    out.sort.keys.push_back(KeyOf("_score", SortKeyKind::kScore, true));
  }
  out.sort.keys.push_back(KeyOf("_doc", SortKeyKind::kDoc, false));
  if (!parts.aggs_json.empty()) {
    auto aggs = ParseAggregations(parts.aggs_json, *mapping);
    if (!aggs.ok()) return aggs.status();
    out.aggs = std::move(aggs).value();
  }
  return out;
}

}  // namespace holdfast::search
