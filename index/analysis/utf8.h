// Small UTF-8 helpers shared by the tokenizers and token filters.
//
// Pure functions; callable from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace holdfast::analysis {

// Index of the first byte >= 0x80 in text[from, size), or text.size() if none.
inline size_t FindNonAscii(std::string_view text, size_t from) {
  const char* p = text.data();
  size_t n = text.size();
  size_t i = from;
  for (; i + 8 <= n; i += 8) {
    uint64_t word;
    std::memcpy(&word, p + i, 8);
    if (word & 0x8080808080808080ULL) break;
  }
  for (; i < n; ++i) {
    if (static_cast<unsigned char>(p[i]) >= 0x80) return i;
  }
  return n;
}

inline bool IsAscii(std::string_view text) { return FindNonAscii(text, 0) == text.size(); }

// Lowercases A-Z in place; leaves every other byte alone.
inline void AsciiLowercaseInPlace(std::string& text) {
  for (char& c : text) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + ('a' - 'A'));
  }
}

// True when `text` is well-formed UTF-8.
bool IsValidUtf8(std::string_view text);

// `text` with every ill-formed UTF-8 sequence replaced by U+FFFD.
std::string SanitizeUtf8(std::string_view text);

}  // namespace holdfast::analysis
