// GlobalCheckpointTracker: on a primary, the local checkpoint of every
// in-sync copy of the shard (keyed by allocation id). The global checkpoint —
// the minimum over in-sync copies — is the seq_no below which every in-sync
// copy has every op; ops above it are retained for ops-based recovery
// (DESIGN.md §6). Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "index/shard/op_stamp.h"

namespace holdfast {

class GlobalCheckpointTracker {
 public:
  // Adds a copy to the in-sync set (or updates it) at `local_checkpoint`.
  void MarkInSync(const std::string& allocation_id, int64_t local_checkpoint);
  // Drops a failed or removed copy; the global checkpoint may then advance.
  void Remove(const std::string& allocation_id);
  // Drops every copy but those of `allocation_ids` (the in-sync copies the
  // routing table assigns now: one whose node left is no longer among them).
  void RetainOnly(const std::vector<std::string>& allocation_ids);
  // A copy reports progress; checkpoints never move backwards.
  void UpdateLocalCheckpoint(const std::string& allocation_id, int64_t local_checkpoint);

  bool IsInSync(const std::string& allocation_id) const;
  size_t in_sync_count() const;
  // Min local checkpoint over in-sync copies; kNoOpsPerformed with none. Never
  // decreases while the set is unchanged.
  int64_t global_checkpoint() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, int64_t> in_sync_;
};

}  // namespace holdfast
