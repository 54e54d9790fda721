// TokenFilter: rewrites the text of one token at a time.
//
// An Analyzer runs its filters in order on each token's term (UTF-8, always valid).
// A filter rewrites the term in place, reusing the string's capacity, or drops the
// token by emptying the term; a dropped token still uses its position, so phrase
// queries see the gap (Lucene's position increments).
//
// Threading: filters keep scratch buffers (and the stemmer keeps a libstemmer
// object, which is not thread-safe), so a TokenFilter instance is NOT thread-safe.
// Each Analyzer owns its filters; use one Analyzer per thread.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "index/util/status.h"

namespace holdfast::analysis {

class TokenFilter {
 public:
  virtual ~TokenFilter() = default;
  // Rewrites `term`; leaves it empty to drop the token. Errors are ICU or memory
  // failures, never bad input.
  virtual Status Apply(std::string& term) = 0;
};

// Unicode NFKC normalization plus full case folding (ICU's NFKC_Casefold, the
// default of Lucene's ICUNormalizer2Filter): "ＡＢＣ" -> "abc", "ﬁ" -> "fi",
// "Straße" -> "strasse"; also removes default-ignorable characters (soft hyphen...).
Result<std::unique_ptr<TokenFilter>> MakeNfkcCaseFoldFilter();

// Per-character lowercasing (u_tolower), like Lucene's LowerCaseFilter.
std::unique_ptr<TokenFilter> MakeLowercaseFilter();

// Removes accents from Latin, Greek and Cyrillic letters ("café" -> "cafe") by
// decomposing (NFD), dropping the combining diacritical marks U+0300-U+036F and
// recomposing (NFC); also folds a few letters with no decomposition (æ -> ae,
// ø -> o, œ -> oe, ł -> l, đ/ð -> d, þ -> th, ß -> ss). Marks of other scripts
// (Devanagari vowel signs, Hebrew points...) are left alone, since removing them
// changes words rather than accents.
Result<std::unique_ptr<TokenFilter>> MakeAsciiFoldingFilter();

// Removes a trailing possessive "'s" ("john's" -> "john"; also with U+2019 and
// U+FF07 apostrophes), like Lucene's EnglishPossessiveFilter.
std::unique_ptr<TokenFilter> MakeEnglishPossessiveFilter();

// Drops Lucene's classic English stop words (see stop_words.h).
std::unique_ptr<TokenFilter> MakeEnglishStopFilter();

// Snowball stemming through libstemmer; `language` is a libstemmer algorithm name
// such as "english" (Porter2). InvalidArgument when libstemmer does not know it.
Result<std::unique_ptr<TokenFilter>> MakeSnowballStemFilter(std::string_view language);

}  // namespace holdfast::analysis
