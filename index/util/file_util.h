// Small durable-file helpers shared by every on-volume writer (VOLUME, STATE,
// segment manifests). All functions are thread-compatible: callers serialize
// writes to the same path.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "index/util/status.h"

namespace holdfast {

// Replaces `path` with `contents` so that a crash leaves either the old or the
// new file, never a mix: write `path.tmp`, fsync it, rename over `path`, fsync
// the parent directory.
// With a `limiter`, the data is written in 1 MiB chunks, each acquired from it.
class RateLimiter;
Status WriteFileDurably(const std::string& path, std::string_view contents, RateLimiter* limiter = nullptr);

// Reads the whole file. NotFound when it does not exist.
Result<std::string> ReadFileToString(const std::string& path);

// fsync of a directory, so that a rename or create inside it is durable.
Status SyncDirectory(const std::string& dir);

// Creates `dir` and its missing parents (mode 0755). OK when it exists.
Status CreateDirectories(const std::string& dir);

bool PathExists(const std::string& path);

// The bytes of every regular file under `dir` (0 when it does not exist);
// files that vanish meanwhile are skipped.
uint64_t DirectoryBytes(const std::string& dir);

// "open data/VOLUME: No such file or directory" from the current errno:
// NotFound for ENOENT, NoSpace for ENOSPC/EDQUOT, IOError otherwise.
Status ErrnoStatus(std::string_view what, const std::string& path);

}  // namespace holdfast
