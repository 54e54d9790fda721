// SortSpec: an Elasticsearch `sort` clause, parsed and checked against the
// mapping, e.g.
//   [{"price":"asc"}, {"added":{"order":"desc","missing":"_last"}}, "_score", "_doc"]
//
// Each key sorts by one of: the score (default order desc), the doc order
// (`_doc`, asc), the document id (`_id`, asc: by id bytes, like a keyword;
// never missing, so a sort ending in `_id` is total and pages completely with
// search_after, also across shards), or a field's doc values (default order
// asc):
//   - numeric fields (long, double, date as epoch millis, boolean as 0/1): a
//     multi-valued doc sorts by its min value (asc) or max value (desc) unless
//     `mode` says otherwise (min | max);
//   - keyword fields: by term bytes (unsigned byte order), with the same modes.
// `_popularity` sorts by item popularity (index/recommend/), as a double.
// Docs without a value sort `missing: _last` (default) or `_first`, in either
// order. A field the mapping does not know is missing in every doc (as if
// Elasticsearch's `unmapped_type` were given). Text fields are refused.
//
// Errors: kParse (parsing_exception) for malformed clauses, kInvalidArgument
// (illegal_argument_exception) for fields that cannot be sorted on. A
// SortSpec is a plain value; share it read-only between threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "index/mapping/mapping.h"
#include "index/search/query_context.h"
#include "index/util/status.h"

namespace holdfast::search {

enum class SortKeyKind : uint8_t {
  kScore,     // the query score (a float)
  kDoc,       // index order: (segment ordinal, doc) as one int64
  kLong,      // long, date, boolean doc values
  kDouble,    // double doc values
  kKeyword,   // keyword doc values, compared by term bytes
  kId,        // the document's `_id`, compared by bytes; never missing
  kUnmapped,  // a field the mapping does not know: always missing
};

enum class SortMode : uint8_t { kMin, kMax };

struct SortKey {
  std::string field;  // "_score" / "_doc" / "_id" for those kinds
  SortKeyKind kind = SortKeyKind::kScore;
  mapping::FieldType field_type = mapping::FieldType::kObject;  // for field kinds
  bool descending = false;
  bool missing_first = false;
  SortMode mode = SortMode::kMin;  // which value of a multi-valued doc counts
  // `_popularity` (kDouble): values come from here, bound by the caller
  // (BindSortSources) since they live outside the segments.
  std::shared_ptr<const DocValueSource> source;
};

struct SortSpec {
  std::vector<SortKey> keys;

  bool NeedsScores() const;
};

// Parses the JSON value of `sort` (a string, an object or an array of them).
// `_popularity` parses as a double key; BindSortSources gives it its values.
Result<SortSpec> ParseSortSpec(std::string_view json, const mapping::Mapping& mapping);

// Binds `_popularity` keys to `popularity`; illegal_argument_exception when
// the spec has one and `popularity` is null.
Status BindSortSources(SortSpec* spec, std::shared_ptr<const DocValueSource> popularity);

}  // namespace holdfast::search
