#include "index/shard/file_snapshot.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>

#include "index/shard/shard_store.h"
#include "index/util/checksum.h"
#include "index/util/file_util.h"

namespace holdfast {

namespace {

// A hard link of an immutable file; a copy across file systems.
Status LinkOrCopy(const std::string& from, const std::string& to) {
  if (::link(from.c_str(), to.c_str()) == 0) return Status::OK();
  if (errno != EXDEV) return ErrnoStatus("link " + from + " to", to);
  std::error_code ec;
  if (!std::filesystem::copy_file(from, to, ec)) return Status::IOError("copy " + from + " to " + to + ": " + ec.message());
  return Status::OK();
}

}  // namespace

Result<std::unique_ptr<FileSnapshot>> FileSnapshot::Take(const std::string& dir, ShardFlusher* flusher,
                                                         ShardStore* store, const ShardState& state) {
  if (PathExists(dir)) return Status::AlreadyExists("snapshot directory " + dir + " exists");
  std::unique_ptr<FileSnapshot> snap(new FileSnapshot(dir));  // from here on, removed on failure
  HOLDFAST_RETURN_IF_ERROR(CreateDirectories(dir + "/segments"));
  {
    // No flush, merge or trim while the manifest is linked and the store
    // checkpointed: the op log keeps every op above the manifest's checkpoint.
    ShardFlusher::Lock lock = flusher->LockFlush();
    const ShardManifest& m = flusher->manifest(lock);
    snap->local_checkpoint_ = m.local_checkpoint;
    const std::string from = flusher->dir() + "/", to = dir + "/segments/";
    if (m.generation > 0) {
      HOLDFAST_RETURN_IF_ERROR(LinkOrCopy(from + ShardFlusher::kManifestName, to + ShardFlusher::kManifestName));
    }
    for (const ManifestSegment& s : m.segments) {
      HOLDFAST_RETURN_IF_ERROR(LinkOrCopy(from + s.file, to + s.file));
      if (!s.live_file.empty()) HOLDFAST_RETURN_IF_ERROR(LinkOrCopy(from + s.live_file, to + s.live_file));
    }
    HOLDFAST_RETURN_IF_ERROR(store->CreateCheckpoint(dir + "/store", &snap->max_seq_no_));
  }
  ShardState copied = state;
  copied.local_checkpoint = snap->local_checkpoint_;
  HOLDFAST_RETURN_IF_ERROR(WriteFileDurably(dir + "/" + ShardStateFile::kFileName, EncodeShardState(copied)));
  HOLDFAST_RETURN_IF_ERROR(SyncDirectory(dir + "/segments"));
  HOLDFAST_RETURN_IF_ERROR(snap->ListFiles());
  return snap;
}

Status FileSnapshot::ListFiles() {
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir_, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    SnapshotFile f;
    f.path = std::filesystem::relative(it->path(), dir_).string();
    auto sum = ChecksumFile(it->path().string(), &f.length);
    if (!sum.ok()) return sum.status();
    f.checksum = sum.value();
    files_.push_back(std::move(f));
  }
  if (ec) return Status::IOError("list snapshot " + dir_ + ": " + ec.message());
  std::sort(files_.begin(), files_.end(), [](const SnapshotFile& a, const SnapshotFile& b) { return a.path < b.path; });
  return Status::OK();
}

FileSnapshot::~FileSnapshot() {
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

}  // namespace holdfast
