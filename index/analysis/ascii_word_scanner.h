// AsciiWordScanner: the ICU root word-break rules (UAX #29 as tailored by ICU 72),
// restricted to pure-ASCII text, as a table-driven scanner.
//
// Why: English documents are mostly ASCII, and running them through ICU costs a
// UTF-16 conversion plus a rule-driven state machine per character. This scanner
// gives exactly the word spans (segments whose ICU rule status is not
// UBRK_WORD_NONE) that ICU gives for the same ASCII text; analysis_test checks that
// exhaustively over short strings and on random longer ones.
//
// What ICU 72 does with ASCII, and so what this scanner does:
//   - letters A-Z a-z and '@' (ICU's ALetter includes '@') and digits join (WB5, 8-10);
//   - '_' (ExtendNumLet) joins letters, digits and itself (WB13a/b); a lone "_" is
//     not a word (rule status NONE), "__" is;
//   - '.' and '\'' join letter-letter ("don't", "u.s") and digit-digit ("1.5");
//     ',' and ';' join digit-digit only ("1,000") (WB6/7, WB11/12);
//   - everything else (space, ':', '-', '/', quotes...) ends a word and is skipped.
//
// Pure function; callable from any thread.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "index/analysis/tokenizer.h"

namespace holdfast::analysis {

// Appends to `spans` the word spans of text[begin, end), which must be pure ASCII.
// Offsets are relative to `text`.
void ScanAsciiWords(std::string_view text, size_t begin, size_t end,
                    std::vector<TokenSpan>& spans);

}  // namespace holdfast::analysis
