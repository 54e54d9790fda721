// Events and recommendations in process (index/recommend/): co-occurrence
// and its normalization on a hand-made log, the personalized score, events
// through the op log surviving a reopen, exclusion and filters, identical
// results for 1 and 4 shards, popularity decay, event parsing, and the
// merge operators' arithmetic.
#include "index/recommend/recommender.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "index/mapping/mapping_parser.h"
#include "index/recommend/event.h"
#include "index/search/match_all_query.h"
#include "index/search/query_parser.h"
#include "index/shard/event_merge_operators.h"
#include "index/shard/local_index.h"
#include "tests/support/test_process.h"

namespace holdfast {
namespace {

using recommend::Event;
using recommend::EventType;
using recommend::RecommendRequest;

constexpr int64_t kDay = 24LL * 3600 * 1000;
constexpr int64_t kT0 = 1'700'000'000'000;  // an arbitrary epoch ms

IndexMetadata Meta(uint32_t shards, const std::string& uuid = "u") {
  IndexMetadata m;
  m.name = "shop";
  m.uuid = uuid + std::to_string(shards);
  m.settings.number_of_shards = shards;
  m.settings.refresh_interval = std::chrono::milliseconds(0);
  m.mapping = std::make_shared<const mapping::Mapping>(
      mapping::ParseMapping(R"({"properties":{"title":{"type":"text"},"category":{"type":"keyword"}}})").value());
  return m;
}

std::unique_ptr<LocalIndex> Create(const std::string& dir, uint32_t shards, const std::string& uuid = "u") {
  auto index = LocalIndex::Create(dir, Meta(shards, uuid), {});
  EXPECT_TRUE(index.ok()) << index.status().ToString();
  return std::move(index).value();
}

// Item documents "A".."Z"-style ids with a category each.
void AddItems(LocalIndex& index, const std::vector<std::pair<std::string, std::string>>& items) {
  std::vector<WriteRequest> reqs;
  for (const auto& [id, category] : items) {
    reqs.push_back({WriteOpType::kIndex, id, R"({"title":"item )" + id + R"(","category":")" + category + R"("})", {}, {}});
  }
  for (const WriteResult& r : index.Write(reqs)) ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  ASSERT_TRUE(index.Refresh().ok());
}

Event Buy(const std::string& user, const std::string& item, int64_t ts, EventType type = EventType::kPurchase) {
  return Event{user, item, type, ts, 1.0};
}

void Ingest(LocalIndex& index, const std::vector<Event>& events) {
  for (const Status& s : index.recommender().Ingest(events, nullptr)) ASSERT_TRUE(s.ok()) << s.ToString();
}

std::vector<std::pair<std::string, double>> Items(const recommend::RecommendResult& r) {
  std::vector<std::pair<std::string, double>> out;
  for (const auto& x : r.items) out.emplace_back(x.item, x.score);
  return out;
}

RecommendRequest ForItem(const std::string& item, size_t size = 10) {
  RecommendRequest r;
  r.item = item;
  r.size = size;
  r.fallback_popular = false;
  r.now_ms = kT0 + 10 * kDay;
  return r;
}

RecommendRequest ForUser(const std::string& user, size_t size = 10) {
  RecommendRequest r;
  r.user = user;
  r.size = size;
  r.fallback_popular = false;
  r.now_ms = kT0 + 10 * kDay;
  return r;
}

// u1 has A B C, u2 has A B, u3 has A D (one basket each, distinct times):
//   C(A,B) = 2, C(A,C) = C(A,D) = C(B,C) = 1; U(A) = 3, U(B) = 2, U(C) = U(D) = 1
//   S(A,j) = C(A,j) / sqrt(U(A) U(j)) (alpha = 0.5)
TEST(RecommendTest, CooccurrenceAndCosineNormalizationAreExact) {
  testing::TempDir tmp;
  auto index = Create(tmp.Sub("i"), 1);
  AddItems(*index, {{"A", "x"}, {"B", "x"}, {"C", "y"}, {"D", "y"}});
  Ingest(*index, {Buy("u1", "A", kT0), Buy("u1", "B", kT0 + 1), Buy("u1", "C", kT0 + 2), Buy("u2", "A", kT0 + 3),
                  Buy("u2", "B", kT0 + 4), Buy("u3", "A", kT0 + 5), Buy("u3", "D", kT0 + 6)});
  auto r = index->recommender().Recommend(ForItem("A"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  auto items = Items(*r);
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0].first, "B");
  EXPECT_NEAR(items[0].second, 2.0 / std::sqrt(3.0 * 2.0), 1e-12);
  // C and D tie on S = 1/sqrt(3); the tie goes to popularity: D was
  // bought more recently, so it has decayed less.
  EXPECT_EQ(items[1].first, "D");
  EXPECT_EQ(items[2].first, "C");
  EXPECT_NEAR(items[1].second, 1.0 / std::sqrt(3.0), 1e-12);
  EXPECT_NEAR(items[2].second, 1.0 / std::sqrt(3.0), 1e-12);
  // From B's side: C(B,A) = 2, C(B,C) = 1 → S(B,A) = 2/sqrt(6), S(B,C) = 1/sqrt(2).
  auto b = index->recommender().Recommend(ForItem("B"));
  ASSERT_TRUE(b.ok());
  auto bi = Items(*b);
  ASSERT_EQ(bi.size(), 2u);
  EXPECT_EQ(bi[0].first, "A");
  EXPECT_NEAR(bi[0].second, 2.0 / std::sqrt(6.0), 1e-12);
  EXPECT_EQ(bi[1].first, "C");
  EXPECT_NEAR(bi[1].second, 1.0 / std::sqrt(2.0), 1e-12);
  // The bestseller A does not dominate C's neighbours through raw counts:
  // C co-occurs once with A (U=3) and once with B (U=2): B first.
  auto c = index->recommender().Recommend(ForItem("C"));
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(Items(*c).size(), 2u);
  EXPECT_EQ(Items(*c)[0].first, "B");
}

// Repeat purchases: own(i) = c / (n + K), n = baskets since i entered the history.
TEST(RecommendTest, PersonalizedScoreIsTheSmoothedRepeatRate) {
  testing::TempDir tmp;
  auto index = Create(tmp.Sub("i"), 1);
  AddItems(*index, {{"A", "x"}, {"B", "x"}, {"C", "y"}});
  // Baskets: t0 {A}, t1 {B, B-duplicate line}, t2 {A}; B_u = 3.
  Ingest(*index, {Buy("u", "A", kT0), Buy("u", "B", kT0 + kDay), Buy("u", "B", kT0 + kDay), Buy("u", "A", kT0 + 2 * kDay)});
  auto h = index->recommender().History("u");
  ASSERT_TRUE(h.ok() && h->has_value());
  EXPECT_EQ((*h)->baskets, 3u);
  RecommendRequest req = ForUser("u");
  req.popularity_weight = 0;
  auto r = index->recommender().Recommend(req);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  auto items = Items(*r);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].first, "A");
  EXPECT_NEAR(items[0].second, 2.0 / (3.0 + 3.0), 1e-12);  // c = 2, n = 3
  EXPECT_EQ(items[1].first, "B");
  EXPECT_NEAR(items[1].second, 1.0 / (2.0 + 3.0), 1e-12);  // c = 1 (duplicate line once), n = 2
  EXPECT_EQ(r->items[0].source, "history");
}

TEST(RecommendTest, ExcludedItemsNeverAppearAndFiltersAreHonoured) {
  testing::TempDir tmp;
  auto index = Create(tmp.Sub("i"), 2);
  std::vector<std::pair<std::string, std::string>> catalogue;
  for (int i = 0; i < 30; ++i) catalogue.push_back({"p" + std::to_string(i), i % 2 == 0 ? "even" : "odd"});
  AddItems(*index, catalogue);
  std::vector<Event> events;
  std::mt19937 rng(7);
  for (int u = 0; u < 40; ++u) {
    for (int k = 0; k < 8; ++k) {
      events.push_back(Buy("u" + std::to_string(u), "p" + std::to_string(rng() % 30), kT0 + (u * 8 + k) * 60000));
    }
  }
  Ingest(*index, events);
  search::QueryParser parser(*index->mapping());
  auto even = parser.Parse(R"({"term":{"category":"even"}})");
  ASSERT_TRUE(even.ok());
  LocalIndex* idx = index.get();
  const search::Query* q = even.value().get();
  for (int u = 0; u < 40; ++u) {
    const std::string user = "u" + std::to_string(u);
    auto h = index->recommender().History(user);
    ASSERT_TRUE(h.ok() && h->has_value());
    RecommendRequest req = ForUser(user);
    req.exclude_seen = true;
    req.exclude = {"p1", "p2"};
    req.fallback_popular = true;
    req.filter = [idx, q](const std::vector<std::string>& ids) { return idx->MatchingIds(*q, ids); };
    auto r = index->recommender().Recommend(req);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_FALSE(r->items.empty());
    for (const auto& item : r->items) {
      EXPECT_EQ((*h)->Find(item.item), nullptr) << user << " already has " << item.item;
      EXPECT_NE(item.item, "p1");
      EXPECT_NE(item.item, "p2");
      const int n = std::stoi(item.item.substr(1));
      EXPECT_EQ(n % 2, 0) << item.item << " does not pass the filter";
    }
  }
  // Item requests never return the item itself.
  for (int i = 0; i < 30; ++i) {
    auto r = index->recommender().Recommend(ForItem("p" + std::to_string(i)));
    ASSERT_TRUE(r.ok());
    for (const auto& item : r->items) EXPECT_NE(item.item, "p" + std::to_string(i));
  }
}

TEST(RecommendTest, OneAndFourShardsGiveIdenticalResults) {
  testing::TempDir tmp;
  auto one = Create(tmp.Sub("one"), 1, "a");
  auto four = Create(tmp.Sub("four"), 4, "b");
  std::vector<std::pair<std::string, std::string>> catalogue;
  for (int i = 0; i < 60; ++i) catalogue.push_back({"p" + std::to_string(i), "c" + std::to_string(i % 3)});
  AddItems(*one, catalogue);
  AddItems(*four, catalogue);
  std::vector<Event> events;
  std::mt19937 rng(11);
  for (int step = 0; step < 3000; ++step) {
    const int u = static_cast<int>(rng() % 80);
    // Skewed item choice so that counts and ties vary.
    const int item = static_cast<int>((rng() % 60) * (rng() % 60) / 60);
    const auto type = static_cast<EventType>(rng() % 3);
    events.push_back(Buy("u" + std::to_string(u), "p" + std::to_string(item), kT0 + step * 3600000LL / 4, type));
  }
  for (size_t begin = 0; begin < events.size(); begin += 250) {
    std::vector<Event> batch(events.begin() + static_cast<std::ptrdiff_t>(begin),
                             events.begin() + static_cast<std::ptrdiff_t>(std::min(events.size(), begin + 250)));
    Ingest(*one, batch);
    Ingest(*four, batch);
  }
  auto with_filter = [](LocalIndex* idx, RecommendRequest r) {
    r.filter = [idx](const std::vector<std::string>& ids) {
      return idx->MatchingIds(search::MatchAllQuery(), ids);
    };
    r.explain = true;
    return r;
  };
  for (int u = 0; u < 80; ++u) {
    RecommendRequest req = ForUser("u" + std::to_string(u));
    req.fallback_popular = true;
    auto a = one->recommender().Recommend(with_filter(one.get(), req));
    auto b = four->recommender().Recommend(with_filter(four.get(), req));
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(Items(*a), Items(*b)) << "user u" << u;
  }
  int nonempty = 0;
  for (int i = 0; i < 60; ++i) {
    RecommendRequest req = ForItem("p" + std::to_string(i));
    auto a = one->recommender().Recommend(with_filter(one.get(), req));
    auto b = four->recommender().Recommend(with_filter(four.get(), req));
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(Items(*a), Items(*b)) << "item p" << i;
    if (one->recommender().Popularity("p" + std::to_string(i), kT0 + 10 * kDay)) nonempty += !Items(*a).empty();
  }
  EXPECT_GT(nonempty, 30);
}

TEST(RecommendTest, EventsSurviveReopenThroughTheStore) {
  testing::TempDir tmp;
  std::vector<std::pair<std::string, double>> before_item, before_user;
  {
    auto index = Create(tmp.Sub("i"), 2);
    AddItems(*index, {{"A", "x"}, {"B", "x"}, {"C", "y"}});
    Ingest(*index, {Buy("u1", "A", kT0), Buy("u1", "B", kT0 + 1), Buy("u2", "A", kT0 + 2), Buy("u2", "C", kT0 + 3),
                    Buy("u2", "A", kT0 + kDay)});
    before_item = Items(index->recommender().Recommend(ForItem("A")).value());
    before_user = Items(index->recommender().Recommend(ForUser("u2")).value());
    ASSERT_TRUE(index->Close().ok());
  }
  auto reopened = LocalIndex::Open(tmp.Sub("i"), {});
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  EXPECT_EQ(Items((*reopened)->recommender().Recommend(ForItem("A")).value()), before_item);
  EXPECT_EQ(Items((*reopened)->recommender().Recommend(ForUser("u2")).value()), before_user);
  EXPECT_FALSE(before_item.empty());
  EXPECT_FALSE(before_user.empty());
  // Popularity (in-memory mirror) was reloaded too.
  EXPECT_TRUE((*reopened)->recommender().Popularity("A", kT0 + kDay).has_value());
}

TEST(RecommendTest, PopularityHalvesEveryHalfLifeAndDuplicateLinesCountOnce) {
  testing::TempDir tmp;
  auto index = Create(tmp.Sub("i"), 1);
  const auto& s = index->recommender().settings();
  const double w = s.weights[static_cast<size_t>(EventType::kPurchase)];
  Ingest(*index, {Buy("u1", "A", kT0), Buy("u1", "A", kT0), Buy("u2", "A", kT0), Buy("u2", "B", kT0)});
  auto a = index->recommender().Popularity("A", kT0);
  ASSERT_TRUE(a.has_value());
  EXPECT_NEAR(*a, 2 * w, 1e-9);  // two users; u1's duplicate line counted once
  EXPECT_NEAR(*index->recommender().Popularity("A", kT0 + s.popularity_half_life_ms), w, 1e-9);
  EXPECT_NEAR(*index->recommender().Popularity("A", kT0 + 2 * s.popularity_half_life_ms), w / 2, 1e-9);
  EXPECT_FALSE(index->recommender().Popularity("Z", kT0).has_value());
}

TEST(RecommendTest, MalformedEventsAreRefusedWithAReason) {
  Event e;
  EXPECT_TRUE(recommend::ParseEvent(R"({"user":"u","item":"i","type":"view"})", 5, &e).ok());
  EXPECT_EQ(e.ts_ms, 5);  // no ts: now
  EXPECT_TRUE(recommend::ParseEvent(R"({"user":12,"item":"i","type":"cart","ts":"2011-01-02T03:04:05Z"})", 5, &e).ok());
  EXPECT_EQ(e.user, "12");
  EXPECT_EQ(e.ts_ms, 1293937445000);
  struct Case {
    const char* json;
    const char* reason;
  } bad[] = {
      {R"({"item":"i","type":"view"})", "missing [user]"},
      {R"({"user":"u","type":"view"})", "missing [item]"},
      {R"({"user":"u","item":"i"})", "missing [type]"},
      {R"({"user":"u","item":"i","type":"like"})", "unknown event type [like]"},
      {R"({"user":"u","item":"i","type":"view","ts":"yesterday"})", "failed to parse [ts]"},
      {R"({"user":"u","item":"i","type":"view","ts":-5})", "[ts]"},
      {R"({"user":"","item":"i","type":"view"})", "[user] must be a non-empty string"},
      {R"({"user":"u","item":"i","type":"view","color":"red"})", "unknown event field [color]"},
      {R"([1,2])", "must be a JSON object"},
  };
  for (const Case& c : bad) {
    Status s = recommend::ParseEvent(c.json, 0, &e);
    ASSERT_FALSE(s.ok()) << c.json;
    EXPECT_NE(s.message().find(c.reason), std::string::npos) << c.json << " → " << s.ToString();
    EXPECT_TRUE(s.kind() == StatusCode::kInvalidArgument || s.kind() == StatusCode::kParse) << s.ToString();
  }
  auto items = recommend::SplitEventBody("{\"a\":1}\n\n{\"b\":2}\n");
  ASSERT_TRUE(items.ok());
  EXPECT_EQ(items->size(), 2u);
  auto array = recommend::SplitEventBody(R"([{"a":1}, 3, {"b":2}])");
  ASSERT_TRUE(array.ok());
  ASSERT_EQ(array->size(), 3u);
  EXPECT_FALSE((*array)[1].error.ok());
}

TEST(RecommendTest, MergeOperatorArithmetic) {
  // Sparse rows add by name and drop zeros.
  SparseRow a = {{"x", 2}, {"y", -1}};
  SparseRow b = {{"w", 5}, {"y", 1}, {"z", 3}};
  SparseRow sum = AddSparseRows(a, b);
  EXPECT_EQ(sum, (SparseRow{{"w", 5}, {"x", 2}, {"z", 3}}));
  SparseRow back;
  ASSERT_TRUE(DecodeSparseRow(EncodeSparseRow(sum), &back));
  EXPECT_EQ(back, sum);
  EXPECT_FALSE(DecodeSparseRow("\x05", &back));  // truncated
  // Decayed counts: merging decays to the later time; order does not matter.
  DecayedCounts x{0, 1000, {4.0}}, y{2000, 1000, {1.0}};
  DecayedCounts xy = MergeDecayedCounts(x, y), yx = MergeDecayedCounts(y, x);
  EXPECT_EQ(xy.ref_ms, 2000);
  EXPECT_NEAR(xy.counts[0], 4.0 / 4 + 1.0, 1e-12);
  EXPECT_NEAR(yx.counts[0], xy.counts[0], 1e-12);
  std::vector<int64_t> v;
  ASSERT_TRUE(DecodeInt64Vector(EncodeInt64Vector({-3, 1LL << 40}), &v));
  EXPECT_EQ(v, (std::vector<int64_t>{-3, 1LL << 40}));
}

}  // namespace
}  // namespace holdfast
