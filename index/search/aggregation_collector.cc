#include "index/search/aggregation_collector.h"

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>
#include <absl/strings/string_view.h>

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>

#include <xxhash.h>

#include "index/search/histogram_keys.h"
#include "index/search/query.h"
#include "index/search/top_hits_aggregator.h"

namespace holdfast::search {
namespace {

bool KindMatches(AggValueKind kind, segment::FieldKind field_kind) {
  switch (kind) {
    case AggValueKind::kKeyword: return field_kind == segment::FieldKind::kKeyword;
    case AggValueKind::kDouble: return field_kind == segment::FieldKind::kDouble;
    case AggValueKind::kLong:
      return field_kind == segment::FieldKind::kLong || field_kind == segment::FieldKind::kDate ||
             field_kind == segment::FieldKind::kBoolean;
    case AggValueKind::kUnmapped: return false;
  }
  return false;
}

// Statistics for weights that never score (filter aggregations).
class NoStatistics final : public CollectionStatistics {
 public:
  segment::FieldStats Field(std::string_view) const override { return {}; }
  uint64_t DocFreq(std::string_view, std::string_view) const override { return 0; }
};

// Grows `v` (doubling) so that index `i` exists; new entries are `fill`.
template <typename T>
void EnsureIndex(std::vector<T>* v, size_t i, const T& fill = T()) {
  if (i >= v->size()) v->resize(std::max(i + 1, v->size() * 2), fill);
}

}  // namespace

// One aggregation of the tree. `owner` is the bucket of the parent that a doc
// falls in (0 at the top level); this aggregator keeps state per owner.
// `score` points at the score of the doc being collected.
class AggregationCollector::Aggregator {
 public:
  Aggregator(const AggregationSpec& spec, bool top_level, const float* score)
      : spec_(spec), top_level_(top_level), score_(score) {
    stats_fill_.kind = spec.kind;
    stats_fill_.squares = spec.metric == StatsMetric::kExtendedStats;
    sketch_fill_ = CardinalitySketch(spec.precision_threshold);
    digest_fill_ = PercentileDigest(spec.compression);
    for (const AggregationSpec& child : spec.children) {
      children_.push_back(std::make_unique<Aggregator>(child, false, score));
    }
    if (spec.type == AggregationType::kTopHits) top_hits_ = std::make_unique<TopHitsAggregator>(spec.top_hits);
  }

  void SetSegment(const SegmentView& view) {
    const segment::SegmentReader& reader = *view.reader;
    if (IsFilter()) SetFilterSegment(view);
    if (top_hits_) top_hits_->SetSegment(view);
    field_ = spec_.field.empty() ? nullptr : reader.field(spec_.field);
    if (field_ != nullptr && (!field_->has_values() || !KindMatches(spec_.kind, field_->kind()))) field_ = nullptr;
    if (spec_.type == AggregationType::kTerms && spec_.kind == AggValueKind::kKeyword) {
      const size_t ords = field_ != nullptr ? field_->num_ords() : 0;
      if (top_level_) ord_bucket_.assign(ords, -1);
      ord_term_.assign(ords, -1);
      // min_doc_count 0: every term of the field is a key, with documents or not.
      if (spec_.min_doc_count == 0) {
        for (uint32_t ord = 0; ord < ords; ++ord) TermNumber(ord);
      }
    }
    if (spec_.type == AggregationType::kCardinality && spec_.kind == AggValueKind::kKeyword) {
      ord_hash_.assign(field_ != nullptr ? field_->num_ords() : 0, 0);
    }
    for (auto& child : children_) child->SetSegment(view);
  }

  void Collect(uint32_t doc, uint32_t owner) {
    if (top_hits_) {
      top_hits_->Collect(doc, owner, *score_);
      return;
    }
    if (IsFilter()) {
      CollectFilters(doc, owner);
      return;
    }
    if (spec_.type == AggregationType::kMissing) {
      if (field_ != nullptr && field_->ValueCount(doc) > 0) return;
      EnsureIndex(&range_counts_, owner);
      ++range_counts_[owner];
      for (auto& child : children_) child->Collect(doc, owner);
      return;
    }
    const uint32_t count = field_ == nullptr ? 0 : field_->ValueCount(doc);
    if (count == 0) {
      if (spec_.type == AggregationType::kTerms && spec_.missing_key && spec_.kind != AggValueKind::kUnmapped) {
        const uint32_t bucket = MissingBucket(owner);
        ++bucket_count_[bucket];
        for (auto& child : children_) child->Collect(doc, bucket);
      }
      return;
    }
    const uint32_t start = field_->ValueStart(doc);
    switch (spec_.type) {
      case AggregationType::kTerms: CollectTerms(doc, owner, start, count); break;
      case AggregationType::kRange: CollectRange(doc, owner, start, count); break;
      case AggregationType::kStats:
        EnsureIndex(&stats_, owner, stats_fill_);
        if (spec_.kind == AggValueKind::kKeyword) {  // value_count of a keyword field: distinct terms per doc
          for (uint32_t i = 0; i < count; ++i) {
            stats_[owner].count += i == 0 || field_->OrdAt(start + i) != field_->OrdAt(start + i - 1);
          }
          break;
        }
        for (uint32_t i = 0; i < count; ++i) stats_[owner].Add(field_->NumericAt(start + i));
        break;
      case AggregationType::kHistogram:
      case AggregationType::kDateHistogram: CollectHistogram(doc, owner, start, count); break;
      case AggregationType::kCardinality:
        EnsureIndex(&sketches_, owner, sketch_fill_);
        for (uint32_t i = 0; i < count; ++i) sketches_[owner].AddHash(ValueHash(start + i));
        break;
      case AggregationType::kPercentiles:
        EnsureIndex(&digests_, owner, digest_fill_);
        for (uint32_t i = 0; i < count; ++i) {
          const int64_t v = field_->NumericAt(start + i);
          digests_[owner].Add(spec_.kind == AggValueKind::kDouble ? std::bit_cast<double>(v) : static_cast<double>(v));
        }
        break;
      case AggregationType::kMissing:
      case AggregationType::kFilter:
      case AggregationType::kFilters:
      case AggregationType::kTopHits: break;
    }
  }

  AggregationResult Build(uint32_t owner) {
    AggregationResult r = AggregationResult::Empty(spec_);
    switch (spec_.type) {
      case AggregationType::kTerms: BuildTerms(owner, &r.terms); break;
      case AggregationType::kRange:
        for (size_t i = 0; i < spec_.ranges.size(); ++i) {
          const size_t bucket = owner * spec_.ranges.size() + i;
          r.range.buckets[i].doc_count = bucket < range_counts_.size() ? range_counts_[bucket] : 0;
          r.range.buckets[i].children = BuildChildren(static_cast<uint32_t>(bucket));
        }
        break;
      case AggregationType::kStats:
        if (owner < stats_.size()) r.stats = stats_[owner];
        break;
      case AggregationType::kCardinality:
        if (owner < sketches_.size()) r.cardinality = sketches_[owner];
        break;
      case AggregationType::kPercentiles:
        if (owner < digests_.size()) r.digest = digests_[owner];
        break;
      case AggregationType::kTopHits: r.top_hits = top_hits_->Build(owner); break;
      case AggregationType::kHistogram:
      case AggregationType::kDateHistogram: BuildTerms(owner, &r.terms); break;
      case AggregationType::kMissing:
        r.range.buckets[0].doc_count = owner < range_counts_.size() ? range_counts_[owner] : 0;
        r.range.buckets[0].children = BuildChildren(owner);
        break;
      case AggregationType::kFilter:
      case AggregationType::kFilters: {
        const size_t n = r.range.buckets.size();
        for (size_t i = 0; i < n; ++i) {
          const size_t bucket = owner * n + i;
          r.range.buckets[i].doc_count = bucket < range_counts_.size() ? range_counts_[bucket] : 0;
          r.range.buckets[i].children = BuildChildren(static_cast<uint32_t>(bucket));
        }
        break;
      }
    }
    return r;
  }

 private:
  // Values of a doc are sorted, so repeats are adjacent: a doc counts once per term.
  void CollectTerms(uint32_t doc, uint32_t owner, uint32_t start, uint32_t count) {
    for (uint32_t i = 0; i < count; ++i) {
      uint32_t bucket;
      if (spec_.kind == AggValueKind::kKeyword) {
        const uint32_t ord = field_->OrdAt(start + i);
        if (i > 0 && ord == field_->OrdAt(start + i - 1)) continue;
        bucket = KeywordBucket(owner, ord);
      } else {
        const int64_t value = field_->NumericAt(start + i);
        if (i > 0 && value == field_->NumericAt(start + i - 1)) continue;
        bucket = NumericBucket(owner, value);
      }
      ++bucket_count_[bucket];
      for (auto& child : children_) child->Collect(doc, bucket);
    }
  }

  // cardinality: the hash of a value (a keyword's term bytes, hashed once
  // per segment and ordinal; a number's 64 bits), the same on every shard.
  uint64_t ValueHash(uint32_t i) {
    if (spec_.kind != AggValueKind::kKeyword) {
      const int64_t v = field_->NumericAt(i);
      return XXH3_64bits(&v, sizeof v);
    }
    const uint32_t ord = field_->OrdAt(i);
    uint64_t& h = ord_hash_[ord];
    if (h == 0) {
      const std::string_view term = field_->OrdTerm(ord);
      h = XXH3_64bits(term.data(), term.size()) | 1;  // never 0, the "not hashed yet" mark
    }
    return h;
  }

  bool IsFilter() const {
    return spec_.type == AggregationType::kFilter || spec_.type == AggregationType::kFilters;
  }

  // The filters' weights (made once; no scores, so no statistics) and this
  // segment's scorers. A filter that cannot run here matches nothing.
  void SetFilterSegment(const SegmentView& view) {
    if (weights_.empty()) {
      static const NoStatistics kNoStatistics;
      for (const auto& query : spec_.filters) {
        auto weight = query->CreateWeight(kNoStatistics, /*needs_scores=*/false);
        weights_.push_back(weight.ok() ? std::move(weight).value() : nullptr);
      }
    }
    scorers_.clear();
    for (const auto& weight : weights_) {
      Result<ScorerPtr> scorer = weight ? weight->MakeScorer(view) : Result<ScorerPtr>(ScorerPtr());
      scorers_.push_back(scorer.ok() ? std::move(scorer).value() : nullptr);
    }
  }

  // Docs arrive in increasing order within a segment: each scorer advances.
  void CollectFilters(uint32_t doc, uint32_t owner) {
    const size_t filters = spec_.filters.size();
    const size_t n = filters + (spec_.other_bucket ? 1 : 0);
    bool matched = false;
    for (size_t i = 0; i <= filters; ++i) {
      if (i == filters) {
        if (!spec_.other_bucket || matched) break;
      } else {
        Scorer* scorer = scorers_[i].get();
        if (scorer == nullptr) continue;
        if (scorer->doc() == kUnpositioned || scorer->doc() < doc) scorer->Advance(doc);
        if (scorer->doc() != doc) continue;
        matched = true;
      }
      const size_t bucket = owner * n + i;
      EnsureIndex(&range_counts_, bucket);
      ++range_counts_[bucket];
      for (auto& child : children_) child->Collect(doc, static_cast<uint32_t>(bucket));
    }
  }

  // A doc counts once per bucket its values fall in (sorted values: same
  // buckets are adjacent). Histogram keys are kept as double bits, date
  // histogram keys as ms.
  void CollectHistogram(uint32_t doc, uint32_t owner, uint32_t start, uint32_t count) {
    double previous = 0;
    for (uint32_t i = 0; i < count; ++i) {
      const int64_t raw = field_->NumericAt(start + i);
      const double v = spec_.kind == AggValueKind::kDouble ? std::bit_cast<double>(raw) : static_cast<double>(raw);
      const double key = histogram_keys_.Key(v);
      if (i > 0 && key == previous) continue;
      previous = key;
      const int64_t stored =
          spec_.type == AggregationType::kHistogram ? std::bit_cast<int64_t>(key) : static_cast<int64_t>(key);
      const uint32_t bucket = NumericBucket(owner, stored);
      ++bucket_count_[bucket];
      for (auto& child : children_) child->Collect(doc, bucket);
    }
  }

  void CollectRange(uint32_t doc, uint32_t owner, uint32_t start, uint32_t count) {
    const size_t n = spec_.ranges.size();
    for (size_t r = 0; r < n; ++r) {
      const AggRange& range = spec_.ranges[r];
      for (uint32_t i = 0; i < count; ++i) {
        const int64_t raw = field_->NumericAt(start + i);
        const double v = spec_.kind == AggValueKind::kDouble ? std::bit_cast<double>(raw) : static_cast<double>(raw);
        if ((range.from && v < *range.from) || (range.to && v >= *range.to)) continue;
        const size_t bucket = owner * n + r;
        EnsureIndex(&range_counts_, bucket);
        ++range_counts_[bucket];
        for (auto& child : children_) child->Collect(doc, static_cast<uint32_t>(bucket));
        break;
      }
    }
  }

  // The term's number across segments: its bytes are hashed once per
  // (segment, ordinal), whatever the number of parent buckets.
  uint32_t TermNumber(uint32_t ord) {
    int32_t& slot = ord_term_[ord];
    if (slot >= 0) return static_cast<uint32_t>(slot);
    const std::string_view term = field_->OrdTerm(ord);
    auto it = term_numbers_.find(absl::string_view(term.data(), term.size()));
    if (it == term_numbers_.end()) {
      it = term_numbers_.emplace(std::string(term), static_cast<uint32_t>(term_text_.size())).first;
      term_text_.emplace_back(term);
    }
    slot = static_cast<int32_t>(it->second);
    return it->second;
  }

  uint32_t KeywordBucket(uint32_t owner, uint32_t ord) {
    if (top_level_) {  // one parent bucket: ord → bucket tables
      int32_t& slot = ord_bucket_[ord];
      if (slot < 0) {
        const uint32_t term = TermNumber(ord);
        EnsureIndex(&term_bucket_, term, int32_t{-1});
        if (term_bucket_[term] < 0) term_bucket_[term] = static_cast<int32_t>(NewKeywordBucket(owner, term));
        slot = term_bucket_[term];
      }
      return static_cast<uint32_t>(slot);
    }
    const uint32_t term = TermNumber(ord);
    auto [it, inserted] = owner_term_bucket_.try_emplace((static_cast<uint64_t>(owner) << 32) | term, 0);
    if (inserted) it->second = NewKeywordBucket(owner, term);
    return it->second;
  }

  // terms `missing`: the bucket of the missing key (a term, or a number of
  // the field's kind) for parent bucket `owner`.
  uint32_t MissingBucket(uint32_t owner) {
    const std::string& key = *spec_.missing_key;
    if (spec_.kind == AggValueKind::kKeyword) {
      auto it = term_numbers_.find(absl::string_view(key.data(), key.size()));
      if (it == term_numbers_.end()) {
        it = term_numbers_.emplace(key, static_cast<uint32_t>(term_text_.size())).first;
        term_text_.push_back(key);
      }
      const uint32_t term = it->second;
      if (top_level_) {
        EnsureIndex(&term_bucket_, term, int32_t{-1});
        if (term_bucket_[term] < 0) term_bucket_[term] = static_cast<int32_t>(NewKeywordBucket(owner, term));
        return static_cast<uint32_t>(term_bucket_[term]);
      }
      auto [b, inserted] = owner_term_bucket_.try_emplace((static_cast<uint64_t>(owner) << 32) | term, 0);
      if (inserted) b->second = NewKeywordBucket(owner, term);
      return b->second;
    }
    const double number = std::strtod(key.c_str(), nullptr);
    const int64_t value = spec_.kind == AggValueKind::kDouble ? std::bit_cast<int64_t>(number)
                                                              : static_cast<int64_t>(number);
    return NumericBucket(owner, value);
  }

  uint32_t NewKeywordBucket(uint32_t owner, uint32_t term) {
    const uint32_t bucket = NewBucket(owner);
    bucket_term_.push_back(term);
    return bucket;
  }

  uint32_t NumericBucket(uint32_t owner, int64_t value) {
    auto [it, inserted] = numeric_buckets_.try_emplace({owner, value}, 0);
    if (inserted) {
      it->second = NewBucket(owner);
      bucket_number_.push_back(value);
    }
    return it->second;
  }

  uint32_t NewBucket(uint32_t owner) {
    bucket_owner_.push_back(owner);
    bucket_count_.push_back(0);
    return static_cast<uint32_t>(bucket_count_.size() - 1);
  }

  void BuildTerms(uint32_t owner, TermsResult* out) {
    if (buckets_by_owner_.empty() && !bucket_owner_.empty()) {
      for (uint32_t b = 0; b < bucket_owner_.size(); ++b) {
        EnsureIndex(&buckets_by_owner_, bucket_owner_[b]);
        buckets_by_owner_[bucket_owner_[b]].push_back(b);
      }
    }
    static const std::vector<uint32_t> kNone;
    for (uint32_t b : owner < buckets_by_owner_.size() ? buckets_by_owner_[owner] : kNone) {
      TermsBucket bucket;
      if (spec_.kind == AggValueKind::kKeyword) {
        bucket.text = term_text_[bucket_term_[b]];
      } else {
        bucket.number = bucket_number_[b];
      }
      bucket.doc_count = bucket_count_[b];
      bucket.children = BuildChildren(b);
      out->buckets.push_back(std::move(bucket));
    }
    if (spec_.kind == AggValueKind::kKeyword && spec_.min_doc_count == 0) AddEmptyTermBuckets(out);
    std::sort(out->buckets.begin(), out->buckets.end(),
              [out](const TermsBucket& a, const TermsBucket& b) { return out->CompareKeys(a, b) < 0; });
  }

  // min_doc_count 0: a bucket with no documents for every term of the field
  // that this parent bucket has none of.
  void AddEmptyTermBuckets(TermsResult* out) {
    absl::flat_hash_set<absl::string_view> present;
    for (const TermsBucket& b : out->buckets) present.insert(absl::string_view(b.text.data(), b.text.size()));
    for (const std::string& term : term_text_) {
      if (present.contains(absl::string_view(term.data(), term.size()))) continue;
      TermsBucket bucket;
      bucket.text = term;
      for (auto& child : children_) bucket.children.push_back(AggregationResult::Empty(child->spec_));
      out->buckets.push_back(std::move(bucket));
    }
  }

  std::vector<AggregationResult> BuildChildren(uint32_t bucket) {
    std::vector<AggregationResult> out;
    out.reserve(children_.size());
    for (auto& child : children_) out.push_back(child->Build(bucket));
    return out;
  }

  const AggregationSpec& spec_;
  const bool top_level_;
  HistogramKeys histogram_keys_{spec_};  // histograms: the key of a value
  const float* score_;
  std::vector<std::unique_ptr<Aggregator>> children_;
  std::unique_ptr<TopHitsAggregator> top_hits_;  // top_hits
  const segment::FieldReader* field_ = nullptr;  // this segment's; nullptr: no values

  std::vector<WeightPtr> weights_;       // filter(s): per filter
  std::vector<ScorerPtr> scorers_;       // filter(s): this segment's, per filter
  std::vector<StatsResult> stats_;       // stats: per owner
  StatsResult stats_fill_;               // a new owner's stats
  std::vector<CardinalitySketch> sketches_;  // cardinality: per owner
  CardinalitySketch sketch_fill_;
  std::vector<uint64_t> ord_hash_;           // cardinality of a keyword: this segment's ord → hash (0: not yet)
  std::vector<PercentileDigest> digests_;    // percentiles: per owner
  PercentileDigest digest_fill_;
  std::vector<uint64_t> range_counts_;   // range: per owner * ranges + range

  // terms: buckets across segments, numbered in order of creation.
  std::vector<uint32_t> bucket_owner_;
  std::vector<uint64_t> bucket_count_;
  std::vector<uint32_t> bucket_term_;     // keyword key: a term number
  std::vector<int64_t> bucket_number_;    // numeric key
  absl::flat_hash_map<std::pair<uint32_t, int64_t>, uint32_t> numeric_buckets_;
  // keyword: terms numbered across segments; this segment's ord → term
  // number (-1: not seen); buckets by term (top level) or (owner, term).
  absl::flat_hash_map<std::string, uint32_t> term_numbers_;
  std::vector<std::string> term_text_;
  std::vector<int32_t> ord_term_;
  std::vector<int32_t> term_bucket_;                           // top level: term → bucket
  std::vector<int32_t> ord_bucket_;                            // top level: this segment's ord → bucket
  absl::flat_hash_map<uint64_t, uint32_t> owner_term_bucket_;  // nested: (owner, term) → bucket
  std::vector<std::vector<uint32_t>> buckets_by_owner_;  // built by the first BuildTerms
};

AggregationCollector::AggregationCollector(const std::vector<AggregationSpec>* specs)
    : specs_(specs), needs_scores_(AggregationsNeedScores(*specs)) {
  for (const AggregationSpec& spec : *specs) roots_.push_back(std::make_unique<Aggregator>(spec, true, &score_));
}

AggregationCollector::~AggregationCollector() = default;

void AggregationCollector::SetSegment(const SegmentView& segment) {
  for (auto& root : roots_) root->SetSegment(segment);
}

void AggregationCollector::Collect(uint32_t doc, float score) {
  score_ = score;
  for (auto& root : roots_) root->Collect(doc, 0);
}

AggregationResults AggregationCollector::Finish() {
  AggregationResults out;
  out.reserve(roots_.size());
  for (auto& root : roots_) out.push_back(root->Build(0));
  return out;
}

}  // namespace holdfast::search
