// MmapFile: a whole file, read-only, in memory. Segment readers work straight
// on these bytes; they live as long as any shared_ptr to the MmapFile.
//
// The bytes are either mapped from the file (MAP_SHARED: page cache pages) or
// copied into the process's own memory. Copies are made while the process
// holds fewer copied bytes than its memory budget (SetMemoryBudget; 0, the
// default, maps every file). A copy cannot be dropped by the kernel the way
// clean page cache pages are — on hosts that reclaim idle file pages
// aggressively (memory-overcommitted VMs, proactive reclaim) mapped index
// data would be read from disk again and again; copied data never is. Copies
// of 2 MiB and more ask for transparent huge pages (fewer TLB misses).
//
// Thread-safe after Open (immutable); the budget is process-wide.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "index/util/status.h"

namespace holdfast {

class MmapFile {
 public:
  static Result<std::shared_ptr<MmapFile>> Open(const std::string& path);
  ~MmapFile();
  MmapFile(const MmapFile&) = delete;
  MmapFile& operator=(const MmapFile&) = delete;

  std::string_view bytes() const { return {static_cast<const char*>(data_), size_}; }
  const std::string& path() const { return path_; }
  // True when the bytes are a copy in process memory (not a file mapping).
  bool in_memory() const { return copied_; }

  // How many bytes of files later opened may be copied into process memory.
  static void SetMemoryBudget(uint64_t bytes);
  static uint64_t memory_budget();
  // Bytes of open files held as copies now.
  static uint64_t memory_bytes();

 private:
  MmapFile(std::string path, void* data, size_t size, size_t reserved, bool copied)
      : path_(std::move(path)), data_(data), size_(size), reserved_(reserved), copied_(copied) {}
  std::string path_;
  void* data_;
  size_t size_;
  size_t reserved_;  // the mapping's length (a copy is rounded up to whole pages)
  bool copied_;
};

}  // namespace holdfast
