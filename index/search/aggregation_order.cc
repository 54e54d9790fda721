#include "index/search/aggregation_order.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace holdfast::search {

double OrderValue(const AggregationSpec& spec, const AggregationResult& r, const std::string& metric) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (spec.type == AggregationType::kCardinality) return static_cast<double>(r.cardinality.Estimate());
  if (spec.type == AggregationType::kPercentiles) return r.digest.Quantile(std::strtod(metric.c_str(), nullptr) / 100);
  if (spec.type != AggregationType::kStats) return nan;
  const StatsResult& s = r.stats;
  std::string_view m = metric;
  if (m.empty()) {
    switch (spec.metric) {
      case StatsMetric::kMin: m = "min"; break;
      case StatsMetric::kMax: m = "max"; break;
      case StatsMetric::kAvg: m = "avg"; break;
      case StatsMetric::kSum: m = "sum"; break;
      default: m = "count"; break;
    }
  }
  if (m == "count") return static_cast<double>(s.count);
  if (m == "sum") return s.Sum();
  if (s.count == 0) return nan;
  if (m == "min") return s.Min();
  if (m == "max") return s.Max();
  if (m == "avg") return s.Sum() / static_cast<double>(s.count);
  if (m == "sum_of_squares") return s.sum_of_squares.Value();
  if (m == "variance") return s.Variance();
  if (m == "std_deviation") return std::sqrt(s.Variance());
  return nan;
}

}  // namespace holdfast::search
