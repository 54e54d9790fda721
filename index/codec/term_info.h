// TermInfo: what the term dictionary knows about one term of one field.
#pragma once

#include <cstdint>

namespace holdfast::codec {

struct TermInfo {
  uint32_t doc_freq = 0;         // docs containing the term (>= 1)
  uint64_t total_term_freq = 0;  // sum of its freqs (>= doc_freq)
  uint64_t postings_offset = 0;  // where its postings blob starts in the postings file
  uint64_t postings_length = 0;  // and how many bytes it has

  bool operator==(const TermInfo&) const = default;
};

}  // namespace holdfast::codec
