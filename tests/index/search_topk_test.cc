// Top-k search against brute force: random term disjunctions over a random
// Zipf corpus of a few thousand docs in several segments with deletions.
// Block-max MaxScore pruning must never lose a hit, and counts must be exact
// in exact mode.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>

#include "index/codec/norms.h"
#include "index/codec/postings_iterator.h"
#include "tests/index/search_test_util.h"

namespace holdfast::search {
namespace {

class TopKTest : public ::testing::Test {
 protected:
  static constexpr int kDocs = 3000;
  static constexpr int kVocab = 300;

  void SetUp() override {
    std::mt19937 rng(42);
    // Zipf-ish: word i has weight 1 / (i + 1).
    std::vector<double> weights;
    for (int i = 0; i < kVocab; ++i) weights.push_back(1.0 / (i + 1));
    std::discrete_distribution<int> word(weights.begin(), weights.end());
    std::uniform_int_distribution<int> length(1, 40);
    for (int d = 0; d < kDocs; ++d) {
      std::string text;
      int n = length(rng);
      for (int i = 0; i < n; ++i) text += "w" + std::to_string(word(rng)) + " ";
      index_.Add("d" + std::to_string(d), R"({"body":")" + text + R"("})");
      if (d == 999 || d == 1999 || d == 2499) index_.Flush();
    }
    index_.Flush();
    std::uniform_int_distribution<int> any(0, kDocs - 1);
    for (int i = 0; i < 150; ++i) index_.Delete("d" + std::to_string(any(rng)));
  }

  // Exhaustive BM25 of a disjunction, from the raw postings, in double.
  std::vector<std::pair<std::string, double>> BruteForce(const std::vector<std::string>& terms) {
    SegmentStatistics stats = index_.Stats();
    segment::FieldStats fs = stats.Field("body");
    double avgdl = static_cast<double>(fs.sum_total_term_freq) / fs.doc_count;
    std::map<std::pair<uint32_t, uint32_t>, double> scores;
    for (const std::string& t : terms) {
      double df = static_cast<double>(stats.DocFreq("body", t));
      double idf = std::log(1 + (fs.doc_count - df + 0.5) / (df + 0.5));
      for (const SegmentView& v : index_.snapshot().Views()) {
        const segment::FieldReader* f = v.reader->field("body");
        auto info = f->LookupTerm(t);
        if (!info.ok()) continue;
        codec::PostingsIterator it;
        EXPECT_TRUE(f->OpenPostings(info.value(), &it).ok());
        for (uint32_t d = it.NextDoc(); d != codec::kNoMoreDocs; d = it.NextDoc()) {
          if (!v.IsLive(d)) continue;
          double dl = codec::DecodeNorm(f->norm(d));
          double freq = it.freq();
          scores[{v.ordinal, d}] += idf * freq / (freq + 1.2 * (1 - 0.75 + 0.75 * dl / avgdl));
        }
      }
    }
    std::vector<std::pair<std::string, double>> out;
    for (const auto& [key, s] : scores) out.emplace_back(std::string(index_.snapshot().readers[key.first]->id(key.second)), s);
    std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    return out;
  }

  testing::SearchIndex index_{R"({"properties":{"body":{"type":"text"}}})"};
};

TEST_F(TopKTest, PrunedAndExactTopKMatchBruteForce) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> nterms(1, 5);
  std::uniform_int_distribution<int> pick(0, kVocab + 20);  // some terms absent from the corpus
  for (int round = 0; round < 60; ++round) {
    std::vector<std::string> terms;
    std::string text;
    int n = nterms(rng);
    for (int i = 0; i < n; ++i) {
      terms.push_back("w" + std::to_string(pick(rng)));
      text += terms.back() + " ";
    }
    auto expected = BruteForce(terms);
    std::string dsl = R"({"match":{"body":")" + text + R"("}})";
    for (size_t k : {1, 10, 100}) {
      for (uint64_t track : {uint64_t{0}, uint64_t{10}, uint64_t{300}, kExactTotalHits}) {
        SearchOptions o;
        o.size = k;
        o.track_total_hits = track;
        SearchResult r = index_.Run(dsl, o);
        size_t want = std::min(k, expected.size());
        ASSERT_EQ(r.hits.size(), want) << dsl << " k=" << k << " track=" << track;
        std::map<std::string, double> exact(expected.begin(), expected.end());
        for (size_t i = 0; i < want; ++i) {
          // The i-th best score is right (no hit lost), and the doc returned has that score.
          EXPECT_NEAR(r.hits[i].score, expected[i].second, 1e-4) << dsl << " k=" << k << " rank " << i;
          EXPECT_NEAR(r.hits[i].score, exact[index_.IdOf(r.hits[i])], 1e-4) << dsl << " rank " << i;
          if (i > 0) {
            EXPECT_LE(r.hits[i].score, r.hits[i - 1].score);
          }
        }
        if (track == kExactTotalHits) {
          EXPECT_EQ(r.total, expected.size()) << dsl;
          EXPECT_EQ(r.total_relation, "eq");
        } else if (expected.size() > track) {
          EXPECT_EQ(r.total, track);
          EXPECT_EQ(r.total_relation, "gte");
        } else {  // up to the threshold the count is exact, pruned or not
          EXPECT_EQ(r.total, expected.size()) << dsl << " k=" << k << " track=" << track;
          EXPECT_EQ(r.total_relation, "eq");
        }
      }
    }
  }
}

// A page floor (another shard's page merged ahead of this one) returns
// the hits of the search without it that score above the floor — pruned,
// exact, or scored one doc at a time — and leaves totals alone. (The bulk
// scorer may add a doc's term scores in another order once it prunes more,
// so scores are compared to the last bits, and floors fall between scores.)
TEST_F(TopKTest, APageFloorKeepsTheHitsAboveItAndTheTotals) {
  std::mt19937 rng(11);
  std::uniform_int_distribution<int> nterms(1, 4);
  std::uniform_int_distribution<int> pick(0, kVocab);
  std::vector<std::string> dsls = {R"({"match":{"body":{"query":"w1 w2","operator":"and"}}})",
                                   R"({"match_phrase":{"body":"w0 w1"}})"};
  for (int round = 0; round < 40; ++round) {
    std::string text;
    for (int i = nterms(rng); i > 0; --i) text += "w" + std::to_string(pick(rng)) + " ";
    dsls.push_back(R"({"match":{"body":")" + text + R"("}})");
  }
  size_t dropped = 0;
  for (const std::string& dsl : dsls) {
    SearchOptions all;
    all.size = 5000;
    all.track_total_hits = kExactTotalHits;
    const std::vector<ScoredHit> ranked = index_.Run(dsl, all).hits;
    std::map<std::pair<uint32_t, uint32_t>, float> score_of;
    for (const ScoredHit& h : ranked) score_of[{h.segment, h.doc}] = h.score;
    std::vector<float> floors = {0.0f};
    for (size_t i = 0; i + 1 < ranked.size(); i += 1 + i / 2) {
      if (ranked[i].score - ranked[i + 1].score > 1e-3f) floors.push_back((ranked[i].score + ranked[i + 1].score) / 2);
    }
    for (float floor : floors) {
      for (size_t k : {1, 10, 100}) {
        for (uint64_t track : {uint64_t{0}, uint64_t{10}, uint64_t{300}, kExactTotalHits}) {
          for (bool doc_at_a_time : {false, true}) {
            SearchOptions o;
            o.size = k;
            o.track_total_hits = track;
            o.doc_at_a_time = doc_at_a_time;
            const SearchResult plain = index_.Run(dsl, o);
            o.page_floor = floor;
            const SearchResult got = index_.Run(dsl, o);
            const std::string what = dsl + " floor=" + std::to_string(floor) + " k=" + std::to_string(k) +
                                     " track=" + std::to_string(track);
            size_t above = 0;
            while (above < plain.hits.size() && plain.hits[above].score > floor) ++above;
            ASSERT_EQ(got.hits.size(), above) << what;
            for (size_t i = 0; i < above; ++i) {
              EXPECT_NEAR(got.hits[i].score, plain.hits[i].score, 1e-4) << what << " rank " << i;
              EXPECT_NEAR(got.hits[i].score, (score_of[{got.hits[i].segment, got.hits[i].doc}]), 1e-4) << what;
            }
            EXPECT_EQ(got.total, plain.total) << what;
            EXPECT_EQ(got.total_relation, plain.total_relation) << what;
            dropped += above < plain.hits.size();
          }
        }
      }
    }
  }
  EXPECT_GT(dropped, 100u);  // the floors did drop hits
}

TEST_F(TopKTest, ExactCountsOfOtherQueriesMatchCount) {
  for (const char* dsl : {R"({"match":{"body":{"query":"w1 w2","operator":"and"}}})",
                          R"({"match_phrase":{"body":"w0 w1"}})", R"({"prefix":{"body":"w1"}})",
                          R"({"bool":{"must":{"term":{"body":"w0"}},"must_not":{"term":{"body":"w3"}}}})",
                          R"({"term":{"body":"w5"}})"}) {
    SearchOptions o;
    o.track_total_hits = kExactTotalHits;
    SearchResult r = index_.Run(dsl, o);
    auto q = index_.ParseQuery(dsl);
    ASSERT_TRUE(q.ok());
    auto stats = index_.Stats();
    auto n = Count(index_.snapshot(), *q.value(), stats);
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(r.total, n.value()) << dsl;
    EXPECT_GT(r.total, 0u) << dsl;
  }
  // The "and" count equals a brute-force intersection.
  auto w1 = BruteForce({"w1"}), w2 = BruteForce({"w2"});
  std::set<std::string> a;
  for (auto& [id, s] : w1) a.insert(id);
  size_t both = 0;
  for (auto& [id, s] : w2) both += a.count(id);
  SearchOptions o;
  o.track_total_hits = kExactTotalHits;
  EXPECT_EQ(index_.Run(R"({"match":{"body":{"query":"w1 w2","operator":"and"}}})", o).total, both);
}

}  // namespace
}  // namespace holdfast::search
