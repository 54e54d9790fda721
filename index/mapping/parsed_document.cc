#include "index/mapping/parsed_document.h"

#include <cstring>

namespace holdfast::mapping {

void ParsedDocument::Reset(std::string_view id, std::string_view source, size_t padding) {
  id_.assign(id);
  size_t needed = source.size() + padding;
  if (needed > buffer_capacity_) {
    buffer_capacity_ = std::max(needed, buffer_capacity_ * 2);
    buffer_ = std::make_unique_for_overwrite<char[]>(buffer_capacity_);
  }
  if (!source.empty()) std::memcpy(buffer_.get(), source.data(), source.size());
  std::memset(buffer_.get() + source.size(), 0, padding);
  source_size_ = source.size();
  ClearFields();
}

}  // namespace holdfast::mapping
