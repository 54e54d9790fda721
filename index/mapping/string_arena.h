// StringArena: stable storage for the strings of one parsed document (field
// paths, unescaped string values).
//
// Copies never move: a string_view returned by Copy stays valid until Clear()
// or destruction, even when more strings are added (the arena grows by new
// blocks, never by reallocation). Clear() keeps the first block so a reused
// arena does not allocate for documents that fit it. Moving an arena keeps
// the views valid. Not thread-safe.
#pragma once

#include <algorithm>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

namespace holdfast::mapping {

class StringArena {
 public:
  StringArena() = default;
  StringArena(StringArena&&) = default;
  StringArena& operator=(StringArena&&) = default;

  std::string_view Copy(std::string_view s) {
    if (s.size() > left_) Grow(s.size());
    char* dst = cursor_;
    if (!s.empty()) std::memcpy(dst, s.data(), s.size());
    cursor_ += s.size();
    left_ -= s.size();
    return {dst, s.size()};
  }

  void Clear() {
    if (blocks_.empty()) return;
    blocks_.resize(1);
    cursor_ = blocks_[0].data.get();
    left_ = blocks_[0].size;
  }

 private:
  struct Block {
    std::unique_ptr<char[]> data;
    size_t size;
  };
  static constexpr size_t kMinBlock = 4096;

  void Grow(size_t needed) {
    size_t size = std::max({kMinBlock, needed, blocks_.empty() ? 0 : blocks_.back().size * 2});
    blocks_.push_back(Block{std::make_unique_for_overwrite<char[]>(size), size});
    cursor_ = blocks_.back().data.get();
    left_ = size;
  }

  std::vector<Block> blocks_;
  char* cursor_ = nullptr;
  size_t left_ = 0;
};

}  // namespace holdfast::mapping
