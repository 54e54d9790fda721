// Node: one holdfast process from start to clean exit. Opens the volume,
// recovers, serves HTTP and gRPC until SIGTERM/SIGINT, then drains in-flight
// requests (bounded by the grace period), closes stores and writes the
// clean-shutdown marker.
//
// Run() is called once, from the main thread, before any other thread exists
// (it blocks the stop signals for every thread it starts).
#pragma once

#include "server/process/node_config.h"

namespace holdfast {

// Returns the process exit code (lifecycle/exit_codes.h).
int RunNode(const NodeConfig& config);

}  // namespace holdfast
