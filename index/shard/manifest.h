// ShardManifest: which segment files make up a shard's flushed state, and
// which ops they cover (DESIGN.md §4): every op up to the local checkpoint
// of the refresh they were written from, maybe some above it. Replaced atomically on every flush
// (temp file + fsync + rename + fsync of the directory), so a crash leaves the
// old or the new manifest, never a mix. Checksummed like every file read back.
// Plain value type.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "index/shard/op_stamp.h"
#include "index/util/status.h"

namespace holdfast {

struct ManifestSegment {
  std::string file;       // "seg_00000012.hfs", relative to the segments dir
  uint32_t doc_count = 0;
  std::string live_file;  // "seg_00000012_3.liv", empty when nothing is deleted
  friend bool operator==(const ManifestSegment&, const ManifestSegment&) = default;
};

struct ShardManifest {
  uint64_t generation = 0;
  // Every op <= local_checkpoint is in the segments. Ops above it up to
  // max_seq_no may be too (a copy with a gap flushes what it has): opening
  // replays the op log above local_checkpoint, which is idempotent.
  int64_t local_checkpoint = kNoOpsPerformed;
  int64_t max_seq_no = kNoOpsPerformed;  // no op above this is in the segments
  uint64_t next_segment = 1;             // numbering of new segment files
  std::vector<ManifestSegment> segments;
  friend bool operator==(const ShardManifest&, const ShardManifest&) = default;
};

std::string EncodeManifest(const ShardManifest& m);
Result<ShardManifest> DecodeManifest(std::string_view text, std::string_view file_name);

}  // namespace holdfast
