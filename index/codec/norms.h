// The 1-byte length norm (docs/formats.md, "Norms byte"): a field's token count
// quantized to 256 values, exact below 32, then a float with a 4-bit mantissa.
// Monotonic, so "min norm byte" of a block is the shortest field in it, which is
// what block-max scoring needs. Stateless and thread-safe.
#pragma once

#include <cstdint>

namespace holdfast::codec {

// Lengths below this are encoded exactly.
inline constexpr uint32_t kExactNormLengths = 32;

uint8_t EncodeNorm(uint32_t field_length);

// The smallest length that encodes to `norm`: DecodeNorm(EncodeNorm(x)) <= x
// and x - DecodeNorm(EncodeNorm(x)) < x / 8.
uint32_t DecodeNorm(uint8_t norm);

}  // namespace holdfast::codec
