#include "index/search/term_query.h"

namespace holdfast::search {

Bm25Weight MakeBm25Weight(const CollectionStatistics& stats, std::string_view field,
                          std::string_view term, float boost, std::vector<SegmentTermInfo>* infos,
                          IdfInputs* idf) {
  segment::FieldStats fs = stats.Field(field);
  uint64_t df = infos != nullptr ? stats.DocFreq(field, term, infos) : stats.DocFreq(field, term);
  if (idf != nullptr) *idf = IdfInputs{df, fs.doc_count};
  return Bm25Weight(boost, Bm25Idf(df, fs.doc_count), Bm25AvgFieldLength(fs));
}

std::string TermQuery::ToString() const {
  std::string s = field_ + ":" + term_;
  if (boost() != 1.0f) s += "^" + std::to_string(boost());
  return s;
}

Result<WeightPtr> TermQuery::DoCreateWeight(const CollectionStatistics& stats, bool needs_scores,
                                            float boost) const {
  std::vector<SegmentTermInfo> infos;
  IdfInputs idf;
  Bm25Weight bm25 = needs_scores ? MakeBm25Weight(stats, field_, term_, boost, &infos, &idf) : Bm25Weight();
  return WeightPtr(std::make_unique<TermWeight>(field_, term_, bm25, needs_scores, std::move(infos), idf));
}

Result<codec::TermInfo> TermWeight::Lookup(const SegmentView& segment, const segment::FieldReader& field) const {
  for (const SegmentTermInfo& known : infos_) {
    if (known.reader == segment.reader) return known.info;
  }
  auto info = field.LookupTerm(term_);
  if (!info.ok() && info.status().code() == StatusCode::kNotFound) return codec::TermInfo{};
  return info;
}

Result<std::unique_ptr<TermScorer>> TermWeight::MakeTermScorer(const SegmentView& segment) const {
  const segment::FieldReader* f = segment.reader->field(field_);
  if (f == nullptr || !f->has_terms()) return std::unique_ptr<TermScorer>();
  auto info = Lookup(segment, *f);
  if (!info.ok()) return info.status();
  if (info->doc_freq == 0) return std::unique_ptr<TermScorer>();
  auto scorer = std::make_unique<TermScorer>(f, needs_scores_ ? &bm25_ : nullptr, 0.0f);
  HOLDFAST_RETURN_IF_ERROR(scorer->Reset(info.value()));
  return scorer;
}

Result<ScorerPtr> TermWeight::MakeScorer(const SegmentView& segment) const {
  auto s = MakeTermScorer(segment);
  if (!s.ok()) return s.status();
  return ScorerPtr(std::move(s).value());
}

std::vector<const TermWeight*> TermWeight::TermDisjunction() const { return {this}; }

Result<Explanation> TermWeight::Explain(const SegmentView& segment, uint32_t doc) const {
  auto made = MakeTermScorer(segment);
  if (!made.ok()) return made.status();
  TermScorer* scorer = made.value().get();
  if (scorer == nullptr || scorer->Advance(doc) != doc) return Explanation::NoMatch("no matching term");
  const float score = scorer->score();
  if (!needs_scores_) return Explanation::Match(score, field_ + ":" + term_);
  return bm25_.Explain(field_ + ":" + term_, doc, score, static_cast<float>(scorer->postings().freq()), scorer->norm(),
                       ExplainBm25Idf(idf_.doc_freq, idf_.doc_count), "freq, occurrences of term within document");
}

int64_t TermWeight::CountWithoutIterating(const SegmentView& segment) const {
  if (segment.live != nullptr && segment.live->deleted_count() > 0) return -1;
  const segment::FieldReader* f = segment.reader->field(field_);
  if (f == nullptr || !f->has_terms()) return 0;
  auto info = Lookup(segment, *f);
  return info.ok() ? static_cast<int64_t>(info->doc_freq) : 0;
}

}  // namespace holdfast::search
