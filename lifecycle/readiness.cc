#include "lifecycle/readiness.h"

namespace holdfast {

const char* NodePhaseName(NodePhase phase) {
  switch (phase) {
    case NodePhase::kStarting: return "starting";
    case NodePhase::kReady: return "ready";
    case NodePhase::kDraining: return "draining";
    case NodePhase::kStopping: return "stopping";
  }
  return "unknown";
}

}  // namespace holdfast
