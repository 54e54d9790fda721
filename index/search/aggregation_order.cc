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
  const bool is_double = s.kind == AggValueKind::kDouble;
  const double sum = is_double ? s.double_sum.Value() : static_cast<double>(s.long_sum);
  if (m == "count") return static_cast<double>(s.count);
  if (m == "sum") return sum;
  if (s.count == 0) return nan;
  const double n = static_cast<double>(s.count), avg = sum / n;
  if (m == "min") return is_double ? s.double_min : static_cast<double>(s.long_min);
  if (m == "max") return is_double ? s.double_max : static_cast<double>(s.long_max);
  if (m == "avg") return avg;
  const double squares = s.sum_of_squares.Value();
  if (m == "sum_of_squares") return squares;
  const double variance = std::max(0.0, squares / n - avg * avg);
  if (m == "variance") return variance;
  if (m == "std_deviation") return std::sqrt(variance);
  return nan;
}

}  // namespace holdfast::search
