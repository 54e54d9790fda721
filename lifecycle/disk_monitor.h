// DiskMonitor: how full the data volume is, measured against Elasticsearch's
// disk watermarks, and the node's write block (DESIGN.md §9: a full disk
// must not take the node down).
//
// Watermarks (cluster.routing.allocation.disk.watermark.*): each is either a
// share of the volume in use ("85%", or the ratio "0.85") — exceeded when
// more is used — or an amount of free space ("500mb") — exceeded when less
// is free. Defaults 85% (low), 90% (high), 95% (flood stage). With one node
// there is no shard allocation for low and high to steer: crossing them is
// logged and shown. Past the flood stage the write block turns on (writes
// that add data are refused with 429, replication/write_block.h); it turns
// off by itself once usage is back below the high watermark — not merely
// below the flood stage (Elasticsearch's auto-release; the gap keeps the
// block from flapping). With the thresholds disabled
// (…disk.threshold_enabled: false) levels are still measured and shown, and
// the block never turns on.
//
// The filesystem of the data directory is sampled (statvfs; "free" is what
// an unprivileged writer may still use, f_bavail, as Elasticsearch counts
// it) every `interval` on the monitor's own thread, and whenever Refresh()
// is called. Transitions are logged. on_sample hears every sample, in order,
// on the thread that took it (it may block: sampling waits for it).
// Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "index/util/status.h"

namespace holdfast {

struct DiskUsage {
  uint64_t total_bytes = 0;
  uint64_t available_bytes = 0;  // free for an unprivileged writer
  uint64_t used_bytes() const { return total_bytes - available_bytes; }
  double used_percent() const;   // 0 for an empty (zero-size) filesystem
};

struct DiskWatermark {
  enum class Kind { kUsedPercent, kFreeBytes };
  Kind kind = Kind::kUsedPercent;
  double used_percent = 0;  // kUsedPercent
  uint64_t free_bytes = 0;  // kFreeBytes
  std::string text;         // as configured, for messages ("85%", "500mb")

  static DiskWatermark UsedPercent(double percent, std::string text);
  static DiskWatermark FreeBytes(uint64_t bytes, std::string text);
  bool ExceededBy(const DiskUsage& usage) const;
};

struct DiskWatermarks {
  DiskWatermark low = DiskWatermark::UsedPercent(85, "85%");
  DiskWatermark high = DiskWatermark::UsedPercent(90, "90%");
  DiskWatermark flood_stage = DiskWatermark::UsedPercent(95, "95%");
  bool enabled = true;  // cluster.routing.allocation.disk.threshold_enabled
  // All three of one kind, and ordered: low <= high <= flood stage (in use),
  // or low >= high >= flood stage (free space). InvalidArgument says which.
  Status Validate() const;
};

enum class DiskLevel { kBelowLow, kOverLow, kOverHigh, kOverFloodStage };
// "ok", "low", "high", "flood_stage": the highest watermark exceeded.
const char* DiskLevelName(DiskLevel level);
DiskLevel LevelOf(const DiskUsage& usage, const DiskWatermarks& watermarks);
// The write block after a sample at `level`, given whether it was on: on past
// the flood stage, off below the high watermark, unchanged in between.
bool NextWriteBlock(bool was_on, DiskLevel level, bool enabled);

struct DiskStatus {
  std::string path;
  bool sampled = false;  // false until a sample succeeded
  Status error;          // why the last sample failed (the rest is the last good one)
  DiskUsage usage;
  DiskLevel level = DiskLevel::kBelowLow;
  bool write_block = false;
};

// statvfs of the filesystem holding `path`.
Result<DiskUsage> ProbeFilesystem(const std::string& path);

class DiskMonitor {
 public:
  using Probe = std::function<Result<DiskUsage>(const std::string& path)>;
  struct Options {
    std::string path;  // the data directory
    DiskWatermarks watermarks;
    std::chrono::milliseconds interval{1000};  // cluster.info.update.interval
    Probe probe;       // null: ProbeFilesystem (tests give their own)
    std::function<void(const DiskStatus&)> on_sample;
    std::string node_name;  // for messages
  };

  explicit DiskMonitor(Options options);
  ~DiskMonitor();  // stops the thread
  DiskMonitor(const DiskMonitor&) = delete;
  DiskMonitor& operator=(const DiskMonitor&) = delete;

  // Starts sampling every `interval` (the first sample is the caller's:
  // Refresh() before Start() when it must be current at once).
  void Start();
  void Stop();
  // Samples now: updates the level and the block, logs a transition, calls on_sample.
  DiskStatus Refresh();
  DiskStatus Current() const;
  const DiskWatermarks& watermarks() const { return options_.watermarks; }

 private:
  void Loop();
  void LogTransition(const DiskStatus& before, const DiskStatus& after) const;

  const Options options_;
  std::mutex sample_mu_;  // one sample at a time, on_sample included
  mutable std::mutex mu_;
  DiskStatus status_;  // under mu_
  std::condition_variable cv_;
  bool stop_ = false;  // under mu_
  std::thread thread_;
};

}  // namespace holdfast
