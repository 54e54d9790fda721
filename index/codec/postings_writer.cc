#include "index/codec/postings_writer.h"

#include <algorithm>

#include "index/codec/block_codec.h"
#include "index/codec/varint.h"

namespace holdfast::codec {

namespace {

PostingsOptions WithFreqsForPositions(PostingsOptions options) {
  options.freqs = options.freqs || options.positions;
  return options;
}

}  // namespace

PostingsWriter::PostingsWriter(PostingsOptions options) : options_(WithFreqsForPositions(options)) {}

Status PostingsWriter::AddDoc(uint32_t doc, uint32_t freq, uint8_t norm,
                              std::span<const uint32_t> positions) {
  if (doc > kMaxDocId) return Status::InvalidArgument("doc id " + std::to_string(doc) + " too large");
  if (doc_count_ > 0 && doc <= last_doc_) {
    return Status::InvalidArgument("doc ids out of order: " + std::to_string(doc) + " after " +
                                   std::to_string(last_doc_));
  }
  if (!options_.freqs) freq = 1;
  if (freq == 0) return Status::InvalidArgument("freq must be >= 1");
  if (options_.positions) {
    if (positions.size() != freq) return Status::InvalidArgument("positions.size() != freq");
    if (!std::is_sorted(positions.begin(), positions.end())) {
      return Status::InvalidArgument("positions must not decrease");
    }
    uint32_t prev = 0;
    for (uint32_t p : positions) {
      position_deltas_.push_back(p - prev);
      prev = p;
    }
  }
  docs_[buffered_] = doc;
  freqs_minus_one_[buffered_] = freq - 1;
  if (options_.norms) min_norm_ = std::min(min_norm_, norm);
  ++buffered_;
  last_doc_ = doc;
  ++doc_count_;
  total_term_freq_ += freq;
  if (buffered_ == kBlockSize) FlushBlock();
  return Status::OK();
}

void PostingsWriter::FlushBlock() {
  const size_t start = blocks_.size();
  EncodeDocBlock(docs_, buffered_, block_prev_doc_, &blocks_);
  if (options_.freqs) EncodeBlock(freqs_minus_one_, buffered_, &blocks_);
  if (options_.positions) EncodeStream(position_deltas_.data(), position_deltas_.size(), &blocks_);

  const uint32_t last = docs_[buffered_ - 1];
  PutVarint32(&skip_, last - (block_prev_doc_ + 1));
  PutVarint32(&skip_, static_cast<uint32_t>(blocks_.size() - start));
  impacts_.clear();
  if (options_.freqs) {
    PutVarint32(&impacts_, *std::max_element(freqs_minus_one_, freqs_minus_one_ + buffered_) + 1);
  }
  if (options_.norms) impacts_.push_back(static_cast<char>(min_norm_));
  skip_ += impacts_;

  block_prev_doc_ = last;
  buffered_ = 0;
  min_norm_ = 0xff;
  position_deltas_.clear();
}

Status PostingsWriter::Finish(std::string* out) {
  if (doc_count_ == 0) return Status::FailedPrecondition("postings without docs");
  PutVarint64(out, (uint64_t{doc_count_} << kPostingsFlagBits) | options_.flags());
  if (doc_count_ == 1) {  // singleton: the doc itself, no skip table, no block
    PutVarint32(out, docs_[0]);
    if (options_.freqs) PutVarint32(out, freqs_minus_one_[0]);
    if (options_.norms) out->push_back(static_cast<char>(min_norm_));
    if (options_.positions) EncodeStream(position_deltas_.data(), position_deltas_.size(), out);
    buffered_ = 0;
    min_norm_ = 0xff;
    position_deltas_.clear();
  } else {
    if (buffered_ > 0) FlushBlock();
    if (doc_count_ <= kBlockSize) {  // one block: only its impact, the block runs to the end
      out->append(impacts_);
    } else {
      PutVarint32(out, static_cast<uint32_t>(skip_.size()));
      out->append(skip_);
    }
    out->append(blocks_);
  }

  skip_.clear();
  blocks_.clear();
  block_prev_doc_ = 0xffffffff;
  doc_count_ = 0;
  total_term_freq_ = 0;
  return Status::OK();
}

}  // namespace holdfast::codec
