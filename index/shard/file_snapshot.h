// FileSnapshot: a shard's files frozen for copying while the shard keeps
// writing (file-based recovery of a copy, DESIGN.md §6).
//
// A snapshot directory has the layout of a shard directory:
//   segments/MANIFEST and the segment and live-docs files it names
//                      (hard links: they are immutable once written),
//   store/             a RocksDB checkpoint of the store (sources, op log,
//                      event spaces, meta: retention leases, watermarks),
//   STATE              the shard's identity (its history uuid) with the
//                      manifest's checkpoint.
// The store checkpoint is taken after the manifest is fixed (under the
// flush lock), so its op log holds every op above the manifest's
// checkpoint: a ShardEngine opened on a copy of these files replays them
// and holds exactly the documents of the store checkpoint (a copy opened
// with its own allocation id adopts it; the history uuid stays).
// Owns its directory: the destructor removes it. Immutable after Take;
// any thread may read it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "index/shard/op_stamp.h"
#include "index/shard/shard_flusher.h"
#include "index/shard/shard_state.h"
#include "index/util/status.h"

namespace holdfast {

class ShardStore;

struct SnapshotFile {
  std::string path;       // relative to the snapshot directory: "segments/seg_00000003.hfs"
  uint64_t length = 0;
  uint64_t checksum = 0;  // XXH3-64 of the whole file (index/util/checksum.h)
};

class FileSnapshot {
 public:
  // Builds the snapshot in `dir` (which must not exist). `state` is the
  // shard's current STATE.
  static Result<std::unique_ptr<FileSnapshot>> Take(const std::string& dir, ShardFlusher* flusher, ShardStore* store,
                                                    const ShardState& state);
  ~FileSnapshot();  // removes the directory
  FileSnapshot(const FileSnapshot&) = delete;
  FileSnapshot& operator=(const FileSnapshot&) = delete;

  const std::string& dir() const { return dir_; }
  // Every file of the snapshot, by path.
  const std::vector<SnapshotFile>& files() const { return files_; }
  // Every op <= local_checkpoint() is in the snapshot's segments.
  int64_t local_checkpoint() const { return local_checkpoint_; }
  // The highest seq_no in the snapshot's store (its op log).
  int64_t max_seq_no() const { return max_seq_no_; }

 private:
  explicit FileSnapshot(std::string dir) : dir_(std::move(dir)) {}
  Status ListFiles();

  const std::string dir_;
  std::vector<SnapshotFile> files_;
  int64_t local_checkpoint_ = kNoOpsPerformed;
  int64_t max_seq_no_ = kNoOpsPerformed;
};

}  // namespace holdfast
