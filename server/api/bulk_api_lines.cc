#include "server/api/bulk_api_lines.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace holdfast {

BulkLineReader::~BulkLineReader() {
  if (fd_ >= 0) ::close(fd_);
}

Status BulkLineReader::OpenFile(const std::string& path) {
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) return Status::IOError("open bulk body: " + std::string(std::strerror(errno)));
  ::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
  return Status::OK();
}

Result<size_t> BulkLineReader::Fill() {
  const size_t old = buffer_.size();
  buffer_.resize(old + kChunk);
  size_t got = 0;
  if (fd_ >= 0) {
    ssize_t n;
    do {
      n = ::read(fd_, buffer_.data() + old, kChunk);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
      buffer_.resize(old);
      return Status::IOError("read bulk body: " + std::string(std::strerror(errno)));
    }
    got = static_cast<size_t>(n);
  } else {
    got = std::min(kChunk, memory_.size());
    std::memcpy(buffer_.data() + old, memory_.data(), got);
    memory_.remove_prefix(got);
  }
  buffer_.resize(old + got);
  if (got == 0) eof_ = true;
  return got;
}

Result<BulkLineReader::Next> BulkLineReader::Read(std::string_view* line, size_t* oversized_length) {
  size_t scanned = begin_;
  for (;;) {
    const size_t nl = buffer_.find('\n', scanned);
    if (nl != std::string::npos) {
      *line = std::string_view(buffer_).substr(begin_, nl - begin_);
      begin_ = nl + 1;
      return Next::kLine;
    }
    if (buffer_.size() - begin_ > max_line_) {  // skip the rest of this line without holding it
      size_t length = buffer_.size() - begin_;
      buffer_.clear();
      begin_ = 0;
      for (;;) {
        auto n = Fill();
        if (!n.ok()) return n.status();
        const size_t pos = buffer_.find('\n');
        if (*n == 0 || pos != std::string::npos) {
          length += pos == std::string::npos ? buffer_.size() : pos;
          begin_ = pos == std::string::npos ? buffer_.size() : pos + 1;
          *oversized_length = length;
          return Next::kOversized;
        }
        length += buffer_.size();
        buffer_.clear();
      }
    }
    if (eof_) {
      if (begin_ == buffer_.size()) return Next::kEnd;
      *line = std::string_view(buffer_).substr(begin_);
      begin_ = buffer_.size();
      return Next::kLine;
    }
    if (begin_ > 0) {  // keep only the unfinished line
      buffer_.erase(0, begin_);
      begin_ = 0;
    }
    scanned = buffer_.size();
    auto n = Fill();
    if (!n.ok()) return n.status();
  }
}

}  // namespace holdfast
