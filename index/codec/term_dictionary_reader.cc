#include "index/codec/term_dictionary_reader.h"

#include <algorithm>
#include <cstring>

#include "index/codec/term_dictionary_writer.h"
#include "index/codec/varint.h"

namespace holdfast::codec {
namespace {

constexpr size_t kTrailerSize = 8 + 8 + 4 + 4 + 4;

uint64_t KeyOf(std::string_view s) {
  uint8_t buf[8] = {};
  std::memcpy(buf, s.data(), std::min<size_t>(8, s.size()));
  uint64_t key = 0;
  for (uint8_t b : buf) key = (key << 8) | b;
  return key;
}

// Unsigned byte order, like std::string_view::compare with char_traits<char>
// on the platforms we build for, but explicit.
int CompareBytes(std::string_view a, std::string_view b) {
  const int c = std::memcmp(a.data(), b.data(), std::min(a.size(), b.size()));
  if (c != 0) return c;
  return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
}

struct Entry {
  uint32_t shared;
  std::string_view suffix;
  uint32_t doc_freq;
  uint64_t ttf_minus_df;
  uint64_t postings_length;
  uint32_t inline_doc;
};

// `prev_inline_doc` is the inline doc of the previous entry of the block that
// had one (0 at the block's start); updated when this entry has one.
const uint8_t* ParseEntry(const uint8_t* p, const uint8_t* end, uint32_t* prev_inline_doc, Entry* e) {
  uint64_t prefix = 0;
  uint64_t df_code = 0;
  if ((p = GetVarint64(p, end, &prefix)) == nullptr) return nullptr;
  uint64_t suffix_len = prefix & ((uint64_t{1} << kSuffixLenBits) - 1);
  if (suffix_len == kSuffixLenEscape) {
    uint64_t more = 0;
    if ((p = GetVarint64(p, end, &more)) == nullptr) return nullptr;
    suffix_len += more;
  }
  if ((prefix >> kSuffixLenBits) > UINT32_MAX || suffix_len > static_cast<size_t>(end - p)) return nullptr;
  e->shared = static_cast<uint32_t>(prefix >> kSuffixLenBits);
  e->suffix = std::string_view(reinterpret_cast<const char*>(p), suffix_len);
  p += suffix_len;
  if ((p = GetVarint64(p, end, &df_code)) == nullptr || (df_code >> 2) > UINT32_MAX) return nullptr;
  e->doc_freq = static_cast<uint32_t>(df_code >> 2);
  e->ttf_minus_df = 0;
  e->inline_doc = kNoInlineDoc;
  if ((df_code & 2) && (p = GetVarint64(p, end, &e->ttf_minus_df)) == nullptr) return nullptr;
  if (df_code & 1) {
    uint64_t zigzag = 0;
    if ((p = GetVarint64(p, end, &zigzag)) == nullptr || e->doc_freq != 1 || e->ttf_minus_df != 0) return nullptr;
    const int64_t doc = int64_t{*prev_inline_doc} + static_cast<int64_t>((zigzag >> 1) ^ (~(zigzag & 1) + 1));
    if (doc < 0 || doc > kMaxInlineDoc) return nullptr;
    e->inline_doc = *prev_inline_doc = static_cast<uint32_t>(doc);
    e->postings_length = 0;
    return p;
  }
  return GetVarint64(p, end, &e->postings_length);
}

TermInfo InfoOf(const Entry& e, uint64_t offset) {
  return TermInfo{e.doc_freq, e.doc_freq + e.ttf_minus_df, offset, e.postings_length, e.inline_doc};
}

}  // namespace

Result<TermDictionaryReader> TermDictionaryReader::Open(std::string_view bytes) {
  if (bytes.size() < kTrailerSize) return Status::Corruption("term dictionary: too short");
  const auto* base = reinterpret_cast<const uint8_t*>(bytes.data());
  const uint8_t* trailer = base + bytes.size() - kTrailerSize;
  TermDictionaryReader r;
  r.bytes_ = bytes;
  r.index_offset_ = DecodeFixed64(trailer);
  r.num_terms_ = DecodeFixed64(trailer + 8);
  const uint32_t num_blocks = DecodeFixed32(trailer + 16);
  r.terms_per_block_ = DecodeFixed32(trailer + 20);
  const uint32_t version = DecodeFixed32(trailer + 24);
  if (version != kTermDictionaryVersion) {
    return Status::Corruption("term dictionary: unknown version " + std::to_string(version));
  }
  if (r.terms_per_block_ == 0 || r.index_offset_ > bytes.size() - kTrailerSize ||
      num_blocks != (r.num_terms_ + r.terms_per_block_ - 1) / r.terms_per_block_ ||
      num_blocks > r.index_offset_ + 1) {
    return Status::Corruption("term dictionary: bad trailer");
  }
  const uint8_t* p = base + r.index_offset_;
  r.index_.reserve(num_blocks);
  for (uint32_t b = 0; b < num_blocks; ++b) {
    uint32_t len = 0;
    IndexEntry e{};
    if ((p = GetVarint32(p, trailer, &len)) == nullptr || len > static_cast<size_t>(trailer - p)) {
      return Status::Corruption("term dictionary: truncated index");
    }
    e.first_term = std::string_view(reinterpret_cast<const char*>(p), len);
    e.key = KeyOf(e.first_term);
    p += len;
    if ((p = GetVarint64(p, trailer, &e.block_offset)) == nullptr ||
        (p = GetVarint64(p, trailer, &e.first_postings_offset)) == nullptr) {
      return Status::Corruption("term dictionary: truncated index");
    }
    const uint64_t min_offset = b == 0 ? 0 : r.index_.back().block_offset + 1;
    if (e.block_offset < min_offset || e.block_offset >= r.index_offset_ ||
        (b == 0 && e.block_offset != 0)) {
      return Status::Corruption("term dictionary: bad block offset");
    }
    r.index_.push_back(e);
  }
  if (p != trailer) return Status::Corruption("term dictionary: bad index length");
  return r;
}

int64_t TermDictionaryReader::FindBlock(std::string_view term) const {
  const uint64_t key = KeyOf(term);
  // First block whose first term > term, then one back.
  auto it = std::upper_bound(index_.begin(), index_.end(), term,
                             [key](std::string_view t, const IndexEntry& e) {
                               if (key != e.key) return key < e.key;
                               return CompareBytes(t, e.first_term) < 0;
                             });
  return static_cast<int64_t>(it - index_.begin()) - 1;
}

std::string_view TermDictionaryReader::BlockBytes(size_t b) const {
  const uint64_t end = b + 1 < index_.size() ? index_[b + 1].block_offset : index_offset_;
  return bytes_.substr(index_[b].block_offset, end - index_[b].block_offset);
}

uint32_t TermDictionaryReader::BlockTerms(size_t b) const {
  return b + 1 < index_.size()
             ? terms_per_block_
             : static_cast<uint32_t>(num_terms_ - uint64_t{terms_per_block_} * b);
}

Result<TermInfo> TermDictionaryReader::Seek(std::string_view target) const {
  const int64_t b = FindBlock(target);
  if (b < 0) return Status::NotFound("term not in dictionary");
  const std::string_view block = BlockBytes(static_cast<size_t>(b));
  const auto* p = reinterpret_cast<const uint8_t*>(block.data());
  const uint8_t* end = p + block.size();
  uint64_t offset = index_[b].first_postings_offset;
  // matched: bytes the previous term (which sorts before target) shares with
  // target. A term sharing more with the previous term is also before target;
  // one sharing fewer is after it; only an equal share needs a comparison.
  size_t matched = 0;
  size_t prev_len = 0;
  uint32_t prev_inline_doc = 0;
  const uint32_t terms = BlockTerms(static_cast<size_t>(b));
  for (uint32_t i = 0; i < terms; ++i) {
    Entry e;
    if ((p = ParseEntry(p, end, &prev_inline_doc, &e)) == nullptr || e.shared > prev_len || (i == 0 && e.shared != 0)) {
      return Status::Corruption("term dictionary: bad block");
    }
    prev_len = e.shared + e.suffix.size();
    if (e.shared < matched) break;
    if (e.shared == matched) {
      const std::string_view rest = target.substr(matched);
      const size_t limit = std::min(rest.size(), e.suffix.size());
      size_t l = 0;
      while (l < limit && rest[l] == e.suffix[l]) ++l;
      if (l == e.suffix.size() && l == rest.size()) return InfoOf(e, offset);
      const bool before = l == e.suffix.size() ||
                          (l < rest.size() && static_cast<uint8_t>(e.suffix[l]) <
                                                  static_cast<uint8_t>(rest[l]));
      if (!before) break;
      matched += l;
    }
    offset += e.postings_length;
  }
  return Status::NotFound("term not in dictionary");
}

bool TermIterator::Fail(const char* what) {
  status_ = Status::Corruption(std::string("term dictionary: ") + what);
  valid_ = false;
  return false;
}

bool TermIterator::EnterBlock(size_t block) {
  if (block >= reader_->index_.size()) return valid_ = false;
  const std::string_view bytes = reader_->BlockBytes(block);
  block_ = block;
  p_ = reinterpret_cast<const uint8_t*>(bytes.data());
  end_ = p_ + bytes.size();
  left_in_block_ = reader_->BlockTerms(block);
  term_.clear();
  prev_inline_doc_ = 0;
  info_ = TermInfo{};
  info_.postings_offset = reader_->index_[block].first_postings_offset;
  return ReadEntry();
}

bool TermIterator::ReadEntry() {
  Entry e;
  if ((p_ = ParseEntry(p_, end_, &prev_inline_doc_, &e)) == nullptr || e.shared > term_.size()) {
    return Fail("bad block");
  }
  term_.resize(e.shared);
  term_.append(e.suffix);
  info_ = InfoOf(e, info_.postings_offset + info_.postings_length);
  --left_in_block_;
  return valid_ = true;
}

bool TermIterator::SeekToFirst() {
  status_ = Status::OK();
  return EnterBlock(0);
}

bool TermIterator::SeekCeil(std::string_view target) {
  status_ = Status::OK();
  const int64_t b = reader_->FindBlock(target);
  if (!EnterBlock(b < 0 ? 0 : static_cast<size_t>(b))) return false;
  while (CompareBytes(term_, target) < 0) {
    if (!Next()) return false;
  }
  return true;
}

bool TermIterator::Next() {
  if (!valid_) return false;
  if (left_in_block_ > 0) return ReadEntry();
  return EnterBlock(block_ + 1);
}

}  // namespace holdfast::codec
