// DiskMonitor (lifecycle/disk_monitor.h): the levels against percentage and
// free-space watermarks, the write block's hysteresis (on past the flood
// stage, off only below the high watermark), the switch that disables it,
// watermark validation, and sampling a real filesystem.
#include "lifecycle/disk_monitor.h"

#include <gtest/gtest.h>

#include <vector>

#include "tests/support/test_process.h"

namespace holdfast {
namespace {

constexpr uint64_t kTotal = 1000;

DiskUsage Used(uint64_t used) { return DiskUsage{kTotal, kTotal - used}; }

// A monitor whose samples are the next of `script` (used bytes of 1000).
class ScriptedDisk {
 public:
  explicit ScriptedDisk(DiskWatermarks watermarks = {}) {
    DiskMonitor::Options o;
    o.path = "/scripted";
    o.watermarks = std::move(watermarks);
    o.probe = [this](const std::string&) -> Result<DiskUsage> {
      if (fail_next_) {
        fail_next_ = false;
        return Status::IOError("statvfs /scripted: Input/output error");
      }
      return Used(used_);
    };
    o.on_sample = [this](const DiskStatus& s) { heard_.push_back(s); };
    monitor_ = std::make_unique<DiskMonitor>(std::move(o));
  }
  DiskStatus Sample(uint64_t used) {
    used_ = used;
    return monitor_->Refresh();
  }
  DiskStatus FailedSample() {
    fail_next_ = true;
    return monitor_->Refresh();
  }
  DiskMonitor& monitor() { return *monitor_; }
  const std::vector<DiskStatus>& heard() const { return heard_; }

 private:
  uint64_t used_ = 0;
  bool fail_next_ = false;
  std::vector<DiskStatus> heard_;
  std::unique_ptr<DiskMonitor> monitor_;
};

TEST(DiskMonitorTest, LevelsFollowTheWatermarks) {
  const DiskWatermarks w;  // 85% / 90% / 95%
  EXPECT_EQ(LevelOf(Used(0), w), DiskLevel::kBelowLow);
  EXPECT_EQ(LevelOf(Used(850), w), DiskLevel::kBelowLow) << "exceeded means more than the watermark";
  EXPECT_EQ(LevelOf(Used(851), w), DiskLevel::kOverLow);
  EXPECT_EQ(LevelOf(Used(901), w), DiskLevel::kOverHigh);
  EXPECT_EQ(LevelOf(Used(951), w), DiskLevel::kOverFloodStage);
  EXPECT_EQ(LevelOf(Used(1000), w), DiskLevel::kOverFloodStage);
  DiskWatermarks bytes;
  bytes.low = DiskWatermark::FreeBytes(300, "300b");
  bytes.high = DiskWatermark::FreeBytes(200, "200b");
  bytes.flood_stage = DiskWatermark::FreeBytes(100, "100b");
  EXPECT_TRUE(bytes.Validate().ok());
  EXPECT_EQ(LevelOf(Used(700), bytes), DiskLevel::kBelowLow);
  EXPECT_EQ(LevelOf(Used(701), bytes), DiskLevel::kOverLow);
  EXPECT_EQ(LevelOf(Used(850), bytes), DiskLevel::kOverHigh);
  EXPECT_EQ(LevelOf(Used(901), bytes), DiskLevel::kOverFloodStage);
  EXPECT_STREQ(DiskLevelName(DiskLevel::kOverFloodStage), "flood_stage");
}

TEST(DiskMonitorTest, TheBlockTurnsOnPastTheFloodStageAndOffOnlyBelowTheHighWatermark) {
  ScriptedDisk disk;
  EXPECT_FALSE(disk.Sample(500).write_block);
  EXPECT_FALSE(disk.Sample(920).write_block) << "over high, never past flood: no block";
  DiskStatus s = disk.Sample(960);
  EXPECT_EQ(s.level, DiskLevel::kOverFloodStage);
  EXPECT_TRUE(s.write_block);
  EXPECT_TRUE(disk.Sample(940).write_block) << "below the flood stage, still over high: stays on";
  EXPECT_TRUE(disk.Sample(901).write_block);
  s = disk.Sample(900);
  EXPECT_EQ(s.level, DiskLevel::kOverLow);
  EXPECT_FALSE(s.write_block) << "below the high watermark: released";
  EXPECT_FALSE(disk.Sample(940).write_block) << "over high again, never past flood: stays off";
  EXPECT_TRUE(disk.Sample(999).write_block);
  EXPECT_FALSE(disk.Sample(10).write_block);
  // on_sample heard every sample, in order, with the block as it was then.
  ASSERT_EQ(disk.heard().size(), 9u);
  EXPECT_TRUE(disk.heard()[2].write_block);
  EXPECT_FALSE(disk.heard()[5].write_block);
  EXPECT_EQ(disk.monitor().Current().usage.used_bytes(), 10u);
}

TEST(DiskMonitorTest, AFailedSampleKeepsTheLastStateAndSaysWhy) {
  ScriptedDisk disk;
  ASSERT_TRUE(disk.Sample(970).write_block);
  DiskStatus s = disk.FailedSample();
  EXPECT_TRUE(s.write_block);
  EXPECT_EQ(s.usage.used_bytes(), 970u);
  EXPECT_EQ(s.error.code(), StatusCode::kIOError);
  s = disk.Sample(100);
  EXPECT_TRUE(s.error.ok());
  EXPECT_FALSE(s.write_block);
}

TEST(DiskMonitorTest, DisabledThresholdsMeasureButNeverBlock) {
  DiskWatermarks w;
  w.enabled = false;
  ScriptedDisk disk(w);
  DiskStatus s = disk.Sample(1000);
  EXPECT_EQ(s.level, DiskLevel::kOverFloodStage);
  EXPECT_FALSE(s.write_block);
  EXPECT_FALSE(NextWriteBlock(true, DiskLevel::kOverFloodStage, /*enabled=*/false));
}

TEST(DiskMonitorTest, WatermarksMustBeOfOneKindAndInOrder) {
  DiskWatermarks w;
  EXPECT_TRUE(w.Validate().ok());
  w.high = DiskWatermark::UsedPercent(80, "80%");
  EXPECT_EQ(w.Validate().code(), StatusCode::kInvalidArgument);
  w = DiskWatermarks{};
  w.flood_stage = DiskWatermark::UsedPercent(89, "89%");
  EXPECT_NE(w.Validate().message().find("high disk watermark [90%] must be at most the flood stage disk watermark [89%]"),
            std::string::npos)
      << w.Validate().message();
  w = DiskWatermarks{};
  w.flood_stage = DiskWatermark::FreeBytes(1 << 20, "1mb");
  EXPECT_NE(w.Validate().message().find("all be percentages or all be byte sizes"), std::string::npos);
  w.low = DiskWatermark::FreeBytes(1 << 20, "1mb");
  w.high = DiskWatermark::FreeBytes(2 << 20, "2mb");
  EXPECT_NE(w.Validate().message().find("must be at least"), std::string::npos) << w.Validate().message();
}

TEST(DiskMonitorTest, SamplesARealFilesystemPeriodically) {
  testing::TempDir tmp;
  auto usage = ProbeFilesystem(tmp.path());
  ASSERT_TRUE(usage.ok()) << usage.status().ToString();
  EXPECT_GT(usage->total_bytes, 0u);
  EXPECT_LE(usage->available_bytes, usage->total_bytes);
  EXPECT_FALSE(ProbeFilesystem(tmp.Sub("missing")).ok());

  std::atomic<int> samples{0};
  DiskMonitor::Options o;
  o.path = tmp.path();
  o.interval = std::chrono::milliseconds(10);
  o.on_sample = [&](const DiskStatus& s) {
    EXPECT_TRUE(s.sampled);
    ++samples;
  };
  DiskMonitor monitor(o);
  monitor.Start();
  EXPECT_TRUE(testing::WaitFor([&] { return samples.load() >= 3; }, std::chrono::seconds(10)));
  monitor.Stop();
  const int after_stop = samples.load();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(samples.load(), after_stop);
  EXPECT_EQ(monitor.Current().path, tmp.path());
}

}  // namespace
}  // namespace holdfast
