#include "index/search/phrase_query.h"

#include "index/search/phrase_scorer.h"

namespace holdfast::search {
namespace {

class PhraseWeight final : public Weight {
 public:
  PhraseWeight(std::string field, std::vector<PhraseTerm> terms, uint32_t slop, const Bm25Weight& bm25,
               bool needs_scores)
      : field_(std::move(field)), terms_(std::move(terms)), slop_(slop), bm25_(bm25), needs_scores_(needs_scores) {}

  Result<ScorerPtr> MakeScorer(const SegmentView& segment) const override {
    const segment::FieldReader* f = segment.reader->field(field_);
    if (f == nullptr || !f->has_terms() || terms_.empty()) return ScorerPtr();
    std::vector<std::unique_ptr<PhraseScorer::Term>> terms;
    for (const PhraseTerm& pt : terms_) {
      auto info = f->LookupTerm(pt.term);
      if (!info.ok()) {
        if (info.status().code() == StatusCode::kNotFound) return ScorerPtr();
        return info.status();
      }
      auto t = std::make_unique<PhraseScorer::Term>();
      HOLDFAST_RETURN_IF_ERROR(f->OpenPostings(info.value(), &t->postings));
      if (!t->postings.has_positions()) {
        return Status::InvalidArgument(
            "field:[" + field_ + "] was indexed without position data; cannot run PhraseQuery (phrase=" +
                pt.term + ")");
      }
      t->offset = pt.position;
      terms.push_back(std::move(t));
    }
    return ScorerPtr(std::make_unique<PhraseScorer>(std::move(terms), slop_, f, needs_scores_ ? &bm25_ : nullptr));
  }

 private:
  std::string field_;
  std::vector<PhraseTerm> terms_;
  uint32_t slop_;
  Bm25Weight bm25_;
  bool needs_scores_;
};

}  // namespace

std::string PhraseQuery::ToString() const {
  std::string s = field_ + ":\"";
  for (size_t i = 0; i < terms_.size(); ++i) s += (i ? " " : "") + terms_[i].term;
  s += "\"";
  if (slop_) s += "~" + std::to_string(slop_);
  return s;
}

Result<WeightPtr> PhraseQuery::DoCreateWeight(const CollectionStatistics& stats, bool needs_scores,
                                              float boost) const {
  Bm25Weight bm25;
  if (needs_scores) {
    segment::FieldStats fs = stats.Field(field_);
    double idf = 0;
    for (const PhraseTerm& t : terms_) idf += Bm25Idf(stats.DocFreq(field_, t.term), fs.doc_count);
    bm25 = Bm25Weight(boost, static_cast<float>(idf), Bm25AvgFieldLength(fs));
  }
  return WeightPtr(std::make_unique<PhraseWeight>(field_, terms_, slop_, bm25, needs_scores));
}

}  // namespace holdfast::search
