#include "index/analysis/stop_words.h"

#include <algorithm>
#include <array>

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

}  // namespace

std::span<const std::string_view> EnglishStopWords() { return kEnglishStopWords; }

bool IsEnglishStopWord(std::string_view term) {
  if (term.empty() || term.size() > kLongestStopWord) return false;
  return std::binary_search(kEnglishStopWords.begin(), kEnglishStopWords.end(), term);
}

}  // namespace holdfast::analysis
