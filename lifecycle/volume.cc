#include "lifecycle/volume.h"

#include <charconv>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <vector>

#include "index/util/checksum.h"
#include "index/util/file_util.h"
#include "index/util/uuid.h"

namespace holdfast {

namespace {

constexpr std::string_view kMagicLine = "holdfast-volume\n";

std::string NowIso8601() {
  std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string IdentityBody(const VolumeIdentity& id) {
  std::string out(kMagicLine);
  out += "format_version=" + std::to_string(id.format_version) + "\n";
  out += "volume_uuid=" + id.volume_uuid + "\n";
  out += "node_id=" + id.node_id + "\n";
  out += "cluster_uuid=" + id.cluster_uuid + "\n";
  out += "created_at=" + id.created_at + "\n";
  return out;
}

Status Fail(VolumeError* error, VolumeError kind, Status status) {
  if (error) *error = kind;
  return status;
}

// Names a holdfast volume may hold before VOLUME exists (a crash during the
// first start can leave them).
bool IsFirstStartLeftover(const std::string& name) {
  return name == "LOCK" || name == "VOLUME.tmp";
}

// An empty lost+found: what the root of a new ext2/3/4 filesystem holds (a
// volume mounted as the data dir). One with files in it is not new: fsck
// put them there.
bool IsNewFilesystemsLostAndFound(const std::filesystem::directory_entry& entry) {
  std::error_code ec;
  return entry.path().filename() == "lost+found" && entry.is_directory(ec) &&
         std::filesystem::is_empty(entry.path(), ec) && !ec;
}

// OK when `dir` may become a new volume: missing, empty, or holding only a
// first start's leftovers and a new filesystem's lost+found. Else why not
// (FailedPrecondition naming a few of its entries), or an I/O error.
Status CheckUsableEmptyDir(const std::string& dir) {
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) return Status::OK();
  if (!std::filesystem::is_directory(dir, ec)) {
    return Status::IOError(dir + " exists and is not a directory");
  }
  std::vector<std::string> foreign;
  size_t count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (IsFirstStartLeftover(name) || IsNewFilesystemsLostAndFound(entry)) continue;
    if (++count <= 3) foreign.push_back(name == "lost+found" ? "lost+found (not empty)" : name);
  }
  if (ec) return Status::IOError("list " + dir + ": " + ec.message());
  if (count == 0) return Status::OK();
  std::string shown;
  for (const std::string& name : foreign) shown += (shown.empty() ? "" : ", ") + name;
  if (count > foreign.size()) shown += " and " + std::to_string(count - foreign.size()) + " more";
  return Status::FailedPrecondition(dir + " is not empty (" + shown +
                                    ") and holds no VOLUME file; refusing to make it a holdfast volume");
}

// Checks an existing identity against what this process expects.
Status CheckIdentity(const VolumeIdentity& id, const VolumeOptions& options, const std::string& path,
                     VolumeError* error) {
  if (id.format_version > kVolumeFormatVersion) {
    return Fail(error, VolumeError::kTooNew,
                Status::FailedPrecondition(
                    path + " has format version " + std::to_string(id.format_version) +
                    ", newer than this holdfast reads (" + std::to_string(kVolumeFormatVersion) +
                    "); run a newer holdfast on this volume"));
  }
  if (!options.expected_cluster_uuid.empty() && id.cluster_uuid != options.expected_cluster_uuid) {
    return Fail(error, VolumeError::kClusterMismatch,
                Status::FailedPrecondition(path + " belongs to cluster " + id.cluster_uuid +
                                           ", not to cluster " + options.expected_cluster_uuid +
                                           "; refusing to use it"));
  }
  return Status::OK();
}

// Reads and verifies VOLUME. NotFound when there is none yet.
Result<VolumeIdentity> ReadIdentity(const std::string& path, const VolumeOptions& options,
                                    VolumeError* error) {
  auto text = ReadFileToString(path);
  if (!text.ok()) {
    if (text.status().code() == StatusCode::kNotFound) return text.status();
    return Fail(error, VolumeError::kIO, text.status());
  }
  auto id = DecodeVolumeIdentity(text.value());
  if (!id.ok()) {
    return Fail(error, VolumeError::kCorrupt,
                Status::Corruption(path + ": " + id.status().message()));
  }
  HOLDFAST_RETURN_IF_ERROR(CheckIdentity(id.value(), options, path, error));
  return id;
}

}  // namespace

std::string EncodeVolumeIdentity(const VolumeIdentity& id) {
  std::string body = IdentityBody(id);
  AppendChecksumLine(&body);
  return body;
}

Result<VolumeIdentity> DecodeVolumeIdentity(std::string_view text) {
  if (text.substr(0, kMagicLine.size()) != kMagicLine) {
    return Status::Corruption("not a holdfast VOLUME file (bad first line)");
  }
  const std::optional<std::string_view> body = StripChecksumLine(text);
  if (!body) return Status::Corruption("checksum line missing or checksum mismatch");
  VolumeIdentity id;
  id.format_version = 0;
  std::string_view rest = body->substr(kMagicLine.size());
  while (!rest.empty()) {
    size_t eol = rest.find('\n');
    std::string_view line = rest.substr(0, eol);
    rest.remove_prefix(eol == std::string_view::npos ? rest.size() : eol + 1);
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) return Status::Corruption("malformed line");
    std::string_view key = line.substr(0, eq), value = line.substr(eq + 1);
    if (key == "format_version") {
      auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), id.format_version);
      if (ec != std::errc() || p != value.data() + value.size()) {
        return Status::Corruption("bad format_version");
      }
    } else if (key == "volume_uuid") {
      id.volume_uuid = value;
    } else if (key == "node_id") {
      id.node_id = value;
    } else if (key == "cluster_uuid") {
      id.cluster_uuid = value;
    } else if (key == "created_at") {
      id.created_at = value;
    }  // unknown keys are tolerated: a newer minor writer may add some
  }
  if (id.format_version <= 0 || id.volume_uuid.empty() || id.node_id.empty() ||
      id.cluster_uuid.empty()) {
    return Status::Corruption("identity fields missing");
  }
  return id;
}

Result<std::unique_ptr<Volume>> Volume::Open(const VolumeOptions& options, VolumeError* error) {
  if (error) *error = VolumeError::kNone;
  const std::string& dir = options.data_dir;
  const std::string volume_path = dir + "/VOLUME";

  // 1. Verify an existing identity before touching anything on the volume.
  auto existing = ReadIdentity(volume_path, options, error);
  if (!existing.ok() && existing.status().code() != StatusCode::kNotFound) return existing.status();
  if (!existing.ok()) {
    Status usable = CheckUsableEmptyDir(dir);
    if (!usable.ok()) {
      const bool foreign = usable.code() == StatusCode::kFailedPrecondition;
      return Fail(error, foreign ? VolumeError::kCorrupt : VolumeError::kIO, usable);
    }
  }

  // 2. Own the directory.
  Status s = CreateDirectories(dir);
  if (!s.ok()) return Fail(error, VolumeError::kIO, s);
  auto lock = VolumeLock::Acquire(dir);
  if (!lock.ok()) {
    bool busy = lock.status().code() == StatusCode::kUnavailable;
    return Fail(error, busy ? VolumeError::kLocked : VolumeError::kIO, lock.status());
  }

  // 3. Under the lock: re-read (another process may have created it meanwhile)
  //    or create the identity.
  auto identity = ReadIdentity(volume_path, options, error);
  bool created = false;
  if (!identity.ok()) {
    if (identity.status().code() != StatusCode::kNotFound) return identity.status();
    VolumeIdentity fresh;
    fresh.volume_uuid = NewUuid();
    fresh.node_id = NewUuid();
    fresh.cluster_uuid =
        options.expected_cluster_uuid.empty() ? NewUuid() : options.expected_cluster_uuid;
    fresh.created_at = NowIso8601();
    s = WriteFileDurably(volume_path, EncodeVolumeIdentity(fresh));
    if (!s.ok()) return Fail(error, VolumeError::kIO, s);
    identity = fresh;
    created = true;
  }
  for (const std::string& sub : {dir + "/node", dir + "/indices"}) {
    s = CreateDirectories(sub);
    if (!s.ok()) return Fail(error, VolumeError::kIO, s);
  }
  return std::unique_ptr<Volume>(
      new Volume(dir, std::move(identity.value()), std::move(lock.value()), created));
}

}  // namespace holdfast
