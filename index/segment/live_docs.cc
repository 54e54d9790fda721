#include "index/segment/live_docs.h"

#include <bit>
#include <cstring>

#include "index/codec/file_footer.h"
#include "index/codec/varint.h"
#include "index/segment/segment_format.h"

namespace holdfast::segment {

bool LiveDocs::Delete(uint32_t doc) {
  uint64_t& word = bits_[doc >> 6];
  const uint64_t mask = uint64_t{1} << (doc & 63);
  if (word & mask) return false;
  word |= mask;
  ++deleted_;
  return true;
}

std::string LiveDocs::Encode() const {
  std::string out;
  codec::PutFixed32(&out, doc_count_);
  for (uint64_t w : bits_) codec::PutFixed64(&out, w);
  codec::AppendFileFooter(&out, kLiveDocsMagic, kLiveDocsVersion);
  return out;
}

Result<LiveDocs> LiveDocs::Decode(std::string_view bytes, std::string_view file_name) {
  auto verified = codec::VerifyFileFooter(bytes, file_name, kLiveDocsMagic);
  if (!verified.ok()) return verified.status();
  std::string_view body = verified->body;
  if (body.size() < 4) return Status::Corruption(std::string(file_name) + ": truncated");
  uint32_t doc_count = codec::DecodeFixed32(reinterpret_cast<const uint8_t*>(body.data()));
  LiveDocs live(doc_count);
  if (body.size() != 4 + 8 * live.bits_.size()) {
    return Status::Corruption(std::string(file_name) + ": size does not match doc count");
  }
  for (size_t i = 0; i < live.bits_.size(); ++i) {
    live.bits_[i] = codec::DecodeFixed64(reinterpret_cast<const uint8_t*>(body.data()) + 4 + 8 * i);
    live.deleted_ += static_cast<uint32_t>(std::popcount(live.bits_[i]));
  }
  return live;
}

}  // namespace holdfast::segment
