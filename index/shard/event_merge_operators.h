// Merge operators of the shard store's event spaces (DESIGN.md §5: counters
// use RocksDB merge operators, not read-modify-write). Both are associative
// and commutative, so partial merges during compaction and the order in
// which concurrent batches land never change a sum.
//
//   Int64VectorAdd  value = n little-endian int64s; merge adds elementwise
//                   (a shorter vector counts as zeros). Exact: counters that
//                   are summed across shards stay identical for any shard count.
//   SparseRowAdd    value = a row of named counters: varint n, then n
//                   (varint len, name, zigzag varint count) sorted by name;
//                   merge adds counters by name (dropping zeros). One key
//                   per row keeps a whole row to one read and one merge
//                   operand per write batch.
//   DecayedCounts   value = ref_ms:int64, half_life_ms:int64, n doubles:
//                   each count is "as of ref_ms" and halves every half_life_ms.
//                   merge decays both sides to the later ref_ms and adds.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace rocksdb {
class MergeOperator;
}

namespace holdfast {

std::shared_ptr<rocksdb::MergeOperator> NewInt64VectorAddOperator();
std::shared_ptr<rocksdb::MergeOperator> NewDecayedCountsOperator();
std::shared_ptr<rocksdb::MergeOperator> NewSparseRowAddOperator();

// SparseRowAdd values: (name, count) sorted by name, names distinct.
using SparseRow = std::vector<std::pair<std::string, int64_t>>;
std::string EncodeSparseRow(const SparseRow& row);
bool DecodeSparseRow(std::string_view in, SparseRow* out);
// Calls fn(name, count) for each entry without materializing the row; false when malformed.
bool ForEachInSparseRow(std::string_view in, const std::function<void(std::string_view, int64_t)>& fn);
SparseRow AddSparseRows(const SparseRow& a, const SparseRow& b);

// Int64VectorAdd values.
std::string EncodeInt64Vector(const std::vector<int64_t>& v);
// False when the size is not a multiple of 8.
bool DecodeInt64Vector(std::string_view in, std::vector<int64_t>* out);

// DecayedCounts values.
struct DecayedCounts {
  int64_t ref_ms = 0;
  int64_t half_life_ms = 0;
  std::vector<double> counts;

  // The counts as of `at_ms` (decayed; never grown back for at_ms < ref_ms).
  std::vector<double> At(int64_t at_ms) const;
};
std::string EncodeDecayedCounts(const DecayedCounts& c);
bool DecodeDecayedCounts(std::string_view in, DecayedCounts* out);
// a + b decayed to the later reference time (b's half-life wins if they differ).
DecayedCounts MergeDecayedCounts(const DecayedCounts& a, const DecayedCounts& b);
// 2^(-elapsed/half_life) for elapsed >= 0; 1 otherwise or with no half-life.
double DecayFactor(int64_t elapsed_ms, int64_t half_life_ms);

}  // namespace holdfast
