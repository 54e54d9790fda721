#include "index/search/search_context.h"

namespace holdfast::search {

std::vector<SegmentView> SearcherSnapshot::Views() const {
  std::vector<SegmentView> views;
  views.reserve(readers.size());
  for (size_t i = 0; i < readers.size(); ++i) {
    views.push_back({readers[i].get(), i < live.size() ? live[i].get() : nullptr, static_cast<uint32_t>(i)});
  }
  return views;
}

segment::FieldStats SegmentStatistics::Field(std::string_view field) const {
  segment::FieldStats total;
  for (const SegmentView& v : views_) {
    if (const segment::FieldReader* f = v.reader->field(field)) {
      total.doc_count += f->info().stats.doc_count;
      total.sum_total_term_freq += f->info().stats.sum_total_term_freq;
      total.sum_doc_freq += f->info().stats.sum_doc_freq;
    }
  }
  return total;
}

uint64_t SegmentStatistics::DocFreq(std::string_view field, std::string_view term) const {
  return DocFreq(field, term, nullptr);
}

uint64_t SegmentStatistics::DocFreq(std::string_view field, std::string_view term,
                                    std::vector<SegmentTermInfo>* infos) const {
  uint64_t df = 0;
  for (const SegmentView& v : views_) {
    SegmentTermInfo found{v.reader, {}};
    if (const segment::FieldReader* f = v.reader->field(field)) {
      auto info = f->LookupTerm(term);
      if (info.ok()) {
        df += info->doc_freq;
        found.info = info.value();
      } else if (info.status().code() != StatusCode::kNotFound) {
        continue;  // corrupt: let the scorer's own lookup report it
      }
    }
    if (infos != nullptr) infos->push_back(found);
  }
  return df;
}

}  // namespace holdfast::search
