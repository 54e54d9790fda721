// ResponseTimes: how fast one node has been answering this node's search
// phases lately — the measure adaptive replica selection ranks a shard's
// copies by (server/coordinator/shard_router.h, ForSearch), as
// Elasticsearch's `cluster.routing.use_adaptive_replica_selection` does.
//
// Kept per ShardClient (one per node reached): an exponentially weighted
// moving average of the time from sending a phase's calls to having their
// answers (a failed or timed-out call counts the time it took), and the
// calls still out. Rank() is the wait one more call may expect: the average
// times one plus the calls ahead of it. A node that is passed over for
// another is Decay()ed, so that after enough searches elsewhere it is tried
// again and its average learns whether it recovered. Thread-safe, lock-free.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>

namespace holdfast {

class ResponseTimes {
 public:
  // Elasticsearch's ARS weight of a new sample.
  static constexpr double kAlpha = 0.3;
  // What one pass-over keeps of the average.
  static constexpr double kDecay = 0.95;

  void Started() { outstanding_.fetch_add(1, std::memory_order_relaxed); }
  void Finished(std::chrono::nanoseconds elapsed) {
    outstanding_.fetch_sub(1, std::memory_order_relaxed);
    const double sample = static_cast<double>(elapsed.count());
    double old = ewma_ns_.load(std::memory_order_relaxed);
    double next;
    do {
      next = old < 0 ? sample : kAlpha * sample + (1 - kAlpha) * old;
    } while (!ewma_ns_.compare_exchange_weak(old, next, std::memory_order_relaxed));
  }
  // Passed over in favour of a faster copy.
  void Decay() {
    double old = ewma_ns_.load(std::memory_order_relaxed);
    while (old > 0 && !ewma_ns_.compare_exchange_weak(old, old * kDecay, std::memory_order_relaxed)) {
    }
  }

  // Nanoseconds one more call may expect to wait; unset before any answer.
  std::optional<double> Rank() const {
    const double ewma = ewma_ns_.load(std::memory_order_relaxed);
    if (ewma < 0) return std::nullopt;
    const int ahead = outstanding_.load(std::memory_order_relaxed);
    return ewma * (1 + (ahead > 0 ? ahead : 0));
  }
  std::optional<double> average_ns() const {
    const double ewma = ewma_ns_.load(std::memory_order_relaxed);
    return ewma < 0 ? std::nullopt : std::optional<double>(ewma);
  }
  int outstanding() const { return outstanding_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> ewma_ns_{-1};
  std::atomic<int> outstanding_{0};
};

}  // namespace holdfast
