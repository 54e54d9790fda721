#include "index/util/file_util.h"

#include "index/util/rate_limiter.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace holdfast {

Status ErrnoStatus(std::string_view what, const std::string& path) {
  const int err = errno;
  std::string msg = std::string(what) + " " + path + ": " + std::strerror(err);
  if (err == ENOENT) return Status::NotFound(std::move(msg));
  if (err == ENOSPC || err == EDQUOT) return Status::NoSpace(std::move(msg));
  return Status::IOError(std::move(msg));
}

namespace {

Status WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("write", path);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::OK();
}

std::string ParentOf(const std::string& path) {
  std::string parent = std::filesystem::path(path).parent_path().string();
  return parent.empty() ? "." : parent;
}

}  // namespace

Status SyncDirectory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("open directory", dir);
  Status s;
  if (::fsync(fd) != 0) s = ErrnoStatus("fsync directory", dir);
  ::close(fd);
  return s;
}

Status WriteFileDurably(const std::string& path, std::string_view contents, RateLimiter* limiter) {
  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoStatus("create", tmp);
  Status s;
  constexpr size_t kChunk = 1 << 20;
  for (size_t off = 0; s.ok() && off < contents.size(); off += kChunk) {
    std::string_view chunk = contents.substr(off, kChunk);
    if (limiter) limiter->Acquire(chunk.size());
    s = WriteAll(fd, chunk, tmp);
  }
  if (s.ok() && ::fsync(fd) != 0) s = ErrnoStatus("fsync", tmp);
  if (::close(fd) != 0 && s.ok()) s = ErrnoStatus("close", tmp);
  if (!s.ok()) {
    ::unlink(tmp.c_str());
    return s;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    s = ErrnoStatus("rename", tmp);
    ::unlink(tmp.c_str());
    return s;
  }
  return SyncDirectory(ParentOf(path));
}

Result<std::string> ReadFileToString(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("open", path);
  std::string out;
  char buf[64 * 1024];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      Status s = ErrnoStatus("read", path);
      ::close(fd);
      return s;
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

Status CreateDirectories(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IOError("create directory " + dir + ": " + ec.message());
  return Status::OK();
}

bool PathExists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

uint64_t DirectoryBytes(const std::string& dir) {
  uint64_t total = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code file_ec;
    if (!it->is_regular_file(file_ec)) continue;
    const uint64_t size = it->file_size(file_ec);
    if (!file_ec) total += size;
  }
  return total;
}

}  // namespace holdfast
