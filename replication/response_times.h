// ResponseTimes: how fast one node has been answering this node's search
// phases lately — the measure adaptive replica selection ranks a shard's
// copies by (server/coordinator/shard_router.h, ForSearch), as
// Elasticsearch's `cluster.routing.use_adaptive_replica_selection` does.
//
// Kept per ShardClient (one per node reached): an exponentially weighted
// moving average of the time from sending a phase's calls to having their
// answers (a failed or timed-out call counts the time it took). Rank() is
// that average: it already holds the queueing at the node and on the way,
// and unlike a count of calls out (which swings with every burst of
// searches) it does not send searches back and forth between copies that
// are equally fast. A node that is passed over for another is Decay()ed,
// so that after enough searches elsewhere it is tried again and its average
// learns whether it recovered. Thread-safe, lock-free.
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

  void Finished(std::chrono::nanoseconds elapsed) {
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

  // The average answer time in nanoseconds; unset before any answer.
  std::optional<double> Rank() const {
    const double ewma = ewma_ns_.load(std::memory_order_relaxed);
    return ewma < 0 ? std::nullopt : std::optional<double>(ewma);
  }

 private:
  std::atomic<double> ewma_ns_{-1};
};

}  // namespace holdfast
