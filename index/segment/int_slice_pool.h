// IntSlicePool: growable streams of uint32 for many small lists at once — the
// in-memory postings of every term of the indexing buffer — without one heap
// allocation per list (the idea of Lucene's ByteBlockPool, on ints).
//
// Memory comes in 256 KiB blocks. A stream is a chain of slices whose sizes
// grow (8, 16, 32 ... 1024 ints); the last int of each slice holds the
// absolute index of the next one. Appending is O(1); a stream's ints never
// move, so a value can be updated in place through its absolute index.
// Not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

namespace holdfast::segment {

class IntSlicePool {
 public:
  struct Stream {
    uint32_t first = 0;  // absolute index of the first int
    uint32_t write = 0;  // where the next int goes
    uint32_t end = 0;    // the reserved link slot of the current slice
    uint8_t level = 0;
  };

  // A new, empty stream.
  Stream NewStream() {
    Stream s;
    s.first = s.write = Allocate(kLevelSizes[0]);
    s.end = s.first + kLevelSizes[0] - 1;
    return s;
  }

  // Appends v; returns its absolute index (stable).
  uint32_t Append(Stream* s, uint32_t v) {
    if (s->write == s->end) Grow(s);
    const uint32_t at = s->write++;
    At(at) = v;
    return at;
  }

  uint32_t& At(uint32_t index) { return blocks_[index >> kBlockShift][index & kBlockMask]; }
  uint32_t At(uint32_t index) const { return blocks_[index >> kBlockShift][index & kBlockMask]; }

  size_t bytes() const { return blocks_.size() * kBlockInts * sizeof(uint32_t); }

  // Reads a stream from its start.
  class Reader {
   public:
    Reader(const IntSlicePool& pool, const Stream& s)
        : pool_(pool), pos_(s.first), end_(s.first + kLevelSizes[0] - 1), stop_(s.write) {}
    bool done() const { return pos_ == stop_; }
    uint32_t Next() {
      if (pos_ == end_) {
        pos_ = pool_.At(end_);
        level_ = static_cast<uint8_t>(level_ + 1 < kLevels ? level_ + 1 : level_);
        end_ = pos_ + kLevelSizes[level_] - 1;
      }
      return pool_.At(pos_++);
    }

   private:
    const IntSlicePool& pool_;
    uint32_t pos_, end_, stop_;
    uint8_t level_ = 0;
  };

 private:
  static constexpr int kBlockShift = 16;
  static constexpr uint32_t kBlockInts = 1u << kBlockShift;
  static constexpr uint32_t kBlockMask = kBlockInts - 1;
  static constexpr int kLevels = 8;
  static constexpr uint32_t kLevelSizes[kLevels] = {8, 16, 32, 64, 128, 256, 512, 1024};

  uint32_t Allocate(uint32_t size) {
    if (blocks_.empty() || used_ + size > kBlockInts) {
      blocks_.push_back(std::make_unique<uint32_t[]>(kBlockInts));
      used_ = 0;
    }
    const uint32_t at = static_cast<uint32_t>((blocks_.size() - 1) << kBlockShift) + used_;
    used_ += size;
    return at;
  }

  void Grow(Stream* s) {
    const uint8_t next_level = static_cast<uint8_t>(s->level + 1 < kLevels ? s->level + 1 : s->level);
    const uint32_t size = kLevelSizes[next_level];
    const uint32_t slice = Allocate(size);
    At(s->end) = slice;
    s->write = slice;
    s->end = slice + size - 1;
    s->level = next_level;
  }

  std::vector<std::unique_ptr<uint32_t[]>> blocks_;
  uint32_t used_ = 0;
};

}  // namespace holdfast::segment
