#include "index/search/more_like_this_query.h"

#include <algorithm>
#include <cmath>

#include "index/search/bool_query.h"
#include "index/search/match_all_query.h"
#include "index/search/term_query.h"
#include "index/segment/field_info.h"

namespace holdfast::search {

namespace {

// Unicode code points of a UTF-8 term (what "word length" counts).
size_t CodePoints(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// Owns the bool query it was made from: weights may refer to their query.
class MoreLikeThisWeight final : public Weight {
 public:
  MoreLikeThisWeight(QueryPtr query, WeightPtr inner) : query_(std::move(query)), inner_(std::move(inner)) {}
  Result<ScorerPtr> MakeScorer(const SegmentView& segment) const override { return inner_->MakeScorer(segment); }
  std::vector<const TermWeight*> TermDisjunction() const override { return inner_->TermDisjunction(); }
  Result<Explanation> Explain(const SegmentView& segment, uint32_t doc) const override {
    return inner_->Explain(segment, doc);
  }

 private:
  QueryPtr query_;
  WeightPtr inner_;
};

}  // namespace

std::vector<MoreLikeThisQuery::SelectedTerm> MoreLikeThisQuery::SelectTerms(const CollectionStatistics& stats) const {
  std::vector<SelectedTerm> picked;
  for (const auto& [field, terms] : term_freqs_) {
    const uint64_t num_docs = stats.Field(field).doc_count;
    if (num_docs == 0) continue;
    const auto unlike_it = unlike_.find(field);
    for (const auto& [term, tf] : terms) {
      if (tf < options_.min_term_freq) continue;
      const size_t len = CodePoints(term);
      if (options_.min_word_length > 0 && len < options_.min_word_length) continue;
      if (options_.max_word_length > 0 && len > options_.max_word_length) continue;
      if (unlike_it != unlike_.end() &&
          std::find(unlike_it->second.begin(), unlike_it->second.end(), term) != unlike_it->second.end()) {
        continue;
      }
      const uint64_t df = stats.DocFreq(field, term);
      if (df == 0 || df < options_.min_doc_freq || df > options_.max_doc_freq) continue;
      const double idf = 1.0 + std::log(static_cast<double>(num_docs) / static_cast<double>(df + 1));
      picked.push_back({field, term, static_cast<float>(tf * idf)});
    }
  }
  std::stable_sort(picked.begin(), picked.end(), [](const SelectedTerm& a, const SelectedTerm& b) {
    if (a.score != b.score) return a.score > b.score;
    if (a.field != b.field) return a.field < b.field;
    return a.term < b.term;
  });
  if (picked.size() > options_.max_query_terms) picked.resize(options_.max_query_terms);
  return picked;
}

Result<WeightPtr> MoreLikeThisQuery::DoCreateWeight(const CollectionStatistics& stats, bool needs_scores,
                                                    float boost) const {
  const std::vector<SelectedTerm> terms = SelectTerms(stats);
  QueryPtr query;
  if (terms.empty()) {
    query = std::make_unique<MatchNoneQuery>();
  } else {
    auto b = std::make_unique<BoolQuery>();
    const float best = terms.front().score;
    for (const SelectedTerm& t : terms) {
      auto q = std::make_unique<TermQuery>(t.field, t.term);
      if (options_.boost_terms > 0 && best > 0) q->set_boost(options_.boost_terms * t.score / best);
      b->should.push_back(std::move(q));
    }
    b->minimum_should_match = options_.minimum_should_match;
    if (!options_.include) {
      for (const std::string& id : like_ids_) {
        b->must_not.push_back(std::make_unique<TermQuery>(segment::kIdField, id));
      }
    }
    query = std::move(b);
  }
  auto inner = query->CreateWeight(stats, needs_scores, boost);
  if (!inner.ok()) return inner.status();
  return WeightPtr(std::make_unique<MoreLikeThisWeight>(std::move(query), std::move(inner).value()));
}

std::string MoreLikeThisQuery::ToString() const {
  std::string out = "more_like_this(";
  bool first = true;
  for (const auto& [field, terms] : term_freqs_) {
    if (!first) out += ", ";
    first = false;
    out += field + ":" + std::to_string(terms.size()) + " terms";
  }
  return out + ")";
}

void MoreLikeThisQuery::CollectTerms(std::string_view field, std::vector<std::string>* out) const {
  auto it = term_freqs_.find(std::string(field));
  if (it == term_freqs_.end()) return;
  for (const auto& [term, tf] : it->second) {
    if (tf >= options_.min_term_freq) out->push_back(term);
  }
}

}  // namespace holdfast::search
