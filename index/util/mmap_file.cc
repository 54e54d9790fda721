#include "index/util/mmap_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>

#include "index/util/file_util.h"

namespace holdfast {
namespace {

std::atomic<uint64_t> g_budget{0};
std::atomic<uint64_t> g_copied{0};

constexpr size_t kHugePage = 2u << 20;

// Takes `size` bytes of the budget; false when they do not fit.
bool Reserve(uint64_t size) {
  const uint64_t budget = g_budget.load(std::memory_order_relaxed);
  uint64_t held = g_copied.load(std::memory_order_relaxed);
  do {
    if (size > budget || held > budget - size) return false;
  } while (!g_copied.compare_exchange_weak(held, held + size, std::memory_order_relaxed));
  return true;
}

void Release(uint64_t size) { g_copied.fetch_sub(size, std::memory_order_relaxed); }

// Reads the whole file into fresh anonymous memory; null (errno set) on failure.
void* CopyIntoMemory(int fd, size_t size, size_t* reserved) {
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  size_t length = (size + page - 1) / page * page;
  if (length >= kHugePage) length = (length + kHugePage - 1) / kHugePage * kHugePage;
  void* data = ::mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (data == MAP_FAILED) return nullptr;
  if (length >= kHugePage) ::madvise(data, length, MADV_HUGEPAGE);  // advice only
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::pread(fd, static_cast<char*>(data) + done, size - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int saved = n == 0 ? EIO : errno;  // n == 0: the file shrank under us
      ::munmap(data, length);
      errno = saved;
      return nullptr;
    }
    done += static_cast<size_t>(n);
  }
  ::mprotect(data, length, PROT_READ);
  *reserved = length;
  return data;
}

}  // namespace

void MmapFile::SetMemoryBudget(uint64_t bytes) { g_budget.store(bytes, std::memory_order_relaxed); }
uint64_t MmapFile::memory_budget() { return g_budget.load(std::memory_order_relaxed); }
uint64_t MmapFile::memory_bytes() { return g_copied.load(std::memory_order_relaxed); }

Result<std::shared_ptr<MmapFile>> MmapFile::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("open", path);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    Status s = ErrnoStatus("stat", path);
    ::close(fd);
    return s;
  }
  const size_t size = static_cast<size_t>(st.st_size);
  if (size == 0) {
    ::close(fd);
    return std::shared_ptr<MmapFile>(new MmapFile(path, nullptr, 0, 0, false));
  }
  if (Reserve(size)) {
    size_t reserved = 0;
    void* data = CopyIntoMemory(fd, size, &reserved);
    if (data != nullptr) {
      ::close(fd);
      return std::shared_ptr<MmapFile>(new MmapFile(path, data, size, reserved, true));
    }
    Release(size);
    if (errno != ENOMEM) {
      Status s = ErrnoStatus("read", path);
      ::close(fd);
      return s;
    }
  }
  void* data = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
  if (data == MAP_FAILED) {
    Status s = ErrnoStatus("mmap", path);
    ::close(fd);
    return s;
  }
  ::close(fd);
  return std::shared_ptr<MmapFile>(new MmapFile(path, data, size, size, false));
}

MmapFile::~MmapFile() {
  if (data_ == nullptr) return;
  ::munmap(data_, reserved_);
  if (copied_) Release(size_);
}

}  // namespace holdfast
