#include "index/codec/term_dictionary_writer.h"

#include <algorithm>

#include "index/codec/varint.h"

namespace holdfast::codec {

TermDictionaryWriter::TermDictionaryWriter(uint32_t terms_per_block)
    : terms_per_block_(std::max<uint32_t>(terms_per_block, 1)) {}

Status TermDictionaryWriter::Add(std::string_view term, const TermInfo& info) {
  if (num_terms_ > 0 && term <= std::string_view(last_term_)) {
    return Status::InvalidArgument("terms out of order");
  }
  if (info.doc_freq == 0 || info.total_term_freq < info.doc_freq) {
    return Status::InvalidArgument("bad doc_freq / total_term_freq");
  }
  if (info.has_inline_doc() && (info.doc_freq != 1 || info.total_term_freq != 1 || info.postings_length != 0 ||
                                info.inline_doc > kMaxInlineDoc)) {
    return Status::InvalidArgument("an inline doc needs one doc with freq 1 and no postings");
  }
  if (num_terms_ > 0 && info.postings_offset != next_postings_offset_) {
    return Status::InvalidArgument("postings are not contiguous");
  }
  if (term.size() > UINT32_MAX) return Status::InvalidArgument("term too long");

  size_t shared = 0;
  if (num_terms_ % terms_per_block_ == 0) {  // first term of a block
    prev_inline_doc_ = 0;
    PutVarint32(&index_, static_cast<uint32_t>(term.size()));
    index_.append(term);
    PutVarint64(&index_, blocks_.size());
    PutVarint64(&index_, info.postings_offset);
  } else {
    const size_t limit = std::min(term.size(), last_term_.size());
    while (shared < limit && term[shared] == last_term_[shared]) ++shared;
  }
  const uint64_t suffix_len = term.size() - shared;
  PutVarint64(&blocks_, (uint64_t{shared} << kSuffixLenBits) | std::min<uint64_t>(suffix_len, kSuffixLenEscape));
  if (suffix_len >= kSuffixLenEscape) PutVarint64(&blocks_, suffix_len - kSuffixLenEscape);
  blocks_.append(term.substr(shared));
  const bool more_freq = info.total_term_freq > info.doc_freq;
  const bool inline_doc = info.has_inline_doc();
  PutVarint64(&blocks_, (uint64_t{info.doc_freq} << 2) | (more_freq ? 2 : 0) | (inline_doc ? 1 : 0));
  if (more_freq) PutVarint64(&blocks_, info.total_term_freq - info.doc_freq);
  if (inline_doc) {
    // Zigzag difference to the previous inline doc of the block: ids written
    // in order make neighbouring terms neighbouring docs.
    const int64_t delta = int64_t{info.inline_doc} - int64_t{prev_inline_doc_};
    PutVarint64(&blocks_, (static_cast<uint64_t>(delta) << 1) ^ static_cast<uint64_t>(delta >> 63));
    prev_inline_doc_ = info.inline_doc;
  } else {
    PutVarint64(&blocks_, info.postings_length);
  }

  last_term_.assign(term);
  next_postings_offset_ = info.postings_offset + info.postings_length;
  ++num_terms_;
  return Status::OK();
}

std::string TermDictionaryWriter::Finish() {
  std::string out = std::move(blocks_);
  const uint64_t index_offset = out.size();
  out.append(index_);
  PutFixed64(&out, index_offset);
  PutFixed64(&out, num_terms_);
  PutFixed32(&out, static_cast<uint32_t>((num_terms_ + terms_per_block_ - 1) / terms_per_block_));
  PutFixed32(&out, terms_per_block_);
  PutFixed32(&out, kTermDictionaryVersion);

  blocks_.clear();
  index_.clear();
  last_term_.clear();
  num_terms_ = 0;
  next_postings_offset_ = 0;
  return out;
}

}  // namespace holdfast::codec
