#include "server/index_query_context.h"

#include "index/recommend/recommender.h"
#include "index/search/function_score_query.h"

namespace holdfast {

IndexQueryContext::IndexQueryContext(std::shared_ptr<LocalIndex> index,
                                     std::vector<std::pair<std::string, std::shared_ptr<LocalIndex>>> others)
    : index_(std::move(index)), others_(std::move(others)) {}

Result<std::optional<std::string>> IndexQueryContext::FetchSource(std::string_view index, std::string_view id) const {
  LocalIndex* target = nullptr;
  if (index.empty() || index == index_->name()) {
    target = index_.get();
  } else {
    for (const auto& [name, other] : others_) {
      if (name == index || other->name() == index) target = other.get();
    }
  }
  if (target == nullptr) {
    return Status::IndexNotFound("no such index [" + std::string(index) +
                                 "] (a [like] document must be in a searched index)");
  }
  auto got = target->Get(std::string(id));
  if (!got.ok()) return got.status();
  if (!got->found) return std::optional<std::string>();
  return std::optional<std::string>(std::move(got->source));
}

std::shared_ptr<const search::DocValueSource> IndexQueryContext::Popularity() const {
  return index_->recommender().PopularitySource();
}

search::QueryPtr WithPopularityBoost(search::QueryPtr query, double boost,
                                     std::shared_ptr<const search::DocValueSource> popularity) {
  search::FieldValueFactor f;
  f.field = search::kPopularityField;
  f.factor = boost;
  f.modifier = search::FieldValueModifier::kLn2p;
  f.source = std::move(popularity);
  return std::make_unique<search::FunctionScoreQuery>(std::move(query), std::move(f), search::BoostMode::kMultiply);
}

}  // namespace holdfast
