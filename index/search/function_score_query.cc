#include "index/search/function_score_query.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace holdfast::search {

std::optional<FieldValueModifier> FieldValueModifierFromName(std::string_view n) {
  using M = FieldValueModifier;
  if (n == "none") return M::kNone;
  if (n == "log") return M::kLog;
  if (n == "log1p") return M::kLog1p;
  if (n == "log2p") return M::kLog2p;
  if (n == "ln") return M::kLn;
  if (n == "ln1p") return M::kLn1p;
  if (n == "ln2p") return M::kLn2p;
  if (n == "square") return M::kSquare;
  if (n == "sqrt") return M::kSqrt;
  if (n == "reciprocal") return M::kReciprocal;
  return std::nullopt;
}

std::optional<BoostMode> BoostModeFromName(std::string_view n) {
  if (n == "multiply") return BoostMode::kMultiply;
  if (n == "replace") return BoostMode::kReplace;
  if (n == "sum") return BoostMode::kSum;
  if (n == "avg") return BoostMode::kAvg;
  if (n == "max") return BoostMode::kMax;
  if (n == "min") return BoostMode::kMin;
  return std::nullopt;
}

double ApplyFieldValueFactor(double value, double factor, FieldValueModifier modifier) {
  double v = value * factor;
  switch (modifier) {
    case FieldValueModifier::kNone: return v;
    case FieldValueModifier::kLog: return std::log10(v);
    case FieldValueModifier::kLog1p: return std::log10(v + 1);
    case FieldValueModifier::kLog2p: return std::log10(v + 2);
    case FieldValueModifier::kLn: return std::log(v);
    case FieldValueModifier::kLn1p: return std::log1p(v);
    case FieldValueModifier::kLn2p: return std::log(v + 2);
    case FieldValueModifier::kSquare: return v * v;
    case FieldValueModifier::kSqrt: return std::sqrt(v);
    case FieldValueModifier::kReciprocal: return 1.0 / v;
  }
  return v;
}

namespace {

class FunctionScoreScorer final : public Scorer {
 public:
  FunctionScoreScorer(ScorerPtr inner, const segment::FieldReader* field, const FieldValueFactor* fn, BoostMode mode,
                      float max_boost, float boost)
      : inner_(std::move(inner)), field_(field), fn_(fn), mode_(mode), max_boost_(max_boost), boost_(boost) {}

  void set_values(std::unique_ptr<SegmentDocValues> values) { values_ = std::move(values); }
  uint32_t Next() override { return doc_ = inner_->Next(); }
  uint32_t Advance(uint32_t target) override {
    if (AtOrPast(target)) return doc_;
    return doc_ = inner_->Advance(target);
  }
  uint64_t cost() const override { return inner_->cost(); }

  float score() override {
    float q = inner_->score();
    float f = std::min(Function(), max_boost_);
    float s = q;
    switch (mode_) {
      case BoostMode::kMultiply: s = q * f; break;
      case BoostMode::kReplace: s = f; break;
      case BoostMode::kSum: s = q + f; break;
      case BoostMode::kAvg: s = (q + f) / 2; break;
      case BoostMode::kMax: s = std::max(q, f); break;
      case BoostMode::kMin: s = std::min(q, f); break;
    }
    return s * boost_;
  }

 private:
  float Function() const {
    double value;
    std::optional<double> external;
    if (values_ != nullptr && (external = values_->Get(doc_))) {
      value = *external;
    } else if (values_ == nullptr && field_ != nullptr && field_->has_values() && field_->ValueCount(doc_) > 0) {
      int64_t raw = field_->NumericAt(field_->ValueStart(doc_));
      value = field_->kind() == segment::FieldKind::kDouble ? std::bit_cast<double>(raw) : static_cast<double>(raw);
    } else if (fn_->missing) {
      value = *fn_->missing;
    } else {
      return 1.0f;
    }
    double f = ApplyFieldValueFactor(value, fn_->factor, fn_->modifier);
    return std::isfinite(f) ? static_cast<float>(f) : 0.0f;
  }

  ScorerPtr inner_;
  const segment::FieldReader* field_;
  std::unique_ptr<SegmentDocValues> values_;
  const FieldValueFactor* fn_;
  BoostMode mode_;
  float max_boost_;
  float boost_;
};

class FunctionScoreWeight final : public Weight {
 public:
  FunctionScoreWeight(WeightPtr inner, const FieldValueFactor* fn, BoostMode mode, float max_boost, float boost,
                      bool needs_scores)
      : inner_(std::move(inner)), fn_(fn), mode_(mode), max_boost_(max_boost), boost_(boost),
        needs_scores_(needs_scores) {}

  Result<ScorerPtr> MakeScorer(const SegmentView& segment) const override {
    auto s = inner_->MakeScorer(segment);
    if (!s.ok() || s.value() == nullptr || !needs_scores_) return s;
    const segment::FieldReader* f = segment.reader->field(fn_->field);
    if (f != nullptr && !segment::IsNumericKind(f->kind())) f = nullptr;
    auto scorer = std::make_unique<FunctionScoreScorer>(std::move(s).value(), f, fn_, mode_, max_boost_, boost_);
    if (fn_->source != nullptr) scorer->set_values(fn_->source->ForSegment(segment));
    return ScorerPtr(std::move(scorer));
  }

 private:
  WeightPtr inner_;
  const FieldValueFactor* fn_;
  BoostMode mode_;
  float max_boost_;
  float boost_;
  bool needs_scores_;
};

}  // namespace

std::string FunctionScoreQuery::ToString() const {
  return "function_score(" + query_->ToString() + ", field_value_factor(" + function_.field + "))";
}

Result<WeightPtr> FunctionScoreQuery::DoCreateWeight(const CollectionStatistics& stats, bool needs_scores,
                                                     float boost) const {
  auto inner = query_->CreateWeight(stats, needs_scores, 1.0f);
  if (!inner.ok()) return inner.status();
  return WeightPtr(std::make_unique<FunctionScoreWeight>(std::move(inner).value(), &function_, mode_, max_boost_,
                                                         boost, needs_scores));
}

QueryPtr WithPopularityBoost(QueryPtr query, double boost, std::shared_ptr<const DocValueSource> popularity) {
  FieldValueFactor f;
  f.field = kPopularityField;
  f.factor = boost;
  f.modifier = FieldValueModifier::kLn2p;
  f.source = std::move(popularity);
  return std::make_unique<FunctionScoreQuery>(std::move(query), std::move(f), BoostMode::kMultiply);
}

}  // namespace holdfast::search
