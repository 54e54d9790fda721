#include "index/search/fuzzy_query.h"

#include <algorithm>

#include "index/codec/term_dictionary_reader.h"
#include "index/search/disjunction_scorer.h"
#include "index/search/edit_distance.h"
#include "index/search/multi_term_query.h"
#include "index/search/term_scorer.h"

namespace holdfast::search {

uint32_t AutoFuzziness(size_t code_points) {
  if (code_points <= 2) return 0;
  return code_points <= 5 ? 1 : 2;
}

namespace {

struct Candidate {
  std::string term;
  codec::TermInfo info;
  uint32_t edits = 0;
  size_t length = 0;  // code points
};

class FuzzyWeight final : public Weight {
 public:
  FuzzyWeight(const CollectionStatistics* stats, std::string field, std::string term, FuzzyQuery::Options options,
              float boost, bool needs_scores)
      : stats_(stats),
        field_(std::move(field)),
        term_(std::move(term)),
        options_(options),
        boost_(boost),
        needs_scores_(needs_scores) {
    DecodeCodePoints(term_, &term_cps_);
    // The byte length of the first prefix_length characters.
    size_t bytes = 0;
    for (uint32_t i = 0; i < options_.prefix_length && bytes < term_.size(); ++i) {
      size_t len = 1;
      while (bytes + len < term_.size() && (static_cast<unsigned char>(term_[bytes + len]) & 0xc0) == 0x80) ++len;
      bytes += len;
    }
    prefix_ = term_.substr(0, bytes);
  }

  Result<ScorerPtr> MakeScorer(const SegmentView& segment) const override {
    const segment::FieldReader* f = segment.reader->field(field_);
    if (f == nullptr || f->terms() == nullptr) return ScorerPtr();
    auto candidates = Expand(*f->terms());
    if (!candidates.ok()) return candidates.status();
    std::vector<Candidate>& cands = candidates.value();
    if (cands.empty()) return ScorerPtr();
    if (!needs_scores_) {
      std::vector<codec::TermInfo> infos;
      for (const Candidate& c : cands) infos.push_back(c.info);
      return UnionOfTerms(*f, infos, segment.doc_count(), 0.0f);
    }
    uint64_t max_df = 0;
    for (const Candidate& c : cands) max_df = std::max(max_df, stats_->DocFreq(field_, c.term));
    segment::FieldStats fs = stats_->Field(field_);
    float idf = Bm25Idf(max_df, fs.doc_count);
    float avgdl = Bm25AvgFieldLength(fs);
    std::vector<ScorerPtr> scorers;
    for (const Candidate& c : cands) {
      size_t min_len = std::min(c.length, term_cps_.size());
      float term_boost = min_len == 0 ? 0.0f : 1.0f - static_cast<float>(c.edits) / static_cast<float>(min_len);
      auto s = std::make_unique<TermScorer>(f, nullptr, 0.0f);
      s->OwnWeight(std::make_unique<Bm25Weight>(boost_ * std::max(0.0f, term_boost), idf, avgdl));
      HOLDFAST_RETURN_IF_ERROR(s->Reset(c.info));
      scorers.push_back(std::move(s));
    }
    if (scorers.size() == 1) return std::move(scorers[0]);
    return ScorerPtr(std::make_unique<DisjunctionScorer>(std::move(scorers), 1));
  }

 private:
  Result<std::vector<Candidate>> Expand(const codec::TermDictionaryReader& dict) const {
    std::vector<Candidate> out;
    std::vector<uint32_t> cps, scratch;
    codec::TermIterator it = dict.NewIterator();
    for (bool ok = it.SeekCeil(prefix_); ok; ok = it.Next()) {
      if (it.term().substr(0, prefix_.size()) != prefix_) break;
      DecodeCodePoints(it.term(), &cps);
      uint32_t d = BoundedEditDistance(term_cps_, cps, options_.max_edits, options_.transpositions, &scratch);
      if (d <= options_.max_edits) out.push_back({std::string(it.term()), it.info(), d, cps.size()});
    }
    if (!it.status().ok()) return it.status();
    std::stable_sort(out.begin(), out.end(), [](const Candidate& a, const Candidate& b) { return a.edits < b.edits; });
    if (out.size() > options_.max_expansions) out.resize(options_.max_expansions);
    return out;
  }

  const CollectionStatistics* stats_;
  std::string field_;
  std::string term_;
  std::vector<uint32_t> term_cps_;
  std::string prefix_;
  FuzzyQuery::Options options_;
  float boost_;
  bool needs_scores_;
};

}  // namespace

Result<WeightPtr> FuzzyQuery::DoCreateWeight(const CollectionStatistics& stats, bool needs_scores,
                                             float boost) const {
  return WeightPtr(std::make_unique<FuzzyWeight>(&stats, field_, term_, options_, boost, needs_scores));
}

}  // namespace holdfast::search
