#include "lifecycle/disk_monitor.h"

#include <spdlog/spdlog.h>
#include <sys/statvfs.h>

#include <cerrno>
#include <cstring>

namespace holdfast {

namespace {

std::string HumanBytes(uint64_t bytes) {
  static constexpr const char* kUnits[] = {"b", "kb", "mb", "gb", "tb", "pb"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024 && unit < 5) {
    value /= 1024;
    ++unit;
  }
  return fmt::format("{:.1f}{}", value, kUnits[unit]);
}

bool SameKind(const DiskWatermark& a, const DiskWatermark& b) { return a.kind == b.kind; }

// a comes before b in the order low → high → flood stage.
bool InOrder(const DiskWatermark& a, const DiskWatermark& b) {
  return a.kind == DiskWatermark::Kind::kUsedPercent ? a.used_percent <= b.used_percent : a.free_bytes >= b.free_bytes;
}

}  // namespace

double DiskUsage::used_percent() const {
  if (total_bytes == 0) return 0;
  return 100.0 * static_cast<double>(used_bytes()) / static_cast<double>(total_bytes);
}

DiskWatermark DiskWatermark::UsedPercent(double percent, std::string text) {
  DiskWatermark w;
  w.kind = Kind::kUsedPercent;
  w.used_percent = percent;
  w.text = std::move(text);
  return w;
}

DiskWatermark DiskWatermark::FreeBytes(uint64_t bytes, std::string text) {
  DiskWatermark w;
  w.kind = Kind::kFreeBytes;
  w.free_bytes = bytes;
  w.text = std::move(text);
  return w;
}

bool DiskWatermark::ExceededBy(const DiskUsage& usage) const {
  if (kind == Kind::kFreeBytes) return usage.available_bytes < free_bytes;
  return usage.used_percent() > used_percent;
}

Status DiskWatermarks::Validate() const {
  if (!SameKind(low, high) || !SameKind(high, flood_stage)) {
    return Status::InvalidArgument("disk watermarks must all be percentages or all be byte sizes: low [" + low.text +
                                   "], high [" + high.text + "], flood_stage [" + flood_stage.text + "]");
  }
  const char* order = low.kind == DiskWatermark::Kind::kUsedPercent ? "at most" : "at least";
  if (!InOrder(low, high)) {
    return Status::InvalidArgument("low disk watermark [" + low.text + "] must be " + order +
                                   " the high disk watermark [" + high.text + "]");
  }
  if (!InOrder(high, flood_stage)) {
    return Status::InvalidArgument("high disk watermark [" + high.text + "] must be " + order +
                                   " the flood stage disk watermark [" + flood_stage.text + "]");
  }
  return Status::OK();
}

const char* DiskLevelName(DiskLevel level) {
  switch (level) {
    case DiskLevel::kBelowLow: return "ok";
    case DiskLevel::kOverLow: return "low";
    case DiskLevel::kOverHigh: return "high";
    case DiskLevel::kOverFloodStage: return "flood_stage";
  }
  return "unknown";
}

DiskLevel LevelOf(const DiskUsage& usage, const DiskWatermarks& w) {
  if (w.flood_stage.ExceededBy(usage)) return DiskLevel::kOverFloodStage;
  if (w.high.ExceededBy(usage)) return DiskLevel::kOverHigh;
  if (w.low.ExceededBy(usage)) return DiskLevel::kOverLow;
  return DiskLevel::kBelowLow;
}

bool NextWriteBlock(bool was_on, DiskLevel level, bool enabled) {
  if (!enabled) return false;
  if (level == DiskLevel::kOverFloodStage) return true;
  if (level < DiskLevel::kOverHigh) return false;
  return was_on;  // between the high watermark and the flood stage: as it was
}

Result<DiskUsage> ProbeFilesystem(const std::string& path) {
  struct statvfs st {};
  if (::statvfs(path.c_str(), &st) != 0) {
    return Status::IOError("statvfs " + path + ": " + std::strerror(errno));
  }
  DiskUsage usage;
  usage.total_bytes = static_cast<uint64_t>(st.f_blocks) * st.f_frsize;
  usage.available_bytes = static_cast<uint64_t>(st.f_bavail) * st.f_frsize;
  return usage;
}

DiskMonitor::DiskMonitor(Options options) : options_(std::move(options)) { status_.path = options_.path; }

DiskMonitor::~DiskMonitor() { Stop(); }

void DiskMonitor::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable() || stop_) return;
  thread_ = std::thread([this] { Loop(); });
}

void DiskMonitor::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void DiskMonitor::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    cv_.wait_for(lock, options_.interval);
    if (stop_) return;
    lock.unlock();
    (void)Refresh();
    lock.lock();
  }
}

DiskStatus DiskMonitor::Current() const {
  std::lock_guard<std::mutex> lock(mu_);
  return status_;
}

DiskStatus DiskMonitor::Refresh() {
  std::lock_guard<std::mutex> sampling(sample_mu_);
  auto usage = options_.probe ? options_.probe(options_.path) : ProbeFilesystem(options_.path);
  DiskStatus before, after;
  {
    std::lock_guard<std::mutex> lock(mu_);
    before = status_;
    if (usage.ok()) {
      status_.sampled = true;
      status_.error = Status::OK();
      status_.usage = usage.value();
      status_.level = LevelOf(status_.usage, options_.watermarks);
      status_.write_block = NextWriteBlock(status_.write_block, status_.level, options_.watermarks.enabled);
    } else {
      status_.error = usage.status();  // the last good sample and the block stay
    }
    after = status_;
  }
  LogTransition(before, after);
  if (options_.on_sample) options_.on_sample(after);
  return after;
}

void DiskMonitor::LogTransition(const DiskStatus& before, const DiskStatus& after) const {
  if (!after.error.ok()) {
    if (before.error.ok()) spdlog::error("disk monitor: cannot measure the data volume: {}", after.error.message());
    return;
  }
  if (!before.error.ok()) spdlog::info("disk monitor: measuring the data volume again");
  const DiskWatermarks& w = options_.watermarks;
  const std::string where = fmt::format("on [{}][{}] ({:.1f}% used, {} free of {})", options_.node_name, after.path,
                                        after.usage.used_percent(), HumanBytes(after.usage.available_bytes),
                                        HumanBytes(after.usage.total_bytes));
  const bool first = !before.sampled;
  if (after.level != before.level || first) {
    switch (after.level) {
      case DiskLevel::kOverFloodStage:
        spdlog::warn("flood stage disk watermark [{}] exceeded {}", w.flood_stage.text, where);
        break;
      case DiskLevel::kOverHigh:
        spdlog::warn("high disk watermark [{}] exceeded {}", w.high.text, where);
        break;
      case DiskLevel::kOverLow:
        spdlog::warn("low disk watermark [{}] exceeded {}", w.low.text, where);
        break;
      case DiskLevel::kBelowLow:
        if (!first) spdlog::info("disk usage back below the low disk watermark [{}] {}", w.low.text, where);
        break;
    }
  }
  if (after.write_block && !before.write_block) {
    spdlog::warn(
        "every index on this node is now blocked for writes (read-only-allow-delete; deletes still run) until disk "
        "usage is below the high disk watermark [{}]",
        w.high.text);
  } else if (!after.write_block && before.write_block) {
    spdlog::info("disk usage below the high disk watermark [{}] {}: the write block is released", w.high.text, where);
  }
}

}  // namespace holdfast
