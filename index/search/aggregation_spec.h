// AggregationSpec: the `aggs` / `aggregations` of a search request, parsed
// and checked against the mapping. Supported types:
//
//   terms  {"field", "size" (10), "order" ({"_count"|"_key"|<path>: "asc"|"desc"};
//          default _count desc, then _key asc; a path names a metric
//          sub-aggregation and, for multi-value ones, its value: "avg_price",
//          "price_stats.max", "latency.99"), "min_doc_count" (1; 0 lists every term of a
//          keyword field, with documents or not),
//          "include"/"exclude" (keyword: a regular expression or an array of
//          terms; include also {"partition", "num_partitions"}), "missing"
//          (the key docs without a value count under)}; keyword and numeric fields
//   range  {"field", "ranges": [{"from", "to", "key"}], "keyed" (false)};
//          numeric and date fields (date bounds may be date strings);
//          from inclusive, to exclusive
//   date_range  range on a date field; "format" writes its keys and, when it
//               is a format date fields know, reads its bounds; "time_zone"
//               reads bounds without a zone and rounds their date math
//   stats  {"field"}; numeric and date fields; also its single views min,
//          max, avg, sum ({"value": x}), value_count (any field with doc
//          values) and extended_stats (variance, std_deviation and bounds;
//          "sigma", default 2)
//   histogram       {"field", "interval", "offset", "min_doc_count" (0),
//                   "extended_bounds": {"min", "max"}, "keyed"}; numeric and
//                   date fields; key = floor((v - offset) / interval) * interval + offset
//   date_histogram  {"field", "calendar_interval" (minute, hour, day, week,
//                   month, quarter, year; or 1m, 1h, 1d, 1w, 1M, 1q, 1y) or
//                   "fixed_interval" ("90m", "12h", "7d"), "time_zone" ("+01:00",
//                   "-05:30", "UTC", "Europe/Paris"), "offset" ("+6h"), "min_doc_count" (0),
//                   "extended_bounds", "format" (y M d H m s S and literals), "keyed"}
//   missing         {"field"}: the docs without a value
//   filter          {<query>}: the docs the query matches
//   filters         {"filters": {"name": <query>, ...} (keyed buckets) or
//                   [<query>, ...], "other_bucket", "other_bucket_key" ("_other_")}
//   cardinality     {"field", "precision_threshold" (3000, at most 40000)}:
//                   distinct values, exact up to the threshold (sketches.h)
//   percentiles     {"field", "percents" ([1, 5, 25, 50, 75, 95, 99]), "keyed"
//                   (true), "tdigest": {"compression" (100)}}; numeric and
//                   date fields
//   top_hits        {"size", "from", "sort", "_source", ...}: the best docs
//                   (aggregation_top_hits.h); no sub-aggregations
// Any of them may hold sub-aggregations under "aggs"/"aggregations" (the
// bucket aggregations apply them per bucket).
//
// Errors: kParse (parsing_exception) for unknown types and malformed bodies
// ("Unknown aggregation type [foo]"), kInvalidArgument
// (illegal_argument_exception) for fields that cannot be aggregated on. A field
// the mapping does not know aggregates nothing (empty buckets, count 0).
// A spec is a plain value; share it read-only between threads.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "index/mapping/mapping.h"
#include "index/search/query.h"
#include "index/search/time_zone.h"
#include "index/util/status.h"

namespace holdfast::search {

struct TopHitsSpec;  // aggregation_top_hits.h

enum class AggregationType : uint8_t {
  kTerms, kRange, kStats, kHistogram, kDateHistogram, kMissing, kFilter, kFilters, kCardinality, kPercentiles,
  kTopHits
};

// Which view of the stats a kStats aggregation renders.
enum class StatsMetric : uint8_t { kStats, kMin, kMax, kAvg, kSum, kValueCount, kExtendedStats };

// How a field's doc values are read and keys compared.
enum class AggValueKind : uint8_t {
  kKeyword,   // ordinals → term bytes
  kLong,      // long, date, boolean (int64)
  kDouble,    // IEEE bits in int64
  kUnmapped,  // no values anywhere
};

// kMetric*: by a value of a metric sub-aggregation (order_child, order_metric).
enum class TermsOrder : uint8_t { kCountDesc, kCountAsc, kKeyAsc, kKeyDesc, kMetricAsc, kMetricDesc };

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
  // terms: which keys are shown (include/exclude; regular expressions are
  // ECMAScript, which reads Lucene's simple patterns the same way).
  struct TermFilter {
    std::optional<std::string> include_regex, exclude_regex;
    std::vector<std::string> include_values, exclude_values;
    // numeric fields: values as the kind stores them (kLong, kDouble bits)
    std::vector<int64_t> include_numbers, exclude_numbers;
    uint32_t partition = 0, num_partitions = 0;  // num_partitions 0: none
  };
  std::shared_ptr<const TermFilter> term_filter;  // null: every key
  std::optional<std::string> missing_key;         // terms: docs without a value count under this key
  TermsOrder order = TermsOrder::kCountDesc;   // terms
  // terms ordered by a sub-aggregation: the path as given ("avg_price",
  // "price_stats.max", "load.95"), the child it names and which of its values
  // ("" : the child's one value).
  std::string order_path;
  int order_child = -1;
  std::string order_metric;
  std::vector<AggRange> ranges;                // range: sorted by (from, to) like Elasticsearch
  bool keyed = false;                          // range, histograms
  bool date_range = false;                     // range written as date_range

  StatsMetric metric = StatsMetric::kStats;    // stats
  double sigma = 2;                            // extended_stats
  uint32_t precision_threshold = 3000;         // cardinality
  std::vector<double> percents;                // percentiles, as given
  double compression = 100;                    // percentiles (t-digest)

  // histogram, date_histogram (dates in ms since the epoch, UTC)
  double interval = 0;                         // fixed width (date_histogram: ms)
  CalendarUnit calendar = CalendarUnit::kNone; // date_histogram calendar_interval
  double offset = 0;
  TimeZone time_zone;                          // date_histogram, date_range: time_zone (UTC unless given)
  uint64_t min_doc_count = 0;                  // terms: 1 unless given (the parser sets it)
  std::optional<double> bounds_min, bounds_max;  // extended_bounds
  std::string format;                          // date_histogram, date_range: keys as text; empty: strict_date_optional_time

  // filter (one), filters (one per bucket, then the other bucket if asked)
  std::vector<std::shared_ptr<const Query>> filters;
  std::vector<std::string> filter_keys;        // filters: bucket names (keyed)
  bool other_bucket = false;
  std::string other_bucket_key = "_other_";

  std::shared_ptr<const TopHitsSpec> top_hits;  // top_hits

  std::vector<AggregationSpec> children;       // sub-aggregations, in request order
};

// The bucket of a histogram or date_histogram that value `v` falls in (its key).
double HistogramKey(const AggregationSpec& spec, double v);
// The key of the bucket after `key` (gaps are filled with empty buckets).
double NextHistogramKey(const AggregationSpec& spec, double key);

// Parses the JSON object of `aggs`; the result keeps request order.
Result<std::vector<AggregationSpec>> ParseAggregations(std::string_view json,
                                                       const mapping::Mapping& mapping);

}  // namespace holdfast::search
