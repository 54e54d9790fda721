// FieldKind and FieldInfo: what a segment knows about each of its fields.
//
// Kinds follow the mapping types (index/mapping/field_type.h) as a segment
// stores them:
//   kText     analyzed: postings with freqs, positions and norms
//   kKeyword  one term per value: postings (docs, freqs) + ordinal doc values
//   kLong, kDate, kBoolean, kDouble   numeric doc values (int64; a double is
//             stored as its IEEE bits); booleans are also indexed as the terms
//             "true"/"false" so term queries work on them
//   kId       the _id field: postings (one doc per term) + the ids column
// Plain values, safe to copy between threads.
#pragma once

#include <cstdint>
#include <string>

namespace holdfast::segment {

enum class FieldKind : uint8_t { kText = 0, kKeyword = 1, kLong = 2, kDouble = 3, kBoolean = 4, kDate = 5 };

const char* FieldKindName(FieldKind kind);
bool IsNumericKind(FieldKind kind);    // long, double, boolean, date: numeric doc values
bool HasPostings(FieldKind kind);      // text, keyword, boolean

struct FieldStats {
  uint32_t doc_count = 0;             // docs holding the field (BM25's N for this field)
  uint64_t sum_total_term_freq = 0;   // sum of field lengths (BM25's avgdl numerator)
  uint64_t sum_doc_freq = 0;          // sum over terms of doc_freq
};

struct FieldInfo {
  std::string name;
  FieldKind kind = FieldKind::kText;
  FieldStats stats;
};

// The reserved field that indexes document ids.
inline constexpr char kIdField[] = "_id";

}  // namespace holdfast::segment
