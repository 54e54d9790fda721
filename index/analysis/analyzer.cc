#include "index/analysis/analyzer.h"

#include <algorithm>
#include <array>
#include <climits>

#include "index/analysis/utf8.h"

namespace holdfast::analysis {
namespace {

constexpr std::string_view kFoldingSuffix = "_asciifolding";
constexpr std::array<std::string_view, 4> kBaseNames = {"english", "keyword", "simple",
                                                        "standard"};

using FilterList = std::vector<std::unique_ptr<TokenFilter>>;

// Appends the filter `made` to `filters`, or returns its error.
Status AddFilter(Result<std::unique_ptr<TokenFilter>> made, FilterList& filters) {
  if (!made.ok()) return made.status();
  filters.push_back(std::move(made).value());
  return Status::OK();
}

Status AddFoldingIf(bool folding, FilterList& filters) {
  return folding ? AddFilter(MakeAsciiFoldingFilter(), filters) : Status::OK();
}

// The tokenizer and filters of the base analyzer `base`.
Status BuildPipeline(std::string_view base, bool folding,
                     std::unique_ptr<Tokenizer>& tokenizer, FilterList& filters) {
  if (base == "keyword") {
    tokenizer = MakeKeywordTokenizer();
    return AddFoldingIf(folding, filters);
  }
  if (base == "simple") {
    tokenizer = MakeLetterTokenizer();
    filters.push_back(MakeLowercaseFilter());
    return AddFoldingIf(folding, filters);
  }
  auto word_tokenizer = MakeWordTokenizer();
  if (!word_tokenizer.ok()) return word_tokenizer.status();
  tokenizer = std::move(word_tokenizer).value();
  HOLDFAST_RETURN_IF_ERROR(AddFilter(MakeNfkcCaseFoldFilter(), filters));
  if (base == "standard") return AddFoldingIf(folding, filters);
  // english. Possessives go before folding and stop words, like Lucene's order.
  filters.push_back(MakeEnglishPossessiveFilter());
  HOLDFAST_RETURN_IF_ERROR(AddFoldingIf(folding, filters));
  filters.push_back(MakeEnglishStopFilter());
  return AddFilter(MakeSnowballStemFilter("english"), filters);
}

}  // namespace

Analyzer::Analyzer(std::string name, std::unique_ptr<Tokenizer> tokenizer,
                   std::vector<std::unique_ptr<TokenFilter>> filters)
    : name_(std::move(name)), tokenizer_(std::move(tokenizer)), filters_(std::move(filters)) {}

Status Analyzer::Analyze(std::string_view text, TokenSink& sink) {
  if (text.size() >= static_cast<size_t>(INT32_MAX)) {
    return Status::InvalidArgument("analysis: text of " + std::to_string(text.size()) +
                                   " bytes is too long to analyze");
  }
  HOLDFAST_RETURN_IF_ERROR(tokenizer_->Tokenize(text, spans_));
  // Word and letter spans never hold ill-formed UTF-8; the keyword span may.
  const bool text_is_valid = IsValidUtf8(text);
  uint32_t position = 0;
  for (const TokenSpan& span : spans_) {
    const std::string_view surface = text.substr(span.start, span.end - span.start);
    if (text_is_valid || IsValidUtf8(surface)) {
      term_.assign(surface);
    } else {
      term_ = SanitizeUtf8(surface);
    }
    bool dropped = false;
    if (!term_.empty()) {
      for (const auto& filter : filters_) {
        HOLDFAST_RETURN_IF_ERROR(filter->Apply(term_));
        if (term_.empty()) {
          dropped = true;
          break;
        }
      }
    }
    if (!dropped) sink.OnToken(Token{term_, position, span.start, span.end});
    ++position;
  }
  return Status::OK();
}

Result<std::vector<OwnedToken>> Analyzer::AnalyzeToVector(std::string_view text) {
  TokenCollector collector;
  HOLDFAST_RETURN_IF_ERROR(Analyze(text, collector));
  return collector.Take();
}

Result<std::unique_ptr<Analyzer>> MakeAnalyzer(std::string_view name,
                                               const AnalyzerOptions& options) {
  std::string_view base = name;
  bool folding = options.ascii_folding;
  if (base.ends_with(kFoldingSuffix)) {
    base.remove_suffix(kFoldingSuffix.size());
    folding = true;
  }
  if (std::find(kBaseNames.begin(), kBaseNames.end(), base) == kBaseNames.end()) {
    return Status::InvalidArgument("analysis: unknown analyzer [" + std::string(name) + "]");
  }
  std::unique_ptr<Tokenizer> tokenizer;
  FilterList filters;
  HOLDFAST_RETURN_IF_ERROR(BuildPipeline(base, folding, tokenizer, filters));
  std::string full_name(base);
  if (folding) full_name += kFoldingSuffix;
  return std::make_unique<Analyzer>(std::move(full_name), std::move(tokenizer),
                                    std::move(filters));
}

std::vector<std::string> AnalyzerNames() {
  std::vector<std::string> names;
  for (std::string_view base : kBaseNames) {
    names.emplace_back(base);
    names.push_back(std::string(base) + std::string(kFoldingSuffix));
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace holdfast::analysis
