// PostingsIterator: reads the postings blob of one term (docs/formats.md,
// "Postings of one term") straight from mmapped bytes.
//
// Decoding is lazy: a block's doc ids are decoded when the iterator enters the
// block, its freqs on the first freq() in the block, its positions on the first
// NextPosition() in the block. Advance() walks the skip table and never decodes
// a block it jumps over. ShallowAdvance() and the Block*() accessors expose the
// per-block max freq / min norm for block-max WAND and MaxScore, also without
// decoding.
//
// The iterator does not own the bytes; they must outlive it. Its only heap
// memory is the positions buffer. Not thread-safe: give every thread its own
// iterator (the bytes may be shared). Corrupt bytes never cause a read outside
// the blob: the iterator then ends (kNoMoreDocs) and status() says why.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "index/codec/bitpacking.h"
#include "index/codec/postings_format.h"
#include "index/util/status.h"

namespace holdfast::codec {

class PostingsIterator {
 public:
  PostingsIterator() = default;

  // Reads the header of `postings`, after which the iterator stands before
  // its first doc. Corruption when the header is malformed. Reusable: a scorer
  // may Reset one iterator for term after term.
  Status Reset(std::string_view postings);
  // The postings of a term whose one doc the dictionary holds inline (no
  // freqs, no positions, no norms).
  void ResetInlineDoc(uint32_t doc);

  // Doc ids. doc() is defined after the first NextDoc() or Advance().
  uint32_t doc() const { return doc_; }
  uint32_t NextDoc() {
    if (++index_ < count_) return doc_ = docs_[index_];
    return NextBlock();
  }
  // The first doc >= target (target > doc() expected; if not, stays on doc()).
  uint32_t Advance(uint32_t target);
  uint32_t cost() const { return doc_count_; }

  // Of the current doc; 1 without freqs.
  uint32_t freq() {
    if (!(flags_ & kPostingsHasFreqs)) return 1;
    if (!freqs_decoded_) DecodeFreqs();
    return freqs_[index_];
  }
  // The next position of the current doc, freq() times; then kNoMorePositions.
  // kNoMorePositions right away without positions.
  uint32_t NextPosition();

  // Block-max access. Moves the impact cursor to the block that may hold
  // `target` (docs stay where they are) and returns that block's last doc, or
  // kNoMoreDocs when no doc >= target exists. The accessors describe that
  // block; the score bound for it holds for every doc up to BlockLastDoc().
  uint32_t ShallowAdvance(uint32_t target);
  uint32_t BlockLastDoc() const { return shallow_.last_doc; }
  // Max freq of the block (1 without freqs).
  uint32_t BlockMaxFreq() const { return shallow_.max_freq; }
  // Min norm byte of the block, i.e. its shortest field (0 without norms).
  uint8_t BlockMinNorm() const { return shallow_.min_norm; }

  // Block access for bulk scoring. The decoded docs of the current block are
  // BlockDocs()[0, BlockSize()); doc() is BlockDocs()[BlockIndex()].
  // BlockFreqs() decodes the block's freqs (all 1 without freqs).
  // MoveInBlock(i) moves doc() forward to BlockDocs()[i] (BlockIndex() < i <
  // BlockSize()); NextBlock() moves to the first doc of the next block.
  const uint32_t* BlockDocs() const { return docs_; }
  int32_t BlockIndex() const { return index_; }
  int32_t BlockSize() const { return count_; }
  const uint32_t* BlockFreqs() {
    if (!freqs_decoded_) DecodeFreqs();
    return freqs_;
  }
  uint32_t MoveInBlock(int32_t i) {
    index_ = i;
    return doc_ = docs_[i];
  }
  uint32_t NextBlock();

  bool has_positions() const { return flags_ & kPostingsHasPositions; }
  // OK unless the bytes were found corrupt.
  const Status& status() const { return status_; }

 private:
  // One skip entry as read; block -1 is "before the first block".
  struct SkipCursor {
    const uint8_t* next_entry = nullptr;
    int32_t block = -1;
    uint32_t prev_last_doc = 0xffffffff;
    uint32_t last_doc = 0xffffffff;
    uint32_t max_freq = 1;
    uint8_t min_norm = 0;
    size_t data_begin = 0;
    size_t data_end = 0;
  };

  bool ReadSkipEntry(SkipCursor* c);
  // Moves to the first block whose last doc >= target and decodes its docs.
  bool EnterBlockFor(uint32_t target);
  bool DecodeDocs();
  void DecodeFreqs();
  void DecodePositions();
  uint32_t Fail(const char* what);

  const uint8_t* skip_end_ = nullptr;
  const uint8_t* blocks_ = nullptr;
  size_t blocks_size_ = 0;
  uint32_t doc_count_ = 0;
  int32_t num_blocks_ = 0;
  uint8_t flags_ = 0;
  Status status_;

  bool single_block_ = false;  // one block, no skip table: one_block_ stands for it
  bool singleton_ = false;     // one doc: docs_[0] and freqs_[0] hold it
  SkipCursor one_block_;
  SkipCursor cur_;      // the block whose docs are decoded
  SkipCursor shallow_;  // the block of the last ShallowAdvance
  int32_t index_ = -1;  // of doc() in docs_
  int32_t count_ = 0;   // docs decoded in docs_
  uint32_t doc_ = 0;
  const uint8_t* freqs_begin_ = nullptr;
  const uint8_t* positions_begin_ = nullptr;
  bool freqs_decoded_ = false;
  bool positions_decoded_ = false;
  int32_t position_doc_ = -1;   // index of the doc the position cursor is on
  size_t position_next_ = 0;    // next entry of positions_
  size_t position_end_ = 0;     // end of that doc's entries
  uint32_t position_ = 0;
  alignas(16) uint32_t docs_[kBlockSize];
  alignas(16) uint32_t freqs_[kBlockSize];
  std::vector<uint32_t> positions_;  // deltas of the block, decoded
};

}  // namespace holdfast::codec
