#include "index/analysis/stop_words.h"

#include <algorithm>
#include <array>
#include <cstdint>

namespace holdfast::analysis {
namespace {

constexpr std::array<std::string_view, 33> kEnglishStopWords = {
    "a",    "an",   "and",   "are",  "as",   "at",   "be",    "but",   "by",
    "for",  "if",   "in",    "into", "is",   "it",   "no",    "not",   "of",
    "on",   "or",   "such",  "that", "the",  "their", "then", "there", "these",
    "they", "this", "to",    "was",  "will", "with",
};
static_assert(std::is_sorted(kEnglishStopWords.begin(), kEnglishStopWords.end()));

constexpr size_t kLongestStopWord = 5;

// A word of at most 8 bytes as an integer (bytes in order, zero padded), so the
// lookup compares integers instead of strings.
constexpr uint64_t Pack(std::string_view word) {
  uint64_t packed = 0;
  for (size_t i = 0; i < word.size(); ++i) {
    packed |= static_cast<uint64_t>(static_cast<unsigned char>(word[i])) << (8 * i);
  }
  return packed;
}

constexpr std::array<uint64_t, kEnglishStopWords.size()> PackedStopWords() {
  std::array<uint64_t, kEnglishStopWords.size()> packed{};
  for (size_t i = 0; i < packed.size(); ++i) packed[i] = Pack(kEnglishStopWords[i]);
  std::sort(packed.begin(), packed.end());
  return packed;
}
constexpr std::array<uint64_t, kEnglishStopWords.size()> kPackedStopWords = PackedStopWords();

}  // namespace

std::span<const std::string_view> EnglishStopWords() { return kEnglishStopWords; }

bool IsEnglishStopWord(std::string_view term) {
  if (term.empty() || term.size() > kLongestStopWord) return false;
  return std::binary_search(kPackedStopWords.begin(), kPackedStopWords.end(), Pack(term));
}

}  // namespace holdfast::analysis
