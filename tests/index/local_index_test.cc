// LocalIndex: routing, index-wide statistics across shards, persistence of
// metadata and mapping (index/shard/local_index.h).
#include "index/shard/local_index.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "index/mapping/mapping_parser.h"
#include "index/search/query_parser.h"
#include "tests/support/test_process.h"

namespace holdfast {
namespace {

IndexMetadata Meta(uint32_t shards) {
  IndexMetadata m;
  m.name = "products";
  m.uuid = "uuid-" + std::to_string(shards);
  m.settings.number_of_shards = shards;
  m.settings.refresh_interval = std::chrono::milliseconds(0);
  m.mapping = std::make_shared<const mapping::Mapping>(
      mapping::ParseMapping(R"({"properties":{"title":{"type":"text","analyzer":"english"},"tags":{"type":"keyword"}}})").value());
  return m;
}

std::vector<WriteRequest> Corpus(int n) {
  const char* words[] = {"red", "blue", "shoe", "running", "trail", "boot", "leather", "light", "fast", "warm", "winter", "summer"};
  std::mt19937 rng(42);
  std::vector<WriteRequest> docs;
  for (int i = 0; i < n; ++i) {
    std::string title;
    const int len = 2 + static_cast<int>(rng() % 8);
    for (int k = 0; k < len; ++k) title += std::string(words[rng() % 12]) + " ";
    docs.push_back({WriteOpType::kIndex, "p" + std::to_string(i),
                    R"({"title":")" + title + R"(","tags":")" + words[i % 5] + R"("})", {}, {}});
  }
  return docs;
}

std::vector<std::pair<std::string, float>> RunQuery(const LocalIndex& index, const std::string& query_json, size_t size) {
  search::QueryParser parser(*index.mapping());
  auto q = parser.Parse(query_json);
  EXPECT_TRUE(q.ok()) << q.status().ToString();
  search::SearchOptions o;
  o.size = size;
  o.track_total_hits = search::kExactTotalHits;
  auto r = index.Search(*q.value(), o);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  std::vector<std::pair<std::string, float>> hits;
  for (const IndexHit& h : r->hits) {
    const auto& reader = r->snapshots[h.shard].readers[h.segment];
    hits.emplace_back(std::string(reader->id(h.doc)), h.score);
  }
  return hits;
}

TEST(LocalIndexTest, ScoresAndRankingDoNotDependOnTheShardCount) {
  testing::TempDir tmp;
  LocalIndexOptions options;
  options.background_merges = false;
  auto one = LocalIndex::Create(tmp.Sub("one"), Meta(1), options);
  auto four = LocalIndex::Create(tmp.Sub("four"), Meta(4), options);
  ASSERT_TRUE(one.ok() && four.ok());
  const auto docs = Corpus(400);
  for (const auto& r : (*one)->Write(docs)) ASSERT_TRUE(r.status.ok());
  for (const auto& r : (*four)->Write(docs)) ASSERT_TRUE(r.status.ok());
  ASSERT_TRUE((*one)->Refresh().ok());
  ASSERT_TRUE((*four)->Refresh().ok());
  // Every shard got documents.
  for (uint32_t s = 0; s < 4; ++s) EXPECT_GT((*four)->shard(s).Stats().docs, 50u);
  for (const char* q : {R"({"match":{"title":"red running shoes"}})", R"({"match":{"title":"winter boot"}})",
                        R"({"bool":{"must":{"match":{"title":"leather"}},"filter":{"term":{"tags":"red"}}}})"}) {
    auto a = RunQuery(**one, q, 20), b = RunQuery(**four, q, 20);
    ASSERT_EQ(a.size(), b.size()) << q;
    for (size_t i = 0; i < a.size(); ++i) {
      EXPECT_NEAR(a[i].second, b[i].second, 1e-5) << q << " hit " << i;
      // Equal scores may order differently by internal doc id; the score sequence must match.
    }
  }
  search::QueryParser parser(*(*four)->mapping());
  EXPECT_EQ((*one)->Count(*parser.Parse(R"({"match":{"title":"red"}})").value()).value(),
            (*four)->Count(*parser.Parse(R"({"match":{"title":"red"}})").value()).value());
}

TEST(LocalIndexTest, SameResultsBeforeAndAfterMerges) {
  testing::TempDir tmp;
  LocalIndexOptions options;
  options.background_merges = false;
  auto index = LocalIndex::Create(tmp.Sub("idx"), Meta(2), options);
  ASSERT_TRUE(index.ok());
  const auto docs = Corpus(600);
  for (size_t start = 0; start < docs.size(); start += 100) {  // six flushes: several segments per shard
    std::vector<WriteRequest> part(docs.begin() + static_cast<ptrdiff_t>(start),
                                   docs.begin() + static_cast<ptrdiff_t>(start + 100));
    for (const auto& r : (*index)->Write(part)) ASSERT_TRUE(r.status.ok());
    ASSERT_TRUE((*index)->Flush().ok());
  }
  ASSERT_GE((*index)->Stats().segments, 6u);
  const char* queries[] = {R"({"match":{"title":"red running shoes"}})", R"({"match":{"title":"winter boot"}})",
                           R"({"match_phrase":{"title":"leather boot"}})"};
  auto all_hits = [&](const char* q) {
    auto hits = RunQuery(**index, q, 1000);
    std::sort(hits.begin(), hits.end());
    return hits;
  };
  std::vector<std::vector<std::pair<std::string, float>>> before;
  for (const char* q : queries) before.push_back(all_hits(q));
  ASSERT_TRUE((*index)->ForceMerge(1).ok());
  EXPECT_EQ((*index)->Stats().segments, 2u);
  for (size_t i = 0; i < std::size(queries); ++i) {
    auto after = all_hits(queries[i]);
    ASSERT_EQ(after.size(), before[i].size()) << queries[i];
    ASSERT_GT(after.size(), 0u) << queries[i];
    for (size_t k = 0; k < after.size(); ++k) {
      EXPECT_EQ(after[k].first, before[i][k].first) << queries[i];
      EXPECT_NEAR(after[k].second, before[i][k].second, 1e-5) << queries[i] << " " << after[k].first;
    }
  }
}

TEST(LocalIndexTest, RoutingIsStableAndReopenKeepsMetadataAndDynamicMapping) {
  testing::TempDir tmp;
  LocalIndexOptions options;
  {
    auto index = LocalIndex::Create(tmp.Sub("idx"), Meta(3), options);
    ASSERT_TRUE(index.ok());
    EXPECT_EQ((*index)->ShardOf("p1"), (*index)->ShardOf("p1"));
    auto r = (*index)->Write({{WriteOpType::kIndex, "a", R"({"title":"x","color":"red"})", {}, {}},
                              {WriteOpType::kIndex, "b", R"({"title":"y"})", {}, {}}});
    ASSERT_TRUE(r[0].status.ok() && r[1].status.ok());
    EXPECT_EQ(LocalIndex::Create(tmp.Sub("idx"), Meta(3), options).status().code(), StatusCode::kAlreadyExists);
    ASSERT_TRUE((*index)->Close().ok());
  }
  auto index = LocalIndex::Open(tmp.Sub("idx"), options);
  ASSERT_TRUE(index.ok()) << index.status().ToString();
  EXPECT_EQ((*index)->name(), "products");
  EXPECT_EQ((*index)->num_shards(), 3u);
  ASSERT_NE((*index)->mapping()->Find("color"), nullptr);  // dynamic field persisted
  EXPECT_TRUE((*index)->Get("a")->found);
  EXPECT_EQ((*index)->Stats().docs, 2u);
}

}  // namespace
}  // namespace holdfast
