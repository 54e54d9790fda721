#include "index/codec/block_codec.h"

#include "index/codec/varint.h"

namespace holdfast::codec {
namespace {

void EncodeFullBlock(const uint32_t* values, std::string* out) {
  const int width = MaxBitWidth(values);
  out->push_back(static_cast<char>(width));
  const size_t at = out->size();
  out->resize(at + PackedBytes(width));
  PackBlock(values, width, reinterpret_cast<uint8_t*>(out->data() + at));
}

// Reads the width byte and checks the packed bytes are there.
const uint8_t* FullBlockHeader(const uint8_t* p, const uint8_t* end, int* width) {
  if (p >= end || *p > 32) return nullptr;
  *width = *p++;
  if (static_cast<size_t>(end - p) < PackedBytes(*width)) return nullptr;
  return p;
}

}  // namespace

void EncodeBlock(const uint32_t* values, size_t n, std::string* out) {
  if (n == kBlockSize) {
    EncodeFullBlock(values, out);
    return;
  }
  for (size_t i = 0; i < n; ++i) PutVarint32(out, values[i]);
}

const uint8_t* DecodeBlock(const uint8_t* p, const uint8_t* end, size_t n, uint32_t* out) {
  if (n == kBlockSize) {
    int width;
    if ((p = FullBlockHeader(p, end, &width)) == nullptr) return nullptr;
    UnpackBlock(p, width, out);
    return p + PackedBytes(width);
  }
  for (size_t i = 0; i < n; ++i) {
    if ((p = GetVarint32(p, end, &out[i])) == nullptr) return nullptr;
  }
  return p;
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
    int width;
    if ((p = FullBlockHeader(p, end, &width)) == nullptr) return nullptr;
    UnpackDeltaBlock(p, width, prev, out);
    return p + PackedBytes(width);
  }
  for (size_t i = 0; i < n; ++i) {
    uint32_t gap;
    if ((p = GetVarint32(p, end, &gap)) == nullptr) return nullptr;
    prev += gap + 1;
    out[i] = prev;
  }
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
