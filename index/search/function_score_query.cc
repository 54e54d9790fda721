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

// The query score `q` combined with the function's `f` (capped at max_boost).
float Combine(BoostMode mode, float q, float f) {
  switch (mode) {
    case BoostMode::kMultiply: return q * f;
    case BoostMode::kReplace: return f;
    case BoostMode::kSum: return q + f;
    case BoostMode::kAvg: return (q + f) / 2;
    case BoostMode::kMax: return std::max(q, f);
    case BoostMode::kMin: return std::min(q, f);
  }
  return q;
}

const char* ModifierName(FieldValueModifier m) {
  using M = FieldValueModifier;
  switch (m) {
    case M::kNone: return "none";
    case M::kLog: return "log";
    case M::kLog1p: return "log1p";
    case M::kLog2p: return "log2p";
    case M::kLn: return "ln";
    case M::kLn1p: return "ln1p";
    case M::kLn2p: return "ln2p";
    case M::kSquare: return "square";
    case M::kSqrt: return "sqrt";
    case M::kReciprocal: return "reciprocal";
  }
  return "none";
}

// Elasticsearch's CombineFunction descriptions.
const char* CombineDescription(BoostMode mode) {
  switch (mode) {
    case BoostMode::kMultiply: return "function score, product of:";
    case BoostMode::kReplace: return "function score, replaced by:";
    case BoostMode::kSum: return "sum of";
    case BoostMode::kAvg: return "avg of";
    case BoostMode::kMax: return "max of:";
    case BoostMode::kMin: return "min of:";
  }
  return "function score:";
}

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
    return Combine(mode_, q, f) * boost_;
  }

  // f(doc) before max_boost.
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

 private:
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
    return ScorerPtr(Wrap(segment, std::move(s).value()));
  }

  // Elasticsearch's FunctionScoreQuery explanation: the query's, the
  // function's under "min of:" with maxBoost, combined by boost_mode; the
  // query boost on top when not 1.
  Result<Explanation> Explain(const SegmentView& segment, uint32_t doc) const override {
    auto inner = inner_->Explain(segment, doc);
    if (!inner.ok() || !inner->match || !needs_scores_) return inner;
    auto made = inner_->MakeScorer(segment);
    if (!made.ok()) return made.status();
    if (made.value() == nullptr) return Explanation::NoMatch("function score: no matching doc");
    std::unique_ptr<FunctionScoreScorer> scorer = Wrap(segment, std::move(made).value());
    if (scorer->Advance(doc) != doc) return Explanation::NoMatch("function score: no matching doc");
    const float score = scorer->score();
    const float raw = scorer->Function();
    const float f = std::min(raw, max_boost_);
    std::string function = "field value function: " + std::string(ModifierName(fn_->modifier)) + "(doc['" +
                           fn_->field + "'].value" + (fn_->missing ? "?:" + FormatFloat(static_cast<float>(*fn_->missing)) : "") +
                           " * factor=" + FormatFloat(static_cast<float>(fn_->factor)) + ")";
    Explanation capped = Explanation::Match(
        f, "min of:", {Explanation::Match(raw, std::move(function)), Explanation::Match(max_boost_, "maxBoost")});
    const float combined = Combine(mode_, static_cast<float>(inner->value), f);
    if (boost_ == 1.0f) {
      return Explanation::Match(score, CombineDescription(mode_), {std::move(inner).value(), std::move(capped)});
    }
    Explanation unboosted =
        Explanation::Match(combined, CombineDescription(mode_), {std::move(inner).value(), std::move(capped)});
    return Explanation::Match(score, "function score, product of:",
                              {std::move(unboosted), Explanation::Match(boost_, "boost")});
  }

 private:
  std::unique_ptr<FunctionScoreScorer> Wrap(const SegmentView& segment, ScorerPtr inner) const {
    const segment::FieldReader* f = segment.reader->field(fn_->field);
    if (f != nullptr && !segment::IsNumericKind(f->kind())) f = nullptr;
    auto scorer = std::make_unique<FunctionScoreScorer>(std::move(inner), f, fn_, mode_, max_boost_, boost_);
    if (fn_->source != nullptr) scorer->set_values(fn_->source->ForSegment(segment));
    return scorer;
  }

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
