#include "index/search/aggregation_result.h"

#include <algorithm>
#include <bit>
#include <cmath>

#include "index/search/aggregation_format.h"

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
}

void StatsResult::Merge(const StatsResult& other) {
  count += other.count;
  long_sum += other.long_sum;
  double_sum.Merge(other.double_sum);
  long_min = std::min(long_min, other.long_min);
  long_max = std::max(long_max, other.long_max);
  double_min = std::min(double_min, other.double_min);
  double_max = std::max(double_max, other.double_max);
}

void StatsResult::Render(const AggregationSpec& spec, JsonWriter* w) const {
  const bool is_double = kind == AggValueKind::kDouble;
  const double sum = is_double ? double_sum.Value() : static_cast<double>(long_sum);
  const double min = is_double ? double_min : static_cast<double>(long_min);
  const double max = is_double ? double_max : static_cast<double>(long_max);
  w->StartObject();
  Key(w, "count");
  w->Uint64(count);
  if (count == 0) {
    Key(w, "min"), w->Null();
    Key(w, "max"), w->Null();
    Key(w, "avg"), w->Null();
    Key(w, "sum"), Double(w, 0.0);
    w->EndObject();
    return;
  }
  const double avg = sum / static_cast<double>(count);
  Key(w, "min"), Double(w, min);
  Key(w, "max"), Double(w, max);
  Key(w, "avg"), Double(w, avg);
  Key(w, "sum"), Double(w, sum);
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
  std::vector<const TermsBucket*> order;
  order.reserve(buckets.size());
  for (const TermsBucket& b : buckets) order.push_back(&b);
  auto by_order = [&](const TermsBucket* a, const TermsBucket* b) {
    switch (spec.order) {
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
      String(w, b.text);
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
      if (date) Key(w, "from_as_string"), String(w, FormatEpochMillis(static_cast<int64_t>(*r.from)));
    }
    if (r.to) {
      Key(w, "to"), Double(w, *r.to);
      if (date) Key(w, "to_as_string"), String(w, FormatEpochMillis(static_cast<int64_t>(*r.to)));
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
  r.terms.kind = spec.kind;
  r.stats.kind = spec.kind;
  if (spec.type == AggregationType::kRange) {
    r.range.buckets.resize(spec.ranges.size());
    for (RangeBucket& b : r.range.buckets) {
      for (const AggregationSpec& child : spec.children) b.children.push_back(Empty(child));
    }
  }
  return r;
}

void AggregationResult::Merge(const AggregationResult& other) {
  switch (type) {
    case AggregationType::kTerms: terms.Merge(other.terms); break;
    case AggregationType::kRange: range.Merge(other.range); break;
    case AggregationType::kStats: stats.Merge(other.stats); break;
  }
}

void AggregationResult::Render(const AggregationSpec& spec, JsonWriter* writer) const {
  switch (type) {
    case AggregationType::kTerms: terms.Render(spec, writer); break;
    case AggregationType::kRange: range.Render(spec, writer); break;
    case AggregationType::kStats: stats.Render(spec, writer); break;
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
