// The two tokenizers that need no segmentation rules: letter runs (the `simple`
// analyzer) and the whole input (the `keyword` analyzer).
#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include "index/analysis/tokenizer.h"

namespace holdfast::analysis {
namespace {

inline bool IsAsciiLetter(uint8_t c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }

class LetterTokenizer : public Tokenizer {
 public:
  Status Tokenize(std::string_view text, std::vector<TokenSpan>& spans) override {
    spans.clear();
    const auto* s = reinterpret_cast<const uint8_t*>(text.data());
    const auto length = static_cast<int32_t>(text.size());
    int32_t i = 0;
    int32_t word_start = -1;  // start of the current letter run, or -1
    while (i < length) {
      const int32_t at = i;
      bool letter;
      if (s[i] < 0x80) {
        letter = IsAsciiLetter(s[i]);
        ++i;
      } else {
        UChar32 c;
        U8_NEXT(s, i, length, c);
        letter = c >= 0 && u_isalpha(c);
      }
      if (letter && word_start < 0) {
        word_start = at;
      } else if (!letter && word_start >= 0) {
        spans.push_back({static_cast<uint32_t>(word_start), static_cast<uint32_t>(at)});
        word_start = -1;
      }
    }
    if (word_start >= 0) {
      spans.push_back({static_cast<uint32_t>(word_start), static_cast<uint32_t>(length)});
    }
    return Status::OK();
  }
};

class KeywordTokenizer : public Tokenizer {
 public:
  Status Tokenize(std::string_view text, std::vector<TokenSpan>& spans) override {
    spans.clear();
    spans.push_back({0, static_cast<uint32_t>(text.size())});
    return Status::OK();
  }
};

}  // namespace

std::unique_ptr<Tokenizer> MakeLetterTokenizer() { return std::make_unique<LetterTokenizer>(); }

std::unique_ptr<Tokenizer> MakeKeywordTokenizer() { return std::make_unique<KeywordTokenizer>(); }

}  // namespace holdfast::analysis
