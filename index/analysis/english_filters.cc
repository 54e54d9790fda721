// English token filters: possessive removal, stop words and Snowball stemming.
#include <libstemmer.h>

#include <memory>
#include <string>

#include "index/analysis/stop_words.h"
#include "index/analysis/token_filter.h"

namespace holdfast::analysis {
namespace {

class EnglishPossessiveFilter : public TokenFilter {
 public:
  Status Apply(std::string& term) override {
    const size_t n = term.size();
    if (n < 2 || (term[n - 1] != 's' && term[n - 1] != 'S')) return Status::OK();
    const std::string_view head(term.data(), n - 1);
    for (std::string_view apostrophe : {"'", "\u2019", "\uFF07"}) {
      if (head.ends_with(apostrophe)) {
        term.resize(head.size() - apostrophe.size());
        return Status::OK();
      }
    }
    return Status::OK();
  }
};

class EnglishStopFilter : public TokenFilter {
 public:
  Status Apply(std::string& term) override {
    if (IsEnglishStopWord(term)) term.clear();
    return Status::OK();
  }
};

struct StemmerDeleter {
  void operator()(sb_stemmer* stemmer) const { sb_stemmer_delete(stemmer); }
};

// Owns one libstemmer object: libstemmer keeps per-call state in it, hence the
// one-thread-at-a-time contract of TokenFilter.
class SnowballStemFilter : public TokenFilter {
 public:
  explicit SnowballStemFilter(sb_stemmer* stemmer) : stemmer_(stemmer) {}

  Status Apply(std::string& term) override {
    const sb_symbol* stem = sb_stemmer_stem(
        stemmer_.get(), reinterpret_cast<const sb_symbol*>(term.data()),
        static_cast<int>(term.size()));
    if (stem == nullptr) return Status::Internal("analysis: stemmer out of memory");
    term.assign(reinterpret_cast<const char*>(stem),
                static_cast<size_t>(sb_stemmer_length(stemmer_.get())));
    return Status::OK();
  }

 private:
  std::unique_ptr<sb_stemmer, StemmerDeleter> stemmer_;
};

}  // namespace

std::unique_ptr<TokenFilter> MakeEnglishPossessiveFilter() {
  return std::make_unique<EnglishPossessiveFilter>();
}

std::unique_ptr<TokenFilter> MakeEnglishStopFilter() {
  return std::make_unique<EnglishStopFilter>();
}

Result<std::unique_ptr<TokenFilter>> MakeSnowballStemFilter(std::string_view language) {
  const std::string name(language);
  sb_stemmer* stemmer = sb_stemmer_new(name.c_str(), "UTF_8");
  if (stemmer == nullptr) {
    return Status::InvalidArgument("analysis: unknown Snowball stemmer [" + name + "]");
  }
  return std::unique_ptr<TokenFilter>(std::make_unique<SnowballStemFilter>(stemmer));
}

}  // namespace holdfast::analysis
