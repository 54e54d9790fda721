// Sketches of the approximate metric aggregations, mergeable in any order
// across segments, shards and nodes:
//
//   CardinalitySketch  distinct values (Elasticsearch's `cardinality`): the
//                      64-bit hashes of the values, kept exactly up to
//                      `threshold` distinct ones (the count is then exact but
//                      for hash collisions), past it a HyperLogLog of 2^14
//                      six-bit registers (standard error ~0.8 %), with linear
//                      counting while registers are empty.
//   PercentileDigest   quantiles (`percentiles`): a merging t-digest (Dunning)
//                      with the arcsine scale function; every value is its
//                      own centroid while a few hundred are seen, so small
//                      sets give exact order statistics, interpolated
//                      linearly between neighbouring values.
//
// Plain values: build on one thread, hand over, merge on another.
#pragma once

#include <absl/container/flat_hash_set.h>

#include <cstdint>
#include <string>
#include <vector>

namespace holdfast::search {

class CardinalitySketch {
 public:
  static constexpr uint32_t kDefaultThreshold = 3000;  // Elasticsearch's precision_threshold
  static constexpr uint32_t kMaxThreshold = 40000;
  static constexpr int kPrecision = 14;                 // 2^14 registers

  explicit CardinalitySketch(uint32_t threshold = kDefaultThreshold) : threshold_(threshold) {}

  void AddHash(uint64_t hash);
  void Merge(const CardinalitySketch& other);
  uint64_t Estimate() const;

  // The wire form: the exact hashes, or (past the threshold) the registers.
  uint32_t threshold() const { return threshold_; }
  bool exact() const { return registers_.empty(); }
  std::vector<uint64_t> Hashes() const { return {exact_.begin(), exact_.end()}; }
  const std::string& registers() const { return registers_; }
  static CardinalitySketch FromParts(uint32_t threshold, const std::vector<uint64_t>& hashes, std::string registers);

 private:
  void AddToRegisters(uint64_t hash);
  void SwitchToRegisters();

  uint32_t threshold_;
  absl::flat_hash_set<uint64_t> exact_;
  std::string registers_;  // 2^kPrecision bytes once past the threshold
};

class PercentileDigest {
 public:
  static constexpr double kDefaultCompression = 100;  // Elasticsearch's tdigest.compression

  explicit PercentileDigest(double compression = kDefaultCompression) : compression_(compression) {}

  void Add(double value);
  void Merge(const PercentileDigest& other);
  // The value at quantile q in [0, 1]; NaN when no value was added.
  double Quantile(double q) const;
  uint64_t count() const { return count_; }

  struct Centroid {
    double mean = 0;
    double weight = 0;
  };
  // The wire form (after merging what is buffered).
  double compression() const { return compression_; }
  const std::vector<Centroid>& Centroids() const;
  double min() const { return min_; }
  double max() const { return max_; }
  static PercentileDigest FromParts(double compression, std::vector<Centroid> centroids, double min, double max);

 private:
  void Compress() const;

  double compression_;
  uint64_t count_ = 0;
  double min_ = 0, max_ = 0;  // valid when count() > 0
  mutable std::vector<Centroid> centroids_;  // by mean
  mutable std::vector<double> buffer_;       // added, not yet merged into centroids_
};

}  // namespace holdfast::search
