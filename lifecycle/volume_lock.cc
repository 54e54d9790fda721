#include "lifecycle/volume_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <string>
#include <thread>

#include "index/util/file_util.h"

namespace holdfast {

namespace {

// The holder writes its pid right after taking the lock; give it a moment.
std::string ReadHolderPid(const std::string& path) {
  for (int attempt = 0; attempt < 20; ++attempt) {
    auto contents = ReadFileToString(path);
    if (contents.ok()) {
      std::string pid;
      for (char c : contents.value()) {
        if (c < '0' || c > '9') break;
        pid.push_back(c);
      }
      if (!pid.empty()) return pid;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return "unknown";
}

}  // namespace

Result<VolumeLock> VolumeLock::Acquire(const std::string& data_dir) {
  std::string path = data_dir + "/LOCK";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoStatus("open", path);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK) {
      return Status::Unavailable("data directory " + data_dir + " is in use: " + path +
                                 " is locked by pid " + ReadHolderPid(path));
    }
    errno = err;
    return ErrnoStatus("flock", path);
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    Status s = ErrnoStatus("write pid to", path);
    ::close(fd);
    return s;
  }
  return VolumeLock(fd, std::move(path));
}

VolumeLock::VolumeLock(VolumeLock&& other) noexcept : fd_(other.fd_), path_(std::move(other.path_)) {
  other.fd_ = -1;
}

VolumeLock& VolumeLock::operator=(VolumeLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    path_ = std::move(other.path_);
    other.fd_ = -1;
  }
  return *this;
}

VolumeLock::~VolumeLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the descriptor drops the flock
}

}  // namespace holdfast
