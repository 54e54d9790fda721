// TermDictionaryWriter: builds a term dictionary (docs/formats.md, "Term
// dictionary") from terms given in sorted order: prefix-compressed blocks of
// `terms_per_block` terms plus a sparse index of each block's first term.
//
// The postings of consecutive terms must be contiguous (offset of a term ==
// offset + length of the previous one), as when a segment writer appends each
// term's postings blob in term order; the dictionary stores lengths only.
// Owns its output buffer. Not thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "index/codec/term_info.h"
#include "index/util/status.h"

namespace holdfast::codec {

inline constexpr uint32_t kTermDictionaryVersion = 3;
// Inline docs are doc ids (docs/formats.md: at most 2^31 - 2).
inline constexpr uint32_t kMaxInlineDoc = 0x7ffffffe;
// A term entry starts with varint64 shared << kSuffixLenBits | min(suffix_len,
// kSuffixLenEscape); an escaped length continues in a second varint.
inline constexpr int kSuffixLenBits = 4;
inline constexpr uint64_t kSuffixLenEscape = 15;
inline constexpr uint32_t kDefaultTermsPerBlock = 32;

class TermDictionaryWriter {
 public:
  explicit TermDictionaryWriter(uint32_t terms_per_block = kDefaultTermsPerBlock);

  // `term` must sort strictly after the previous one (unsigned bytes), and
  // `info` must have doc_freq >= 1, total_term_freq >= doc_freq and contiguous
  // postings. InvalidArgument otherwise (nothing is added).
  Status Add(std::string_view term, const TermInfo& info);

  // Returns the dictionary bytes (without file footer); the writer is then
  // empty again.
  std::string Finish();

  uint64_t num_terms() const { return num_terms_; }

 private:
  const uint32_t terms_per_block_;
  std::string blocks_;
  std::string index_;
  std::string last_term_;
  uint64_t num_terms_ = 0;
  uint64_t next_postings_offset_ = 0;
  uint32_t prev_inline_doc_ = 0;  // of the current block
};

}  // namespace holdfast::codec
