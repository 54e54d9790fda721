// Tokenizer: splits UTF-8 text into the byte spans of its words.
//
// A tokenizer only finds where words are; it does not change their text (token
// filters do that). Spans are returned in input order, never overlapping, never
// empty (except the keyword tokenizer's one span of an empty input), and always
// start and end on UTF-8 character boundaries of the input.
//
// Threading: a Tokenizer instance keeps scratch state (ICU iterators, buffers) and
// is NOT thread-safe. Use one instance per thread (each Analyzer owns its own).
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "index/util/status.h"

namespace holdfast::analysis {

// [start, end) byte offsets into the tokenized text.
struct TokenSpan {
  uint32_t start = 0;
  uint32_t end = 0;
};

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  // Replaces the contents of `spans` with the word spans of `text`. The caller has
  // checked that text.size() fits in an int32_t. Invalid UTF-8 bytes are treated as
  // U+FFFD and never end up inside a span, except in the keyword tokenizer.
  virtual Status Tokenize(std::string_view text, std::vector<TokenSpan>& spans) = 0;
};

// Unicode word segmentation (UAX #29, ICU root locale word rules; dictionary
// segmentation for Chinese, Japanese, Thai...). Keeps only word-like segments
// (letters, numbers, kana, ideographs): whitespace, punctuation and emoji (which
// ICU's rules mark UBRK_WORD_NONE) are skipped. Pure-ASCII stretches go through a
// hand-written scanner that gives the same spans as ICU (verified in tests).
struct WordTokenizerOptions {
  bool ascii_fast_path = true;  // false: every byte goes through ICU (for tests)
};
Result<std::unique_ptr<Tokenizer>> MakeWordTokenizer(WordTokenizerOptions options = {});

// Maximal runs of letters (Unicode general category L), like Lucene's LetterTokenizer.
std::unique_ptr<Tokenizer> MakeLetterTokenizer();

// The whole input as one span (even when it is empty).
std::unique_ptr<Tokenizer> MakeKeywordTokenizer();

}  // namespace holdfast::analysis
