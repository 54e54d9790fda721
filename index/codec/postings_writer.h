// PostingsWriter: builds the postings blob of one term (docs/formats.md,
// "Postings of one term") from docs given in ascending order, with their freqs,
// field-length norm bytes and positions, and the skip table with per-block
// max freq / min norm for block-max WAND.
//
// Owns its buffers and reuses them from term to term: call AddDoc for every doc
// of a term, then Finish, then start the next term. Not thread-safe; one writer
// per thread.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "index/codec/bitpacking.h"
#include "index/codec/postings_format.h"
#include "index/util/status.h"

namespace holdfast::codec {

class PostingsWriter {
 public:
  // Positions imply freqs.
  explicit PostingsWriter(PostingsOptions options);

  // `doc` must be greater than the previous doc of the term and <= kMaxDocId.
  // `freq` (>= 1) is ignored without freqs, `norm` without norms. With
  // positions, `positions` holds exactly `freq` non-decreasing positions.
  // InvalidArgument otherwise (and the doc is not added).
  Status AddDoc(uint32_t doc, uint32_t freq = 1, uint8_t norm = 0,
                std::span<const uint32_t> positions = {});

  // Appends the term's blob to `out` and resets the writer for the next term.
  // FailedPrecondition when no doc was added.
  Status Finish(std::string* out);

  // Of the term being written.
  uint32_t doc_count() const { return doc_count_; }
  uint64_t total_term_freq() const { return total_term_freq_; }
  uint32_t last_doc() const { return last_doc_; }

 private:
  void FlushBlock();

  const PostingsOptions options_;
  uint32_t docs_[kBlockSize];
  uint32_t freqs_minus_one_[kBlockSize];
  size_t buffered_ = 0;
  uint8_t min_norm_ = 0xff;
  std::vector<uint32_t> position_deltas_;  // of the buffered docs
  uint32_t block_prev_doc_ = 0xffffffff;   // doc before the buffered block
  uint32_t last_doc_ = 0;
  uint32_t doc_count_ = 0;
  uint64_t total_term_freq_ = 0;
  std::string skip_;
  std::string impacts_;  // max freq / min norm of the last flushed block
  std::string blocks_;
};

}  // namespace holdfast::codec
