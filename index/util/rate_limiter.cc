#include "index/util/rate_limiter.h"

#include <algorithm>
#include <thread>

namespace holdfast {

void RateLimiter::Acquire(uint64_t bytes) {
  const uint64_t rate = rate_.load(std::memory_order_relaxed);
  if (rate == 0 || bytes == 0) return;
  std::chrono::steady_clock::time_point wait_until;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const auto now = std::chrono::steady_clock::now();
    const auto cost = std::chrono::nanoseconds(static_cast<int64_t>(bytes * 1'000'000'000ull / rate));
    wait_until = std::max(next_free_, now);
    next_free_ = wait_until + cost;
  }
  std::this_thread::sleep_until(wait_until);
}

}  // namespace holdfast
