// Constants and options shared by PostingsWriter and PostingsIterator; the
// byte layout itself is in docs/formats.md ("Postings of one term").
#pragma once

#include <cstdint>

namespace holdfast::codec {

// Largest doc id a segment may hold, and the sentinel iterators return once
// they are exhausted (greater than every doc id, so loops compare naturally).
inline constexpr uint32_t kMaxDocId = 0x7ffffffe;
inline constexpr uint32_t kNoMoreDocs = 0x7fffffff;
inline constexpr uint32_t kNoMorePositions = 0x7fffffff;

// Bits of the postings flags byte.
inline constexpr uint8_t kPostingsHasFreqs = 1;
inline constexpr uint8_t kPostingsHasPositions = 2;
inline constexpr uint8_t kPostingsHasNorms = 4;
// The header varint holds doc_count << kPostingsFlagBits | flags.
inline constexpr int kPostingsFlagBits = 3;

// What a field indexes. Positions need freqs.
struct PostingsOptions {
  bool freqs = true;
  bool positions = false;
  bool norms = true;

  uint8_t flags() const {
    return static_cast<uint8_t>((freqs ? kPostingsHasFreqs : 0) |
                                (positions ? kPostingsHasPositions : 0) |
                                (norms ? kPostingsHasNorms : 0));
  }
};

}  // namespace holdfast::codec
