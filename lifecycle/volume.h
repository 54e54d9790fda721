// Volume: the data directory a node owns (DESIGN.md §3).
//
// Opening a volume verifies its identity file VOLUME (format version, volume
// uuid, node id, cluster uuid; checksummed) and takes its LOCK for the life of
// the Volume object. A volume of another cluster or a newer format is refused
// before anything on it is touched: not even LOCK is created or written.
// A fresh, empty directory becomes a volume: VOLUME is written durably
// (temp file + fsync + rename + fsync of the directory).
//
// Thread-safe after Open: all accessors are const.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "index/util/status.h"
#include "lifecycle/volume_lock.h"

namespace holdfast {

// The volume layout this build writes; it reads this version and older.
inline constexpr int kVolumeFormatVersion = 1;

struct VolumeIdentity {
  int format_version = kVolumeFormatVersion;
  std::string volume_uuid;
  std::string node_id;
  std::string cluster_uuid;
  std::string created_at;  // ISO-8601 UTC, informational

  friend bool operator==(const VolumeIdentity&, const VolumeIdentity&) = default;
};

// The text form of VOLUME, ending in a checksum line over everything before it.
std::string EncodeVolumeIdentity(const VolumeIdentity& id);
// Corruption when the text is malformed or its checksum does not match.
Result<VolumeIdentity> DecodeVolumeIdentity(std::string_view text);

enum class VolumeError {
  kNone,
  kLocked,           // another process holds LOCK
  kClusterMismatch,  // VOLUME names another cluster than the one expected
  kTooNew,           // VOLUME has a newer format version than this build reads
  kCorrupt,          // VOLUME unreadable, or a non-empty directory that is no volume
  kIO,               // any other I/O failure
};

struct VolumeOptions {
  std::string data_dir;
  // When set, the volume must belong to this cluster (and a new volume is
  // created for it). When empty, an existing volume's cluster is accepted and
  // a new volume gets a fresh cluster uuid.
  std::string expected_cluster_uuid;
};

class Volume {
 public:
  // On failure, *error (when given) tells which kind, for the exit code.
  static Result<std::unique_ptr<Volume>> Open(const VolumeOptions& options, VolumeError* error);

  const VolumeIdentity& identity() const { return identity_; }
  const std::string& data_dir() const { return data_dir_; }
  bool created_now() const { return created_now_; }  // this start made the volume
  std::string node_dir() const { return data_dir_ + "/node"; }
  std::string indices_dir() const { return data_dir_ + "/indices"; }

 private:
  Volume(std::string data_dir, VolumeIdentity identity, VolumeLock lock, bool created_now)
      : data_dir_(std::move(data_dir)),
        identity_(std::move(identity)),
        lock_(std::move(lock)),
        created_now_(created_now) {}

  std::string data_dir_;
  VolumeIdentity identity_;
  VolumeLock lock_;
  bool created_now_;
};

}  // namespace holdfast
