// Varints (unsigned LEB128) and little-endian fixed-width integers: the
// smallest building blocks of every holdfast file format (docs/formats.md).
//
// Encoders append to a std::string. Decoders read from [p, end) and return the
// position after the value, or nullptr when the input is truncated or the
// varint is longer than its type allows; they never read past `end`.
// Stateless and thread-safe.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace holdfast::codec {

inline void PutVarint64(std::string* out, uint64_t v) {
  char buf[10];
  int n = 0;
  while (v >= 0x80) {
    buf[n++] = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  buf[n++] = static_cast<char>(v);
  out->append(buf, n);
}

// Same bytes as PutVarint64 of the value.
inline void PutVarint32(std::string* out, uint32_t v) { PutVarint64(out, v); }

inline void PutFixed32(std::string* out, uint32_t v) {
  char buf[4];
  for (int i = 0; i < 4; ++i) buf[i] = static_cast<char>(v >> (8 * i));
  out->append(buf, 4);
}

inline void PutFixed64(std::string* out, uint64_t v) {
  char buf[8];
  for (int i = 0; i < 8; ++i) buf[i] = static_cast<char>(v >> (8 * i));
  out->append(buf, 8);
}

// Caller guarantees 4 (8) readable bytes at p.
inline uint32_t DecodeFixed32(const uint8_t* p) {
  return uint32_t{p[0]} | (uint32_t{p[1]} << 8) | (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 24);
}
inline uint64_t DecodeFixed64(const uint8_t* p) {
  return uint64_t{DecodeFixed32(p)} | (uint64_t{DecodeFixed32(p + 4)} << 32);
}

const uint8_t* GetVarint32Slow(const uint8_t* p, const uint8_t* end, uint32_t* v);

inline const uint8_t* GetVarint32(const uint8_t* p, const uint8_t* end, uint32_t* v) {
  if (p < end && *p < 0x80) {  // one byte: by far the most common case
    *v = *p;
    return p + 1;
  }
  return GetVarint32Slow(p, end, v);
}

const uint8_t* GetVarint64Slow(const uint8_t* p, const uint8_t* end, uint64_t* v);

inline const uint8_t* GetVarint64(const uint8_t* p, const uint8_t* end, uint64_t* v) {
  if (p < end && *p < 0x80) {
    *v = *p;
    return p + 1;
  }
  return GetVarint64Slow(p, end, v);
}

// Reads a varint from the front of `in` and drops it from `in`; false when
// truncated (then `in` is unchanged).
inline bool ConsumeVarint64(std::string_view* in, uint64_t* v) {
  auto* p = reinterpret_cast<const uint8_t*>(in->data());
  const uint8_t* next = GetVarint64(p, p + in->size(), v);
  if (next == nullptr) return false;
  in->remove_prefix(static_cast<size_t>(next - p));
  return true;
}

}  // namespace holdfast::codec
