// AggregationSpec: the `aggs` / `aggregations` of a search request, parsed
// and checked against the mapping. Supported types:
//
//   terms  {"field", "size" (10), "order" ({"_count"|"_key": "asc"|"desc"};
//          default _count desc, then _key asc)}; keyword and numeric fields
//   range  {"field", "ranges": [{"from", "to", "key"}], "keyed" (false)};
//          numeric and date fields (date bounds may be date strings);
//          from inclusive, to exclusive
//   stats  {"field"}; numeric and date fields
// Any of them may hold sub-aggregations under "aggs"/"aggregations" (terms
// and range apply them per bucket).
//
// Errors: kParse (parsing_exception) for unknown types and malformed bodies
// ("Unknown aggregation type [foo]"), kInvalidArgument
// (illegal_argument_exception) for fields that cannot be aggregated on. A field
// the mapping does not know aggregates nothing (empty buckets, count 0).
// A spec is a plain value; share it read-only between threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "index/mapping/mapping.h"
#include "index/util/status.h"

namespace holdfast::search {

enum class AggregationType : uint8_t { kTerms, kRange, kStats };

// How a field's doc values are read and keys compared.
enum class AggValueKind : uint8_t {
  kKeyword,   // ordinals → term bytes
  kLong,      // long, date, boolean (int64)
  kDouble,    // IEEE bits in int64
  kUnmapped,  // no values anywhere
};

enum class TermsOrder : uint8_t { kCountDesc, kCountAsc, kKeyAsc, kKeyDesc };

struct AggRange {
  std::optional<double> from;  // inclusive
  std::optional<double> to;    // exclusive
  std::string key;             // as given, or Elasticsearch's "from-to" form
};

struct AggregationSpec {
  std::string name;
  AggregationType type = AggregationType::kTerms;
  std::string field;
  AggValueKind kind = AggValueKind::kUnmapped;
  mapping::FieldType field_type = mapping::FieldType::kObject;  // for rendering keys

  uint32_t size = 10;                          // terms
  TermsOrder order = TermsOrder::kCountDesc;   // terms
  std::vector<AggRange> ranges;                // range: sorted by (from, to) like Elasticsearch
  bool keyed = false;                          // range

  std::vector<AggregationSpec> children;       // sub-aggregations, in request order
};

// Parses the JSON object of `aggs`; the result keeps request order.
Result<std::vector<AggregationSpec>> ParseAggregations(std::string_view json,
                                                       const mapping::Mapping& mapping);

}  // namespace holdfast::search
