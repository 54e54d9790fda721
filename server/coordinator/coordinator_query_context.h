// CoordinatorQueryContext: the QueryContext of a request parsed on the
// coordinator (to validate it before any shard is asked, and to learn what
// the shards need). more_like_this documents named by id are read from their
// shards once (TermVectors) and kept, so that every shard parses the query
// with the same terms (AddLikeDocuments); `_popularity` is a placeholder —
// the coordinator never scores, each shard binds its own.
// One request, one thread.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "index/search/query_context.h"
#include "server/coordinator/index_handle.h"

namespace holdfast {

using NamedIndices = std::vector<std::pair<std::string, std::shared_ptr<IndexHandle>>>;

class CoordinatorQueryContext final : public search::QueryContext {
 public:
  // `index` is the index the query runs on; `others` every index of the
  // request (a `like` document may name one of them). Both must outlive this.
  CoordinatorQueryContext(const IndexHandle* index, const NamedIndices* others) : index_(index), others_(others) {}

  Result<DocumentTerms> TermVectors(std::string_view index, std::string_view id, const std::vector<std::string>& fields,
                                    std::optional<mapping::Analyzer> analyzer) const override;
  std::shared_ptr<const search::DocValueSource> Popularity() const override;
  uint32_t MaxTermsCount() const override { return index_->settings().max_terms_count; }

  // The documents read, for the shard requests.
  void AddLikeDocuments(pb::SearchSource* source) const;

 private:
  const IndexHandle* index_;
  const NamedIndices* others_;
  mutable std::vector<pb::LikeDocument> docs_;
};

}  // namespace holdfast
