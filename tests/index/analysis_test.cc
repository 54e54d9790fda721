// Tests of index/analysis: tokenizers, filters and the named analyzers.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <libstemmer.h>
#include <unicode/ustring.h>

#include <random>
#include <string>
#include <thread>
#include <vector>

#include "index/analysis/analyzer.h"
#include "index/analysis/stop_words.h"
#include "index/analysis/tokenizer.h"
#include "index/analysis/utf8.h"

namespace holdfast::analysis {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::unique_ptr<Analyzer> Make(std::string_view name, AnalyzerOptions options = {}) {
  auto analyzer = MakeAnalyzer(name, options);
  EXPECT_TRUE(analyzer.ok()) << analyzer.status().ToString();
  return analyzer.ok() ? std::move(analyzer).value() : nullptr;
}

std::vector<OwnedToken> Analyze(Analyzer& analyzer, std::string_view text) {
  auto tokens = analyzer.AnalyzeToVector(text);
  EXPECT_TRUE(tokens.ok()) << tokens.status().ToString();
  return tokens.ok() ? std::move(tokens).value() : std::vector<OwnedToken>{};
}

std::vector<std::string> Terms(Analyzer& analyzer, std::string_view text) {
  std::vector<std::string> terms;
  for (const OwnedToken& token : Analyze(analyzer, text)) terms.push_back(token.term);
  return terms;
}

std::vector<std::string> Terms(std::string_view name, std::string_view text) {
  return Terms(*Make(name), text);
}

// Strict UTF-8 validation through ICU (independent of analysis/utf8.h).
bool IcuSaysValidUtf8(std::string_view s) {
  UErrorCode ec = U_ZERO_ERROR;
  int32_t length = 0;
  u_strFromUTF8(nullptr, 0, &length, s.data(), static_cast<int32_t>(s.size()), &ec);
  return ec == U_BUFFER_OVERFLOW_ERROR || ec == U_STRING_NOT_TERMINATED_WARNING ||
         U_SUCCESS(ec);
}

bool IsCharBoundary(std::string_view text, uint32_t offset) {
  if (offset >= text.size()) return offset == text.size();
  return (static_cast<unsigned char>(text[offset]) & 0xC0) != 0x80;
}

// The invariants every token of every analyzer keeps.
void ExpectWellFormedTokens(std::string_view text, const std::vector<OwnedToken>& tokens) {
  uint32_t previous_position = 0;
  uint32_t previous_start = 0;
  for (size_t i = 0; i < tokens.size(); ++i) {
    const OwnedToken& token = tokens[i];
    SCOPED_TRACE("token " + std::to_string(i) + " [" + token.term + "]");
    EXPECT_TRUE(IcuSaysValidUtf8(token.term));
    EXPECT_LE(token.start_offset, token.end_offset);
    EXPECT_LE(token.end_offset, text.size());
    EXPECT_TRUE(IsCharBoundary(text, token.start_offset));
    EXPECT_TRUE(IsCharBoundary(text, token.end_offset));
    if (i > 0) {
      EXPECT_GT(token.position, previous_position);
      EXPECT_GE(token.start_offset, previous_start);
    }
    previous_position = token.position;
    previous_start = token.start_offset;
  }
}

std::string Surface(std::string_view text, const OwnedToken& token) {
  return std::string(text.substr(token.start_offset, token.end_offset - token.start_offset));
}

// ---------------------------------------------------------------------------
// standard

TEST(StandardAnalyzerTest, PlainEnglishWithPositionsAndOffsets) {
  const std::string text = "The quick brown fox, it's 3.5 feet!";
  auto tokens = Analyze(*Make("standard"), text);
  ASSERT_EQ(tokens.size(), 7u);
  EXPECT_EQ(tokens[0], (OwnedToken{"the", 0, 0, 3}));
  EXPECT_EQ(tokens[1], (OwnedToken{"quick", 1, 4, 9}));
  EXPECT_EQ(tokens[3], (OwnedToken{"fox", 3, 16, 19}));
  EXPECT_EQ(tokens[4], (OwnedToken{"it's", 4, 21, 25}));
  EXPECT_EQ(tokens[5], (OwnedToken{"3.5", 5, 26, 29}));
  EXPECT_EQ(tokens[6], (OwnedToken{"feet", 6, 30, 34}));
  ExpectWellFormedTokens(text, tokens);
}

TEST(StandardAnalyzerTest, KeepsStopWords) {
  EXPECT_THAT(Terms("standard", "To be or not to be"),
              ElementsAre("to", "be", "or", "not", "to", "be"));
}

TEST(StandardAnalyzerTest, KeepsAccentsUnlessFolding) {
  EXPECT_THAT(Terms("standard", "Café Crème"), ElementsAre("café", "crème"));
  EXPECT_THAT(Terms("standard_asciifolding", "Café Crème"), ElementsAre("cafe", "creme"));
  EXPECT_THAT(Terms(*Make("standard", {.ascii_folding = true}), "Café Crème"),
              ElementsAre("cafe", "creme"));
  EXPECT_THAT(Terms("standard_asciifolding", "Ærøskøbing Łódź naïve"),
              ElementsAre("aeroskobing", "lodz", "naive"));
}

TEST(StandardAnalyzerTest, FoldingLeavesOtherScriptsMarksAlone) {
  // Devanagari vowel signs are nonspacing marks but part of the word.
  EXPECT_THAT(Terms("standard_asciifolding", "हिन्दी"), ElementsAre("हिन्दी"));
}

TEST(StandardAnalyzerTest, CaseFolding) {
  EXPECT_THAT(Terms("standard", "HELLO World"), ElementsAre("hello", "world"));
  EXPECT_THAT(Terms("standard", "Straße STRASSE"), ElementsAre("strasse", "strasse"));
  EXPECT_THAT(Terms("standard", "ΣΊΣΥΦΟΣ"), ElementsAre("σίσυφοσ"));
}

TEST(StandardAnalyzerTest, NfkcNormalization) {
  EXPECT_THAT(Terms("standard", "ＡＢＣ"), ElementsAre("abc"));
  EXPECT_THAT(Terms("standard", "ﬁ ﬁsh"), ElementsAre("fi", "fish"));
  // Composed and decomposed "é" index as the same term.
  EXPECT_THAT(Terms("standard", "caf\u00E9 cafe\u0301"), ElementsAre("café", "café"));
  auto tokens = Analyze(*Make("standard"), "x ＡＢＣ");
  ASSERT_EQ(tokens.size(), 2u);
  EXPECT_EQ(Surface("x ＡＢＣ", tokens[1]), "ＡＢＣ");
}

TEST(StandardAnalyzerTest, ChineseAndJapaneseAreSegmented) {
  for (const std::string text : {"我爱北京天安门", "東京都に住んでいます", "今日はいい天気ですね。"}) {
    SCOPED_TRACE(text);
    auto tokens = Analyze(*Make("standard"), text);
    EXPECT_GE(tokens.size(), 3u);
    for (const OwnedToken& token : tokens) {
      EXPECT_FALSE(token.term.empty());
      EXPECT_EQ(token.term, Surface(text, token));
    }
    ExpectWellFormedTokens(text, tokens);
  }
  EXPECT_THAT(Terms("standard", "我爱北京天安门"), ElementsAre("我", "爱", "北京", "天安门"));
}

TEST(StandardAnalyzerTest, EmojiAreSkippedAndMixedScriptsSurvive) {
  const std::string text =
      "I \u2764\uFE0F NY \U0001F44D\U0001F3FD caf\u00E9 \U0001F468\u200D\U0001F469\u200D"
      "\U0001F467 \U0001F1FA\U0001F1F8 \u041F\u0440\u0438\u0432\u0435\u0442 "
      "\u05E9\u05DC\u05D5\u05DD 123 \u0645\u0631\u062D\u0628\u0627";
  auto tokens = Analyze(*Make("standard"), text);
  EXPECT_THAT(Terms("standard", text),
              ElementsAre("i", "ny", "café", "привет", "שלום", "123", "مرحبا"));
  ExpectWellFormedTokens(text, tokens);
}

// ---------------------------------------------------------------------------
// english

TEST(EnglishAnalyzerTest, Stems) {
  EXPECT_THAT(Terms("english", "running jumps"), ElementsAre("run", "jump"));
  EXPECT_THAT(Terms("english", "Connections connected connecting"),
              ElementsAre("connect", "connect", "connect"));
}

TEST(EnglishAnalyzerTest, RemovesPossessives) {
  EXPECT_THAT(Terms("english", "John's"), ElementsAre("john"));
  EXPECT_THAT(Terms("english", "JOHN\u2019S book"), ElementsAre("john", "book"));
}

TEST(EnglishAnalyzerTest, RemovesStopWordsLeavingPositionGaps) {
  const std::string text = "The cat is on the mat";
  auto tokens = Analyze(*Make("english"), text);
  ASSERT_EQ(tokens.size(), 2u);
  EXPECT_EQ(tokens[0], (OwnedToken{"cat", 1, 4, 7}));
  EXPECT_EQ(tokens[1], (OwnedToken{"mat", 5, 18, 21}));
  EXPECT_THAT(Terms("english", "to be or not to be"), IsEmpty());
}

TEST(EnglishAnalyzerTest, OffsetsPointAtTheUnstemmedSurface) {
  const std::string text = "Dogs were RUNNING quickly";
  auto tokens = Analyze(*Make("english"), text);
  ASSERT_EQ(tokens.size(), 4u);
  EXPECT_EQ(tokens[0].term, "dog");
  EXPECT_EQ(Surface(text, tokens[0]), "Dogs");
  EXPECT_EQ(tokens[2].term, "run");
  EXPECT_EQ(Surface(text, tokens[2]), "RUNNING");
  EXPECT_EQ(tokens[2].position, 2u);
}

TEST(EnglishAnalyzerTest, AsciiFoldingBeforeStemming) {
  EXPECT_THAT(Terms("english_asciifolding", "Café Crème cafés"),
              ElementsAre("cafe", "creme", "cafe"));
}

TEST(EnglishAnalyzerTest, StemCacheNeverChangesTheStem) {
  // Far more distinct words than the stem cache has slots, seen twice, so both
  // cache hits and slot collisions happen; every term must equal libstemmer's stem.
  std::string text;
  std::vector<std::string> words;
  const char* const syllables[] = {"con", "ver", "sa", "tion", "pro", "duc", "ing", "ment",
                                   "al", "re", "ter", "ly", "ness", "ies", "ed", "ful"};
  for (int i = 0; i < 40000; ++i) {
    std::string word;
    for (int n = i; word.size() < 6 || n > 0; n /= 16) word += syllables[n % 16];
    words.push_back(word);
  }
  for (int pass = 0; pass < 2; ++pass) {
    for (const std::string& word : words) text += word + " ";
  }
  sb_stemmer* stemmer = sb_stemmer_new("english", "UTF_8");
  ASSERT_NE(stemmer, nullptr);
  auto tokens = Analyze(*Make("english"), text);
  ASSERT_EQ(tokens.size(), 2 * words.size());
  for (size_t i = 0; i < tokens.size(); ++i) {
    const std::string& word = words[i % words.size()];
    const sb_symbol* stem = sb_stemmer_stem(
        stemmer, reinterpret_cast<const sb_symbol*>(word.data()), static_cast<int>(word.size()));
    const std::string expected(reinterpret_cast<const char*>(stem),
                               static_cast<size_t>(sb_stemmer_length(stemmer)));
    ASSERT_EQ(tokens[i].term, expected) << word;
  }
  sb_stemmer_delete(stemmer);
}

TEST(EnglishAnalyzerTest, StopWordListIsLucenes) {
  EXPECT_EQ(EnglishStopWords().size(), 33u);
  for (std::string_view word : EnglishStopWords()) EXPECT_TRUE(IsEnglishStopWord(word));
  EXPECT_FALSE(IsEnglishStopWord("cat"));
  EXPECT_FALSE(IsEnglishStopWord("them"));
  EXPECT_FALSE(IsEnglishStopWord(""));
}

// ---------------------------------------------------------------------------
// simple and keyword

TEST(SimpleAnalyzerTest, SplitsOnNonLettersAndLowercases) {
  const std::string text = "Hello, World! it's 42 o'clock Ünïcode";
  auto tokens = Analyze(*Make("simple"), text);
  EXPECT_THAT(Terms("simple", text),
              ElementsAre("hello", "world", "it", "s", "o", "clock", "ünïcode"));
  ExpectWellFormedTokens(text, tokens);
  EXPECT_EQ(Surface(text, tokens.back()), "Ünïcode");
  EXPECT_THAT(Terms("simple_asciifolding", "Ünïcode"), ElementsAre("unicode"));
  EXPECT_THAT(Terms("simple", "HELLO"), ElementsAre("hello"));
}

TEST(KeywordAnalyzerTest, ReturnsTheInputUnchanged) {
  for (const std::string text : {"Hello, World!", "Café Crème \U0001F44D", "  spaced  ", ""}) {
    auto tokens = Analyze(*Make("keyword"), text);
    ASSERT_EQ(tokens.size(), 1u) << text;
    EXPECT_EQ(tokens[0], (OwnedToken{text, 0, 0, static_cast<uint32_t>(text.size())}));
  }
  EXPECT_THAT(Terms("keyword_asciifolding", "Café Crème"), ElementsAre("Cafe Creme"));
}

// ---------------------------------------------------------------------------
// every analyzer

const std::vector<std::string>& TrickyTexts() {
  static const std::vector<std::string> texts = {
      "The quick brown fox jumps over the lazy dog.",
      "Café Crème, naïve façade — Ærøskøbing!",
      "ＡＢＣ ﬁsh Straße",
      "我爱北京天安门。東京都に住んでいます",
      "I \u2764\uFE0F NY \U0001F44D\U0001F3FD \U0001F468\u200D\U0001F469\u200D\U0001F467 x",
      "mixed\u0301\u0301 \u0301lead e\u200Dx tab\there\r\nline",
      "ab\xFF cd \xE2\x82 ef \xC0\xAF",  // ill-formed UTF-8
      "",
      "   ",
  };
  return texts;
}

TEST(AllAnalyzersTest, TokensAreWellFormed) {
  for (const std::string& name : AnalyzerNames()) {
    auto analyzer = Make(name);
    ASSERT_NE(analyzer, nullptr);
    for (const std::string& text : TrickyTexts()) {
      SCOPED_TRACE(name + ": " + text);
      ExpectWellFormedTokens(text, Analyze(*analyzer, text));
    }
  }
}

TEST(AllAnalyzersTest, TermOfASurfaceIsStable) {
  // Analyzing a token's surface form alone yields the same term again: offsets point
  // at the right bytes. (Keyword is checked above; its surface is the whole text.)
  for (const std::string name : {"standard", "english", "simple", "standard_asciifolding"}) {
    auto analyzer = Make(name);
    for (const std::string& text : TrickyTexts()) {
      for (const OwnedToken& token : Analyze(*analyzer, text)) {
        SCOPED_TRACE(name + ": " + text + " / " + token.term);
        auto again = Analyze(*analyzer, Surface(text, token));
        ASSERT_EQ(again.size(), 1u);
        EXPECT_EQ(again[0].term, token.term);
      }
    }
  }
}

TEST(AllAnalyzersTest, IllFormedUtf8BecomesReplacementOrIsSkipped) {
  EXPECT_THAT(Terms("standard", "ab\xFF cd"), ElementsAre("ab", "cd"));
  EXPECT_THAT(Terms("keyword", "ab\xFF"), ElementsAre("ab\uFFFD"));
}

TEST(AllAnalyzersTest, ReusingAnAnalyzerGivesTheSameTokens) {
  auto analyzer = Make("english");
  const std::string text = "Analyzers reuse their buffers between documents; results must not.";
  auto first = Analyze(*analyzer, text);
  Analyze(*analyzer, "something else entirely, 东京 and more");
  EXPECT_EQ(Analyze(*analyzer, text), first);
}

TEST(AllAnalyzersTest, InstancesOnSeparateThreadsAgree) {
  const std::string text = "Concurrent indexing threads each own an analyzer. 我爱北京天安门";
  auto expected = Analyze(*Make("english"), text);
  std::vector<std::vector<OwnedToken>> results(4);
  std::vector<std::thread> threads;
  for (auto& result : results) {
    threads.emplace_back([&result, &text] {
      auto analyzer = MakeAnalyzer("english");
      if (!analyzer.ok()) return;
      for (int i = 0; i < 50; ++i) {
        auto tokens = analyzer.value()->AnalyzeToVector(text);
        if (tokens.ok()) result = std::move(tokens).value();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& result : results) EXPECT_EQ(result, expected);
}

TEST(MakeAnalyzerTest, UnknownNameIsInvalidArgument) {
  for (std::string_view name : {"klingon", "", "Standard", "_asciifolding", "english_"}) {
    auto analyzer = MakeAnalyzer(name);
    ASSERT_FALSE(analyzer.ok()) << name;
    EXPECT_EQ(analyzer.status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(MakeAnalyzerTest, EveryListedNameBuildsAndKeepsItsName) {
  const auto names = AnalyzerNames();
  EXPECT_EQ(names.size(), 8u);
  for (const std::string& name : names) EXPECT_EQ(Make(name)->name(), name);
  EXPECT_EQ(Make("english", {.ascii_folding = true})->name(), "english_asciifolding");
}

// ---------------------------------------------------------------------------
// The ASCII fast path of the word tokenizer must agree with ICU.

std::vector<std::pair<uint32_t, uint32_t>> Spans(Tokenizer& tokenizer, std::string_view text) {
  std::vector<TokenSpan> spans;
  EXPECT_TRUE(tokenizer.Tokenize(text, spans).ok());
  std::vector<std::pair<uint32_t, uint32_t>> out;
  for (const TokenSpan& span : spans) out.emplace_back(span.start, span.end);
  return out;
}

class WordTokenizerEquivalenceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto fast = MakeWordTokenizer({.ascii_fast_path = true});
    auto icu = MakeWordTokenizer({.ascii_fast_path = false});
    ASSERT_TRUE(fast.ok() && icu.ok());
    fast_ = std::move(fast).value();
    icu_ = std::move(icu).value();
  }

  // Returns false (and reports) on the first disagreement.
  bool Agree(std::string_view text) {
    auto expected = Spans(*icu_, text);
    auto actual = Spans(*fast_, text);
    if (expected == actual) return true;
    ADD_FAILURE() << "fast path and ICU disagree on [" << text << "]";
    return false;
  }

  std::unique_ptr<Tokenizer> fast_;
  std::unique_ptr<Tokenizer> icu_;
};

TEST_F(WordTokenizerEquivalenceTest, EveryAsciiTriple) {
  std::string text(3, ' ');
  for (int a = 0; a < 128; ++a) {
    for (int b = 0; b < 128; ++b) {
      for (int c = 0; c < 128; ++c) {
        text[0] = static_cast<char>(a);
        text[1] = static_cast<char>(b);
        text[2] = static_cast<char>(c);
        if (!Agree(text)) return;
      }
    }
  }
}

TEST_F(WordTokenizerEquivalenceTest, EveryShortStringOverInterestingAscii) {
  const std::string alphabet = "aZ@0_.',;:- \"\n";
  for (size_t length = 1; length <= 5; ++length) {
    std::vector<size_t> digits(length, 0);
    std::string text(length, ' ');
    while (true) {
      for (size_t i = 0; i < length; ++i) text[i] = alphabet[digits[i]];
      if (!Agree(text)) return;
      size_t i = 0;
      while (i < length && ++digits[i] == alphabet.size()) digits[i++] = 0;
      if (i == length) break;
    }
  }
}

TEST_F(WordTokenizerEquivalenceTest, RandomMixedScriptText) {
  // Pieces that stress the region cuts: combining marks after spaces, ZWJ, emoji,
  // CJK, Hebrew with quotes, CR LF, long ASCII stretches between non-ASCII words.
  const std::vector<std::string> pieces = {
      "a", "Z", "7", "_", ".", "'", ",", ":", " ", "  ", "\t", "\r\n", "\"", "@", "-",
      "word", "don't", "3.14", "e.g.", "x_y", "lorem ipsum dolor sit amet consectetur ",
      "\u00E9", "\u0301", "\u200D", "\u00AD", "\u05D0", "\u05D0\"\u05D1", "\u3000",
      "\U0001F44D", "\U0001F3FD", "\u2764\uFE0F", "\U0001F1FA\U0001F1F8", "北京", "に",
      "カタカナ", "\u0e20\u0e32\u0e29\u0e32\u0e44\u0e17\u0e22", "\u041C\u0438\u0440",
      "\xFF", "\xE2\x82",
  };
  std::mt19937 rng(20240501);
  std::uniform_int_distribution<size_t> pick(0, pieces.size() - 1);
  std::uniform_int_distribution<int> count(1, 60);
  for (int round = 0; round < 20000; ++round) {
    std::string text;
    for (int i = count(rng); i > 0; --i) text += pieces[pick(rng)];
    if (!Agree(text)) return;
  }
}

TEST(Utf8Test, ValidationAndSanitizing) {
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("caf\u00E9 \U0001F44D"));
  EXPECT_FALSE(IsValidUtf8("ab\xFF"));
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));      // overlong
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));  // surrogate
  EXPECT_EQ(SanitizeUtf8("a\xFF" "b"), "a\uFFFD" "b");
  EXPECT_EQ(FindNonAscii("0123456789abcdef\xC3\xA9", 0), 16u);
}

}  // namespace
}  // namespace holdfast::analysis
