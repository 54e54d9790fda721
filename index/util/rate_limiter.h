// RateLimiter: caps the bytes per second of background I/O (merge output),
// so merges never starve the writes and searches they run beside. Acquire()
// blocks the calling (background) thread as needed. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>

namespace holdfast {

class RateLimiter {
 public:
  explicit RateLimiter(uint64_t bytes_per_second) : rate_(bytes_per_second) {}
  // Waits until `bytes` may be written. A rate of 0 means unlimited.
  void Acquire(uint64_t bytes);
  uint64_t bytes_per_second() const { return rate_; }

 private:
  const uint64_t rate_;
  std::mutex mu_;
  std::chrono::steady_clock::time_point next_free_{};
};

}  // namespace holdfast
