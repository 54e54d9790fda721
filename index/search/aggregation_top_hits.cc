#include "index/search/aggregation_top_hits.h"

#include <algorithm>
#include <cmath>

#include "index/search/aggregation_parser.h"
#include "index/search/aggregation_result.h"

namespace holdfast::search {
namespace {

// Elasticsearch's default index.max_inner_result_window.
constexpr int64_t kMaxWindow = 100;

void Key(rapidjson::Writer<rapidjson::StringBuffer>* w, std::string_view key) {
  w->Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
}

// The order hits are kept in: the sort with `_id` last, then the index (the
// same id may live in two indices).
bool Before(const TopHitsSpec& spec, const TopHit& a, const TopHit& b) {
  const int c = CompareSortValues(spec.merge_sort, a.sort_values, b.sort_values);
  return c != 0 ? c < 0 : a.index < b.index;
}

Result<uint32_t> WindowParam(od::value& value, std::string_view what) {
  Result<int64_t> n = CountOf(value, what);
  if (!n.ok()) return n.status();
  return static_cast<uint32_t>(std::min<int64_t>(n.value(), kMaxWindow + 1));
}

// The JSON text of `value`, whatever its kind.
Result<std::string_view> RawOf(od::value& value) {
  Result<od::json_type> type = TypeOf(value);
  if (!type.ok()) return type.status();
  std::string_view raw;
  simdjson::error_code e = simdjson::SUCCESS;
  if (type.value() == od::json_type::object) {
    od::object object;
    e = value.get_object().get(object);
    if (!e) e = object.raw_json().get(raw);
  } else if (type.value() == od::json_type::array) {
    od::array array;
    e = value.get_array().get(array);
    if (!e) e = array.raw_json().get(raw);
  } else {
    raw = value.raw_json_token();
  }
  if (e) return JsonError(e);
  return raw;
}

Result<bool> BoolParam(od::value& value, std::string_view what) {
  bool b = false;
  if (value.get_bool().get(b) != simdjson::SUCCESS) return ParsingError("[" + std::string(what) + "] must be a boolean");
  return b;
}

Status ParseSort(od::value& value, const mapping::Mapping& mapping, TopHitsSpec* spec) {
  Result<std::string_view> raw = RawOf(value);
  if (!raw.ok()) return raw.status();
  Result<SortSpec> sort = ParseSortSpec(raw.value(), mapping);
  if (!sort.ok()) return sort.status();
  for (const SortKey& key : sort->keys) {
    if (key.field == "_popularity") return IllegalArgumentError("[top_hits] cannot sort by [_popularity]");
  }
  if (!sort->keys.empty()) spec->sort = std::move(sort).value();
  return Status::OK();
}

Status ParseSource(od::value& value, TopHitsSpec* spec) {
  Result<std::string_view> raw = RawOf(value);
  if (!raw.ok()) return raw.status();
  Result<SourceFilter> filter = SourceFilter::FromJson(raw.value());
  if (!filter.ok()) return filter.status();
  spec->source = std::move(filter).value();
  return Status::OK();
}

void WriteHit(const TopHitsSpec& spec, const TopHit& hit, rapidjson::Writer<rapidjson::StringBuffer>* w) {
  w->StartObject();
  Key(w, "_index"), w->String(hit.index.data(), static_cast<rapidjson::SizeType>(hit.index.size()));
  Key(w, "_id"), w->String(hit.id.data(), static_cast<rapidjson::SizeType>(hit.id.size()));
  if (spec.version && hit.found) Key(w, "_version"), w->Int64(hit.version);
  if (spec.seq_no_primary_term && hit.found) {
    Key(w, "_seq_no"), w->Int64(hit.seq_no);
    Key(w, "_primary_term"), w->Int64(hit.primary_term);
  }
  Key(w, "_score");
  spec.ShowsScores() && !std::isnan(hit.score) ? w->Double(hit.score) : w->Null();
  if (spec.source.enabled() && hit.found) {
    Key(w, "_source");
    w->RawValue(hit.source.data(), hit.source.size(), rapidjson::kObjectType);
  }
  if (!spec.by_score) {
    Key(w, "sort");
    WriteSortValues(spec.sort, hit.sort_values, w);
  }
  w->EndObject();
}

void CollectFrom(const std::vector<AggregationSpec>& specs, std::vector<AggregationResult>* results,
                 std::vector<TopHitRef>* out) {
  for (size_t i = 0; i < specs.size() && i < results->size(); ++i) {
    const AggregationSpec& spec = specs[i];
    AggregationResult& r = (*results)[i];
    if (spec.type == AggregationType::kTopHits) {
      for (TopHit& hit : r.top_hits.hits) out->push_back({spec.top_hits.get(), &hit});
    }
    for (TermsBucket& b : r.terms.buckets) CollectFrom(spec.children, &b.children, out);
    for (RangeBucket& b : r.range.buckets) CollectFrom(spec.children, &b.children, out);
  }
}

}  // namespace

Status ParseTopHits(od::value& body, const mapping::Mapping& mapping, AggregationSpec* spec) {
  od::object object;
  if (body.get_object().get(object) != simdjson::SUCCESS) {
    return ParsingError("Expected [START_OBJECT] for [top_hits] in " + Quote(spec->name));
  }
  auto top = std::make_shared<TopHitsSpec>();
  for (auto field : object) {
    std::string_view key;
    if (auto e = field.unescaped_key().get(key); e) return JsonError(e);
    od::value value;
    if (auto e = field.value().get(value); e) return JsonError(e);
    Result<bool> flag = false;
    if (key == "size" || key == "from") {
      Result<uint32_t> n = WindowParam(value, key);
      if (!n.ok()) return n.status();
      (key == "size" ? top->size : top->from) = n.value();
    } else if (key == "sort") {
      HOLDFAST_RETURN_IF_ERROR(ParseSort(value, mapping, top.get()));
    } else if (key == "_source") {
      HOLDFAST_RETURN_IF_ERROR(ParseSource(value, top.get()));
    } else if (key == "track_scores" || key == "version" || key == "seq_no_primary_term") {
      flag = BoolParam(value, key);
      if (!flag.ok()) return flag.status();
      (key == "track_scores" ? top->track_scores : key == "version" ? top->version : top->seq_no_primary_term) =
          flag.value();
    } else {
      return ParsingError("[top_hits] unknown field " + Quote(key));
    }
  }
  if (top->window() > kMaxWindow) {
    return IllegalArgumentError("Top hits result window is too large, the top hits aggregator " + Quote(spec->name) +
                                "'s from + size must be less than or equal to: [" + std::to_string(kMaxWindow) +
                                "] but was [" + std::to_string(top->window()) +
                                "]. This limit can be set by changing the [index.max_inner_result_window] index "
                                "level setting.");
  }
  const std::vector<SortKey>& keys = top->sort.keys;
  top->by_score = keys.empty() || (keys.size() == 1 && keys[0].kind == SortKeyKind::kScore && keys[0].descending);
  if (keys.empty()) top->sort.keys.push_back(SortKey{"_score", SortKeyKind::kScore, {}, true, false, {}, {}});
  top->merge_sort = top->sort;
  top->merge_sort.keys.push_back(SortKey{"_id", SortKeyKind::kId, {}, false, false, {}, {}});
  spec->top_hits = std::move(top);
  return Status::OK();
}

bool AggregationsNeedScores(const std::vector<AggregationSpec>& specs) {
  for (const AggregationSpec& spec : specs) {
    if (spec.type == AggregationType::kTopHits && spec.top_hits->NeedsScores()) return true;
    if (AggregationsNeedScores(spec.children)) return true;
  }
  return false;
}

void CollectTopHits(const std::vector<AggregationSpec>& specs, std::vector<AggregationResult>* results,
                    std::vector<TopHitRef>* out) {
  CollectFrom(specs, results, out);
}

void TopHitsResult::Merge(const TopHitsResult& other) {
  total += other.total;
  max_score = std::max(max_score, other.max_score);
  if (spec == nullptr) spec = other.spec;
  hits.insert(hits.end(), other.hits.begin(), other.hits.end());
  if (spec == nullptr) return;
  const TopHitsSpec& s = *spec;
  std::stable_sort(hits.begin(), hits.end(), [&s](const TopHit& a, const TopHit& b) { return Before(s, a, b); });
  if (hits.size() > s.window()) hits.resize(s.window());
}

void TopHitsResult::Render(const AggregationSpec& agg, rapidjson::Writer<rapidjson::StringBuffer>* w) const {
  const TopHitsSpec& s = *agg.top_hits;
  std::vector<const TopHit*> order;
  order.reserve(hits.size());
  for (const TopHit& hit : hits) order.push_back(&hit);
  std::stable_sort(order.begin(), order.end(), [&s](const TopHit* a, const TopHit* b) { return Before(s, *a, *b); });
  w->StartObject();
  Key(w, "hits");
  w->StartObject();
  Key(w, "total");
  w->StartObject();
  Key(w, "value"), w->Uint64(total);
  Key(w, "relation"), w->String("eq");
  w->EndObject();
  Key(w, "max_score");
  s.ShowsScores() && std::isfinite(max_score) ? w->Double(max_score) : w->Null();
  Key(w, "hits");
  w->StartArray();
  for (size_t i = s.from; i < order.size() && i < s.window(); ++i) WriteHit(s, *order[i], w);
  w->EndArray();
  w->EndObject();
  w->EndObject();
}

}  // namespace holdfast::search
