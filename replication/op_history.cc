#include "replication/op_history.h"

#include <algorithm>
#include <unordered_map>

namespace holdfast {

Result<std::unique_ptr<HistoryComparer>> HistoryComparer::Open(const ShardEngine& copy, int64_t from_seq_no,
                                                               int64_t term) {
  auto snapshot = copy.OpsSince(from_seq_no);
  if (!snapshot.ok()) return snapshot.status();
  return std::unique_ptr<HistoryComparer>(new HistoryComparer(std::move(snapshot).value(), term));
}

bool HistoryComparer::Advance() {
  has_next_ = mine_->Next(&next_);
  if (!has_next_ && !mine_->status().ok()) status_ = mine_->status();
  return has_next_;
}

bool HistoryComparer::Next(const std::vector<ShardOp>& primary_ops, int64_t through) {
  if (!started_) {
    started_ = true;
    Advance();
  }
  if (!status_.ok()) return false;
  if (!has_next_ || next_.stamp.seq_no > through) return true;
  std::unordered_map<int64_t, int64_t> term_of;
  term_of.reserve(primary_ops.size());
  for (const ShardOp& op : primary_ops) term_of[op.stamp.seq_no] = op.stamp.primary_term;
  while (has_next_ && next_.stamp.seq_no <= through) {
    auto it = term_of.find(next_.stamp.seq_no);
    if (it == term_of.end() || it->second != next_.stamp.primary_term) return false;
    Advance();
  }
  return status_.ok();
}

bool HistoryComparer::Finish(int64_t primary_max_seq_no) {
  if (!Next({}, primary_max_seq_no)) return false;
  while (has_next_) {
    if (next_.stamp.primary_term < term_) return false;
    Advance();
  }
  return status_.ok();
}

Result<bool> HistoryDiverged(const ShardEngine& copy, int64_t term, int64_t common, int64_t max_seq_no,
                             const std::vector<ShardOp>& ops) {
  if (copy.max_seq_no() <= common) return false;
  // The copy trims only ops up to the global checkpoint it knew, which every
  // in-sync copy shares: when it knew a later one than the new primary (an
  // old primary handing over after a flush), compare from where it starts.
  auto retained = copy.OplogRetainedFrom();
  const int64_t from = retained.ok() ? std::max(common + 1, retained.value()) : common + 1;
  auto comparer = HistoryComparer::Open(copy, from, term);
  if (!comparer.ok()) return true;  // trimmed: cannot tell, so recover again
  return !((*comparer)->Next(ops, max_seq_no) && (*comparer)->Finish(max_seq_no));
}

Result<WholeHistory> ReadWholeHistory(const ShardEngine& primary, int64_t from, size_t max_ops) {
  WholeHistory out;
  out.through = primary.local_checkpoint();  // before the snapshot: every op up to it is in there
  auto snapshot = primary.OpsSince(from);
  if (!snapshot.ok()) return snapshot.status();
  ShardOp op;
  while ((*snapshot)->Next(&op)) {
    if (op.stamp.seq_no > out.through) break;
    if (max_ops != 0 && out.ops.size() >= max_ops) {
      out.more = true;
      break;
    }
    out.ops.push_back(std::move(op));
  }
  HOLDFAST_RETURN_IF_ERROR((*snapshot)->status());
  return out;
}

}  // namespace holdfast
