// MmapFile: a whole file mapped read-only into memory. Segment readers work
// straight on these bytes; the mapping lives as long as any shared_ptr to it.
// Thread-safe after Open (immutable).
#pragma once

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

 private:
  MmapFile(std::string path, void* data, size_t size) : path_(std::move(path)), data_(data), size_(size) {}
  std::string path_;
  void* data_;
  size_t size_;
};

}  // namespace holdfast
