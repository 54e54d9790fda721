#include "index/codec/bitpacking.h"

#include <array>
#include <bit>
#include <cstring>
#include <utility>

namespace holdfast::codec {
namespace {

static_assert(std::endian::native == std::endian::little,
              "the block codec stores host uint32 words as little-endian");

using V4 = uint32_t __attribute__((vector_size(16)));

inline V4 Load(const uint8_t* p) {
  V4 v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

inline void Store(uint32_t* p, V4 v) { std::memcpy(p, &v, sizeof(v)); }

// Values 4j..4j+3 (the j-th value of each lane), optionally as running doc ids.
template <int B, bool kDelta, int J>
__attribute__((always_inline)) inline void UnpackStep(const uint8_t* in, uint32_t* out, V4& carry) {
  constexpr int kBit = J * B;
  constexpr int kWord = kBit / 32;
  constexpr int kShift = kBit % 32;
  V4 v = {0, 0, 0, 0};
  if constexpr (B > 0) {
    v = Load(in + 16 * kWord) >> kShift;
    if constexpr (kShift + B > 32) v |= Load(in + 16 * (kWord + 1)) << (32 - kShift);
    if constexpr (B < 32) v &= (1u << B) - 1;
  }
  if constexpr (kDelta) {
    const V4 zero = {0, 0, 0, 0};
    v += 1;
    v += __builtin_shufflevector(zero, v, 0, 4, 5, 6);  // [0, v0, v1, v2]
    v += __builtin_shufflevector(zero, v, 0, 1, 4, 5);  // [0, 0, v0, v1]
    v += carry;
    carry = __builtin_shufflevector(v, v, 3, 3, 3, 3);
  }
  Store(out + 4 * J, v);
}

template <int B, bool kDelta, int... J>
void UnpackAll(const uint8_t* in, uint32_t prev, uint32_t* out, std::integer_sequence<int, J...>) {
  V4 carry = {prev, prev, prev, prev};
  (UnpackStep<B, kDelta, J>(in, out, carry), ...);
}

template <int B, bool kDelta>
void Unpack(const uint8_t* in, uint32_t prev, uint32_t* out) {
  UnpackAll<B, kDelta>(in, prev, out, std::make_integer_sequence<int, 32>{});
}

using UnpackFn = void (*)(const uint8_t*, uint32_t, uint32_t*);

template <bool kDelta, int... B>
constexpr auto MakeTable(std::integer_sequence<int, B...>) {
  return std::array<UnpackFn, sizeof...(B)>{&Unpack<B, kDelta>...};
}

constexpr auto kUnpack = MakeTable<false>(std::make_integer_sequence<int, 33>{});
constexpr auto kUnpackDelta = MakeTable<true>(std::make_integer_sequence<int, 33>{});

}  // namespace

int MaxBitWidth(const uint32_t* values) {
  uint32_t acc = 0;
  for (size_t i = 0; i < kBlockSize; ++i) acc |= values[i];
  return static_cast<int>(std::bit_width(acc));
}

void PackBlock(const uint32_t* values, int bit_width, uint8_t* out) {
  if (bit_width == 0) return;
  uint32_t words[4 * 32] = {};
  for (int lane = 0; lane < 4; ++lane) {
    for (int j = 0; j < 32; ++j) {
      const uint32_t v = values[4 * j + lane];
      const int bit = j * bit_width;
      const int word = bit / 32;
      const int shift = bit % 32;
      words[4 * word + lane] |= v << shift;
      if (shift + bit_width > 32) words[4 * (word + 1) + lane] |= v >> (32 - shift);
    }
  }
  std::memcpy(out, words, PackedBytes(bit_width));
}

void UnpackBlock(const uint8_t* in, int bit_width, uint32_t* out) { kUnpack[bit_width](in, 0, out); }

void UnpackDeltaBlock(const uint8_t* in, int bit_width, uint32_t prev, uint32_t* out) {
  kUnpackDelta[bit_width](in, prev, out);
}

}  // namespace holdfast::codec
