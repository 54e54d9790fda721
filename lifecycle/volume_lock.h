// VolumeLock: exclusive ownership of a data directory for a process lifetime.
//
// Holds flock(LOCK_EX) on <data-dir>/LOCK and writes the owner's pid into it,
// so that a second process fails at once and can name the holder. The kernel
// drops the lock when the process dies (even by SIGKILL), so a stale LOCK file
// never blocks a restart. Move-only; the lock is released on destruction.
#pragma once

#include <string>

#include "index/util/status.h"

namespace holdfast {

class VolumeLock {
 public:
  // Unavailable("... is locked by pid N") when another process holds it.
  static Result<VolumeLock> Acquire(const std::string& data_dir);

  VolumeLock(VolumeLock&& other) noexcept;
  VolumeLock& operator=(VolumeLock&& other) noexcept;
  VolumeLock(const VolumeLock&) = delete;
  VolumeLock& operator=(const VolumeLock&) = delete;
  ~VolumeLock();

  const std::string& path() const { return path_; }

 private:
  VolumeLock(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_ = -1;
  std::string path_;
};

}  // namespace holdfast
