// A shard on a full disk, on a tiny tmpfs the test mounts (root only; the
// tests fail, not skip, without it), no disk monitor:
//   - a store write that meets ENOSPC fails with kNoSpace, never aborts, and
//     fails the shard for writes only (gets and searches answer);
//   - the store syncs its WAL after such a failure without aborting (RocksDB
//     keeps its assertions on Debian: FlushWAL on a failed WAL writer aborts);
//   - reopened on a volume with no byte free, the shard recovers read-only:
//     every acknowledged document searchable, writes refused with kNoSpace;
//   - reopened once space is freed, it takes writes again, nothing lost;
//   - while background writes are held (a disk past its flood stage), the
//     engine neither flushes nor merges on its own, and Close() does not flush.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "index/shard/shard_store.h"
#include "tests/index/shard_test_util.h"
#include "tests/support/test_process.h"
#include "tests/support/tmpfs_mount.h"

namespace holdfast {
namespace {

using namespace std::chrono_literals;
using testing::TmpfsMount;

constexpr uint64_t kMiB = 1ull << 20;

std::string Source(int n) {
  std::string text = "{\"title\":\"";
  for (int i = 0; i < 30; ++i) text += "word" + std::to_string((n * 31 + i * 7) % 997) + " ";
  return text + "\",\"n\":" + std::to_string(n) + "}";
}

// Writes batches of 100 documents until one fails (refreshing after the
// tenth); returns the ids acknowledged, *failure the first error.
std::vector<std::string> WriteUntilFailure(ShardEngine& engine, Status* failure) {
  std::vector<std::string> acked;
  for (int batch = 0; batch < 100'000; ++batch) {
    if (batch == 10) {
      EXPECT_TRUE(engine.Refresh().ok());
    }
    std::vector<WriteRequest> requests;
    for (int i = 0; i < 100; ++i) {
      const int n = batch * 100 + i;
      requests.push_back(WriteRequest{WriteOpType::kIndex, "d" + std::to_string(n), Source(n), {}, {}});
    }
    const std::vector<WriteResult> results = engine.Write(requests);
    for (size_t i = 0; i < results.size(); ++i) {
      if (results[i].status.ok()) {
        acked.push_back(requests[i].id);
      } else if (failure->ok()) {
        *failure = results[i].status;
      }
    }
    if (!failure->ok()) return acked;
  }
  return acked;
}

class ShardDiskFullTest : public ::testing::Test {
 protected:
  void SetUp() override {
    mount_ = std::make_unique<TmpfsMount>(tmp_.Sub("volume"), 12 * kMiB);
    ASSERT_TRUE(mount_->ok()) << mount_->error();
    std::string error;
    ASSERT_TRUE(testing::WriteFiller(mount_->Sub("filler"), 4 * kMiB, &error)) << error;
  }
  testing::TempDir tmp_;
  std::unique_ptr<TmpfsMount> mount_;
};

TEST_F(ShardDiskFullTest, EnospcFailsWritesTypedThenTheShardReopensReadOnlyAndWritableOnceSpaceIsFreed) {
  auto mappings = testing::TestMappings();
  ShardEngineOptions o = testing::TestShardOptions(mount_->Sub("shard"));
  o.refresh_interval = 50ms;
  std::atomic<int> reported{0};
  o.on_failure = [&](const Status& s) {
    EXPECT_EQ(s.code(), StatusCode::kNoSpace) << s.ToString();
    ++reported;
  };
  auto engine = testing::OpenShard(o, mappings);
  ASSERT_NE(engine, nullptr);

  Status failure;
  const std::vector<std::string> acked = WriteUntilFailure(*engine, &failure);
  ASSERT_FALSE(failure.ok()) << "the volume never filled";
  EXPECT_EQ(failure.code(), StatusCode::kNoSpace) << failure.ToString();
  EXPECT_NE(failure.message().find("No space left on device"), std::string::npos) << failure.ToString();
  ASSERT_GT(acked.size(), 1000u);
  EXPECT_EQ(engine->failure().code(), StatusCode::kNoSpace);
  EXPECT_EQ(reported.load(), 1);
  // Writes are refused with the same kind; reads answer.
  EXPECT_EQ(testing::IndexDoc(*engine, "more", Source(1)).status.code(), StatusCode::kNoSpace);
  EXPECT_EQ(testing::DeleteDoc(*engine, acked.front()).status.code(), StatusCode::kNoSpace);
  EXPECT_TRUE(engine->Get(acked.front())->found);
  EXPECT_TRUE(engine->Get(acked.back())->found);
  EXPECT_GE(testing::SearchableIds(*engine).size(), 1000u);
  EXPECT_EQ(engine->Close().code(), StatusCode::kNoSpace);
  engine.reset();

  // Not a byte free: the store opens read-only, everything acknowledged is searchable.
  testing::FillToTheBrim(mount_->Sub("brim"));
  ASSERT_EQ(testing::FreeBytes(mount_->path()), 0u);
  reported = 0;
  engine = testing::OpenShard(o, mappings);
  ASSERT_NE(engine, nullptr);
  EXPECT_TRUE(engine->store().read_only());
  EXPECT_EQ(engine->failure().code(), StatusCode::kNoSpace);
  EXPECT_NE(engine->failure().message().find("read-only"), std::string::npos) << engine->failure().ToString();
  EXPECT_EQ(testing::SearchableIds(*engine).size(), acked.size());
  EXPECT_TRUE(engine->Get(acked.back())->found);
  EXPECT_EQ(testing::IndexDoc(*engine, "more", Source(2)).status.code(), StatusCode::kNoSpace);
  EXPECT_EQ(engine->Close().code(), StatusCode::kNoSpace);
  engine.reset();

  // Space freed: writable again, every acknowledged document there.
  std::filesystem::remove(mount_->Sub("brim"));
  std::filesystem::remove(mount_->Sub("filler"));
  o.on_failure = nullptr;
  engine = testing::OpenShard(o, mappings);
  ASSERT_NE(engine, nullptr);
  EXPECT_FALSE(engine->store().read_only());
  EXPECT_TRUE(engine->failure().ok()) << engine->failure().ToString();
  ASSERT_TRUE(engine->FillGaps().ok());
  ASSERT_TRUE(testing::IndexDoc(*engine, "more", Source(3)).status.ok());
  ASSERT_TRUE(engine->Refresh().ok());
  const std::vector<std::string> searchable = testing::SearchableIds(*engine);
  EXPECT_EQ(searchable.size(), acked.size() + 1);
  size_t lost = 0;
  for (const std::string& id : acked) lost += std::binary_search(searchable.begin(), searchable.end(), id) ? 0 : 1;
  EXPECT_EQ(lost, 0u);
  EXPECT_TRUE(engine->CheckConsistency().ok()) << engine->CheckConsistency().ToString();
  EXPECT_TRUE(engine->Close().ok());
}

TEST_F(ShardDiskFullTest, StoreSyncsItsWalAfterAFailedWriteWithoutAborting) {
  ShardStoreOptions options;
  options.durability = Durability::kAsync;  // the owner syncs the WAL (SyncWal)
  auto store = ShardStore::Open(mount_->Sub("store"), options);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  Status failed;
  for (int64_t seq = 0; seq < 1'000'000 && failed.ok(); seq += 100) {
    std::vector<ShardOp> ops;
    for (int64_t i = 0; i < 100; ++i) {
      ops.push_back(ShardOp{OpType::kIndex, "d" + std::to_string(seq + i), OpStamp{1, seq + i}, 1,
                            Source(static_cast<int>(seq + i))});
    }
    failed = (*store)->Write(ops);
    if (failed.ok() && seq % 10'000 == 0) {
      ASSERT_TRUE((*store)->SyncWal().ok());
    }
  }
  ASSERT_EQ(failed.code(), StatusCode::kNoSpace) << failed.ToString();
  // FlushWAL(true) here would abort the process (RocksDB's assertion).
  EXPECT_FALSE((*store)->SyncWal().ok());
  EXPECT_FALSE((*store)->Write({ShardOp{OpType::kIndex, "x", OpStamp{1, 9'999'999}, 1, "{}"}}).ok());
  EXPECT_TRUE((*store)->GetRecord("d0").ok());
}

TEST_F(ShardDiskFullTest, HeldBackgroundWritesNeitherFlushNorMergeAndCloseDoesNotFlush) {
  auto mappings = testing::TestMappings();
  std::atomic<bool> hold{true};
  ShardEngineOptions o = testing::TestShardOptions(mount_->Sub("held"));
  o.refresh_interval = 20ms;
  o.flush_threshold_ops = 10;  // the background loop would flush after 10 ops
  o.background_merges = true;
  o.hold_background_writes = [&] { return hold.load(); };
  auto engine = testing::OpenShard(o, mappings);
  ASSERT_NE(engine, nullptr);
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(testing::IndexDoc(*engine, "d" + std::to_string(i), Source(i)).status.ok());
  ASSERT_TRUE(testing::WaitFor([&] { return testing::SearchableIds(*engine).size() == 50; }, 10s));
  std::this_thread::sleep_for(300ms);  // many background ticks
  EXPECT_EQ(engine->Stats().flushed_seq_no, kNoOpsPerformed) << "flushed while held";
  EXPECT_TRUE(engine->Close().ok());
  engine.reset();
  engine = testing::OpenShard(o, mappings);
  ASSERT_NE(engine, nullptr);
  EXPECT_EQ(engine->Stats().flushed_seq_no, kNoOpsPerformed) << "Close flushed while held";
  EXPECT_EQ(testing::SearchableIds(*engine).size(), 50u) << "replayed from the op log";
  hold = false;
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(testing::IndexDoc(*engine, "released" + std::to_string(i), Source(i)).status.ok());
  }
  EXPECT_TRUE(testing::WaitFor([&] { return engine->Stats().flushed_seq_no >= 50; }, 10s))
      << "no background flush once released";
}

}  // namespace
}  // namespace holdfast
