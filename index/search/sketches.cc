#include "index/search/sketches.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <numbers>

namespace holdfast::search {

namespace {

constexpr uint32_t kRegisters = 1u << CardinalitySketch::kPrecision;

// A digest buffers this many values per unit of compression before merging.
constexpr size_t kBufferFactor = 5;

}  // namespace

void CardinalitySketch::AddHash(uint64_t hash) {
  if (!registers_.empty()) {
    AddToRegisters(hash);
    return;
  }
  exact_.insert(hash);
  if (exact_.size() > threshold_) SwitchToRegisters();
}

void CardinalitySketch::AddToRegisters(uint64_t hash) {
  const uint32_t index = static_cast<uint32_t>(hash >> (64 - kPrecision));
  // The rank of the first 1 bit of the remaining bits (a guard bit bounds it).
  const uint64_t rest = (hash << kPrecision) | (uint64_t{1} << (kPrecision - 1));
  const auto rank = static_cast<char>(std::countl_zero(rest) + 1);
  if (registers_[index] < rank) registers_[index] = rank;
}

void CardinalitySketch::SwitchToRegisters() {
  registers_.assign(kRegisters, 0);
  for (uint64_t h : exact_) AddToRegisters(h);
  exact_.clear();
  exact_.rehash(0);
}

void CardinalitySketch::Merge(const CardinalitySketch& other) {
  threshold_ = std::max(threshold_, other.threshold_);
  if (other.registers_.empty()) {
    for (uint64_t h : other.exact_) AddHash(h);
    return;
  }
  if (registers_.empty()) SwitchToRegisters();
  for (uint32_t i = 0; i < kRegisters; ++i) registers_[i] = std::max(registers_[i], other.registers_[i]);
}

uint64_t CardinalitySketch::Estimate() const {
  if (registers_.empty()) return exact_.size();
  const double m = kRegisters;
  double sum = 0;
  uint32_t zeros = 0;
  for (char r : registers_) {
    sum += std::ldexp(1.0, -r);
    zeros += r == 0;
  }
  const double alpha = 0.7213 / (1 + 1.079 / m);
  double estimate = alpha * m * m / sum;
  // Few registers set: linear counting is the better estimate.
  if (estimate <= 2.5 * m && zeros > 0) estimate = m * std::log(m / zeros);
  return static_cast<uint64_t>(std::llround(estimate));
}

CardinalitySketch CardinalitySketch::FromParts(uint32_t threshold, const std::vector<uint64_t>& hashes,
                                               std::string registers) {
  CardinalitySketch s(threshold);
  if (registers.size() == kRegisters) {
    s.registers_ = std::move(registers);
  } else {
    for (uint64_t h : hashes) s.AddHash(h);
  }
  return s;
}

void PercentileDigest::Add(double value) {
  if (std::isnan(value)) return;
  if (count_ == 0) {
    min_ = max_ = value;
  } else {
    min_ = std::min(min_, value);
    max_ = std::max(max_, value);
  }
  ++count_;
  buffer_.push_back(value);
  if (buffer_.size() >= kBufferFactor * static_cast<size_t>(compression_)) Compress();
}

void PercentileDigest::Merge(const PercentileDigest& other) {
  if (other.count_ == 0) return;
  if (count_ == 0) {
    min_ = other.min_;
    max_ = other.max_;
  } else {
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
  }
  count_ += other.count_;
  Compress();
  const std::vector<Centroid>& theirs = other.Centroids();
  centroids_.insert(centroids_.end(), theirs.begin(), theirs.end());
  std::sort(centroids_.begin(), centroids_.end(), [](const Centroid& a, const Centroid& b) { return a.mean < b.mean; });
  Compress();
}

const std::vector<PercentileDigest::Centroid>& PercentileDigest::Centroids() const {
  Compress();
  return centroids_;
}

// Merges the buffer into the centroids: in mean order, neighbours join while
// the joined centroid spans at most one unit of the scale function
// k(q) = compression / (2 pi) * asin(2q - 1), small at the tails (where
// centroids stay small and quantiles precise) and large in the middle.
void PercentileDigest::Compress() const {
  if (!buffer_.empty()) {
    for (double v : buffer_) centroids_.push_back({v, 1});
    buffer_.clear();
    std::sort(centroids_.begin(), centroids_.end(), [](const Centroid& x, const Centroid& y) { return x.mean < y.mean; });
  }
  if (centroids_.size() < 2) return;
  double total = 0;
  for (const Centroid& c : centroids_) total += c.weight;
  auto k = [&](double q) { return compression_ / (2 * std::numbers::pi) * std::asin(2 * q - 1); };
  std::vector<Centroid> out;
  out.reserve(centroids_.size());
  Centroid current = centroids_[0];
  double before = 0;  // weight of the centroids emitted
  double k_left = k(0);
  for (size_t i = 1; i < centroids_.size(); ++i) {
    const Centroid& next = centroids_[i];
    const double q_right = std::min(1.0, (before + current.weight + next.weight) / total);
    if (k(q_right) - k_left <= 1) {
      const double w = current.weight + next.weight;
      current.mean += (next.mean - current.mean) * next.weight / w;
      current.weight = w;
    } else {
      before += current.weight;
      k_left = k(std::min(1.0, before / total));
      out.push_back(current);
      current = next;
    }
  }
  out.push_back(current);
  centroids_ = std::move(out);
}

// Each centroid sits at the middle of its weight on the [0, count] axis;
// between two centres the value is interpolated linearly, and from the
// first and last centres to the minimum and maximum.
double PercentileDigest::Quantile(double q) const {
  if (count_ == 0) return std::numeric_limits<double>::quiet_NaN();
  const std::vector<Centroid>& c = Centroids();
  if (c.size() == 1 || q <= 0) return q <= 0 ? min_ : c[0].mean;
  if (q >= 1) return max_;
  double total = 0;
  for (const Centroid& x : c) total += x.weight;
  const double index = q * total;
  double centre = c[0].weight / 2;
  if (index <= centre) {
    if (c[0].weight <= 1) return c[0].mean;
    return min_ + (c[0].mean - min_) * index / centre;
  }
  for (size_t i = 0; i + 1 < c.size(); ++i) {
    const double next_centre = centre + (c[i].weight + c[i + 1].weight) / 2;
    if (index <= next_centre) {
      return c[i].mean + (c[i + 1].mean - c[i].mean) * (index - centre) / (next_centre - centre);
    }
    centre = next_centre;
  }
  const Centroid& last = c.back();
  if (last.weight <= 1) return last.mean;
  return last.mean + (max_ - last.mean) * (index - centre) / (total - centre);
}

PercentileDigest PercentileDigest::FromParts(double compression, std::vector<Centroid> centroids, double min,
                                             double max) {
  PercentileDigest d(compression > 0 ? compression : kDefaultCompression);
  double total = 0;
  for (const Centroid& c : centroids) total += c.weight;
  d.count_ = static_cast<uint64_t>(std::llround(total));
  d.centroids_ = std::move(centroids);
  if (d.count_ > 0) d.min_ = min, d.max_ = max;
  return d;
}

}  // namespace holdfast::search
