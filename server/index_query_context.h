// IndexQueryContext: the search::QueryContext of one index in a request —
// more_like_this `like` documents are read (realtime) from the index itself
// or from the other indices of the same request, and `_popularity` is the
// relative popularity from the index's events (recommender.h).
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "index/search/query_context.h"
#include "index/shard/local_index.h"

namespace holdfast {

class IndexQueryContext final : public search::QueryContext {
 public:
  // `others`: every index of the request by name (for `like` docs naming one).
  IndexQueryContext(std::shared_ptr<LocalIndex> index,
                    std::vector<std::pair<std::string, std::shared_ptr<LocalIndex>>> others = {});

  Result<std::optional<std::string>> FetchSource(std::string_view index, std::string_view id) const override;
  std::shared_ptr<const search::DocValueSource> Popularity() const override;

 private:
  std::shared_ptr<LocalIndex> index_;
  std::vector<std::pair<std::string, std::shared_ptr<LocalIndex>>> others_;
};

// The wrapper of `popularity_boost`: function_score(query, field_value_factor
// {_popularity, factor: boost, modifier: ln2p}), boost_mode multiply.
search::QueryPtr WithPopularityBoost(search::QueryPtr query, double boost,
                                     std::shared_ptr<const search::DocValueSource> popularity);

}  // namespace holdfast
