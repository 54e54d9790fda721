#include "index/analysis/ascii_word_scanner.h"

#include <array>
#include <cstdint>

namespace holdfast::analysis {
namespace {

// Word-break classes of ASCII characters under ICU 72's root rules.
enum CharClass : uint8_t {
  kOther = 0,
  kLetter,        // ALetter
  kDigit,         // Numeric
  kExtendNumLet,  // '_'
  kMidNumLet,     // '.', '\'' (MidNumLet / Single_Quote)
  kMidNum,        // ',', ';'
};

constexpr std::array<uint8_t, 128> MakeClassTable() {
  std::array<uint8_t, 128> table{};
  for (int c = 'a'; c <= 'z'; ++c) table[c] = kLetter;
  for (int c = 'A'; c <= 'Z'; ++c) table[c] = kLetter;
  for (int c = '0'; c <= '9'; ++c) table[c] = kDigit;
  table['@'] = kLetter;
  table['_'] = kExtendNumLet;
  table['.'] = kMidNumLet;
  table['\''] = kMidNumLet;
  table[','] = kMidNum;
  table[';'] = kMidNum;
  return table;
}
constexpr std::array<uint8_t, 128> kClass = MakeClassTable();

inline uint8_t ClassOf(char c) { return kClass[static_cast<unsigned char>(c) & 0x7F]; }

inline bool StartsWord(uint8_t cls) {
  return cls == kLetter || cls == kDigit || cls == kExtendNumLet;
}

// Whether `mid` between `left` and `right` keeps the word together (WB6/7, WB11/12).
inline bool JoinsAcross(uint8_t left, uint8_t mid, uint8_t right) {
  if (left == kLetter) return mid == kMidNumLet && right == kLetter;
  if (left == kDigit) return (mid == kMidNumLet || mid == kMidNum) && right == kDigit;
  return false;
}

}  // namespace

void ScanAsciiWords(std::string_view text, size_t begin, size_t end,
                    std::vector<TokenSpan>& spans) {
  const char* p = text.data();
  size_t i = begin;
  while (i < end) {
    uint8_t last = ClassOf(p[i]);
    if (!StartsWord(last)) {
      ++i;
      continue;
    }
    const size_t start = i++;
    while (i < end) {
      const uint8_t next = ClassOf(p[i]);
      if (StartsWord(next)) {
        last = next;
        ++i;
      } else if (i + 1 < end && JoinsAcross(last, next, ClassOf(p[i + 1]))) {
        last = ClassOf(p[i + 1]);
        i += 2;
      } else {
        break;
      }
    }
    // ICU gives a lone ExtendNumLet the NONE status.
    if (i - start == 1 && p[start] == '_') continue;
    spans.push_back({static_cast<uint32_t>(start), static_cast<uint32_t>(i)});
  }
}

}  // namespace holdfast::analysis
