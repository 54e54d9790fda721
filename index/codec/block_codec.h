// The block codec of docs/formats.md: a run of up to 128 uint32 values is a
// full block (bit width byte + vertically packed bits) when it has exactly 128
// values, otherwise a tail block (bit width byte + a plain bit stream, or
// varints when those are smaller). Doc-id blocks store gaps minus one and
// decode them with a fused prefix sum. A value stream is full blocks followed
// by one tail block (used for positions).
//
// Decoders read [p, end), never past it, and return the position after the
// block, or nullptr when the bytes are truncated or malformed. Stateless and
// thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "index/codec/bitpacking.h"

namespace holdfast::codec {

// n <= kBlockSize values.
void EncodeBlock(const uint32_t* values, size_t n, std::string* out);
const uint8_t* DecodeBlock(const uint8_t* p, const uint8_t* end, size_t n, uint32_t* out);

// n <= kBlockSize strictly ascending doc ids, all > prev (prev = 0xffffffff
// stands for "before doc 0").
void EncodeDocBlock(const uint32_t* docs, size_t n, uint32_t prev, std::string* out);
const uint8_t* DecodeDocBlock(const uint8_t* p, const uint8_t* end, size_t n, uint32_t prev,
                              uint32_t* out);

// Any number of values.
void EncodeStream(const uint32_t* values, size_t n, std::string* out);
const uint8_t* DecodeStream(const uint8_t* p, const uint8_t* end, size_t n, uint32_t* out);

}  // namespace holdfast::codec
