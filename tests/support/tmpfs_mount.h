// Test support: a small filesystem the test mounts itself — a tmpfs of a
// given size — to run holdfast on a volume that fills up (DESIGN.md §9).
//
// Mounting needs root (CAP_SYS_ADMIN). The disk-full tests do not skip
// without it: ok() is false and error() says why, and the test fails with
// that message (CI runs as root).
#pragma once

#include <cstdint>
#include <string>

namespace holdfast::testing {

class TmpfsMount {
 public:
  // Creates `dir` and mounts a tmpfs of `bytes` on it.
  TmpfsMount(std::string dir, uint64_t bytes);
  ~TmpfsMount();  // unmounts (detached if still busy) and removes the directory
  TmpfsMount(const TmpfsMount&) = delete;
  TmpfsMount& operator=(const TmpfsMount&) = delete;

  bool ok() const { return mounted_; }
  const std::string& error() const { return error_; }
  const std::string& path() const { return dir_; }
  std::string Sub(const std::string& name) const { return dir_ + "/" + name; }

 private:
  std::string dir_;
  bool mounted_ = false;
  std::string error_;
};

// Writes `bytes` to a new file at `path` (written, not sparse, so the
// filesystem counts every byte). False with *error when the filesystem
// refuses them.
bool WriteFiller(const std::string& path, uint64_t bytes, std::string* error);

// Fills the filesystem holding `path` to the last byte with a file at
// `path` (the write stops at ENOSPC). Returns the bytes written.
uint64_t FillToTheBrim(const std::string& path);

// Bytes still free for an unprivileged writer on the filesystem holding `path`.
uint64_t FreeBytes(const std::string& path);

}  // namespace holdfast::testing
