// Sort values: what a hit sorts by, one value per SortKey.
//
//   SortKeyValue  a view, filled per doc by TopFieldCollector without
//                 allocating (a keyword or an `_id` points into segment bytes)
//   SortValue     an owned copy, returned with each hit, rendered as the
//                 hit's "sort" array and read back from `search_after`
//
// Rendering follows Elasticsearch: longs, dates (epoch millis), booleans (0/1)
// and `_doc` as JSON integers, doubles and scores as JSON numbers, keywords and
// `_id` as strings. A missing value renders as null (Elasticsearch would render
// a numeric substitute) and null in `search_after` means missing, so values
// round-trip; an `_id` value is never missing. `_doc` is (segment ordinal << 32
// | doc): stable within one searcher snapshot, which is also all Elasticsearch
// promises for `_doc`.
#pragma once

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "index/search/sort_spec.h"

namespace holdfast::search {

struct SortKeyValue {
  bool missing = true;
  int64_t number = 0;     // kLong, kDoc
  double real = 0;        // kDouble, kScore
  std::string_view text;  // kKeyword, kId
};

struct SortValue {
  bool missing = true;
  int64_t number = 0;
  double real = 0;
  std::string text;

  SortKeyValue View() const { return {missing, number, real, text}; }
  static SortValue Copy(const SortKeyValue& v) { return {v.missing, v.number, v.real, std::string(v.text)}; }
  bool operator==(const SortValue&) const = default;
};

// <0 when `a` sorts before `b` under `key`, 0 when tied, >0 after. Missing
// values sort first or last as the key says, in either order.
inline int CompareSortKeyValue(const SortKey& key, const SortKeyValue& a, const SortKeyValue& b) {
  if (a.missing || b.missing) {
    if (a.missing == b.missing) return 0;
    return a.missing == key.missing_first ? -1 : 1;
  }
  int c = 0;
  switch (key.kind) {
    case SortKeyKind::kLong:
    case SortKeyKind::kDoc: c = (a.number > b.number) - (a.number < b.number); break;
    case SortKeyKind::kDouble:
    case SortKeyKind::kScore: c = (a.real > b.real) - (a.real < b.real); break;
    case SortKeyKind::kKeyword:
    case SortKeyKind::kId: c = a.text.compare(b.text); c = (c > 0) - (c < 0); break;
    case SortKeyKind::kUnmapped: c = 0; break;
  }
  return key.descending ? -c : c;
}

// Compares two hits' values key by key (values parallel to spec.keys).
int CompareSortValues(const SortSpec& spec, const std::vector<SortValue>& a,
                      const std::vector<SortValue>& b);

// Writes `values` as a JSON array ("sort" of a hit).
void WriteSortValues(const SortSpec& spec, const std::vector<SortValue>& values,
                     rapidjson::Writer<rapidjson::StringBuffer>* writer);

}  // namespace holdfast::search
