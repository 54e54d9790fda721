// SegmentWriter: serializes one segment (docs/formats.md, "Segment file")
// field by field, streaming postings term by term. Both the indexing buffer
// (SegmentBuilder::Build) and merges (SegmentMerger) write through it, so
// there is one writer of the format.
//
// Usage: fields in increasing name order; per field: StartField, then for a
// field with postings AddPosting* + FinishTerm per term in increasing term
// order, then the optional norms / values / ordinal terms, then FinishField.
// Then SetIds and Finish. Owns its output buffer. Not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "index/codec/postings_writer.h"
#include "index/codec/term_dictionary_writer.h"
#include "index/segment/field_info.h"
#include "index/segment/segment_format.h"
#include "index/util/status.h"

namespace holdfast::segment {

class SegmentWriter {
 public:
  explicit SegmentWriter(uint32_t doc_count);

  void StartField(std::string_view name, FieldKind kind);
  // One doc of the current term (docs ascending). Text fields take freq,
  // norm and positions; other fields docs only.
  void AddPosting(uint32_t doc, uint32_t freq, uint8_t norm, std::span<const uint32_t> positions) {
    (void)postings_->AddDoc(doc, freq, norm, positions);
  }
  // Ends the current term; no-op when it got no doc.
  void FinishTerm(std::string_view term);
  // kText: one norm byte per doc of the segment.
  void SetNorms(std::string_view norms);
  // Doc values grouped by doc: `counts[d]` values for doc d, in order, in `values`.
  void SetNumericValues(std::span<const uint32_t> counts, std::span<const int64_t> values);
  void SetOrdValues(std::span<const uint32_t> counts, std::span<const uint32_t> ords);
  // kKeyword: the term of every ordinal, ordinals in term order.
  void AddOrdTerm(std::string_view term) { ord_terms_.push_back(std::string(term)); }
  void FinishField(const FieldStats& stats);

  // The id of every doc, in doc order.
  void SetIds(std::span<const std::string_view> ids);
  // The whole segment, footer included.
  std::string Finish();

  uint32_t doc_count() const { return doc_count_; }

 private:
  static codec::PostingsOptions OptionsFor(FieldKind kind);
  template <typename T, typename Put>
  Section WriteValues(std::span<const uint32_t> counts, std::span<const T> values, Put put);

  uint32_t doc_count_;
  std::string out_;
  std::string dir_;
  uint32_t num_fields_ = 0;
  // Current field.
  std::string field_name_;
  FieldKind field_kind_ = FieldKind::kText;
  Section sections_[kFieldSectionCount];
  std::optional<codec::PostingsWriter> postings_;
  std::optional<codec::TermDictionaryWriter> dict_;
  std::string postings_bytes_;
  std::string scratch_;  // postings of a term the dictionary holds inline
  std::vector<std::string> ord_terms_;
  Section ids_;
};

}  // namespace holdfast::segment
