// English token filters: possessive removal, stop words and Snowball stemming.
#include <libstemmer.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <utility>
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
//
// Stemming is a pure function of the term and costs far more than the rest of the
// english pipeline, while word frequencies in text are Zipfian, so results are
// memoized in a fixed-size cache: 8192 sets of two 32-byte entries, one cache line
// per set; a new entry pushes the set's older one out (LRU of two).
class SnowballStemFilter : public TokenFilter {
 public:
  explicit SnowballStemFilter(sb_stemmer* stemmer)
      : stemmer_(stemmer), cache_(std::make_unique<CacheSet[]>(kCacheSets)) {}

  Status Apply(std::string& term) override {
    if (term.size() > kMaxCachedBytes) return Stem(term);
    CacheSet& set = cache_[Hash(term) & (kCacheSets - 1)];
    if (set.recent.Holds(term)) {
      term.assign(set.recent.stem, set.recent.stem_length);
      return Status::OK();
    }
    if (set.older.Holds(term)) {
      std::swap(set.recent, set.older);
      term.assign(set.recent.stem, set.recent.stem_length);
      return Status::OK();
    }
    CacheEntry entry;
    entry.term_length = static_cast<uint8_t>(term.size());
    std::memcpy(entry.term, term.data(), term.size());
    HOLDFAST_RETURN_IF_ERROR(Stem(term));
    if (term.size() <= kMaxCachedBytes) {
      entry.stem_length = static_cast<uint8_t>(term.size());
      std::memcpy(entry.stem, term.data(), term.size());
      set.older = set.recent;
      set.recent = entry;
    }
    return Status::OK();
  }

 private:
  static constexpr size_t kCacheSets = 8192;     // a power of two; 512 KiB per filter
  static constexpr size_t kMaxCachedBytes = 15;  // longer words are rare; stem them directly

  // A term and its stem. term_length == 0 marks an empty entry (the empty term never
  // reaches a filter).
  struct CacheEntry {
    uint8_t term_length = 0;
    uint8_t stem_length = 0;
    char term[kMaxCachedBytes];
    char stem[kMaxCachedBytes];

    bool Holds(const std::string& word) const {
      return term_length == word.size() && std::memcmp(term, word.data(), word.size()) == 0;
    }
  };
  struct alignas(64) CacheSet {
    CacheEntry recent;
    CacheEntry older;
  };
  static_assert(sizeof(CacheSet) == 64);

  static uint64_t Hash(std::string_view term) {
    uint64_t h = 1469598103934665603ULL;  // FNV-1a
    for (char c : term) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
    return h ^ (h >> 29);
  }

  Status Stem(std::string& term) {
    const sb_symbol* stem = sb_stemmer_stem(
        stemmer_.get(), reinterpret_cast<const sb_symbol*>(term.data()),
        static_cast<int>(term.size()));
    if (stem == nullptr) return Status::Internal("analysis: stemmer out of memory");
    term.assign(reinterpret_cast<const char*>(stem),
                static_cast<size_t>(sb_stemmer_length(stemmer_.get())));
    return Status::OK();
  }

  std::unique_ptr<sb_stemmer, StemmerDeleter> stemmer_;
  std::unique_ptr<CacheSet[]> cache_;
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
