#include "index/search/query.h"

namespace holdfast::search {

Result<std::optional<float>> Weight::ScoreOf(const SegmentView& segment, uint32_t doc) const {
  auto scorer = MakeScorer(segment);
  if (!scorer.ok()) return scorer.status();
  if (scorer.value() == nullptr || scorer.value()->Advance(doc) != doc) return std::optional<float>();
  return std::optional<float>(scorer.value()->score());
}

std::string Weight::Describe() const { return query_ != nullptr ? query_->ToString() : "query"; }

Result<Explanation> Weight::Explain(const SegmentView& segment, uint32_t doc) const {
  auto score = ScoreOf(segment, doc);
  if (!score.ok()) return score.status();
  if (!score.value()) return Explanation::NoMatch(Describe() + " doesn't match id " + std::to_string(doc));
  return Explanation::Match(**score, Describe());
}

}  // namespace holdfast::search
