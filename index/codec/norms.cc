#include "index/codec/norms.h"

#include <algorithm>
#include <bit>

namespace holdfast::codec {
namespace {

// Codes 0..15 are lengths 0..15; the rest a 4-bit-mantissa float of len - 16.
constexpr uint32_t kFreeValues = 16;

}  // namespace

uint8_t EncodeNorm(uint32_t field_length) {
  if (field_length < kFreeValues) return static_cast<uint8_t>(field_length);
  const uint32_t v = field_length - kFreeValues;
  const int shift = std::max(0, static_cast<int>(std::bit_width(v)) - 4);
  return static_cast<uint8_t>(kFreeValues + 8 * shift + (v >> shift));
}

uint32_t DecodeNorm(uint8_t norm) {
  if (norm < kFreeValues) return norm;
  const uint32_t code = norm - kFreeValues;
  if (code < 16) return kFreeValues + code;
  const int shift = static_cast<int>(code / 8) - 1;
  return kFreeValues + ((8 + code % 8) << shift);
}

}  // namespace holdfast::codec
