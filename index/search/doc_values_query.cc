#include "index/search/doc_values_query.h"

#include <bit>

#include "index/search/doc_set_scorer.h"

namespace holdfast::search {
namespace {

class NumericRangeWeight final : public Weight {
 public:
  NumericRangeWeight(std::string field, NumericRange range, float score)
      : field_(std::move(field)), range_(range), score_(score) {}

  Result<ScorerPtr> MakeScorer(const SegmentView& segment) const override {
    const segment::FieldReader* f = segment.reader->field(field_);
    if (f == nullptr || !f->has_values() || !segment::IsNumericKind(f->kind())) return ScorerPtr();
    NumericRange r = range_;
    if (r.is_double != (f->kind() == segment::FieldKind::kDouble)) return ScorerPtr();
    if (r.is_double) {
      return MakePredicateScorer(
          segment.doc_count(),
          [f, r](uint32_t doc) {
            uint32_t start = f->ValueStart(doc), n = f->ValueCount(doc);
            for (uint32_t i = 0; i < n; ++i) {
              double v = std::bit_cast<double>(f->NumericAt(start + i));
              if (v >= r.min_double && v <= r.max_double) return true;
            }
            return false;
          },
          score_);
    }
    return MakePredicateScorer(
        segment.doc_count(),
        [f, r](uint32_t doc) {
          uint32_t start = f->ValueStart(doc), n = f->ValueCount(doc);
          for (uint32_t i = 0; i < n; ++i) {
            int64_t v = f->NumericAt(start + i);
            if (v >= r.min_long && v <= r.max_long) return true;
          }
          return false;
        },
        score_);
  }

 private:
  std::string field_;
  NumericRange range_;
  float score_;
};

class ExistsWeight final : public Weight {
 public:
  ExistsWeight(std::string field, float score) : field_(std::move(field)), score_(score) {}

  Result<ScorerPtr> MakeScorer(const SegmentView& segment) const override {
    const segment::FieldReader* f = segment.reader->field(field_);
    if (f == nullptr) return ScorerPtr();
    if (f->kind() == segment::FieldKind::kText) {
      if (!f->has_norms()) return ScorerPtr();
      return MakePredicateScorer(segment.doc_count(), [f](uint32_t doc) { return f->norm(doc) != 0; }, score_);
    }
    if (!f->has_values()) return ScorerPtr();
    return MakePredicateScorer(segment.doc_count(), [f](uint32_t doc) { return f->ValueCount(doc) != 0; }, score_);
  }

 private:
  std::string field_;
  float score_;
};

}  // namespace

std::string NumericRangeQuery::ToString() const {
  if (range_.is_double) {
    return field_ + ":[" + std::to_string(range_.min_double) + " TO " + std::to_string(range_.max_double) + "]";
  }
  return field_ + ":[" + std::to_string(range_.min_long) + " TO " + std::to_string(range_.max_long) + "]";
}

Result<WeightPtr> NumericRangeQuery::DoCreateWeight(const CollectionStatistics&, bool, float boost) const {
  return WeightPtr(std::make_unique<NumericRangeWeight>(field_, range_, boost));
}

Result<WeightPtr> ExistsQuery::DoCreateWeight(const CollectionStatistics&, bool, float boost) const {
  return WeightPtr(std::make_unique<ExistsWeight>(field_, boost));
}

}  // namespace holdfast::search
