// The value a terms aggregation orders its buckets by when its "order"
// names a metric sub-aggregation (AggregationSpec::order_child and
// order_metric): one of the child's values in a bucket. Pure; thread-safe.
#pragma once

#include <string>

#include "index/search/aggregation_result.h"

namespace holdfast::search {

// The value of `r` (of the metric aggregation `spec`) a terms order names;
// NaN when it has none (no values).
double OrderValue(const AggregationSpec& spec, const AggregationResult& r, const std::string& metric);

}  // namespace holdfast::search
