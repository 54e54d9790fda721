#include "index/search/aggregation_result.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <regex>

#include "index/mapping/ip_address.h"
#include "index/search/aggregation_format.h"
#include "index/search/aggregation_order.h"
#include "index/search/histogram_keys.h"

namespace holdfast::search {
namespace {

using mapping::FieldType;

void Key(JsonWriter* w, std::string_view key) {
  w->Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
}

void String(JsonWriter* w, std::string_view s) {
  w->String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

void Double(JsonWriter* w, double v) {
  std::string s = FormatJavaDouble(v);
  w->RawValue(s.data(), s.size(), rapidjson::kNumberType);
}

void RenderChildren(const AggregationSpec& spec, const std::vector<AggregationResult>& children, JsonWriter* w) {
  for (size_t i = 0; i < spec.children.size() && i < children.size(); ++i) {
    Key(w, spec.children[i].name);
    children[i].Render(spec.children[i], w);
  }
}

void MergeChildren(const std::vector<AggregationResult>& other, std::vector<AggregationResult>* into) {
  if (into->empty()) {
    *into = other;
    return;
  }
  for (size_t i = 0; i < into->size() && i < other.size(); ++i) (*into)[i].Merge(other[i]);
}

}  // namespace

// ---- stats -----------------------------------------------------------------

void ExactDoubleSum::Add(double x) {
  size_t kept = 0;
  for (double y : partials_) {
    if (std::fabs(x) < std::fabs(y)) std::swap(x, y);
    const double hi = x + y;
    const double lo = y - (hi - x);
    if (lo != 0) partials_[kept++] = lo;
    x = hi;
  }
  partials_.resize(kept);
  partials_.push_back(x);
}

void ExactDoubleSum::Merge(const ExactDoubleSum& other) {
  for (double p : other.partials_) Add(p);
}

double ExactDoubleSum::Value() const {
  if (partials_.empty()) return 0;
  size_t i = partials_.size() - 1;
  double hi = partials_[i];
  double lo = 0;
  while (i > 0) {
    const double x = hi;
    const double y = partials_[--i];
    hi = x + y;
    lo = y - (hi - x);
    if (lo != 0) break;
  }
  // Round half to even when the rest of the partials break a tie.
  if (i > 0 && ((lo < 0 && partials_[i - 1] < 0) || (lo > 0 && partials_[i - 1] > 0))) {
    const double y = lo * 2;
    const double x = hi + y;
    if (y == x - hi) hi = x;
  }
  return hi;
}

void StatsResult::Add(int64_t value) {
  ++count;
  if (kind == AggValueKind::kDouble) {
    double d = std::bit_cast<double>(value);
    double_sum.Add(d);
    double_min = std::min(double_min, d);
    double_max = std::max(double_max, d);
  } else {
    long_sum += value;
    long_min = std::min(long_min, value);
    long_max = std::max(long_max, value);
  }
  if (squares) {
    const double d = kind == AggValueKind::kDouble ? std::bit_cast<double>(value) : static_cast<double>(value);
    sum_of_squares.Add(d * d);
  }
}

void StatsResult::Merge(const StatsResult& other) {
  count += other.count;
  long_sum += other.long_sum;
  double_sum.Merge(other.double_sum);
  long_min = std::min(long_min, other.long_min);
  long_max = std::max(long_max, other.long_max);
  double_min = std::min(double_min, other.double_min);
  double_max = std::max(double_max, other.double_max);
  squares = squares || other.squares;
  sum_of_squares.Merge(other.sum_of_squares);
}

double StatsResult::Variance() const {
  const double n = static_cast<double>(count), avg = Sum() / n;
  return std::max(0.0, sum_of_squares.Value() / n - avg * avg);
}

void StatsResult::Render(const AggregationSpec& spec, JsonWriter* w) const {
  const double sum = Sum(), min = Min(), max = Max();
  const bool date = spec.field_type == FieldType::kDate;
  // The single-value views: {"value": x} (null without values, as Elasticsearch).
  auto single = [&](std::optional<double> value, std::optional<int64_t> as_date) {
    w->StartObject();
    Key(w, "value");
    if (value) {
      Double(w, *value);
    } else {
      w->Null();
    }
    if (value && date && as_date) Key(w, "value_as_string"), String(w, FormatEpochMillis(*as_date));
    w->EndObject();
  };
  const bool any = count > 0;
  switch (spec.metric) {
    case StatsMetric::kMin: return single(any ? std::optional(min) : std::nullopt, long_min);
    case StatsMetric::kMax: return single(any ? std::optional(max) : std::nullopt, long_max);
    case StatsMetric::kAvg:
      return single(any ? std::optional(sum / static_cast<double>(count)) : std::nullopt,
                    any ? static_cast<int64_t>(sum / static_cast<double>(count)) : 0);
    case StatsMetric::kSum: return single(sum, std::nullopt);
    case StatsMetric::kValueCount:
      w->StartObject();
      Key(w, "value"), w->Uint64(count);
      w->EndObject();
      return;
    case StatsMetric::kStats:
    case StatsMetric::kExtendedStats: break;
  }
  w->StartObject();
  Key(w, "count");
  w->Uint64(count);
  if (count == 0) {
    Key(w, "min"), w->Null();
    Key(w, "max"), w->Null();
    Key(w, "avg"), w->Null();
    Key(w, "sum"), Double(w, 0.0);
    if (spec.metric == StatsMetric::kExtendedStats) {
      Key(w, "sum_of_squares"), w->Null();
      for (const char* k : {"variance", "variance_population", "variance_sampling", "std_deviation",
                            "std_deviation_population", "std_deviation_sampling"}) {
        Key(w, k), w->Null();
      }
      Key(w, "std_deviation_bounds");
      w->StartObject();
      for (const char* k : {"upper", "lower", "upper_population", "lower_population", "upper_sampling", "lower_sampling"}) {
        Key(w, k), w->Null();
      }
      w->EndObject();
    }
    w->EndObject();
    return;
  }
  const double avg = sum / static_cast<double>(count);
  Key(w, "min"), Double(w, min);
  Key(w, "max"), Double(w, max);
  Key(w, "avg"), Double(w, avg);
  Key(w, "sum"), Double(w, sum);
  if (spec.metric == StatsMetric::kExtendedStats) {
    const double n = static_cast<double>(count);
    const double squares_sum = sum_of_squares.Value();
    const double variance = Variance();
    const double sampling = count > 1 ? std::max(0.0, (squares_sum - sum * sum / n) / (n - 1)) : 0.0;
    const double sd = std::sqrt(variance), sd_sampling = std::sqrt(sampling);
    Key(w, "sum_of_squares"), Double(w, squares_sum);
    Key(w, "variance"), Double(w, variance);
    Key(w, "variance_population"), Double(w, variance);
    Key(w, "variance_sampling"), Double(w, sampling);
    Key(w, "std_deviation"), Double(w, sd);
    Key(w, "std_deviation_population"), Double(w, sd);
    Key(w, "std_deviation_sampling"), Double(w, sd_sampling);
    Key(w, "std_deviation_bounds");
    w->StartObject();
    Key(w, "upper"), Double(w, avg + spec.sigma * sd);
    Key(w, "lower"), Double(w, avg - spec.sigma * sd);
    Key(w, "upper_population"), Double(w, avg + spec.sigma * sd);
    Key(w, "lower_population"), Double(w, avg - spec.sigma * sd);
    Key(w, "upper_sampling"), Double(w, avg + spec.sigma * sd_sampling);
    Key(w, "lower_sampling"), Double(w, avg - spec.sigma * sd_sampling);
    w->EndObject();
  }
  if (spec.field_type == FieldType::kDate) {
    Key(w, "min_as_string"), String(w, FormatEpochMillis(long_min));
    Key(w, "max_as_string"), String(w, FormatEpochMillis(long_max));
    Key(w, "avg_as_string"), String(w, FormatEpochMillis(static_cast<int64_t>(avg)));
    Key(w, "sum_as_string"), String(w, FormatEpochMillis(long_sum));
  }
  w->EndObject();
}

// ---- terms -----------------------------------------------------------------

int TermsResult::CompareKeys(const TermsBucket& a, const TermsBucket& b) const {
  switch (kind) {
    case AggValueKind::kKeyword: {
      int c = a.text.compare(b.text);
      return (c > 0) - (c < 0);
    }
    case AggValueKind::kDouble: {
      double x = std::bit_cast<double>(a.number), y = std::bit_cast<double>(b.number);
      return (x > y) - (x < y);
    }
    default: return (a.number > b.number) - (a.number < b.number);
  }
}

void TermsResult::Merge(const TermsResult& other) {
  if (other.buckets.empty()) return;
  if (kind == AggValueKind::kUnmapped) kind = other.kind;
  std::vector<TermsBucket> merged;
  merged.reserve(buckets.size() + other.buckets.size());
  size_t i = 0, j = 0;
  while (i < buckets.size() || j < other.buckets.size()) {
    int c = i == buckets.size() ? 1 : j == other.buckets.size() ? -1 : CompareKeys(buckets[i], other.buckets[j]);
    if (c < 0) {
      merged.push_back(std::move(buckets[i++]));
    } else if (c > 0) {
      merged.push_back(other.buckets[j++]);
    } else {
      TermsBucket b = std::move(buckets[i++]);
      b.doc_count += other.buckets[j].doc_count;
      MergeChildren(other.buckets[j++].children, &b.children);
      merged.push_back(std::move(b));
    }
  }
  buckets = std::move(merged);
}

void TermsResult::Render(const AggregationSpec& spec, JsonWriter* w) const {
  // Which keys are shown: min_doc_count, include/exclude (keyword keys).
  const AggregationSpec::TermFilter* filter = spec.term_filter.get();
  std::optional<std::regex> include, exclude;
  if (filter != nullptr && filter->include_regex) include.emplace(*filter->include_regex);
  if (filter != nullptr && filter->exclude_regex) exclude.emplace(*filter->exclude_regex);
  auto shown_key = [&](const TermsBucket& b) {
    if (b.doc_count < spec.min_doc_count) return false;
    if (filter == nullptr) return true;
    if (kind == AggValueKind::kLong || kind == AggValueKind::kDouble) {
      auto has = [&](const std::vector<int64_t>& numbers) {
        return std::find(numbers.begin(), numbers.end(), b.number) != numbers.end();
      };
      if (!filter->include_numbers.empty() && !has(filter->include_numbers)) return false;
      if (filter->num_partitions > 0 &&
          static_cast<uint64_t>(b.number) % filter->num_partitions != filter->partition) {
        return false;
      }
      return !has(filter->exclude_numbers);
    }
    if (kind != AggValueKind::kKeyword) return true;
    auto listed = [&](const std::vector<std::string>& values) {
      return std::find(values.begin(), values.end(), b.text) != values.end();
    };
    if (include && !std::regex_match(b.text, *include)) return false;
    if (!filter->include_values.empty() && !listed(filter->include_values)) return false;
    if (filter->num_partitions > 0 && std::hash<std::string>{}(b.text) % filter->num_partitions != filter->partition) {
      return false;
    }
    if (exclude && std::regex_match(b.text, *exclude)) return false;
    return !listed(filter->exclude_values);
  };
  std::vector<const TermsBucket*> order;
  order.reserve(buckets.size());
  for (const TermsBucket& b : buckets) {
    if (shown_key(b)) order.push_back(&b);
  }
  // Ordered by a sub-aggregation: its value per bucket, computed once; buckets
  // without one go last either way.
  std::vector<double> metric;
  const bool by_metric = spec.order == TermsOrder::kMetricAsc || spec.order == TermsOrder::kMetricDesc;
  if (by_metric && spec.order_child >= 0) {
    metric.resize(buckets.size(), std::numeric_limits<double>::quiet_NaN());
    const AggregationSpec& child = spec.children[static_cast<size_t>(spec.order_child)];
    for (const TermsBucket* b : order) {
      if (static_cast<size_t>(spec.order_child) < b->children.size()) {
        metric[static_cast<size_t>(b - buckets.data())] =
            OrderValue(child, b->children[static_cast<size_t>(spec.order_child)], spec.order_metric);
      }
    }
  }
  auto by_order = [&](const TermsBucket* a, const TermsBucket* b) {
    switch (spec.order) {
      case TermsOrder::kMetricAsc:
      case TermsOrder::kMetricDesc: {
        if (metric.empty()) break;
        const double x = metric[static_cast<size_t>(a - buckets.data())];
        const double y = metric[static_cast<size_t>(b - buckets.data())];
        if (std::isnan(x) != std::isnan(y)) return std::isnan(y);
        if (x != y && !std::isnan(x)) return spec.order == TermsOrder::kMetricAsc ? x < y : x > y;
        break;
      }
      case TermsOrder::kCountDesc:
        if (a->doc_count != b->doc_count) return a->doc_count > b->doc_count;
        break;
      case TermsOrder::kCountAsc:
        if (a->doc_count != b->doc_count) return a->doc_count < b->doc_count;
        break;
      case TermsOrder::kKeyDesc: return CompareKeys(*a, *b) > 0;
      case TermsOrder::kKeyAsc: break;
    }
    return CompareKeys(*a, *b) < 0;
  };
  const size_t shown = std::min<size_t>(spec.size, order.size());
  std::partial_sort(order.begin(), order.begin() + static_cast<ptrdiff_t>(shown), order.end(), by_order);
  uint64_t other = 0;
  for (size_t i = shown; i < order.size(); ++i) other += order[i]->doc_count;

  w->StartObject();
  Key(w, "doc_count_error_upper_bound"), w->Uint64(0);
  Key(w, "sum_other_doc_count"), w->Uint64(other);
  Key(w, "buckets");
  w->StartArray();
  for (size_t i = 0; i < shown; ++i) {
    const TermsBucket& b = *order[i];
    w->StartObject();
    Key(w, "key");
    if (kind == AggValueKind::kKeyword) {
      String(w, spec.field_type == FieldType::kIp ? mapping::IpTermToText(b.text) : b.text);
    } else if (kind == AggValueKind::kDouble) {
      Double(w, std::bit_cast<double>(b.number));
    } else {
      w->Int64(b.number);
      if (spec.field_type == FieldType::kDate) {
        Key(w, "key_as_string"), String(w, FormatEpochMillis(b.number));
      } else if (spec.field_type == FieldType::kBoolean) {
        Key(w, "key_as_string"), String(w, b.number != 0 ? "true" : "false");
      }
    }
    Key(w, "doc_count"), w->Uint64(b.doc_count);
    RenderChildren(spec, b.children, w);
    w->EndObject();
  }
  w->EndArray();
  w->EndObject();
}

// ---- histogram, date_histogram ----------------------------------------------

void TermsResult::RenderHistogram(const AggregationSpec& spec, JsonWriter* w) const {
  // At most this many buckets, filled gaps included (Elasticsearch's search.max_buckets).
  constexpr size_t kMaxBuckets = 65536;
  const bool date = spec.type == AggregationType::kDateHistogram;
  auto key_of = [&](const TermsBucket& b) {
    return kind == AggValueKind::kDouble ? std::bit_cast<double>(b.number) : static_cast<double>(b.number);
  };
  auto emit = [&](double key, uint64_t doc_count, const std::vector<AggregationResult>* children) {
    const std::string as_string = date ? FormatDateMillis(spec.format, spec.time_zone, static_cast<int64_t>(key)) : FormatJavaDouble(key);
    if (spec.keyed) Key(w, as_string);
    w->StartObject();
    if (date) Key(w, "key_as_string"), String(w, as_string);
    Key(w, "key");
    date ? static_cast<void>(w->Int64(static_cast<int64_t>(key))) : Double(w, key);
    Key(w, "doc_count"), w->Uint64(doc_count);
    if (children != nullptr) {
      RenderChildren(spec, *children, w);
    } else {
      for (const AggregationSpec& child : spec.children) {
        Key(w, child.name);
        AggregationResult::Empty(child).Render(child, w);
      }
    }
    w->EndObject();
  };
  w->StartObject();
  Key(w, "buckets");
  spec.keyed ? w->StartObject() : w->StartArray();
  size_t emitted = 0;
  if (spec.min_doc_count > 0) {
    for (const TermsBucket& b : buckets) {
      if (b.doc_count < spec.min_doc_count || emitted++ >= kMaxBuckets) continue;
      emit(key_of(b), b.doc_count, &b.children);
    }
  } else {
    HistogramKeys keys(spec);
    std::optional<double> lo, hi;
    if (!buckets.empty()) lo = key_of(buckets.front()), hi = key_of(buckets.back());
    if (spec.bounds_min) {
      const double k = keys.Key(*spec.bounds_min);
      lo = lo ? std::min(*lo, k) : k;
      if (!hi) hi = k;
    }
    if (spec.bounds_max) {
      const double k = keys.Key(*spec.bounds_max);
      hi = hi ? std::max(*hi, k) : k;
      if (!lo) lo = k;
    }
    size_t next = 0;  // the next stored bucket
    for (double key = lo.value_or(0); lo && key <= *hi && emitted < kMaxBuckets; ++emitted) {
      while (next < buckets.size() && key_of(buckets[next]) < key) ++next;  // (cannot happen: keys are bucket starts)
      if (next < buckets.size() && key_of(buckets[next]) == key) {
        emit(key, buckets[next].doc_count, &buckets[next].children);
        ++next;
      } else {
        emit(key, 0, nullptr);
      }
      const double after = keys.Key(keys.Next(key));
      if (!(after > key)) break;  // an interval too small for doubles
      key = after;
    }
  }
  spec.keyed ? w->EndObject() : w->EndArray();
  w->EndObject();
}

// ---- range -----------------------------------------------------------------

void RangeResult::Merge(const RangeResult& other) {
  for (size_t i = 0; i < buckets.size() && i < other.buckets.size(); ++i) {
    buckets[i].doc_count += other.buckets[i].doc_count;
    MergeChildren(other.buckets[i].children, &buckets[i].children);
  }
}

void RangeResult::Render(const AggregationSpec& spec, JsonWriter* w) const {
  const bool date = spec.field_type == FieldType::kDate;
  w->StartObject();
  Key(w, "buckets");
  spec.keyed ? w->StartObject() : w->StartArray();
  for (size_t i = 0; i < spec.ranges.size() && i < buckets.size(); ++i) {
    const AggRange& r = spec.ranges[i];
    if (spec.keyed) Key(w, r.key);
    w->StartObject();
    if (!spec.keyed) Key(w, "key"), String(w, r.key);
    if (r.from) {
      Key(w, "from"), Double(w, *r.from);
      if (date) Key(w, "from_as_string"), String(w, FormatDateMillis(spec.format, spec.time_zone, static_cast<int64_t>(*r.from)));
    }
    if (r.to) {
      Key(w, "to"), Double(w, *r.to);
      if (date) Key(w, "to_as_string"), String(w, FormatDateMillis(spec.format, spec.time_zone, static_cast<int64_t>(*r.to)));
    }
    Key(w, "doc_count"), w->Uint64(buckets[i].doc_count);
    RenderChildren(spec, buckets[i].children, w);
    w->EndObject();
  }
  spec.keyed ? w->EndObject() : w->EndArray();
  w->EndObject();
}

// ---- any -------------------------------------------------------------------

AggregationResult AggregationResult::Empty(const AggregationSpec& spec) {
  AggregationResult r;
  r.type = spec.type;
  r.terms.kind = spec.type == AggregationType::kHistogram       ? AggValueKind::kDouble
                 : spec.type == AggregationType::kDateHistogram ? AggValueKind::kLong
                                                                : spec.kind;
  r.stats.kind = spec.kind;
  r.stats.squares = spec.metric == StatsMetric::kExtendedStats;
  r.cardinality = CardinalitySketch(spec.precision_threshold);
  r.digest = PercentileDigest(spec.compression);
  r.top_hits.spec = spec.top_hits;
  const bool filters = spec.type == AggregationType::kFilter || spec.type == AggregationType::kFilters;
  if (spec.type == AggregationType::kRange || spec.type == AggregationType::kMissing || filters) {
    r.range.buckets.resize(spec.type == AggregationType::kMissing ? 1
                           : filters                            ? spec.filters.size() + (spec.other_bucket ? 1 : 0)
                                                                : spec.ranges.size());
    for (RangeBucket& b : r.range.buckets) {
      for (const AggregationSpec& child : spec.children) b.children.push_back(Empty(child));
    }
  }
  return r;
}

void AggregationResult::Merge(const AggregationResult& other) {
  switch (type) {
    case AggregationType::kTerms:
    case AggregationType::kHistogram:
    case AggregationType::kDateHistogram: terms.Merge(other.terms); break;
    case AggregationType::kRange:
    case AggregationType::kMissing:
    case AggregationType::kFilter:
    case AggregationType::kFilters: range.Merge(other.range); break;
    case AggregationType::kStats: stats.Merge(other.stats); break;
    case AggregationType::kCardinality: cardinality.Merge(other.cardinality); break;
    case AggregationType::kPercentiles: digest.Merge(other.digest); break;
    case AggregationType::kTopHits: top_hits.Merge(other.top_hits); break;
  }
}

void AggregationResult::Render(const AggregationSpec& spec, JsonWriter* writer) const {
  switch (type) {
    case AggregationType::kTerms: terms.Render(spec, writer); break;
    case AggregationType::kHistogram:
    case AggregationType::kDateHistogram: terms.RenderHistogram(spec, writer); break;
    case AggregationType::kRange: range.Render(spec, writer); break;
    case AggregationType::kStats: stats.Render(spec, writer); break;
    case AggregationType::kTopHits: top_hits.Render(spec, writer); break;
    case AggregationType::kCardinality:
      writer->StartObject();
      Key(writer, "value"), writer->Uint64(cardinality.Estimate());
      writer->EndObject();
      break;
    case AggregationType::kPercentiles:
      writer->StartObject();
      Key(writer, "values");
      spec.keyed ? writer->StartObject() : writer->StartArray();
      for (double percent : spec.percents) {
        const double v = digest.Quantile(percent / 100);
        if (spec.keyed) {
          Key(writer, FormatJavaDouble(percent));
        } else {
          writer->StartObject();
          Key(writer, "key"), writer->Double(percent);
          Key(writer, "value");
        }
        std::isnan(v) ? writer->Null() : writer->Double(v);
        // Dates also as text, as Elasticsearch writes them.
        if (!std::isnan(v) && spec.field_type == FieldType::kDate) {
          Key(writer, spec.keyed ? FormatJavaDouble(percent) + "_as_string" : std::string("value_as_string"));
          String(writer, FormatEpochMillis(static_cast<int64_t>(v)));
        }
        if (!spec.keyed) writer->EndObject();
      }
      spec.keyed ? writer->EndObject() : writer->EndArray();
      writer->EndObject();
      break;
    case AggregationType::kMissing:
    case AggregationType::kFilter:
      writer->StartObject();
      Key(writer, "doc_count"), writer->Uint64(range.buckets.empty() ? 0 : range.buckets[0].doc_count);
      if (!range.buckets.empty()) RenderChildren(spec, range.buckets[0].children, writer);
      writer->EndObject();
      break;
    case AggregationType::kFilters: {
      writer->StartObject();
      Key(writer, "buckets");
      spec.keyed ? writer->StartObject() : writer->StartArray();
      for (size_t i = 0; i < range.buckets.size(); ++i) {
        const bool other = i == spec.filters.size();
        const std::string* key = other ? (spec.keyed || !spec.filter_keys.empty() ? &spec.other_bucket_key : nullptr)
                                 : i < spec.filter_keys.size() ? &spec.filter_keys[i]
                                                               : nullptr;
        if (spec.keyed && key != nullptr) Key(writer, *key);
        writer->StartObject();
        if (!spec.keyed && key != nullptr) Key(writer, "key"), String(writer, *key);
        Key(writer, "doc_count"), writer->Uint64(range.buckets[i].doc_count);
        RenderChildren(spec, range.buckets[i].children, writer);
        writer->EndObject();
      }
      spec.keyed ? writer->EndObject() : writer->EndArray();
      writer->EndObject();
      break;
    }
  }
}

void MergeAggregationResults(const AggregationResults& other, AggregationResults* into) {
  MergeChildren(other, into);
}

void RenderAggregations(const std::vector<AggregationSpec>& specs, const AggregationResults& results,
                        JsonWriter* writer) {
  writer->StartObject();
  for (size_t i = 0; i < specs.size(); ++i) {
    Key(writer, specs[i].name);
    if (i < results.size()) {
      results[i].Render(specs[i], writer);
    } else {
      AggregationResult::Empty(specs[i]).Render(specs[i], writer);
    }
  }
  writer->EndObject();
}

std::string AggregationsToJson(const std::vector<AggregationSpec>& specs, const AggregationResults& results) {
  rapidjson::StringBuffer buffer;
  JsonWriter writer(buffer);
  RenderAggregations(specs, results, &writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace holdfast::search
