// BulkLineReader: the lines of a _bulk body, read from the spooled body file
// (or from memory) through one bounded buffer — a body of any size is never
// loaded whole.
//
// Memory: the buffer holds at most `max_line` + one read chunk (1 MB). A line
// longer than `max_line` is skipped, not buffered; Next() reports its length.
// Not thread-safe; one per request.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "index/util/status.h"

namespace holdfast {

class BulkLineReader {
 public:
  static constexpr size_t kChunk = 1u << 20;

  explicit BulkLineReader(size_t max_line) : max_line_(max_line) {}
  ~BulkLineReader();
  BulkLineReader(const BulkLineReader&) = delete;
  BulkLineReader& operator=(const BulkLineReader&) = delete;

  // Reads the file at `path` (IOError when it cannot be opened) ...
  Status OpenFile(const std::string& path);
  // ... or the bytes of `body`, which must outlive the reader.
  void OpenMemory(std::string_view body) { memory_ = body; }

  enum class Next { kLine, kOversized, kEnd };
  // kLine: *line (without '\n'), valid until the next call. kOversized: a
  // line over max_line, skipped; *oversized_length is its length. A last line
  // without '\n' is still a line. IOError when reading fails.
  Result<Next> Read(std::string_view* line, size_t* oversized_length);

 private:
  // Appends up to kChunk bytes to buffer_; 0 at the end of input.
  Result<size_t> Fill();

  const size_t max_line_;
  int fd_ = -1;
  std::string_view memory_;  // OpenMemory: the unread rest
  std::string buffer_;
  size_t begin_ = 0;  // unread bytes are buffer_[begin_, buffer_.size())
  bool eof_ = false;
};

}  // namespace holdfast
