#include "index/shard/event_merge_operators.h"

#include <rocksdb/merge_operator.h>
#include <rocksdb/slice.h>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace holdfast {

namespace {

void PutFixed64(std::string* out, uint64_t v) {
  char buf[8];
  for (int i = 0; i < 8; ++i) buf[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  out->append(buf, 8);
}

uint64_t GetFixed64(const char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

class Int64VectorAddOperator final : public rocksdb::AssociativeMergeOperator {
 public:
  bool Merge(const rocksdb::Slice& /*key*/, const rocksdb::Slice* existing, const rocksdb::Slice& value,
             std::string* out, rocksdb::Logger* /*logger*/) const override {
    if (value.size() % 8 != 0 || (existing != nullptr && existing->size() % 8 != 0)) return false;
    if (existing == nullptr) {
      out->assign(value.data(), value.size());
      return true;
    }
    const size_t n = std::max(existing->size(), value.size()) / 8;
    out->clear();
    out->reserve(n * 8);
    for (size_t i = 0; i < n; ++i) {
      uint64_t a = i * 8 < existing->size() ? GetFixed64(existing->data() + i * 8) : 0;
      uint64_t b = i * 8 < value.size() ? GetFixed64(value.data() + i * 8) : 0;
      PutFixed64(out, a + b);  // two's complement: wraps like int64 addition
    }
    return true;
  }
  const char* Name() const override { return "holdfast.Int64VectorAdd"; }
};

class DecayedCountsOperator final : public rocksdb::AssociativeMergeOperator {
 public:
  bool Merge(const rocksdb::Slice& /*key*/, const rocksdb::Slice* existing, const rocksdb::Slice& value,
             std::string* out, rocksdb::Logger* /*logger*/) const override {
    DecayedCounts b;
    if (!DecodeDecayedCounts(std::string_view(value.data(), value.size()), &b)) return false;
    if (existing == nullptr) {
      out->assign(value.data(), value.size());
      return true;
    }
    DecayedCounts a;
    if (!DecodeDecayedCounts(std::string_view(existing->data(), existing->size()), &a)) return false;
    *out = EncodeDecayedCounts(MergeDecayedCounts(a, b));
    return true;
  }
  const char* Name() const override { return "holdfast.DecayedCounts"; }
};

}  // namespace

std::shared_ptr<rocksdb::MergeOperator> NewInt64VectorAddOperator() {
  return std::make_shared<Int64VectorAddOperator>();
}

std::shared_ptr<rocksdb::MergeOperator> NewDecayedCountsOperator() {
  return std::make_shared<DecayedCountsOperator>();
}

std::string EncodeInt64Vector(const std::vector<int64_t>& v) {
  std::string out;
  out.reserve(v.size() * 8);
  for (int64_t x : v) PutFixed64(&out, static_cast<uint64_t>(x));
  return out;
}

bool DecodeInt64Vector(std::string_view in, std::vector<int64_t>* out) {
  if (in.size() % 8 != 0) return false;
  out->resize(in.size() / 8);
  for (size_t i = 0; i < out->size(); ++i) (*out)[i] = static_cast<int64_t>(GetFixed64(in.data() + i * 8));
  return true;
}

double DecayFactor(int64_t elapsed_ms, int64_t half_life_ms) {
  if (elapsed_ms <= 0 || half_life_ms <= 0) return 1.0;
  return std::exp2(-static_cast<double>(elapsed_ms) / static_cast<double>(half_life_ms));
}

std::vector<double> DecayedCounts::At(int64_t at_ms) const {
  std::vector<double> out = counts;
  const double f = DecayFactor(at_ms - ref_ms, half_life_ms);
  for (double& c : out) c *= f;
  return out;
}

std::string EncodeDecayedCounts(const DecayedCounts& c) {
  std::string out;
  out.reserve(16 + 8 * c.counts.size());
  PutFixed64(&out, static_cast<uint64_t>(c.ref_ms));
  PutFixed64(&out, static_cast<uint64_t>(c.half_life_ms));
  for (double d : c.counts) {
    uint64_t bits;
    std::memcpy(&bits, &d, 8);
    PutFixed64(&out, bits);
  }
  return out;
}

bool DecodeDecayedCounts(std::string_view in, DecayedCounts* out) {
  if (in.size() < 16 || in.size() % 8 != 0) return false;
  out->ref_ms = static_cast<int64_t>(GetFixed64(in.data()));
  out->half_life_ms = static_cast<int64_t>(GetFixed64(in.data() + 8));
  out->counts.resize((in.size() - 16) / 8);
  for (size_t i = 0; i < out->counts.size(); ++i) {
    uint64_t bits = GetFixed64(in.data() + 16 + 8 * i);
    std::memcpy(&out->counts[i], &bits, 8);
  }
  return true;
}

DecayedCounts MergeDecayedCounts(const DecayedCounts& a, const DecayedCounts& b) {
  DecayedCounts r;
  r.ref_ms = std::max(a.ref_ms, b.ref_ms);
  r.half_life_ms = b.half_life_ms;
  r.counts.assign(std::max(a.counts.size(), b.counts.size()), 0.0);
  const double fa = DecayFactor(r.ref_ms - a.ref_ms, r.half_life_ms);
  const double fb = DecayFactor(r.ref_ms - b.ref_ms, r.half_life_ms);
  for (size_t i = 0; i < a.counts.size(); ++i) r.counts[i] += a.counts[i] * fa;
  for (size_t i = 0; i < b.counts.size(); ++i) r.counts[i] += b.counts[i] * fb;
  return r;
}

}  // namespace holdfast
