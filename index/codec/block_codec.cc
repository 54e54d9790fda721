#include "index/codec/block_codec.h"

#include <bit>
#include <cstring>

#include "index/codec/varint.h"

namespace holdfast::codec {
namespace {

// Full block header byte: bits 0..5 the bit width, bit 6 set when
// exceptions follow the packed bits (patched frame of reference).
constexpr uint8_t kExceptionsFlag = 0x40;
constexpr uint8_t kWidthMask = 0x3f;
// More exceptions than this are never worth their bytes and decode time.
constexpr int kMaxExceptions = 32;

int VarintBytes32(uint32_t v) { return 1 + (static_cast<int>(std::bit_width(v)) - (v != 0)) / 7; }

// The width that packs the block into the fewest bytes when values wider
// than it are stored as exceptions (index byte + varint of the high bits).
int BestWidth(const uint32_t* values, int max_width) {
  int count[33] = {};
  for (size_t i = 0; i < kBlockSize; ++i) ++count[std::bit_width(values[i])];
  int best = max_width;
  size_t best_bytes = PackedBytes(max_width);
  int exceptions = 0;
  for (int b = max_width - 1; b >= 0; --b) {
    exceptions += count[b + 1];
    if (exceptions > kMaxExceptions) break;
    size_t bytes = PackedBytes(b) + 1;  // + the exception count
    for (int w = b + 1; w <= max_width; ++w) {
      bytes += static_cast<size_t>(count[w]) * (1 + static_cast<size_t>(1 + (w - b - 1) / 7));
    }
    if (bytes < best_bytes) {
      best_bytes = bytes;
      best = b;
    }
  }
  return best;
}

void EncodeFullBlock(const uint32_t* values, std::string* out) {
  const int max_width = MaxBitWidth(values);
  const int width = BestWidth(values, max_width);
  const size_t at = out->size();
  if (width == max_width) {
    out->push_back(static_cast<char>(width));
    out->resize(at + 1 + PackedBytes(width));
    PackBlock(values, width, reinterpret_cast<uint8_t*>(out->data() + at + 1));
    return;
  }
  uint32_t low[kBlockSize];
  const uint32_t mask = (uint32_t{1} << width) - 1;
  int exceptions = 0;
  for (size_t i = 0; i < kBlockSize; ++i) {
    low[i] = values[i] & mask;
    exceptions += values[i] > mask;
  }
  out->push_back(static_cast<char>(width | kExceptionsFlag));
  out->push_back(static_cast<char>(exceptions));
  out->resize(at + 2 + PackedBytes(width));
  PackBlock(low, width, reinterpret_cast<uint8_t*>(out->data() + at + 2));
  for (size_t i = 0; i < kBlockSize; ++i) {
    if (values[i] > mask) {
      out->push_back(static_cast<char>(i));
      PutVarint32(out, values[i] >> width);
    }
  }
}

struct FullBlock {
  const uint8_t* packed;
  int width;
  int exceptions;  // 0: none
};

// Reads the header and checks the packed bytes are there.
const uint8_t* FullBlockHeader(const uint8_t* p, const uint8_t* end, FullBlock* block) {
  if (p >= end) return nullptr;
  const uint8_t code = *p++;
  block->width = code & kWidthMask;
  block->exceptions = 0;
  if ((code & ~(kWidthMask | kExceptionsFlag)) != 0 || block->width > 32) return nullptr;
  if (code & kExceptionsFlag) {
    if (p >= end || block->width == 32) return nullptr;
    block->exceptions = *p++;
    if (block->exceptions == 0 || block->exceptions > static_cast<int>(kBlockSize)) return nullptr;
  }
  if (static_cast<size_t>(end - p) < PackedBytes(block->width)) return nullptr;
  block->packed = p;
  return p + PackedBytes(block->width);
}

// Adds the exceptions' high bits to the unpacked low bits.
const uint8_t* PatchExceptions(const uint8_t* p, const uint8_t* end, const FullBlock& block, uint32_t* out) {
  for (int e = 0; e < block.exceptions; ++e) {
    uint32_t high = 0;
    if (p >= end || *p >= kBlockSize) return nullptr;
    const uint8_t index = *p++;
    if ((p = GetVarint32(p, end, &high)) == nullptr || (block.width > 0 && (high >> (32 - block.width)) != 0)) {
      return nullptr;
    }
    out[index] |= high << block.width;
  }
  return p;
}

const uint8_t* DecodeFullBlock(const uint8_t* p, const uint8_t* end, uint32_t* out) {
  FullBlock block;
  if ((p = FullBlockHeader(p, end, &block)) == nullptr) return nullptr;
  UnpackBlock(block.packed, block.width, out);
  return block.exceptions == 0 ? p : PatchExceptions(p, end, block, out);
}

constexpr uint8_t kVarintTail = 0xff;

size_t TailPackedBytes(size_t n, int width) { return (n * static_cast<size_t>(width) + 7) / 8; }

size_t VarintBytes(const uint32_t* values, size_t n) {
  size_t bytes = 0;
  for (size_t i = 0; i < n; ++i) bytes += static_cast<size_t>(VarintBytes32(values[i]));
  return bytes;
}

// A tail block: the smaller of n values packed with one bit width (a plain
// little-endian bit stream) and n varints.
void EncodeTail(const uint32_t* values, size_t n, std::string* out) {
  if (n == 0) return;
  uint32_t acc = 0;
  for (size_t i = 0; i < n; ++i) acc |= values[i];
  const int width = std::bit_width(acc);
  const size_t packed = TailPackedBytes(n, width);
  if (VarintBytes(values, n) < packed) {
    out->push_back(static_cast<char>(kVarintTail));
    for (size_t i = 0; i < n; ++i) PutVarint32(out, values[i]);
    return;
  }
  out->push_back(static_cast<char>(width));
  uint64_t bits = 0;
  int filled = 0;
  for (size_t i = 0; i < n; ++i) {
    bits |= uint64_t{values[i]} << filled;
    filled += width;
    while (filled >= 8) {
      out->push_back(static_cast<char>(bits & 0xff));
      bits >>= 8;
      filled -= 8;
    }
  }
  if (filled > 0) out->push_back(static_cast<char>(bits & 0xff));
}

const uint8_t* DecodeTail(const uint8_t* p, const uint8_t* end, size_t n, uint32_t* out) {
  if (n == 0) return p;
  if (p >= end) return nullptr;
  const uint8_t width = *p++;
  if (width == kVarintTail) {
    for (size_t i = 0; i < n; ++i) {
      if ((p = GetVarint32(p, end, &out[i])) == nullptr) return nullptr;
    }
    return p;
  }
  if (width > 32) return nullptr;
  const size_t bytes = TailPackedBytes(n, width);
  if (static_cast<size_t>(end - p) < bytes) return nullptr;
  // A copy with 8 bytes of slack lets every value be read with one 64-bit load.
  uint8_t buf[TailPackedBytes(kBlockSize, 32) + 8] = {};
  std::memcpy(buf, p, bytes);
  const uint64_t mask = (uint64_t{1} << width) - 1;
  for (size_t i = 0, bit = 0; i < n; ++i, bit += width) {
    uint64_t word;
    std::memcpy(&word, buf + bit / 8, 8);
    out[i] = static_cast<uint32_t>((word >> (bit % 8)) & mask);
  }
  return p + bytes;
}

}  // namespace

void EncodeBlock(const uint32_t* values, size_t n, std::string* out) {
  if (n == kBlockSize) {
    EncodeFullBlock(values, out);
    return;
  }
  EncodeTail(values, n, out);
}

const uint8_t* DecodeBlock(const uint8_t* p, const uint8_t* end, size_t n, uint32_t* out) {
  if (n == kBlockSize) return DecodeFullBlock(p, end, out);
  return DecodeTail(p, end, n, out);
}

void EncodeDocBlock(const uint32_t* docs, size_t n, uint32_t prev, std::string* out) {
  uint32_t gaps[kBlockSize];
  for (size_t i = 0; i < n; ++i) {
    gaps[i] = docs[i] - prev - 1;
    prev = docs[i];
  }
  EncodeBlock(gaps, n, out);
}

const uint8_t* DecodeDocBlock(const uint8_t* p, const uint8_t* end, size_t n, uint32_t prev,
                              uint32_t* out) {
  if (n == kBlockSize) {
    FullBlock block;
    const uint8_t* after = FullBlockHeader(p, end, &block);
    if (after == nullptr) return nullptr;
    if (block.exceptions == 0) {  // the common case: unpacking fused with the prefix sum
      UnpackDeltaBlock(block.packed, block.width, prev, out);
      return after;
    }
    if ((p = DecodeFullBlock(p, end, out)) == nullptr) return nullptr;
    for (size_t i = 0; i < kBlockSize; ++i) out[i] = prev += out[i] + 1;
    return p;
  }
  if ((p = DecodeTail(p, end, n, out)) == nullptr) return nullptr;
  for (size_t i = 0; i < n; ++i) out[i] = prev += out[i] + 1;
  return p;
}

void EncodeStream(const uint32_t* values, size_t n, std::string* out) {
  size_t i = 0;
  for (; i + kBlockSize <= n; i += kBlockSize) EncodeFullBlock(values + i, out);
  EncodeBlock(values + i, n - i, out);
}

const uint8_t* DecodeStream(const uint8_t* p, const uint8_t* end, size_t n, uint32_t* out) {
  size_t i = 0;
  for (; i + kBlockSize <= n && p != nullptr; i += kBlockSize) {
    p = DecodeBlock(p, end, kBlockSize, out + i);
  }
  return p == nullptr ? nullptr : DecodeBlock(p, end, n - i, out + i);
}

}  // namespace holdfast::codec
