#include "index/shard/op_stamp.h"

namespace holdfast {

bool OpStamp::IsOlderThan(const OpStamp& other) const {
  if (primary_term != other.primary_term) return primary_term < other.primary_term;
  return seq_no < other.seq_no;
}

std::string OpStamp::ToString() const {
  return "term=" + std::to_string(primary_term) + " seq_no=" + std::to_string(seq_no);
}

}  // namespace holdfast
