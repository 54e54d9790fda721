// Wall-clock time in milliseconds since the epoch, for what other nodes
// and users read (unassigned since, recovery start); intervals use
// std::chrono::steady_clock.
#pragma once

#include <chrono>
#include <cstdint>

namespace holdfast {

inline int64_t WallClockMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace holdfast
