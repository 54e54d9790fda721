#include "index/search/multi_term_query.h"

#include "index/codec/postings_iterator.h"
#include "index/codec/term_dictionary_reader.h"
#include "index/search/doc_set_scorer.h"

namespace holdfast::search {

Result<ScorerPtr> UnionOfTerms(const segment::FieldReader& field, const std::vector<codec::TermInfo>& terms,
                               uint32_t max_doc, float score) {
  if (terms.empty()) return ScorerPtr();
  std::vector<uint64_t> bits((static_cast<size_t>(max_doc) + 63) / 64, 0);
  codec::PostingsIterator it;
  uint64_t cost = 0;
  for (const codec::TermInfo& info : terms) {
    HOLDFAST_RETURN_IF_ERROR(field.OpenPostings(info, &it));
    for (uint32_t d = it.NextDoc(); d != codec::kNoMoreDocs; d = it.NextDoc()) {
      if (d < max_doc) bits[d >> 6] |= uint64_t{1} << (d & 63);
    }
    HOLDFAST_RETURN_IF_ERROR(it.status());
    cost += info.doc_freq;
  }
  return ScorerPtr(std::make_unique<BitSetScorer>(std::move(bits), max_doc, cost, score));
}

namespace {

// Collects term infos of one segment's field; `Expand` fills them.
template <class Expand>
class TermSetWeight final : public Weight {
 public:
  TermSetWeight(std::string field, Expand expand, float score)
      : field_(std::move(field)), expand_(std::move(expand)), score_(score) {}

  Result<ScorerPtr> MakeScorer(const SegmentView& segment) const override {
    const segment::FieldReader* f = segment.reader->field(field_);
    if (f == nullptr || f->terms() == nullptr) return ScorerPtr();
    std::vector<codec::TermInfo> infos;
    HOLDFAST_RETURN_IF_ERROR(expand_(*f->terms(), &infos));
    return UnionOfTerms(*f, infos, segment.doc_count(), score_);
  }

 private:
  std::string field_;
  Expand expand_;
  float score_;
};

template <class Expand>
WeightPtr MakeTermSetWeight(std::string field, Expand expand, float score) {
  return std::make_unique<TermSetWeight<Expand>>(std::move(field), std::move(expand), score);
}

}  // namespace

Result<WeightPtr> PrefixQuery::DoCreateWeight(const CollectionStatistics&, bool, float boost) const {
  std::string prefix = prefix_;
  auto expand = [prefix](const codec::TermDictionaryReader& dict, std::vector<codec::TermInfo>* out) -> Status {
    codec::TermIterator it = dict.NewIterator();
    for (bool ok = it.SeekCeil(prefix); ok && out->size() < kMaxPrefixExpansions; ok = it.Next()) {
      if (it.term().substr(0, prefix.size()) != prefix) break;
      out->push_back(it.info());
    }
    return it.status();
  };
  return MakeTermSetWeight(field_, std::move(expand), boost);
}

std::string TermRangeQuery::ToString() const {
  std::string s = field_ + ":" + (lower_ && lower_->inclusive ? "[" : "{");
  s += (lower_ ? lower_->term : "*") + " TO " + (upper_ ? upper_->term : "*");
  return s + (upper_ && upper_->inclusive ? "]" : "}");
}

Result<WeightPtr> TermRangeQuery::DoCreateWeight(const CollectionStatistics&, bool, float boost) const {
  auto lower = lower_;
  auto upper = upper_;
  auto expand = [lower, upper](const codec::TermDictionaryReader& dict,
                               std::vector<codec::TermInfo>* out) -> Status {
    codec::TermIterator it = dict.NewIterator();
    bool ok = lower ? it.SeekCeil(lower->term) : it.SeekToFirst();
    if (ok && lower && !lower->inclusive && it.term() == lower->term) ok = it.Next();
    for (; ok; ok = it.Next()) {
      if (upper) {
        int c = it.term().compare(upper->term);
        if (c > 0 || (c == 0 && !upper->inclusive)) break;
      }
      out->push_back(it.info());
    }
    return it.status();
  };
  return MakeTermSetWeight(field_, std::move(expand), boost);
}

std::string TermsQuery::ToString() const {
  std::string s = field_ + ":(";
  for (size_t i = 0; i < terms_.size(); ++i) s += (i ? " " : "") + terms_[i];
  return s + ")";
}

Result<WeightPtr> TermsQuery::DoCreateWeight(const CollectionStatistics&, bool, float boost) const {
  auto terms = terms_;
  auto expand = [terms](const codec::TermDictionaryReader& dict, std::vector<codec::TermInfo>* out) -> Status {
    for (const std::string& t : terms) {
      auto info = dict.Seek(t);
      if (info.ok()) {
        out->push_back(info.value());
      } else if (info.status().code() != StatusCode::kNotFound) {
        return info.status();
      }
    }
    return Status::OK();
  };
  return MakeTermSetWeight(field_, std::move(expand), boost);
}

}  // namespace holdfast::search
