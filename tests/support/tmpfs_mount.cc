#include "tests/support/tmpfs_mount.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

namespace holdfast::testing {

namespace {

// Once per test process: a mount namespace of its own (inherited by the
// nodes it starts), so its mounts vanish with it even if it crashes before
// unmounting. Best effort: without it (a process with threads already, or
// no CAP_SYS_ADMIN) mounts go to the host's namespace and are unmounted by
// the destructor.
void PrivateMountNamespace() {
  static const bool done = [] {
    if (::unshare(CLONE_NEWNS) != 0) return false;
    return ::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0;
  }();
  (void)done;
}

}  // namespace

TmpfsMount::TmpfsMount(std::string dir, uint64_t bytes) : dir_(std::move(dir)) {
  PrivateMountNamespace();
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) {
    error_ = "cannot create " + dir_ + ": " + ec.message();
    return;
  }
  const std::string options = "size=" + std::to_string(bytes) + ",mode=0755";
  if (::mount("tmpfs", dir_.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) != 0) {
    const int err = errno;
    error_ = "cannot mount a tmpfs on " + dir_ + ": " + std::strerror(err) +
             (err == EPERM ? " (mounting needs root, CAP_SYS_ADMIN: run the disk-full tests as root, as CI does)" : "");
    return;
  }
  mounted_ = true;
}

TmpfsMount::~TmpfsMount() {
  if (mounted_ && ::umount2(dir_.c_str(), 0) != 0) (void)::umount2(dir_.c_str(), MNT_DETACH);
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

namespace {

// Writes up to `bytes` (all of them when 0 means "until the disk is full"
// is not wanted); returns what was written and the errno that stopped it.
uint64_t WriteZeros(int fd, uint64_t bytes, bool until_full, int* err) {
  std::vector<char> block(1 << 16, 'f');
  uint64_t written = 0;
  *err = 0;
  while (until_full || written < bytes) {
    size_t n = block.size();
    if (!until_full) n = static_cast<size_t>(std::min<uint64_t>(n, bytes - written));
    const ssize_t w = ::write(fd, block.data(), n);
    if (w < 0) {
      if (errno == EINTR) continue;
      *err = errno;
      break;
    }
    written += static_cast<uint64_t>(w);
  }
  return written;
}

}  // namespace

bool WriteFiller(const std::string& path, uint64_t bytes, std::string* error) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    *error = "create " + path + ": " + std::strerror(errno);
    return false;
  }
  int err = 0;
  const uint64_t written = WriteZeros(fd, bytes, false, &err);
  ::close(fd);
  if (written < bytes) {
    *error = "write " + path + ": " + std::strerror(err);
    return false;
  }
  return true;
}

uint64_t FillToTheBrim(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return 0;
  int err = 0;
  const uint64_t written = WriteZeros(fd, 0, true, &err);
  ::close(fd);
  return written;
}

uint64_t FreeBytes(const std::string& path) {
  struct statvfs st {};
  if (::statvfs(path.c_str(), &st) != 0) return 0;
  return static_cast<uint64_t>(st.f_bavail) * st.f_frsize;
}

}  // namespace holdfast::testing
