// NodePhase and Readiness: where the node is in its life, as the
// orchestrator sees it through /_lifecycle/ready and /_lifecycle/status.
//
// Thread-safe: one atomic, read by HTTP threads, written by the node's
// startup and shutdown sequence.
#pragma once

#include <atomic>

namespace holdfast {

enum class NodePhase {
  kStarting,    // volume opened, stores opening, shard copies being recovered (in a
                // cluster: until the copies it held are back in sync)
  kReady,       // serving
  kDraining,    // handing work away before a stop
  kStopping,    // no new connections; in-flight requests finishing
};
const char* NodePhaseName(NodePhase phase);

class Readiness {
 public:
  NodePhase phase() const { return phase_.load(std::memory_order_acquire); }
  void set_phase(NodePhase p) { phase_.store(p, std::memory_order_release); }
  // Moves from `expected` to `p` only (false, `expected` updated, otherwise).
  bool compare_and_set(NodePhase& expected, NodePhase p) { return phase_.compare_exchange_strong(expected, p); }
  // /_lifecycle/ready answers 200 only in this state.
  bool ready() const { return phase() == NodePhase::kReady; }

 private:
  std::atomic<NodePhase> phase_{NodePhase::kStarting};
};

}  // namespace holdfast
