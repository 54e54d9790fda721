#include "lifecycle/drain.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <thread>

namespace holdfast {

namespace {

using Clock = std::chrono::steady_clock;

int64_t MillisSince(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

}  // namespace

DrainOutcome RunDrain(Readiness* readiness, std::chrono::milliseconds grace, const DrainSteps& steps,
                      std::chrono::milliseconds readiness_delay) {
  DrainOutcome out;
  const Clock::time_point start = Clock::now();
  const Clock::time_point deadline = start + grace;
  readiness->set_phase(NodePhase::kStopping);
  if (steps.announce) steps.announce();
  const auto delay = std::min(readiness_delay, grace);
  spdlog::info("drain: stopping (not ready); still answering for {} ms, in-flight requests have {} ms",
               delay.count(), grace.count());
  if (steps.hand_off) {
    steps.hand_off(start + grace / 2);
    spdlog::info("drain: primaries handed over after {} ms", MillisSince(start));
  }
  std::this_thread::sleep_until(start + delay);

  const auto http_grace = std::max(std::chrono::milliseconds(0),
                                   std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
  if (steps.stop_http) out.cut_connections = steps.stop_http(http_grace);
  if (out.cut_connections > 0) {
    spdlog::warn("drain: grace period over: closed {} connection(s) with requests in flight", out.cut_connections);
  }
  const auto left = std::max(std::chrono::milliseconds(0),
                             std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
  if (steps.stop_grpc) steps.stop_grpc(left);
  spdlog::info("drain: connections closed after {} ms", MillisSince(start));

  const Clock::time_point shards = Clock::now();
  if (steps.close_shards) {
    Status s = steps.close_shards();
    if (!s.ok()) {
      out.status = Status(s.code(), "closing shard copies: " + s.message());
      spdlog::error("drain: {}", out.status.message());
      return out;
    }
  }
  spdlog::info("drain: shard copies flushed and closed in {} ms", MillisSince(shards));

  if (steps.mark_clean) {
    Status s = steps.mark_clean();
    if (!s.ok()) {
      out.status = Status(s.code(), "writing the clean-shutdown marker: " + s.message());
      spdlog::error("drain: {}", out.status.message());
      return out;
    }
  }
  return out;
}

}  // namespace holdfast
