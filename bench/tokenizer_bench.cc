// Micro-benchmarks of index/analysis: analyzers and the word tokenizer over
// deterministic English-like text, reported in bytes/s.
//
// The corpus is ~400 KB of ~1 KB "documents": sentences of words drawn from a
// Zipf distribution over common English words plus generated rarer words, with
// capitals, punctuation, numbers, possessives, and a non-ASCII word (accents,
// curly quotes) about once per 150 words, like product descriptions.
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "index/analysis/analyzer.h"
#include "index/analysis/tokenizer.h"

namespace holdfast::analysis {
namespace {

constexpr size_t kCorpusBytes = 400 * 1024;
constexpr size_t kDocumentBytes = 1024;

const std::vector<std::string>& CommonWords() {
  static const std::vector<std::string> words = {
      "the", "of", "and", "to", "a", "in", "is", "it", "you", "that", "he", "was", "for",
      "on", "are", "with", "as", "his", "they", "be", "at", "one", "have", "this", "from",
      "or", "had", "by", "not", "word", "but", "what", "some", "we", "can", "out", "other",
      "were", "all", "there", "when", "up", "use", "your", "how", "said", "an", "each",
      "she", "which", "do", "their", "time", "if", "will", "way", "about", "many", "then",
      "them", "write", "would", "like", "so", "these", "her", "long", "make", "thing",
      "see", "him", "two", "has", "look", "more", "day", "could", "go", "come", "did",
      "number", "sound", "most", "people", "over", "know", "water", "than", "call",
      "first", "who", "may", "down", "side", "been", "now", "find", "running", "jumped",
      "products", "shipping", "quality", "customers", "reviews", "delivered", "wireless",
      "battery", "charging", "comfortable", "recommended", "features", "including",
      "available", "designed", "lightweight", "durable", "material", "organic", "kitchen",
      "stainless", "steel", "cotton", "leather", "children's", "don't", "it's", "users'",
  };
  return words;
}

// Rarer words: deterministic syllable soup, so the vocabulary has a long tail.
std::vector<std::string> RareWords(std::mt19937& rng, size_t count) {
  static const char* const kSyllables[] = {"con", "ver", "sa", "tion", "pro", "duc", "ing",
                                           "ment", "al", "re", "ter", "ly", "ness", "ab",
                                           "ic", "ous", "en", "ed", "ful", "ize"};
  std::uniform_int_distribution<int> syllables(2, 4);
  std::uniform_int_distribution<size_t> pick(0, std::size(kSyllables) - 1);
  std::vector<std::string> words;
  for (size_t i = 0; i < count; ++i) {
    std::string word;
    for (int s = syllables(rng); s > 0; --s) word += kSyllables[pick(rng)];
    words.push_back(word);
  }
  return words;
}

std::vector<std::string> MakeDocuments() {
  std::mt19937 rng(42);
  std::vector<std::string> vocabulary = CommonWords();
  for (std::string& word : RareWords(rng, 20000)) vocabulary.push_back(std::move(word));
  std::vector<double> weights;
  for (size_t rank = 1; rank <= vocabulary.size(); ++rank) weights.push_back(1.0 / rank);
  std::discrete_distribution<size_t> zipf(weights.begin(), weights.end());
  const std::vector<std::string> unicode_words = {"café", "naïve", "“quoted”", "Zürich",
                                                  "résumé", "piñata", "—", "façade"};
  std::uniform_int_distribution<int> percent(0, 149);
  std::uniform_int_distribution<int> sentence_length(6, 20);
  std::uniform_int_distribution<int> number(1, 2000);

  std::vector<std::string> documents;
  size_t total = 0;
  while (total < kCorpusBytes) {
    std::string doc;
    while (doc.size() < kDocumentBytes) {
      const int words = sentence_length(rng);
      for (int w = 0; w < words; ++w) {
        std::string word;
        const int roll = percent(rng);
        if (roll == 0) {
          word = unicode_words[static_cast<size_t>(number(rng)) % unicode_words.size()];
        } else if (roll < 3) {
          word = std::to_string(number(rng));
        } else {
          word = vocabulary[zipf(rng)];
        }
        if (w == 0 && word[0] >= 'a' && word[0] <= 'z') word[0] = static_cast<char>(word[0] - 32);
        doc += word;
        doc += (w + 1 == words) ? ". " : (roll == 7 ? ", " : " ");
      }
    }
    total += doc.size();
    documents.push_back(std::move(doc));
  }
  return documents;
}

const std::vector<std::string>& Documents() {
  static const std::vector<std::string> documents = MakeDocuments();
  return documents;
}

int64_t CorpusSize() {
  int64_t size = 0;
  for (const std::string& doc : Documents()) size += static_cast<int64_t>(doc.size());
  return size;
}

class CountingSink : public TokenSink {
 public:
  void OnToken(const Token& token) override { bytes_ += token.term.size() + token.position; }
  size_t bytes() const { return bytes_; }

 private:
  size_t bytes_ = 0;
};

void BM_Analyzer(benchmark::State& state, const char* name) {
  auto analyzer = MakeAnalyzer(name);
  if (!analyzer.ok()) {
    state.SkipWithError(analyzer.status().ToString().c_str());
    return;
  }
  CountingSink sink;
  for (auto _ : state) {
    for (const std::string& doc : Documents()) {
      if (!analyzer.value()->Analyze(doc, sink).ok()) state.SkipWithError("Analyze failed");
    }
  }
  benchmark::DoNotOptimize(sink.bytes());
  state.SetBytesProcessed(state.iterations() * CorpusSize());
}
BENCHMARK_CAPTURE(BM_Analyzer, standard, "standard");
BENCHMARK_CAPTURE(BM_Analyzer, english, "english");
BENCHMARK_CAPTURE(BM_Analyzer, english_asciifolding, "english_asciifolding");
BENCHMARK_CAPTURE(BM_Analyzer, simple, "simple");
BENCHMARK_CAPTURE(BM_Analyzer, keyword, "keyword");

// The word tokenizer alone, with and without the ASCII fast path.
void BM_WordTokenizer(benchmark::State& state, bool ascii_fast_path) {
  auto tokenizer = MakeWordTokenizer({.ascii_fast_path = ascii_fast_path});
  if (!tokenizer.ok()) {
    state.SkipWithError(tokenizer.status().ToString().c_str());
    return;
  }
  std::vector<TokenSpan> spans;
  size_t count = 0;
  for (auto _ : state) {
    for (const std::string& doc : Documents()) {
      if (!tokenizer.value()->Tokenize(doc, spans).ok()) state.SkipWithError("Tokenize failed");
      count += spans.size();
    }
  }
  benchmark::DoNotOptimize(count);
  state.SetBytesProcessed(state.iterations() * CorpusSize());
}
BENCHMARK_CAPTURE(BM_WordTokenizer, ascii_fast_path, true);
BENCHMARK_CAPTURE(BM_WordTokenizer, icu_only, false);

}  // namespace
}  // namespace holdfast::analysis
