// MoreLikeThisQuery: Elasticsearch's more_like_this — documents similar to
// given texts or documents, by their most characteristic terms.
//
// The parser (query_parser_more_like_this.cc) analyzes the `like` texts and
// the listed fields of the `like` documents with each field's analyzer and
// hands over term frequencies per field. Term selection waits for
// CreateWeight, where index-wide statistics are known (as Lucene's
// MoreLikeThis does with the reader):
//   keep (field, term) when  tf >= min_term_freq,
//                            min_doc_freq <= df <= max_doc_freq,
//                            min_word_length <= chars <= max_word_length (0: no limit)
//   score = tf * idf,  idf = 1 + ln(num_docs / (df + 1))   (Lucene's TF-IDF idf)
//   the max_query_terms best (ties: field, then term) become should clauses of
//   term queries, boosted by boost_terms * score / best score when
//   boost_terms > 0, with minimum_should_match (default "30%"); the `like`
//   documents themselves are excluded unless `include`.
// num_docs is the field's doc count over the searched shards, so the same
// terms are picked whatever the shard count.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "index/search/query.h"

namespace holdfast::search {

struct MoreLikeThisOptions {
  uint32_t min_term_freq = 2;
  uint32_t max_query_terms = 25;
  uint64_t min_doc_freq = 5;
  uint64_t max_doc_freq = std::numeric_limits<uint64_t>::max();
  uint32_t min_word_length = 0;
  uint32_t max_word_length = 0;
  float boost_terms = 0;
  std::string minimum_should_match = "30%";
  bool include = false;
};

class MoreLikeThisQuery final : public Query {
 public:
  // field → term → frequency over all `like` inputs; `like_ids` are the
  // documents given by id (excluded unless options.include); `unlike` terms
  // are never picked.
  MoreLikeThisQuery(std::map<std::string, std::map<std::string, uint32_t>> term_freqs,
                    std::vector<std::string> like_ids, std::map<std::string, std::vector<std::string>> unlike,
                    MoreLikeThisOptions options)
      : term_freqs_(std::move(term_freqs)), like_ids_(std::move(like_ids)), unlike_(std::move(unlike)),
        options_(std::move(options)) {}

  std::string ToString() const override;
  void CollectTerms(std::string_view field, std::vector<std::string>* out) const override;

  struct SelectedTerm {
    std::string field;
    std::string term;
    float score = 0;
  };
  // The terms CreateWeight picks with these statistics, best first.
  std::vector<SelectedTerm> SelectTerms(const CollectionStatistics& stats) const;

 protected:
  Result<WeightPtr> DoCreateWeight(const CollectionStatistics& stats, bool needs_scores, float boost) const override;

 private:
  std::map<std::string, std::map<std::string, uint32_t>> term_freqs_;
  std::vector<std::string> like_ids_;
  std::map<std::string, std::vector<std::string>> unlike_;
  MoreLikeThisOptions options_;
};

}  // namespace holdfast::search
