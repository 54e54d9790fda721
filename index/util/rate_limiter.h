// RateLimiter: caps the bytes per second of background I/O (merge output),
// so merges never starve the writes and searches they run beside. Acquire()
// blocks the calling (background) thread as needed. Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>

namespace holdfast {

class RateLimiter {
 public:
  explicit RateLimiter(uint64_t bytes_per_second) : rate_(bytes_per_second) {}
  // Waits until `bytes` may be written. A rate of 0 means unlimited.
  void Acquire(uint64_t bytes);
  uint64_t bytes_per_second() const { return rate_.load(std::memory_order_relaxed); }
  // A new rate for the next Acquire (a dynamic setting changed).
  void SetRate(uint64_t bytes_per_second) { rate_.store(bytes_per_second, std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> rate_;
  std::mutex mu_;
  std::chrono::steady_clock::time_point next_free_{};
};

}  // namespace holdfast
