#include "index/search/phrase_query.h"

#include "index/search/phrase_scorer.h"

namespace holdfast::search {
namespace {

class PhraseWeight final : public Weight {
 public:
  // `doc_freqs`: n of each term (parallel to `terms`), `doc_count`: N.
  PhraseWeight(std::string field, std::vector<PhraseTerm> terms, uint32_t slop, const Bm25Weight& bm25,
               bool needs_scores, std::vector<uint64_t> doc_freqs, uint64_t doc_count)
      : field_(std::move(field)),
        terms_(std::move(terms)),
        slop_(slop),
        bm25_(bm25),
        needs_scores_(needs_scores),
        doc_freqs_(std::move(doc_freqs)),
        doc_count_(doc_count) {}

  Result<ScorerPtr> MakeScorer(const SegmentView& segment) const override {
    auto s = MakePhraseScorer(segment);
    if (!s.ok()) return s.status();
    return ScorerPtr(std::move(s).value());
  }

  // Lucene's PhraseWeight explanation: BM25 of the phrase freq, the idf a
  // sum over the terms.
  Result<Explanation> Explain(const SegmentView& segment, uint32_t doc) const override {
    auto made = MakePhraseScorer(segment);
    if (!made.ok()) return made.status();
    PhraseScorer* scorer = made.value().get();
    if (scorer == nullptr || scorer->Advance(doc) != doc) return Explanation::NoMatch("no matching term");
    const float score = scorer->score();
    if (!needs_scores_) return Explanation::Match(score, Describe());
    std::vector<Explanation> idfs;
    for (size_t i = 0; i < terms_.size() && i < doc_freqs_.size(); ++i) {
      idfs.push_back(ExplainBm25Idf(doc_freqs_[i], doc_count_));
    }
    Explanation idf = Explanation::Match(bm25_.idf(), "idf, sum of:", std::move(idfs));
    return bm25_.Explain(Describe(), doc, score, scorer->freq(), scorer->norm(), std::move(idf),
                         "phraseFreq=" + FormatFloat(scorer->freq()));
  }

 private:
  Result<std::unique_ptr<PhraseScorer>> MakePhraseScorer(const SegmentView& segment) const {
    const segment::FieldReader* f = segment.reader->field(field_);
    if (f == nullptr || !f->has_terms() || terms_.empty()) return std::unique_ptr<PhraseScorer>();
    std::vector<std::unique_ptr<PhraseScorer::Term>> terms;
    for (const PhraseTerm& pt : terms_) {
      auto info = f->LookupTerm(pt.term);
      if (!info.ok()) {
        if (info.status().code() == StatusCode::kNotFound) return std::unique_ptr<PhraseScorer>();
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
    return std::make_unique<PhraseScorer>(std::move(terms), slop_, f, needs_scores_ ? &bm25_ : nullptr);
  }

  std::string field_;
  std::vector<PhraseTerm> terms_;
  uint32_t slop_;
  Bm25Weight bm25_;
  bool needs_scores_;
  std::vector<uint64_t> doc_freqs_;
  uint64_t doc_count_;
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
  std::vector<uint64_t> doc_freqs;
  uint64_t doc_count = 0;
  if (needs_scores) {
    segment::FieldStats fs = stats.Field(field_);
    doc_count = fs.doc_count;
    double idf = 0;
    for (const PhraseTerm& t : terms_) {
      doc_freqs.push_back(stats.DocFreq(field_, t.term));
      idf += Bm25Idf(doc_freqs.back(), fs.doc_count);
    }
    bm25 = Bm25Weight(boost, static_cast<float>(idf), Bm25AvgFieldLength(fs));
  }
  return WeightPtr(
      std::make_unique<PhraseWeight>(field_, terms_, slop_, bm25, needs_scores, std::move(doc_freqs), doc_count));
}

}  // namespace holdfast::search
