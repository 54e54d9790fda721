// Tests of TermDictionaryWriter and TermDictionaryReader / TermIterator.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "index/codec/file_footer.h"
#include "index/codec/term_dictionary_reader.h"
#include "index/codec/term_dictionary_writer.h"

namespace holdfast::codec {
namespace {

using Dictionary = std::map<std::string, TermInfo>;

Dictionary MakeTerms(size_t count, uint32_t seed) {
  std::mt19937 rng(seed);
  const std::string alphabet = "abcdefghij";
  std::vector<std::string> terms;
  while (terms.size() < count) {
    std::string t;
    const size_t len = 1 + rng() % 12;
    for (size_t i = 0; i < len; ++i) t.push_back(alphabet[rng() % alphabet.size()]);
    terms.push_back(t);
  }
  std::sort(terms.begin(), terms.end());
  terms.erase(std::unique(terms.begin(), terms.end()), terms.end());
  Dictionary dict;
  uint64_t offset = 100;
  for (const auto& t : terms) {
    if (rng() % 4 == 0) {  // a term of one doc, held inline (no postings)
      dict[t] = TermInfo{1, 1, offset, 0, static_cast<uint32_t>(rng() % (rng() % 2 ? 100 : kMaxInlineDoc + 1))};
      continue;
    }
    const uint32_t df = 1 + rng() % 1000;
    const uint64_t len = 3 + rng() % 5000;
    dict[t] = TermInfo{df, df + rng() % 3000, offset, len};
    offset += len;
  }
  return dict;
}

std::string Build(const Dictionary& dict, uint32_t terms_per_block = kDefaultTermsPerBlock) {
  TermDictionaryWriter writer(terms_per_block);
  for (const auto& [term, info] : dict) EXPECT_TRUE(writer.Add(term, info).ok()) << term;
  return writer.Finish();
}

TermDictionaryReader OpenOrDie(const std::string& bytes) {
  auto reader = TermDictionaryReader::Open(bytes);
  EXPECT_TRUE(reader.ok()) << reader.status().ToString();
  return std::move(reader).value();
}

TEST(TermDictionaryTest, ExactSeekOfPresentAndAbsentTerms) {
  for (uint32_t per_block : {1u, 7u, 32u, 64u}) {
    const Dictionary dict = MakeTerms(5000, per_block);
    const std::string bytes = Build(dict, per_block);
    const TermDictionaryReader reader = OpenOrDie(bytes);
    EXPECT_EQ(reader.num_terms(), dict.size());
    for (const auto& [term, info] : dict) {
      auto found = reader.Seek(term);
      ASSERT_TRUE(found.ok()) << term;
      EXPECT_EQ(*found, info) << term;
      // Neighbours that are not terms: a longer one, and (when absent) a shorter one.
      const std::string longer = term + "a";
      EXPECT_EQ(reader.Seek(longer).ok(), dict.contains(longer)) << longer;
      const std::string shorter = term.substr(0, term.size() - 1);
      EXPECT_EQ(reader.Seek(shorter).ok(), dict.contains(shorter)) << shorter;
      std::string bumped = term;
      bumped.back() = 'z';
      EXPECT_EQ(reader.Seek(bumped).status().code(), StatusCode::kNotFound);
    }
    EXPECT_EQ(reader.Seek("").status().code(), StatusCode::kNotFound);
    EXPECT_EQ(reader.Seek("\xff").status().code(), StatusCode::kNotFound);
  }
}

TEST(TermDictionaryTest, SeekCeilPositionsAtTheNextTerm) {
  const Dictionary dict = MakeTerms(3000, 5);
  const std::string bytes = Build(dict);
  const TermDictionaryReader reader = OpenOrDie(bytes);
  std::mt19937 rng(6);
  TermIterator it = reader.NewIterator();
  for (int i = 0; i < 3000; ++i) {
    std::string target;
    const size_t len = rng() % 6;
    for (size_t k = 0; k < len; ++k) target.push_back(static_cast<char>('a' + rng() % 11));
    const auto expected = dict.lower_bound(target);
    const bool valid = it.SeekCeil(target);
    ASSERT_EQ(valid, expected != dict.end()) << target;
    if (valid) {
      EXPECT_EQ(it.term(), expected->first) << target;
      EXPECT_EQ(it.info(), expected->second) << target;
    }
  }
}

TEST(TermDictionaryTest, PrefixIterationReturnsExactlyTheMatchingTerms) {
  const Dictionary dict = MakeTerms(4000, 8);
  const std::string bytes = Build(dict);
  const TermDictionaryReader reader = OpenOrDie(bytes);
  TermIterator it = reader.NewIterator();
  for (const std::string prefix : {"a", "bc", "jjj", "cab", "k", ""}) {
    std::vector<std::string> expected;
    for (const auto& [term, info] : dict) {
      if (term.starts_with(prefix)) expected.push_back(term);
    }
    std::vector<std::string> got;
    for (bool ok = it.SeekCeil(prefix); ok && it.term().starts_with(prefix); ok = it.Next()) {
      got.emplace_back(it.term());
    }
    EXPECT_EQ(got, expected) << prefix;
  }
}

TEST(TermDictionaryTest, FullIterationVisitsEveryTermInOrder) {
  const Dictionary dict = MakeTerms(2500, 9);
  const std::string bytes = Build(dict);
  const TermDictionaryReader reader = OpenOrDie(bytes);
  TermIterator it = reader.NewIterator();
  auto expected = dict.begin();
  for (bool ok = it.SeekToFirst(); ok; ok = it.Next(), ++expected) {
    ASSERT_NE(expected, dict.end());
    EXPECT_EQ(it.term(), expected->first);
    EXPECT_EQ(it.info(), expected->second);
  }
  EXPECT_EQ(expected, dict.end());
  EXPECT_TRUE(it.status().ok());
}

TEST(TermDictionaryTest, EmptyDictionary) {
  const std::string bytes = TermDictionaryWriter().Finish();
  const TermDictionaryReader reader = OpenOrDie(bytes);
  EXPECT_EQ(reader.num_terms(), 0u);
  EXPECT_EQ(reader.Seek("a").status().code(), StatusCode::kNotFound);
  TermIterator it = reader.NewIterator();
  EXPECT_FALSE(it.SeekToFirst());
  EXPECT_FALSE(it.SeekCeil(""));
  EXPECT_TRUE(it.status().ok());
}

TEST(TermDictionaryTest, UnicodeAndVeryLongTerms) {
  Dictionary dict;
  const std::vector<std::string> terms = {
      "", "caf\xc3\xa9", "cafe", "na\xc3\xafve", "\xe6\x97\xa5\xe6\x9c\xac", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
      "\xf0\x9f\x98\x80", std::string(100000, 'x'), std::string(100000, 'x') + "y", "\xff\xfe"};
  std::vector<std::string> sorted = terms;
  std::sort(sorted.begin(), sorted.end());  // byte order
  uint64_t offset = 0;
  for (const auto& t : sorted) {
    dict[t] = TermInfo{1, 2, offset, 10};
    offset += 10;
  }
  const std::string bytes = Build(dict, 4);
  const TermDictionaryReader reader = OpenOrDie(bytes);
  for (const auto& [term, info] : dict) {
    auto found = reader.Seek(term);
    ASSERT_TRUE(found.ok()) << term.size();
    EXPECT_EQ(*found, info);
  }
  EXPECT_FALSE(reader.Seek(std::string(99999, 'x')).ok());
  EXPECT_FALSE(reader.Seek("caf\xc3").ok());
  TermIterator it = reader.NewIterator();
  ASSERT_TRUE(it.SeekCeil("\xe6\x97\xa5"));
  EXPECT_EQ(it.term(), "\xe6\x97\xa5\xe6\x9c\xac");
}

TEST(TermDictionaryTest, WriterRejectsUnsortedTermsAndGaps) {
  TermDictionaryWriter writer;
  ASSERT_TRUE(writer.Add("b", {1, 1, 0, 5}).ok());
  EXPECT_EQ(writer.Add("a", {1, 1, 5, 5}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(writer.Add("b", {1, 1, 5, 5}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(writer.Add("c", {1, 1, 6, 5}).code(), StatusCode::kInvalidArgument);  // gap in postings
  EXPECT_EQ(writer.Add("c", {2, 1, 5, 5}).code(), StatusCode::kInvalidArgument);  // ttf < df
  EXPECT_TRUE(writer.Add("c", {1, 1, 5, 5}).ok());
  EXPECT_EQ(writer.num_terms(), 2u);
}

TEST(TermDictionaryTest, InlineDocsOfIdsWrittenInOrderAreSmall) {
  // Ids "0".."9999" of docs 0..9999: sorted as strings, neighbours are
  // mostly neighbouring docs.
  Dictionary dict;
  for (uint32_t d = 0; d < 10000; ++d) dict[std::to_string(d)] = TermInfo{1, 1, 0, 0, d};
  const std::string bytes = Build(dict);
  EXPECT_LT(bytes.size(), 10000u * 5);
  const TermDictionaryReader reader = OpenOrDie(bytes);
  for (const auto& [term, info] : dict) {
    auto found = reader.Seek(term);
    ASSERT_TRUE(found.ok()) << term;
    EXPECT_EQ(*found, info) << term;
    EXPECT_TRUE(found->has_inline_doc());
  }
  TermIterator it = reader.NewIterator();
  size_t n = 0;
  for (bool ok = it.SeekToFirst(); ok; ok = it.Next(), ++n) EXPECT_EQ(it.info(), dict[std::string(it.term())]);
  EXPECT_EQ(n, dict.size());

  TermDictionaryWriter writer;
  EXPECT_EQ(writer.Add("a", {2, 2, 0, 0, 5}).code(), StatusCode::kInvalidArgument);  // inline needs one doc
  EXPECT_EQ(writer.Add("a", {1, 1, 0, 3, 5}).code(), StatusCode::kInvalidArgument);  // and no postings
  EXPECT_EQ(writer.Add("a", {1, 1, 0, 0, kMaxInlineDoc + 1}).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(writer.Add("a", {1, 1, 0, 0, kMaxInlineDoc}).ok());
}

TEST(TermDictionaryTest, FooterDetectsFlippedBytes) {
  const Dictionary dict = MakeTerms(200, 10);
  std::string file = Build(dict);
  AppendFileFooter(&file, 0x54444354, kTermDictionaryVersion);
  std::mt19937 rng(1);
  for (int i = 0; i < 200; ++i) {
    std::string bad = file;
    bad[rng() % bad.size()] ^= static_cast<char>(1 << (rng() % 8));
    EXPECT_EQ(VerifyFileFooter(bad, "_0.tdict", 0x54444354).status().code(), StatusCode::kCorruption);
  }
  auto verified = VerifyFileFooter(file, "_0.tdict", 0x54444354);
  ASSERT_TRUE(verified.ok());
  EXPECT_TRUE(TermDictionaryReader::Open(verified->body).ok());
}

TEST(TermDictionaryTest, TruncatedOrCorruptBytesNeverCrash) {
  const Dictionary dict = MakeTerms(500, 12);
  const std::string bytes = Build(dict);
  std::mt19937 rng(2);
  for (size_t cut = 0; cut < bytes.size(); cut += 1 + cut / 32) {
    std::vector<char> copy(bytes.begin(), bytes.begin() + cut);
    EXPECT_FALSE(TermDictionaryReader::Open(std::string_view(copy.data(), copy.size())).ok()) << cut;
  }
  for (int trial = 0; trial < 500; ++trial) {
    std::vector<char> copy(bytes.begin(), bytes.end());
    copy[rng() % copy.size()] ^= static_cast<char>(1 + rng() % 255);
    auto reader = TermDictionaryReader::Open(std::string_view(copy.data(), copy.size()));
    if (!reader.ok()) continue;
    for (const auto& [term, info] : dict) (void)reader->Seek(term);
    TermIterator it = reader->NewIterator();
    for (bool ok = it.SeekToFirst(); ok; ok = it.Next()) {
    }
    it.SeekCeil("fgh");
  }
}

}  // namespace
}  // namespace holdfast::codec
