// Bit packing of 128 uint32 values with a common bit width, in the vertical
// 4-lane layout of docs/formats.md ("Block codec").
//
// The unpackers are specialized per bit width at compile time and written with
// 128-bit vector types (GCC/Clang vector extensions, SSE2 on x86-64), so one
// instruction unpacks four values; UnpackDeltaBlock fuses the prefix sum that
// turns doc-id gaps back into doc ids. Stateless and thread-safe. Only
// little-endian hosts are supported (checked at compile time).
#pragma once

#include <cstddef>
#include <cstdint>

namespace holdfast::codec {

inline constexpr size_t kBlockSize = 128;

// Bytes taken by a block packed with `bit_width` bits per value.
constexpr size_t PackedBytes(int bit_width) { return 16 * static_cast<size_t>(bit_width); }

// Smallest bit width (0..32) that holds every one of the 128 values.
int MaxBitWidth(const uint32_t* values);

// Packs 128 values, each < 2^bit_width, into PackedBytes(bit_width) bytes.
void PackBlock(const uint32_t* values, int bit_width, uint8_t* out);

// Unpacks 128 values. `in` needs PackedBytes(bit_width) readable bytes; no
// alignment is required of `in` or `out`.
void UnpackBlock(const uint8_t* in, int bit_width, uint32_t* out);

// Unpacks 128 gaps g[i] and writes doc ids: out[i] = out[i-1] + g[i] + 1,
// with out[-1] = prev (arithmetic modulo 2^32, so prev may be 0xffffffff).
void UnpackDeltaBlock(const uint8_t* in, int bit_width, uint32_t prev, uint32_t* out);

}  // namespace holdfast::codec
