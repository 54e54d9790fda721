// The sketches behind the cardinality and percentiles aggregations
// (index/search/sketches.h): exact below the threshold or while few values
// are seen, within the documented error past it, and the same answer
// however the values were split and merged or shipped as their parts.
#include "index/search/sketches.h"

#include <gtest/gtest.h>
#include <xxhash.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <vector>

namespace holdfast::search {
namespace {

uint64_t Hash(uint64_t i) { return XXH3_64bits(&i, sizeof i); }

TEST(CardinalitySketchTest, ExactUpToTheThresholdWhateverTheRepeats) {
  CardinalitySketch s(3000);
  for (int round = 0; round < 3; ++round) {
    for (uint64_t i = 0; i < 3000; ++i) s.AddHash(Hash(i));
  }
  EXPECT_TRUE(s.exact());
  EXPECT_EQ(s.Estimate(), 3000u);
}

TEST(CardinalitySketchTest, PastTheThresholdWithinTwoPercent) {
  for (uint64_t n : {5'000u, 100'000u, 1'000'000u}) {
    CardinalitySketch s(1000);
    for (uint64_t i = 0; i < n; ++i) s.AddHash(Hash(i));
    EXPECT_FALSE(s.exact());
    EXPECT_NEAR(static_cast<double>(s.Estimate()), static_cast<double>(n), 0.02 * static_cast<double>(n)) << n;
  }
}

TEST(CardinalitySketchTest, MergingCountsTheUnionAndTheWireFormKeepsIt) {
  // Two shards with overlapping values: 0..60k and 40k..100k.
  CardinalitySketch a(3000), b(3000), small(3000);
  for (uint64_t i = 0; i < 60'000; ++i) a.AddHash(Hash(i));
  for (uint64_t i = 40'000; i < 100'000; ++i) b.AddHash(Hash(i));
  for (uint64_t i = 0; i < 10; ++i) small.AddHash(Hash(1'000'000 + i));
  CardinalitySketch merged = CardinalitySketch::FromParts(a.threshold(), a.Hashes(), a.registers());
  merged.Merge(CardinalitySketch::FromParts(b.threshold(), b.Hashes(), b.registers()));
  merged.Merge(CardinalitySketch::FromParts(small.threshold(), small.Hashes(), small.registers()));
  EXPECT_NEAR(static_cast<double>(merged.Estimate()), 100'010.0, 2'000.0);
  // An exact sketch merged with another stays exact while under the threshold.
  CardinalitySketch x(100), y(100);
  for (uint64_t i = 0; i < 60; ++i) x.AddHash(Hash(i));
  for (uint64_t i = 30; i < 90; ++i) y.AddHash(Hash(i));
  x.Merge(y);
  EXPECT_TRUE(x.exact());
  EXPECT_EQ(x.Estimate(), 90u);
  y.Merge(CardinalitySketch::FromParts(100, {}, std::string()));
  EXPECT_EQ(y.Estimate(), 60u);
}

TEST(PercentileDigestTest, FewValuesGiveExactOrderStatistics) {
  PercentileDigest d;
  EXPECT_TRUE(std::isnan(d.Quantile(0.5)));
  for (int v = 100; v >= 1; --v) d.Add(v);
  EXPECT_EQ(d.count(), 100u);
  EXPECT_DOUBLE_EQ(d.Quantile(0.5), 50.5);  // between the 50th and the 51st value
  EXPECT_DOUBLE_EQ(d.Quantile(0.0), 1.0);
  EXPECT_DOUBLE_EQ(d.Quantile(1.0), 100.0);
  EXPECT_DOUBLE_EQ(d.Quantile(0.25), 25.5);
  PercentileDigest one;
  one.Add(7);
  EXPECT_DOUBLE_EQ(one.Quantile(0.99), 7.0);
}

TEST(PercentileDigestTest, ManyValuesWithinAQuarterOfAPercentAndBoundedSize) {
  std::vector<double> values(200'000);
  std::iota(values.begin(), values.end(), 1.0);
  std::mt19937 rng(7);
  std::shuffle(values.begin(), values.end(), rng);
  PercentileDigest whole, left, right;
  for (size_t i = 0; i < values.size(); ++i) {
    whole.Add(values[i]);
    (i % 3 == 0 ? left : right).Add(values[i]);
  }
  PercentileDigest merged = PercentileDigest::FromParts(left.compression(), left.Centroids(), left.min(), left.max());
  merged.Merge(PercentileDigest::FromParts(right.compression(), right.Centroids(), right.min(), right.max()));
  EXPECT_LT(whole.Centroids().size(), 400u);
  for (const PercentileDigest* d : {&whole, &merged}) {
    EXPECT_EQ(d->count(), values.size());
    for (double q : {0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99}) {
      EXPECT_NEAR(d->Quantile(q), q * 200'000, 500) << q;  // 0.25 % of the range
    }
    EXPECT_DOUBLE_EQ(d->Quantile(0), 1.0);
    EXPECT_DOUBLE_EQ(d->Quantile(1), 200'000.0);
  }
}

}  // namespace
}  // namespace holdfast::search
