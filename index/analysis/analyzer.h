// Analyzer: turns the text of a field (or a query) into the tokens that are indexed
// (or searched for): a Tokenizer followed by TokenFilters.
//
// Analyzers by name (MakeAnalyzer):
//   standard  Unicode word segmentation (ICU) + NFKC + case folding. No stop words,
//             like Lucene's StandardAnalyzer since Lucene 7.
//   english   standard + possessive removal ("john's" -> "john") + Lucene's English
//             stop words + Snowball English (Porter2) stemming; modeled on Lucene's
//             EnglishAnalyzer (which uses the older Porter stemmer).
//   simple    runs of letters, lowercased, like Lucene's SimpleAnalyzer.
//   keyword   the whole input as one token, unchanged (even when empty). Ill-formed
//             UTF-8 is the one change: it is replaced by U+FFFD, so every term is
//             valid UTF-8.
// Each name also exists with the suffix "_asciifolding" ("english_asciifolding"):
// the same analyzer with accents folded ("café" -> "cafe"), see
// MakeAsciiFoldingFilter. AnalyzerOptions gives the same choice in code.
//
// Emoji: ICU's word rules give pictographs the status UBRK_WORD_NONE, so the
// word-based analyzers (standard, english) skip them like punctuation; simple skips
// them as non-letters; keyword keeps them.
//
// Threading: an Analyzer owns its tokenizer, filters and scratch buffers (ICU break
// iterator, libstemmer object), so one instance must be used by one thread at a
// time. Build one per indexing thread and keep it: building one clones prebuilt ICU
// data (tens of microseconds), and an english analyzer holds a 512 KiB stem cache.
// Different instances may run concurrently.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "index/analysis/token.h"
#include "index/analysis/token_filter.h"
#include "index/analysis/tokenizer.h"
#include "index/util/status.h"

namespace holdfast::analysis {

class Analyzer {
 public:
  Analyzer(std::string name, std::unique_ptr<Tokenizer> tokenizer,
           std::vector<std::unique_ptr<TokenFilter>> filters);
  Analyzer(const Analyzer&) = delete;
  Analyzer& operator=(const Analyzer&) = delete;

  // The canonical name, e.g. "english_asciifolding" (suffixed when folding is on).
  const std::string& name() const { return name_; }

  // Calls sink.OnToken once per token of `text`, in order. Token::term points into
  // this analyzer's buffer and is valid only during the call. No allocation per
  // token once the buffers have grown to the document size. InvalidArgument when
  // text is 2 GiB or longer; Internal on ICU or memory failure (tokens already sent
  // to the sink stay sent).
  Status Analyze(std::string_view text, TokenSink& sink);

  // Analyze() into a vector; for tests and query parsing.
  Result<std::vector<OwnedToken>> AnalyzeToVector(std::string_view text);

 private:
  std::string name_;
  std::unique_ptr<Tokenizer> tokenizer_;
  std::vector<std::unique_ptr<TokenFilter>> filters_;
  std::vector<TokenSpan> spans_;  // scratch, reused across calls
  std::string term_;              // scratch, reused across tokens
};

struct AnalyzerOptions {
  bool ascii_folding = false;  // fold accents after normalization ("café" -> "cafe")
};

// The analyzer called `name` (see the list above). A name with the suffix
// "_asciifolding" turns folding on regardless of `options`. InvalidArgument for an
// unknown name; Internal if ICU or libstemmer data cannot be loaded.
Result<std::unique_ptr<Analyzer>> MakeAnalyzer(std::string_view name,
                                               const AnalyzerOptions& options = {});

// Every name MakeAnalyzer accepts, sorted.
std::vector<std::string> AnalyzerNames();

}  // namespace holdfast::analysis
