// Process exit codes of `holdfast`, documented in docs/operations.md. An
// orchestrator can tell "fix the config" from "wrong volume" from "crash".
#pragma once

namespace holdfast {

enum ExitCode : int {
  kExitOk = 0,
  kExitFailure = 1,          // unexpected runtime failure (I/O error, bind failure, ...)
  kExitUsage = 2,            // bad flags, environment or config file
  kExitVolumeLocked = 3,     // another process holds the data dir's LOCK
  kExitClusterMismatch = 4,  // the volume belongs to another cluster
  kExitVolumeTooNew = 5,     // the volume was written by a newer format version
  kExitVolumeCorrupt = 6,    // VOLUME is unreadable or fails its checksum
  kExitNameTaken = 7,        // cluster mode: a live node of the cluster holds this node name
};

}  // namespace holdfast
