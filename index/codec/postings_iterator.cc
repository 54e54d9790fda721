#include "index/codec/postings_iterator.h"

#include "index/codec/block_codec.h"
#include "index/codec/varint.h"

namespace holdfast::codec {

Status PostingsIterator::Reset(std::string_view postings) {
  const auto* p = reinterpret_cast<const uint8_t*>(postings.data());
  const uint8_t* end = p + postings.size();
  uint64_t header = 0;
  if ((p = GetVarint64(p, end, &header)) == nullptr) return Status::Corruption("postings: truncated header");
  const uint64_t doc_count = header >> kPostingsFlagBits;
  const uint8_t flags = static_cast<uint8_t>(header & ((1u << kPostingsFlagBits) - 1));
  if (doc_count == 0 || doc_count > kMaxDocId + 1) {
    return Status::Corruption("postings: bad doc count " + std::to_string(doc_count));
  }
  if ((flags & kPostingsHasPositions) && !(flags & kPostingsHasFreqs)) return Status::Corruption("postings: bad flags");

  doc_count_ = static_cast<uint32_t>(doc_count);
  num_blocks_ = static_cast<int32_t>((doc_count + kBlockSize - 1) / kBlockSize);
  flags_ = flags;
  status_ = Status::OK();
  cur_ = SkipCursor{};
  index_ = -1;
  count_ = 0;
  doc_ = 0;
  single_block_ = num_blocks_ == 1;
  singleton_ = doc_count_ == 1;
  if (single_block_) {
    // No skip table: the block's impact, then (singleton) the doc or the block.
    SkipCursor& one = one_block_;
    one = SkipCursor{};
    uint32_t doc = 0;
    if (singleton_ && (p = GetVarint32(p, end, &doc)) == nullptr) return Status::Corruption("postings: truncated doc");
    if (flags & kPostingsHasFreqs) {
      if ((p = GetVarint32(p, end, &one.max_freq)) == nullptr) return Status::Corruption("postings: truncated impact");
      if (singleton_) one.max_freq += 1;  // stored as freq - 1
      if (one.max_freq == 0) return Status::Corruption("postings: bad freq");
    }
    if (flags & kPostingsHasNorms) {
      if (p == end) return Status::Corruption("postings: truncated impact");
      one.min_norm = *p++;
    }
    blocks_ = p;
    blocks_size_ = static_cast<size_t>(end - p);
    one.data_end = blocks_size_;
    if (singleton_) {
      if (doc > kMaxDocId) return Status::Corruption("postings: bad doc");
      docs_[0] = doc;
      freqs_[0] = one.max_freq;
      freqs_begin_ = blocks_;
    } else {
      freqs_begin_ = DecodeDocBlock(blocks_, end, doc_count_, 0xffffffff, docs_);
      if (freqs_begin_ == nullptr || docs_[doc_count_ - 1] > kMaxDocId) return Status::Corruption("postings: bad block");
    }
    one.last_doc = docs_[doc_count_ - 1];
    cur_.next_entry = p;
    shallow_ = cur_;
    return Status::OK();
  }
  uint32_t skip_bytes = 0;
  if ((p = GetVarint32(p, end, &skip_bytes)) == nullptr) return Status::Corruption("postings: truncated header");
  if (skip_bytes > static_cast<size_t>(end - p)) return Status::Corruption("postings: truncated skip table");
  skip_end_ = p + skip_bytes;
  blocks_ = skip_end_;
  blocks_size_ = static_cast<size_t>(end - blocks_);
  cur_.next_entry = p;
  shallow_ = cur_;
  return Status::OK();
}

void PostingsIterator::ResetInlineDoc(uint32_t doc) {
  doc_count_ = 1;
  num_blocks_ = 1;
  flags_ = 0;
  status_ = Status::OK();
  cur_ = SkipCursor{};
  shallow_ = cur_;
  index_ = -1;
  count_ = 0;
  doc_ = 0;
  single_block_ = singleton_ = true;
  one_block_ = SkipCursor{};
  one_block_.last_doc = doc;
  blocks_ = nullptr;
  blocks_size_ = 0;
  freqs_begin_ = nullptr;
  docs_[0] = doc;
  freqs_[0] = 1;
}

uint32_t PostingsIterator::Fail(const char* what) {
  if (status_.ok()) status_ = Status::Corruption(std::string("postings: ") + what);
  cur_.block = num_blocks_;  // nothing more to read
  shallow_ = cur_;
  shallow_.last_doc = kNoMoreDocs;
  index_ = count_ = 0;
  return doc_ = kNoMoreDocs;
}

bool PostingsIterator::ReadSkipEntry(SkipCursor* c) {
  if (c->block + 1 >= num_blocks_) return false;
  if (single_block_) {
    *c = one_block_;
    c->block = 0;
    return true;
  }
  const uint8_t* p = c->next_entry;
  uint32_t delta = 0;
  uint32_t block_bytes = 0;
  uint32_t max_freq = 1;
  uint8_t min_norm = 0;
  if ((p = GetVarint32(p, skip_end_, &delta)) == nullptr ||
      (p = GetVarint32(p, skip_end_, &block_bytes)) == nullptr) {
    Fail("truncated skip entry");
    return false;
  }
  if ((flags_ & kPostingsHasFreqs) && (p = GetVarint32(p, skip_end_, &max_freq)) == nullptr) {
    Fail("truncated skip entry");
    return false;
  }
  if (flags_ & kPostingsHasNorms) {
    if (p >= skip_end_) {
      Fail("truncated skip entry");
      return false;
    }
    min_norm = *p++;
  }
  const uint32_t base = c->last_doc + 1;  // 0 before the first block
  if (delta > kMaxDocId - base || block_bytes > blocks_size_ - c->data_end) {
    Fail("skip entry out of range");
    return false;
  }
  c->next_entry = p;
  ++c->block;
  c->prev_last_doc = c->last_doc;
  c->last_doc = base + delta;
  c->max_freq = max_freq;
  c->min_norm = min_norm;
  c->data_begin = c->data_end;
  c->data_end += block_bytes;
  return true;
}

bool PostingsIterator::DecodeDocs() {
  if (single_block_) {  // decoded by Reset, and never overwritten
    count_ = static_cast<int32_t>(doc_count_);
    index_ = 0;
    freqs_decoded_ = singleton_;
    positions_begin_ = freqs_begin_;
    positions_decoded_ = false;
    return true;
  }
  const bool last_block = cur_.block == num_blocks_ - 1;
  count_ = last_block ? static_cast<int32_t>(doc_count_ - kBlockSize * (num_blocks_ - 1))
                      : static_cast<int32_t>(kBlockSize);
  const uint8_t* end = blocks_ + cur_.data_end;
  freqs_begin_ = DecodeDocBlock(blocks_ + cur_.data_begin, end, count_, cur_.prev_last_doc, docs_);
  // The last doc must match the skip entry and the first must follow the
  // previous block (for block 0 the base wraps to 0).
  const uint32_t base = cur_.prev_last_doc + 1;
  if (freqs_begin_ == nullptr || docs_[count_ - 1] != cur_.last_doc || docs_[0] < base) {
    Fail("block does not match its skip entry");
    return false;
  }
  index_ = 0;
  freqs_decoded_ = false;
  positions_decoded_ = false;
  return true;
}

uint32_t PostingsIterator::NextBlock() {
  if (!ReadSkipEntry(&cur_)) {
    index_ = count_ = 0;
    return doc_ = kNoMoreDocs;
  }
  if (!DecodeDocs()) return kNoMoreDocs;
  return doc_ = docs_[0];
}

bool PostingsIterator::EnterBlockFor(uint32_t target) {
  // Start from the impact cursor when ShallowAdvance already walked ahead.
  SkipCursor c = (shallow_.block > cur_.block && shallow_.last_doc != kNoMoreDocs &&
                  shallow_.prev_last_doc < target)
                     ? shallow_
                     : cur_;
  if (c.block >= num_blocks_) return false;
  while (c.block < 0 || c.last_doc < target) {
    if (!ReadSkipEntry(&c)) return false;
  }
  cur_ = c;
  return DecodeDocs();
}

uint32_t PostingsIterator::Advance(uint32_t target) {
  if (count_ == 0 || target > cur_.last_doc) {
    if (!EnterBlockFor(target)) {
      index_ = count_ = 0;
      cur_.block = num_blocks_;
      return doc_ = kNoMoreDocs;
    }
  }
  // docs_[count_ - 1] == cur_.last_doc >= target bounds the scan.
  while (docs_[index_] < target) ++index_;
  return doc_ = docs_[index_];
}

uint32_t PostingsIterator::ShallowAdvance(uint32_t target) {
  if (shallow_.block < cur_.block) shallow_ = cur_;
  while (shallow_.block < 0 || shallow_.last_doc < target) {
    if (!ReadSkipEntry(&shallow_)) {
      shallow_.last_doc = kNoMoreDocs;
      shallow_.max_freq = 0;
      shallow_.min_norm = 0xff;
      break;
    }
  }
  return shallow_.last_doc;
}

void PostingsIterator::DecodeFreqs() {
  freqs_decoded_ = true;
  if (!(flags_ & kPostingsHasFreqs)) {
    for (int32_t i = 0; i < count_; ++i) freqs_[i] = 1;
    return;
  }
  positions_begin_ = DecodeBlock(freqs_begin_, blocks_ + cur_.data_end, count_, freqs_);
  if (positions_begin_ == nullptr) {
    for (int32_t i = 0; i < count_; ++i) freqs_[i] = 0;
    Fail("truncated freqs");
    return;
  }
  for (int32_t i = 0; i < count_; ++i) freqs_[i] += 1;
}

void PostingsIterator::DecodePositions() {
  if (!freqs_decoded_) DecodeFreqs();
  positions_decoded_ = true;
  position_doc_ = -1;
  position_end_ = 0;
  if (positions_begin_ == nullptr) return;
  uint64_t total = 0;
  for (int32_t i = 0; i < count_; ++i) total += freqs_[i];
  // Every 128 values take at least one byte: refuse sizes the bytes cannot hold.
  const uint64_t available = static_cast<uint64_t>(blocks_ + cur_.data_end - positions_begin_);
  if (total > kBlockSize * available) {
    Fail("positions longer than their block");
    return;
  }
  positions_.resize(total);
  if (DecodeStream(positions_begin_, blocks_ + cur_.data_end, total, positions_.data()) == nullptr) {
    Fail("truncated positions");
  }
}

uint32_t PostingsIterator::NextPosition() {
  if (!(flags_ & kPostingsHasPositions) || count_ == 0) return kNoMorePositions;
  if (!positions_decoded_) DecodePositions();
  if (!status_.ok()) return kNoMorePositions;
  if (position_doc_ != index_) {
    // Continue from the previous doc of the block when moving forward.
    const bool forward = position_doc_ < index_;
    size_t start = forward ? position_end_ : 0;
    for (int32_t i = forward ? position_doc_ + 1 : 0; i < index_; ++i) start += freqs_[i];
    position_doc_ = index_;
    position_next_ = start;
    position_end_ = start + freqs_[index_];
    position_ = 0;
  }
  if (position_next_ >= position_end_) return kNoMorePositions;
  position_ += positions_[position_next_++];
  return position_;
}

}  // namespace holdfast::codec
