#include "index/search/highlighter.h"

#include <algorithm>
#include <cstdint>

#include "index/analysis/utf8.h"

namespace holdfast::search {
namespace {

struct HitToken {
  uint32_t start = 0;
  uint32_t end = 0;
  int32_t term = -1;  // index into the query terms, -1: no match
};

// Records every token's offsets and which query term it matches.
class MatchSink final : public analysis::TokenSink {
 public:
  MatchSink(const std::vector<std::string>& terms, std::vector<HitToken>* out) : terms_(terms), out_(out) {}
  void OnToken(const analysis::Token& token) override {
    HitToken t{token.start_offset, token.end_offset, -1};
    for (size_t i = 0; i < terms_.size(); ++i) {
      if (terms_[i] == token.term) {
        t.term = static_cast<int32_t>(i);
        break;
      }
    }
    out_->push_back(t);
  }

 private:
  const std::vector<std::string>& terms_;
  std::vector<HitToken>* out_;
};

struct Passage {
  size_t value = 0;                   // which value of the field
  size_t first_token = 0, end_token = 0;  // tokens [first, end) of that value
  uint32_t start = 0, end = 0;        // byte range in the value
  size_t distinct = 0, matches = 0;   // score
};

// Scoring order: more distinct query terms, then more matches.
bool BetterPassage(const Passage& a, const Passage& b) {
  if (a.distinct != b.distinct) return a.distinct > b.distinct;
  return a.matches > b.matches;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// Appends text, replacing ill-formed UTF-8.
void AppendText(std::string_view piece, bool valid, std::string* out) {
  if (valid) {
    out->append(piece);
  } else {
    out->append(analysis::SanitizeUtf8(piece));
  }
}

// Cuts the tokens of one value into passages of about fragment_size bytes;
// keeps those with a match.
void CutPassages(size_t value_index, std::string_view text, const std::vector<HitToken>& tokens,
                 const HighlightOptions& options, size_t num_terms, std::vector<Passage>* out) {
  std::vector<bool> seen(num_terms);
  size_t i = 0;
  uint32_t next_start = 0;  // where the previous passage ended
  while (i < tokens.size()) {
    Passage p;
    p.value = value_index;
    p.first_token = i;
    // From the end of the previous passage, so that dropped words (stop
    // words) and punctuation between passages are kept; leading space is not.
    p.start = next_start;
    while (p.start < tokens[i].start && IsSpace(text[p.start])) ++p.start;
    std::fill(seen.begin(), seen.end(), false);
    if (options.number_of_fragments == 0) {
      i = tokens.size();
      p.start = 0;
    } else {
      size_t j = i + 1;
      while (j < tokens.size() && tokens[j].end - p.start <= options.fragment_size) ++j;
      i = j;
    }
    p.end_token = i;
    // Through the punctuation after the last token, up to the next token or space.
    uint32_t end = tokens[i - 1].end;
    const uint32_t limit = i < tokens.size() ? tokens[i].start : static_cast<uint32_t>(text.size());
    while (end < limit && !IsSpace(text[end])) ++end;
    p.end = options.number_of_fragments == 0 ? static_cast<uint32_t>(text.size()) : end;
    next_start = p.end;
    for (size_t t = p.first_token; t < p.end_token; ++t) {
      if (tokens[t].term < 0) continue;
      ++p.matches;
      if (!seen[static_cast<size_t>(tokens[t].term)]) {
        seen[static_cast<size_t>(tokens[t].term)] = true;
        ++p.distinct;
      }
    }
    if (p.matches > 0) out->push_back(p);
  }
}

std::string Render(const Passage& p, std::string_view text, const std::vector<HitToken>& tokens,
                   const HighlightOptions& options, bool valid) {
  std::string out;
  uint32_t at = p.start;
  for (size_t t = p.first_token; t < p.end_token; ++t) {
    if (tokens[t].term < 0) continue;
    AppendText(text.substr(at, tokens[t].start - at), valid, &out);
    out += options.pre_tag;
    AppendText(text.substr(tokens[t].start, tokens[t].end - tokens[t].start), valid, &out);
    out += options.post_tag;
    at = tokens[t].end;
  }
  AppendText(text.substr(at, p.end - at), valid, &out);
  return out;
}

}  // namespace

Result<std::vector<std::string>> HighlightValues(const std::vector<std::string_view>& values,
                                                 analysis::Analyzer& analyzer,
                                                 const std::vector<std::string>& query_terms,
                                                 const HighlightOptions& options) {
  std::vector<std::vector<HitToken>> tokens(values.size());
  std::vector<Passage> passages;
  for (size_t v = 0; v < values.size(); ++v) {
    MatchSink sink(query_terms, &tokens[v]);
    HOLDFAST_RETURN_IF_ERROR(analyzer.Analyze(values[v], sink));
    CutPassages(v, values[v], tokens[v], options, query_terms.size(), &passages);
  }
  if (options.number_of_fragments > 0 && passages.size() > options.number_of_fragments) {
    // Best first; stable, so ties keep text order.
    std::stable_sort(passages.begin(), passages.end(), BetterPassage);
    passages.resize(options.number_of_fragments);
    if (!options.order_by_score) {
      std::sort(passages.begin(), passages.end(), [](const Passage& a, const Passage& b) {
        return a.value != b.value ? a.value < b.value : a.start < b.start;
      });
    }
  } else if (options.order_by_score) {
    std::stable_sort(passages.begin(), passages.end(), BetterPassage);
  }
  std::vector<std::string> out;
  out.reserve(passages.size());
  for (const Passage& p : passages) {
    const bool valid = analysis::IsValidUtf8(values[p.value]);
    out.push_back(Render(p, values[p.value], tokens[p.value], options, valid));
  }
  return out;
}

Result<std::vector<std::string>> HighlightText(std::string_view text, analysis::Analyzer& analyzer,
                                               const std::vector<std::string>& query_terms,
                                               const HighlightOptions& options) {
  return HighlightValues({text}, analyzer, query_terms, options);
}

}  // namespace holdfast::search
