// ShardState: a shard copy's identity and progress, kept in <shard>/STATE
// (DESIGN.md §3): its allocation id (which copy of the routing table it
// is), the primary term it knows, the local checkpoint at its last flush
// or close, and the history uuid (which op history it holds: a copy whose
// uuid differs from the primary's cannot recover by ops).
//
// ShardStateFile reads STATE at open (creating it on the first open) and
// rewrites it durably — temp file, fsync, rename, fsync of the directory —
// with a checksummed footer; a damaged file is reported as Corruption
// naming it, never trusted. The in-memory copy changes only once the new
// file is durable. Thread-safe (one mutex around each read or rewrite).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "index/shard/op_stamp.h"
#include "index/util/status.h"

namespace holdfast {

struct ShardState {
  std::string allocation_id;
  int64_t primary_term = kUnassignedPrimaryTerm;
  int64_t local_checkpoint = kNoOpsPerformed;
  // The global checkpoint this copy knew at its last flush: every in-sync
  // copy of its history held the same ops up to it (an ops-based recovery
  // compares histories only above it).
  int64_t global_checkpoint = kNoOpsPerformed;
  std::string history_uuid;
  friend bool operator==(const ShardState&, const ShardState&) = default;
};

std::string EncodeShardState(const ShardState& state);
Result<ShardState> DecodeShardState(std::string_view bytes, std::string_view file_name);

class ShardStateFile {
 public:
  static constexpr char kFileName[] = "STATE";

  // Reads <shard_dir>/STATE; when there is none, writes `initial` with a new
  // random history uuid (*created = true).
  static Result<std::unique_ptr<ShardStateFile>> OpenOrCreate(const std::string& shard_dir, ShardState initial,
                                                              bool* created);

  ShardState Get() const;
  // Applies `change` to a copy and writes it; the state changes only when
  // the write succeeded. No write when nothing changed.
  Status Update(const std::function<void(ShardState*)>& change);

 private:
  ShardStateFile(std::string path, ShardState state) : path_(std::move(path)), state_(std::move(state)) {}

  const std::string path_;
  mutable std::mutex mu_;
  ShardState state_;  // under mu_
};

}  // namespace holdfast
