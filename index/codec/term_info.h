// TermInfo: what the term dictionary knows about one term of one field.
#pragma once

#include <cstdint>

namespace holdfast::codec {

// inline_doc when a term has no postings blob: a field without freqs whose
// term is in one doc keeps that doc in the dictionary (docs/formats.md).
inline constexpr uint32_t kNoInlineDoc = 0xffffffff;

struct TermInfo {
  uint32_t doc_freq = 0;         // docs containing the term (>= 1)
  uint64_t total_term_freq = 0;  // sum of its freqs (>= doc_freq)
  uint64_t postings_offset = 0;  // where its postings blob starts in the postings file
  uint64_t postings_length = 0;  // and how many bytes it has (0 with an inline doc)
  uint32_t inline_doc = kNoInlineDoc;  // the one doc of an inlined term

  bool has_inline_doc() const { return inline_doc != kNoInlineDoc; }

  bool operator==(const TermInfo&) const = default;
};

}  // namespace holdfast::codec
