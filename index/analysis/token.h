// Token and TokenSink: what an Analyzer hands to the indexer.
//
// A token is one term of the analyzed text plus where it came from:
//   - term: normalized UTF-8 text (always valid UTF-8);
//   - position: the index of the token among the tokenizer's output. Filters that drop
//     a token (stop words) leave a gap, like Lucene's position increments, so phrase
//     queries do not match across a removed word;
//   - [start_offset, end_offset): byte offsets of the original surface form in the
//     input, for highlighting. input.substr(start, end - start) is the surface form.
//
// Token::term is a view into the analyzer's scratch buffer: it is valid only during
// the TokenSink::OnToken call. Sinks that keep tokens copy them (see TokenCollector).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace holdfast::analysis {

struct Token {
  std::string_view term;
  uint32_t position = 0;
  uint32_t start_offset = 0;
  uint32_t end_offset = 0;
};

// Receives the tokens of one Analyze() call, in order. Called on the thread that
// called Analyze().
class TokenSink {
 public:
  virtual ~TokenSink() = default;
  virtual void OnToken(const Token& token) = 0;
};

// A token that owns its term; for tests, queries and other places where a few
// allocations do not matter.
struct OwnedToken {
  std::string term;
  uint32_t position = 0;
  uint32_t start_offset = 0;
  uint32_t end_offset = 0;

  bool operator==(const OwnedToken&) const = default;
};

// A TokenSink that copies every token into a vector.
class TokenCollector : public TokenSink {
 public:
  void OnToken(const Token& token) override {
    tokens_.push_back({std::string(token.term), token.position, token.start_offset,
                       token.end_offset});
  }
  const std::vector<OwnedToken>& tokens() const { return tokens_; }
  std::vector<OwnedToken> Take() { return std::move(tokens_); }
  void Clear() { tokens_.clear(); }

 private:
  std::vector<OwnedToken> tokens_;
};

}  // namespace holdfast::analysis
