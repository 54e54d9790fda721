// Local and global checkpoints (index/shard/local_checkpoint_tracker.h,
// replication/global_checkpoint_tracker.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <thread>
#include <vector>

#include "index/shard/local_checkpoint_tracker.h"
#include "replication/global_checkpoint_tracker.h"

namespace holdfast {
namespace {

TEST(LocalCheckpointTrackerTest, CheckpointWaitsForGaps) {
  LocalCheckpointTracker t;
  EXPECT_EQ(t.checkpoint(), kNoOpsPerformed);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(t.GenerateSeqNo(), i);
  t.MarkProcessed(1);
  t.MarkProcessed(3);
  EXPECT_EQ(t.checkpoint(), kNoOpsPerformed);  // 0 missing
  t.MarkProcessed(0);
  EXPECT_EQ(t.checkpoint(), 1);  // 2 missing
  t.MarkProcessed(2);
  EXPECT_EQ(t.checkpoint(), 3);
  t.MarkProcessed(4);
  EXPECT_EQ(t.checkpoint(), 4);
  EXPECT_EQ(t.max_seq_no(), 4);
}

TEST(LocalCheckpointTrackerTest, ResumesFromARecoveredCheckpoint) {
  LocalCheckpointTracker t(41, 41);
  EXPECT_EQ(t.GenerateSeqNo(), 42);
  t.MarkProcessed(42);
  EXPECT_EQ(t.checkpoint(), 42);
}

TEST(LocalCheckpointTrackerTest, ConcurrentOutOfOrderCompletion) {
  LocalCheckpointTracker t;
  constexpr int kOps = 20000;
  std::vector<int64_t> seqs(kOps);
  for (auto& s : seqs) s = t.GenerateSeqNo();
  std::shuffle(seqs.begin(), seqs.end(), std::mt19937(7));
  std::vector<std::thread> threads;
  for (int w = 0; w < 4; ++w) {
    threads.emplace_back([&, w] {
      for (int i = w; i < kOps; i += 4) t.MarkProcessed(seqs[i]);
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(t.checkpoint(), kOps - 1);
}

TEST(GlobalCheckpointTrackerTest, MinimumOverInSyncCopies) {
  GlobalCheckpointTracker g;
  EXPECT_EQ(g.global_checkpoint(), kNoOpsPerformed);
  g.MarkInSync("primary", 10);
  g.MarkInSync("replica-a", 7);
  g.MarkInSync("replica-b", 9);
  EXPECT_EQ(g.global_checkpoint(), 7);
  g.UpdateLocalCheckpoint("replica-a", 12);
  EXPECT_EQ(g.global_checkpoint(), 9);
  g.UpdateLocalCheckpoint("replica-b", 3);  // never backwards
  EXPECT_EQ(g.global_checkpoint(), 9);
  g.UpdateLocalCheckpoint("stranger", 0);   // not in sync: ignored
  EXPECT_FALSE(g.IsInSync("stranger"));
  g.Remove("replica-b");                    // a failed copy no longer holds it back
  EXPECT_EQ(g.global_checkpoint(), 10);
  EXPECT_EQ(g.in_sync_count(), 2u);
}

}  // namespace
}  // namespace holdfast
