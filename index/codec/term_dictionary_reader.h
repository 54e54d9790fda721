// TermDictionaryReader: looks terms up in a term dictionary (docs/formats.md,
// "Term dictionary") straight from mmapped bytes.
//
// Open() validates the trailer and loads the sparse block index into one
// array (first terms stay views of the bytes). Seek() binary-searches the
// index and scans one block without building any term, so it allocates
// nothing. TermIterator walks terms in order from any point (prefix and
// fuzzy queries).
//
// The reader does not own the bytes; they must outlive it and its iterators,
// and an iterator must not outlive (or see a move of) its reader.
// Immutable after Open: safe to share between threads; each thread uses its
// own TermIterator. Corrupt blocks yield Corruption, never a read outside
// the bytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "index/codec/term_info.h"
#include "index/util/status.h"

namespace holdfast::codec {

class TermIterator;

class TermDictionaryReader {
 public:
  static Result<TermDictionaryReader> Open(std::string_view bytes);

  uint64_t num_terms() const { return num_terms_; }

  // The term's info; NotFound when the dictionary does not hold it.
  Result<TermInfo> Seek(std::string_view term) const;

  // An iterator before the first term; call SeekToFirst() or SeekCeil().
  TermIterator NewIterator() const;

 private:
  friend class TermIterator;

  struct IndexEntry {
    uint64_t key;  // first 8 bytes of first_term, big-endian, zero-padded
    std::string_view first_term;
    uint64_t block_offset;
    uint64_t first_postings_offset;
  };

  // Index of the last block whose first term <= term, or -1.
  int64_t FindBlock(std::string_view term) const;
  // Bytes and term count of block b.
  std::string_view BlockBytes(size_t b) const;
  uint32_t BlockTerms(size_t b) const;

  std::string_view bytes_;
  uint64_t index_offset_ = 0;
  uint64_t num_terms_ = 0;
  uint32_t terms_per_block_ = 0;
  std::vector<IndexEntry> index_;
};

class TermIterator {
 public:
  explicit TermIterator(const TermDictionaryReader* reader) : reader_(reader) {}

  // Positions on the first term; false when the dictionary is empty.
  bool SeekToFirst();
  // Positions on the first term >= target; false when there is none.
  bool SeekCeil(std::string_view target);
  // Moves to the next term; false past the last one.
  bool Next();

  bool Valid() const { return valid_; }
  // Valid() only. term() stays valid until the iterator moves.
  std::string_view term() const { return term_; }
  const TermInfo& info() const { return info_; }
  // OK unless the bytes were found corrupt (then Valid() is false).
  const Status& status() const { return status_; }

 private:
  bool EnterBlock(size_t block);
  bool ReadEntry();
  bool Fail(const char* what);

  const TermDictionaryReader* reader_;
  size_t block_ = 0;
  uint32_t left_in_block_ = 0;  // entries not yet read in the block
  const uint8_t* p_ = nullptr;
  const uint8_t* end_ = nullptr;
  std::string term_;
  uint32_t prev_inline_doc_ = 0;  // of the block, for the next inline doc
  TermInfo info_;
  bool valid_ = false;
  Status status_;
};

inline TermIterator TermDictionaryReader::NewIterator() const { return TermIterator(this); }

}  // namespace holdfast::codec
