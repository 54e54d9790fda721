// OpStamp: sequence numbers and primary terms: the stamp every shard operation carries
// (DESIGN.md §4, §6), following Elasticsearch's model.
//
// seq_no orders the operations of one shard; the primary assigns it. A
// primary term counts primary changes; ops from an older term are fenced off.
// Plain values, safe to copy between threads.
#pragma once

#include <cstdint>
#include <string>

namespace holdfast {

inline constexpr int64_t kUnassignedSeqNo = -2;  // op not yet given a seq_no
inline constexpr int64_t kNoOpsPerformed = -1;   // checkpoint of an empty shard
inline constexpr int64_t kUnassignedPrimaryTerm = 0;

struct OpStamp {
  int64_t primary_term = kUnassignedPrimaryTerm;
  int64_t seq_no = kUnassignedSeqNo;

  bool assigned() const { return seq_no >= 0 && primary_term > 0; }
  // An op from `other` supersedes this one for the same document: a higher
  // term wins; within a term, the higher seq_no.
  bool IsOlderThan(const OpStamp& other) const;
  std::string ToString() const;  // "term=3 seq_no=42"

  friend bool operator==(const OpStamp&, const OpStamp&) = default;
};

}  // namespace holdfast
