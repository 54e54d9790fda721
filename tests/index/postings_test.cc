// Tests of PostingsWriter and PostingsIterator: exact round trips, Advance
// against a linear scan, block-max bounds, and corrupt or truncated bytes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "index/codec/postings_iterator.h"
#include "index/codec/postings_writer.h"

namespace holdfast::codec {
namespace {

struct Posting {
  uint32_t doc;
  uint32_t freq;
  uint8_t norm;
  std::vector<uint32_t> positions;
};

// `count` docs spread over [0, max_doc]: consecutive when dense, random gaps
// when sparse (always including max_doc when sparse, to reach the top id).
std::vector<Posting> MakePostings(size_t count, bool dense, bool positions, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint32_t> docs;
  if (dense) {
    uint32_t d = rng() % 100;
    for (size_t i = 0; i < count; ++i) docs.push_back(d += 1 + (rng() % 8 == 0));
  } else if (count > 0) {
    std::vector<uint32_t> pool;
    while (pool.size() < count * 11 / 10 + 1) pool.push_back(rng() % kMaxDocId);
    std::sort(pool.begin(), pool.end());
    pool.erase(std::unique(pool.begin(), pool.end()), pool.end());
    pool.resize(std::min(pool.size(), count - 1));
    pool.push_back(kMaxDocId);
    docs = pool;
  }
  std::vector<Posting> out;
  for (uint32_t doc : docs) {
    const uint32_t freq = static_cast<uint32_t>(rng() % 16 == 0 ? 1 + rng() % 300 : 1 + rng() % 4);
    Posting p{doc, freq, static_cast<uint8_t>(rng()), {}};
    if (positions) {
      uint32_t pos = rng() % 50;
      for (uint32_t i = 0; i < p.freq; ++i) p.positions.push_back(pos += rng() % 20);
    }
    out.push_back(std::move(p));
  }
  return out;
}

std::string Write(const std::vector<Posting>& postings, PostingsOptions options) {
  PostingsWriter writer(options);
  for (const Posting& p : postings) {
    EXPECT_TRUE(writer.AddDoc(p.doc, p.freq, p.norm, p.positions).ok());
  }
  std::string out;
  EXPECT_TRUE(writer.Finish(&out).ok());
  return out;
}

PostingsIterator Open(const std::string& bytes) {
  PostingsIterator it;
  EXPECT_TRUE(it.Reset(bytes).ok());
  return it;
}

struct RoundTripCase {
  size_t count;
  bool dense;
};

class PostingsRoundTripTest : public ::testing::TestWithParam<RoundTripCase> {};

TEST_P(PostingsRoundTripTest, DocsFreqsAndPositionsComeBackExactly) {
  const auto [count, dense] = GetParam();
  const bool positions = count <= 10000;  // keep the 1M case fast
  const auto postings = MakePostings(count, dense, positions, static_cast<uint32_t>(count));
  const std::string bytes = Write(postings, {.freqs = true, .positions = positions, .norms = true});
  PostingsIterator it = Open(bytes);
  EXPECT_EQ(it.cost(), count);
  for (const Posting& p : postings) {
    ASSERT_EQ(it.NextDoc(), p.doc);
    ASSERT_EQ(it.freq(), p.freq) << p.doc;
    for (uint32_t pos : p.positions) ASSERT_EQ(it.NextPosition(), pos) << p.doc;
    if (positions) {
      ASSERT_EQ(it.NextPosition(), kNoMorePositions);
    }
  }
  EXPECT_EQ(it.NextDoc(), kNoMoreDocs);
  EXPECT_EQ(it.NextDoc(), kNoMoreDocs);
  EXPECT_TRUE(it.status().ok());
}

INSTANTIATE_TEST_SUITE_P(Sizes, PostingsRoundTripTest,
                         ::testing::Values(RoundTripCase{1, true}, RoundTripCase{1, false},
                                           RoundTripCase{127, true}, RoundTripCase{127, false},
                                           RoundTripCase{128, true}, RoundTripCase{128, false},
                                           RoundTripCase{129, true}, RoundTripCase{129, false},
                                           RoundTripCase{10000, true}, RoundTripCase{10000, false},
                                           RoundTripCase{1000000, true},
                                           RoundTripCase{1000000, false}));

TEST(PostingsWriterTest, EmptyTermAndBadInputAreRejected) {
  PostingsWriter writer({.freqs = true, .positions = true, .norms = true});
  std::string out;
  EXPECT_EQ(writer.Finish(&out).code(), StatusCode::kFailedPrecondition);
  const std::vector<uint32_t> two = {3, 9};
  EXPECT_EQ(writer.AddDoc(kMaxDocId + 1, 2, 0, two).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(writer.AddDoc(5, 3, 0, two).code(), StatusCode::kInvalidArgument);  // 2 positions
  const std::vector<uint32_t> down = {9, 3};
  EXPECT_EQ(writer.AddDoc(5, 2, 0, down).code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(writer.AddDoc(5, 2, 0, two).ok());
  EXPECT_EQ(writer.AddDoc(5, 2, 0, two).code(), StatusCode::kInvalidArgument);  // not ascending
  ASSERT_TRUE(writer.Finish(&out).ok());
  PostingsIterator it = Open(out);
  EXPECT_EQ(it.NextDoc(), 5u);
  EXPECT_EQ(it.NextDoc(), kNoMoreDocs);
}

TEST(PostingsIteratorTest, WithoutFreqsFreqIsOne) {
  const auto postings = MakePostings(1000, false, false, 9);
  const std::string bytes = Write(postings, {.freqs = false, .positions = false, .norms = false});
  PostingsIterator it = Open(bytes);
  for (const Posting& p : postings) {
    ASSERT_EQ(it.NextDoc(), p.doc);
    EXPECT_EQ(it.freq(), 1u);
    EXPECT_EQ(it.NextPosition(), kNoMorePositions);
  }
  EXPECT_EQ(it.NextDoc(), kNoMoreDocs);
}

// The first doc >= target, by linear scan of the reference list.
uint32_t Reference(const std::vector<Posting>& postings, uint32_t target) {
  for (const Posting& p : postings) {
    if (p.doc >= target) return p.doc;
  }
  return kNoMoreDocs;
}

TEST(PostingsIteratorTest, AdvanceMatchesLinearScan) {
  std::mt19937 rng(42);
  for (int trial = 0; trial < 300; ++trial) {
    const size_t count = 1 + rng() % 3000;
    const bool dense = trial % 2 == 0;
    const auto postings = MakePostings(count, dense, true, static_cast<uint32_t>(trial));
    const std::string bytes = Write(postings, {.freqs = true, .positions = true, .norms = true});
    PostingsIterator it = Open(bytes);
    const uint32_t span = postings.back().doc + 2;
    uint32_t doc = 0;
    uint32_t target = 0;
    while (true) {
      // Mix Advance with NextDoc, and sometimes read freqs and positions.
      if (rng() % 4 == 0 && doc != 0) {
        doc = it.NextDoc();
        target = doc;
        ASSERT_EQ(doc, Reference(postings, target)) << trial;
      } else {
        target = target + 1 + static_cast<uint32_t>(rng() % std::max<uint32_t>(1, span / 50));
        doc = it.Advance(target);
        ASSERT_EQ(doc, Reference(postings, target)) << "trial " << trial << " target " << target;
      }
      if (doc == kNoMoreDocs) break;
      const auto ref = std::lower_bound(postings.begin(), postings.end(), doc,
                                        [](const Posting& p, uint32_t d) { return p.doc < d; });
      if (rng() % 2 == 0) {
        ASSERT_EQ(it.freq(), ref->freq);
      }
      if (rng() % 3 == 0) {
        for (uint32_t pos : ref->positions) ASSERT_EQ(it.NextPosition(), pos);
      }
      target = doc;
    }
    EXPECT_EQ(it.Advance(target + 1), kNoMoreDocs);
    EXPECT_TRUE(it.status().ok());
  }
}

TEST(PostingsIteratorTest, AdvanceToTopDocId) {
  const auto postings = MakePostings(5000, false, false, 1);
  const std::string bytes = Write(postings, {.freqs = true, .positions = false, .norms = true});
  PostingsIterator it = Open(bytes);
  EXPECT_EQ(it.Advance(kMaxDocId), kMaxDocId);
  EXPECT_EQ(it.NextDoc(), kNoMoreDocs);
}

TEST(PostingsIteratorTest, BlockMaxIsATrueUpperBound) {
  for (bool dense : {true, false}) {
    const auto postings = MakePostings(20000, dense, false, dense ? 17 : 18);
    const std::string bytes = Write(postings, {.freqs = true, .positions = false, .norms = true});
    PostingsIterator it = Open(bytes);
    size_t i = 0;
    size_t blocks = 0;
    while (i < postings.size()) {
      // The block that holds postings[i], described without decoding it.
      const uint32_t last = it.ShallowAdvance(postings[i].doc);
      ASSERT_NE(last, kNoMoreDocs);
      uint32_t max_freq = 0;
      uint8_t min_norm = 255;
      for (; i < postings.size() && postings[i].doc <= last; ++i) {
        max_freq = std::max(max_freq, postings[i].freq);
        min_norm = std::min(min_norm, postings[i].norm);
      }
      EXPECT_EQ(postings[i - 1].doc, last);
      EXPECT_GE(it.BlockMaxFreq(), max_freq);
      EXPECT_LE(it.BlockMinNorm(), min_norm);
      ++blocks;
    }
    EXPECT_EQ(blocks, (postings.size() + 127) / 128);
    EXPECT_EQ(it.ShallowAdvance(postings.back().doc + 1), kNoMoreDocs);
  }
}

TEST(PostingsIteratorTest, ShallowAdvanceThenAdvanceAgree) {
  const auto postings = MakePostings(50000, true, false, 23);
  const std::string bytes = Write(postings, {.freqs = true, .positions = false, .norms = true});
  PostingsIterator it = Open(bytes);
  std::mt19937 rng(4);
  uint32_t target = 0;
  while (true) {
    target += 1 + rng() % 2000;
    const uint32_t block_last = it.ShallowAdvance(target);
    const uint32_t doc = it.Advance(target);
    ASSERT_EQ(doc, Reference(postings, target));
    if (doc == kNoMoreDocs) break;
    ASSERT_LE(doc, block_last);
    target = doc;
  }
}

TEST(PostingsIteratorTest, HeaderCorruptionIsReported) {
  PostingsIterator it;
  EXPECT_EQ(it.Reset("").code(), StatusCode::kCorruption);
  EXPECT_EQ(it.Reset(std::string("\x01\x00", 2)).code(), StatusCode::kCorruption);  // 0 docs
  EXPECT_EQ(it.Reset(std::string("\x0a\x00", 2)).code(), StatusCode::kCorruption);  // pos w/o freqs
  EXPECT_EQ(it.Reset(std::string("\xc1\x0c\x09", 3)).code(), StatusCode::kCorruption);  // 200 docs, skip too long
  EXPECT_EQ(it.Reset(std::string("\x08", 1)).code(), StatusCode::kCorruption);  // singleton without its doc
  EXPECT_EQ(it.Reset(std::string("\x0d\x07", 2)).code(), StatusCode::kCorruption);  // singleton without its freq
  EXPECT_EQ(it.Reset(std::string("\x2d\x03", 2)).code(), StatusCode::kCorruption);  // 5 docs, no min norm
  EXPECT_EQ(it.Reset(std::string("\x29\x03\x05", 3)).code(), StatusCode::kCorruption);  // 5 docs, no block
}

TEST(PostingsWriterTest, SingletonsAndShortListsAreCompact) {
  // A docs-only singleton is the header byte and the doc.
  EXPECT_EQ(Write({{1000, 1, 0, {}}}, {.freqs = false, .positions = false, .norms = false}).size(), 3u);
  // With freq, norm and two positions: header, doc, freq - 1, norm, tail block.
  const std::string text = Write({{7, 2, 9, {3, 5}}}, {.freqs = true, .positions = true, .norms = true});
  EXPECT_EQ(text.size(), 1u + 1 + 1 + 1 + 2);
  PostingsIterator it = Open(text);
  EXPECT_EQ(it.ShallowAdvance(0), 7u);
  EXPECT_EQ(it.BlockMaxFreq(), 2u);
  EXPECT_EQ(it.BlockMinNorm(), 9);
  EXPECT_EQ(it.NextDoc(), 7u);
  EXPECT_EQ(it.freq(), 2u);
  EXPECT_EQ(it.NextPosition(), 3u);
  EXPECT_EQ(it.NextPosition(), 5u);
  EXPECT_EQ(it.NextPosition(), kNoMorePositions);
  EXPECT_EQ(it.NextDoc(), kNoMoreDocs);
  EXPECT_EQ(it.ShallowAdvance(8), kNoMoreDocs);
  // Under 128 docs there is no skip table: a run of consecutive docs with
  // freq 1 costs the header, the impact (max freq, min norm), and two width
  // bytes (docs, freqs).
  std::vector<Posting> run;
  for (uint32_t d = 0; d < 100; ++d) run.push_back({d, 1, 5, {}});
  EXPECT_EQ(Write(run, {.freqs = true, .positions = false, .norms = true}).size(), 2u + 1 + 1 + 2);
}

TEST(PostingsIteratorTest, ShortListsWithoutFreqsOrNorms) {
  for (size_t count : {1u, 2u, 127u, 128u}) {
    const auto postings = MakePostings(count, false, false, static_cast<uint32_t>(count));
    const std::string bytes = Write(postings, {.freqs = false, .positions = false, .norms = false});
    PostingsIterator it = Open(bytes);
    EXPECT_EQ(it.ShallowAdvance(0), postings.back().doc);
    EXPECT_EQ(it.BlockMaxFreq(), 1u);
    for (const Posting& p : postings) {
      ASSERT_EQ(it.NextDoc(), p.doc);
      ASSERT_EQ(it.freq(), 1u);
      ASSERT_EQ(it.NextPosition(), kNoMorePositions);
    }
    EXPECT_EQ(it.NextDoc(), kNoMoreDocs);
    PostingsIterator again = Open(bytes);
    EXPECT_EQ(again.Advance(postings.back().doc), postings.back().doc);
    EXPECT_EQ(again.BlockFreqs()[again.BlockIndex()], 1u);
    EXPECT_TRUE(it.status().ok());
  }
}

TEST(PostingsIteratorTest, BlockAccessMatchesNextDoc) {
  const auto postings = MakePostings(1000, false, false, 41);
  const std::string bytes = Write(postings, {.freqs = true, .positions = false, .norms = true});
  PostingsIterator it = Open(bytes);
  size_t i = 0;
  for (uint32_t doc = it.NextDoc(); doc != kNoMoreDocs;) {
    const uint32_t* docs = it.BlockDocs();
    const uint32_t* freqs = it.BlockFreqs();
    for (int32_t k = it.BlockIndex(); k < it.BlockSize(); ++k, ++i) {
      ASSERT_EQ(docs[k], postings[i].doc);
      ASSERT_EQ(freqs[k], postings[i].freq);
    }
    if (it.BlockSize() > it.BlockIndex() + 1) ASSERT_EQ(it.MoveInBlock(it.BlockSize() - 1), postings[i - 1].doc);
    doc = it.NextBlock();
  }
  EXPECT_EQ(i, postings.size());
}

// Reads everything the iterator offers; must never crash or read out of bounds
// (the ASan build checks the latter).
void Drain(PostingsIterator& it, std::mt19937& rng) {
  uint32_t doc = 0;
  for (int steps = 0; steps < 100000; ++steps) {
    it.ShallowAdvance(doc + 1);
    doc = rng() % 3 == 0 ? it.Advance(doc + 1 + rng() % 500) : it.NextDoc();
    if (doc == kNoMoreDocs) return;
    it.freq();
    while (it.NextPosition() != kNoMorePositions) {
    }
  }
}

TEST(PostingsIteratorTest, TruncatedAndCorruptBytesNeverCrash) {
  const auto postings = MakePostings(700, false, true, 31);
  const std::string bytes = Write(postings, {.freqs = true, .positions = true, .norms = true});
  std::mt19937 rng(8);
  size_t errors = 0;
  for (size_t cut = 0; cut < bytes.size(); cut += 1 + cut / 64) {
    // Exact-size heap copy, so ASan sees any read past the end.
    std::vector<char> copy(bytes.begin(), bytes.begin() + cut);
    PostingsIterator it;
    if (!it.Reset(std::string_view(copy.data(), copy.size())).ok()) {
      ++errors;
      continue;
    }
    Drain(it, rng);
    errors += !it.status().ok();
  }
  EXPECT_GT(errors, 0u);
  for (int trial = 0; trial < 2000; ++trial) {
    std::vector<char> copy(bytes.begin(), bytes.end());
    for (int flips = 0; flips < 3; ++flips) copy[rng() % copy.size()] ^= static_cast<char>(1 + rng() % 255);
    PostingsIterator it;
    if (it.Reset(std::string_view(copy.data(), copy.size())).ok()) Drain(it, rng);
  }
}

TEST(PostingsIteratorTest, TruncationOfTheLastBlockIsCorruption) {
  const auto postings = MakePostings(300, true, true, 2);
  const std::string bytes = Write(postings, {.freqs = true, .positions = true, .norms = true});
  std::vector<char> copy(bytes.begin(), bytes.end() - 1);
  PostingsIterator it;
  ASSERT_TRUE(it.Reset(std::string_view(copy.data(), copy.size())).ok());
  while (it.NextDoc() != kNoMoreDocs) {
    it.freq();
    while (it.NextPosition() != kNoMorePositions) {
    }
  }
  EXPECT_EQ(it.status().code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace holdfast::codec
