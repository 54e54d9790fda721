// English stop words: Lucene's classic English stop set (EnglishAnalyzer's default,
// 33 words).
//
// Immutable data; callable from any thread.
#pragma once

#include <span>
#include <string_view>

namespace holdfast::analysis {

// The 33 words, sorted.
std::span<const std::string_view> EnglishStopWords();

// Whether `term` (already lowercased) is one of them.
bool IsEnglishStopWord(std::string_view term);

}  // namespace holdfast::analysis
