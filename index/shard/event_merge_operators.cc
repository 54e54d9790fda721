#include "index/shard/event_merge_operators.h"

#include <rocksdb/merge_operator.h>
#include <rocksdb/slice.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <deque>
#include <map>

#include "index/codec/varint.h"

namespace holdfast {

namespace {

using codec::PutFixed64;

uint64_t GetFixed64(const char* p) { return codec::DecodeFixed64(reinterpret_cast<const uint8_t*>(p)); }

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

// Merges all operands of a key in one pass (a hash map of counters), so a
// row with many pending operands costs their total size, not their count
// times the row size.
class SparseRowAddOperator final : public rocksdb::MergeOperator {
 public:
  bool FullMergeV2(const MergeOperationInput& in, MergeOperationOutput* out) const override {
    std::vector<rocksdb::Slice> all;
    all.reserve(in.operand_list.size() + 1);
    if (in.existing_value != nullptr) all.push_back(*in.existing_value);
    all.insert(all.end(), in.operand_list.begin(), in.operand_list.end());
    return MergeAll(all, &out->new_value);
  }
  bool PartialMergeMulti(const rocksdb::Slice& /*key*/, const std::deque<rocksdb::Slice>& operands,
                         std::string* new_value, rocksdb::Logger* /*logger*/) const override {
    std::vector<rocksdb::Slice> all(operands.begin(), operands.end());
    return MergeAll(all, new_value);
  }
  bool PartialMerge(const rocksdb::Slice& /*key*/, const rocksdb::Slice& left, const rocksdb::Slice& right,
                    std::string* new_value, rocksdb::Logger* /*logger*/) const override {
    return MergeAll({left, right}, new_value);
  }
  const char* Name() const override { return "holdfast.SparseRowAdd"; }

 private:
  static bool MergeAll(const std::vector<rocksdb::Slice>& values, std::string* out) {
    std::map<std::string, int64_t, std::less<>> sums;
    for (const rocksdb::Slice& v : values) {
      if (!ForEachInSparseRow(std::string_view(v.data(), v.size()), [&](std::string_view name, int64_t count) {
            auto it = sums.find(name);
            if (it == sums.end()) {
              sums.emplace(std::string(name), count);
            } else {
              it->second += count;
            }
          })) {
        return false;
      }
    }
    SparseRow row;
    row.reserve(sums.size());
    for (auto& [name, count] : sums) {
      if (count != 0) row.emplace_back(name, count);
    }
    *out = EncodeSparseRow(row);
    return true;
  }
};


}  // namespace

std::shared_ptr<rocksdb::MergeOperator> NewSparseRowAddOperator() {
  return std::make_shared<SparseRowAddOperator>();
}

std::string EncodeSparseRow(const SparseRow& row) {
  std::string out;
  codec::PutVarint64(&out, row.size());
  for (const auto& [name, count] : row) {
    codec::PutVarint64(&out, name.size());
    out.append(name);
    const uint64_t zz = (static_cast<uint64_t>(count) << 1) ^ static_cast<uint64_t>(count >> 63);
    codec::PutVarint64(&out, zz);
  }
  return out;
}

bool ForEachInSparseRow(std::string_view in, const std::function<void(std::string_view, int64_t)>& fn) {
  uint64_t n;
  if (!codec::ConsumeVarint64(&in, &n) || n > in.size()) return false;
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t len, zz;
    if (!codec::ConsumeVarint64(&in, &len) || len > in.size()) return false;
    const std::string_view name = in.substr(0, len);
    in.remove_prefix(len);
    if (!codec::ConsumeVarint64(&in, &zz)) return false;
    fn(name, static_cast<int64_t>((zz >> 1) ^ (~(zz & 1) + 1)));
  }
  return in.empty();
}

bool DecodeSparseRow(std::string_view in, SparseRow* out) {
  out->clear();
  return ForEachInSparseRow(in, [out](std::string_view name, int64_t count) { out->emplace_back(std::string(name), count); });
}

SparseRow AddSparseRows(const SparseRow& a, const SparseRow& b) {
  SparseRow out;
  out.reserve(a.size() + b.size());
  size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    if (j == b.size() || (i < a.size() && a[i].first < b[j].first)) {
      out.push_back(a[i++]);
    } else if (i == a.size() || b[j].first < a[i].first) {
      out.push_back(b[j++]);
    } else {
      const int64_t sum = a[i].second + b[j].second;
      if (sum != 0) out.emplace_back(a[i].first, sum);
      ++i;
      ++j;
    }
  }
  return out;
}

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
