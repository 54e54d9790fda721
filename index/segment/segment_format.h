// Constants of the segment file (docs/formats.md, "Segment file"): one file
// per segment holding, per field, a term dictionary, postings, norms and doc
// values, plus the ids column, a directory, and the common file footer.
#pragma once

#include <cstdint>

namespace holdfast::segment {

inline constexpr uint32_t kSegmentMagic = 0x47534648;  // "HFSG" little-endian
inline constexpr uint32_t kSegmentVersion = 2;
inline constexpr uint32_t kLiveDocsMagic = 0x56494c48;  // "HLIV"
inline constexpr uint32_t kLiveDocsVersion = 1;

// The ids column keeps one offset per this many docs (docs/formats.md).
inline constexpr uint32_t kIdGroupSize = 16;

// A byte range inside the segment body.
struct Section {
  uint64_t offset = 0;
  uint64_t length = 0;
};

// Per-field sections, in this order in the directory.
enum FieldSection : int {
  kTermsSection = 0,     // term dictionary (index/codec/term_dictionary_*.h)
  kPostingsSection,      // postings blobs of the field's terms, in term order
  kNormsSection,         // text: one norm byte per doc (0 = field absent)
  kValuesSection,        // numeric / ordinal doc values: offsets + values
  kOrdTermsSection,      // keyword: ordinal → term bytes
  kFieldSectionCount,
};

}  // namespace holdfast::segment
