// Drain: how a node stops on SIGTERM or SIGINT (DESIGN.md §7), in order and
// bounded by the grace period (`shutdown.grace_period`):
//
//   1. stopping: readiness turns 503 at once and every response says
//      Connection: close, while the node keeps answering for the readiness
//      delay (`shutdown.readiness_delay`, within the grace period) — long
//      enough for load balancers to see it leave and clients to reconnect
//      elsewhere. Meanwhile the node drains for a restart (lifecycle/
//      node_drain.h): its primaries go to in-sync replicas, for at most
//      half the grace period;
//   2. connections: the listeners close and requests in flight finish —
//      HTTP first, then gRPC with what is left of the grace period; what
//      still runs when it ends is cut (and counted);
//   3. shards: every shard copy flushes and closes;
//   4. marker: the clean-shutdown marker is written, last.
// Each step is the process's own (callbacks); the drain runs them in order,
// logs each phase with its duration, and stops at the first step that fails
// (the marker is then not written, so the next start recovers from the op
// log as after a crash — nothing acknowledged is lost either way).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>

#include "index/util/status.h"
#include "lifecycle/readiness.h"

namespace holdfast {

struct DrainSteps {
  std::function<void()> announce;  // responses from now on close their connection
  // Hands the primaries over; returns when done or at the deadline.
  std::function<void(std::chrono::steady_clock::time_point deadline)> hand_off;
  std::function<size_t(std::chrono::milliseconds)> stop_http;  // returns connections cut
  std::function<void(std::chrono::milliseconds)> stop_grpc;
  std::function<Status()> close_shards;
  std::function<Status()> mark_clean;
};

struct DrainOutcome {
  Status status;              // the first failing step, with its name
  size_t cut_connections = 0;
};

DrainOutcome RunDrain(Readiness* readiness, std::chrono::milliseconds grace, const DrainSteps& steps,
                      std::chrono::milliseconds readiness_delay = std::chrono::milliseconds(0));

}  // namespace holdfast
