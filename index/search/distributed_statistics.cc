#include "index/search/distributed_statistics.h"

namespace holdfast::search {

std::string GlobalStatistics::TermKey(std::string_view field, std::string_view term) {
  std::string key;
  key.reserve(field.size() + 1 + term.size());
  key.append(field).push_back('\0');  // field names hold no NUL
  key.append(term);
  return key;
}

void GlobalStatistics::AddField(std::string_view field, const segment::FieldStats& stats) {
  segment::FieldStats& total = fields[std::string(field)];
  total.doc_count += stats.doc_count;
  total.sum_total_term_freq += stats.sum_total_term_freq;
  total.sum_doc_freq += stats.sum_doc_freq;
}

void GlobalStatistics::AddDocFreq(std::string_view field, std::string_view term, uint64_t doc_freq) {
  doc_freqs[TermKey(field, term)] += doc_freq;
}

segment::FieldStats RecordingStatistics::Field(std::string_view field) const {
  fields_.emplace(field);
  return local_.Field(field);
}

uint64_t RecordingStatistics::DocFreq(std::string_view field, std::string_view term) const {
  terms_.emplace(std::string(field), std::string(term));
  return local_.DocFreq(field, term);
}

uint64_t RecordingStatistics::DocFreq(std::string_view field, std::string_view term,
                                      std::vector<SegmentTermInfo>* infos) const {
  terms_.emplace(std::string(field), std::string(term));
  return local_.DocFreq(field, term, infos);
}

segment::FieldStats FixedStatistics::Field(std::string_view field) const {
  if (auto it = global_->fields.find(absl::string_view(field.data(), field.size())); it != global_->fields.end()) {
    return it->second;
  }
  missed_ = true;
  return local_.Field(field);
}

std::optional<uint64_t> FixedStatistics::Given(std::string_view field, std::string_view term) const {
  auto it = global_->doc_freqs.find(GlobalStatistics::TermKey(field, term));
  if (it == global_->doc_freqs.end()) {
    missed_ = true;
    return std::nullopt;
  }
  return it->second;
}

uint64_t FixedStatistics::DocFreq(std::string_view field, std::string_view term) const {
  if (auto df = Given(field, term)) return *df;
  return local_.DocFreq(field, term);
}

uint64_t FixedStatistics::DocFreq(std::string_view field, std::string_view term,
                                  std::vector<SegmentTermInfo>* infos) const {
  // The lookup fills the per-segment entries the term scorers reuse.
  const uint64_t local = local_.DocFreq(field, term, infos);
  return Given(field, term).value_or(local);
}

}  // namespace holdfast::search
