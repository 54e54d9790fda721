// LiveDocs: which docs of a segment are deleted (updated or deleted since the
// segment was written). A dense bitset — one bit per doc, 125 KB for a
// million docs — so the hot check in every scorer is one load and a mask.
//
// Immutable once shared: a shard makes a modified copy (copy-on-write) and
// publishes it with the next searcher, so searches in flight keep theirs.
// Serialized as `<segment>_<gen>.liv` with a file footer (docs/formats.md).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "index/util/status.h"

namespace holdfast::segment {

class LiveDocs {
 public:
  explicit LiveDocs(uint32_t doc_count = 0)
      : doc_count_(doc_count), bits_((static_cast<size_t>(doc_count) + 63) / 64, 0) {}

  uint32_t doc_count() const { return doc_count_; }
  uint32_t deleted_count() const { return deleted_; }
  uint32_t live_count() const { return doc_count_ - deleted_; }
  bool IsDeleted(uint32_t doc) const { return (bits_[doc >> 6] >> (doc & 63)) & 1; }
  bool IsLive(uint32_t doc) const { return !IsDeleted(doc); }
  // Returns true when the doc was live before.
  bool Delete(uint32_t doc);

  std::string Encode() const;  // with file footer
  static Result<LiveDocs> Decode(std::string_view bytes, std::string_view file_name);

 private:
  uint32_t doc_count_;
  uint32_t deleted_ = 0;
  std::vector<uint64_t> bits_;
};

}  // namespace holdfast::segment
