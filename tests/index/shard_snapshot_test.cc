// File snapshots (index/shard/file_snapshot.h): taken while a writer keeps
// indexing (with flushes and merges going on), every listed file matches
// its length and checksum, and a shard opened on a copy of the files holds
// every document acknowledged before the snapshot, consistently, with the
// source's history uuid; the directory goes with the snapshot.
#include "index/shard/file_snapshot.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <thread>

#include "index/util/checksum.h"
#include "index/util/file_util.h"
#include "tests/index/shard_test_util.h"
#include "tests/support/test_process.h"

namespace holdfast {
namespace {

using namespace std::chrono_literals;

TEST(FileSnapshotTest, SnapshotTakenWhileWritingOpensAsAWorkingShard) {
  testing::TempDir tmp;
  auto mappings = testing::TestMappings();
  ShardEngineOptions o = testing::TestShardOptions(tmp.Sub("primary"));
  o.sole_copy = true;
  o.refresh_interval = 5ms;
  o.flush_threshold_ops = 50;  // background flushes (and trims) while the snapshot is taken
  o.background_merges = true;
  o.merge_factor = 3;
  auto primary = testing::OpenShard(o, mappings);
  ASSERT_NE(primary, nullptr);

  std::mutex mu;
  std::vector<std::string> acked;  // in acknowledgement order
  for (int i = 0; i < 100; ++i) {
    const std::string id = "init" + std::to_string(i);
    ASSERT_TRUE(testing::IndexDoc(*primary, id, R"({"title":"flushed before"})").status.ok());
    acked.push_back(id);
  }
  ASSERT_TRUE(primary->Flush().ok());
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int i = 0; !stop; ++i) {
      std::vector<WriteRequest> batch;
      for (int k = 0; k < 5; ++k) {
        const std::string id = "w" + std::to_string(i * 5 + k);
        batch.push_back({WriteOpType::kIndex, id, R"({"title":"doc )" + id + R"(","n":)" + std::to_string(i) + "}", {}, {}});
      }
      if (i % 4 == 3) batch.push_back({WriteOpType::kDelete, "w" + std::to_string(i), "", {}, {}});
      auto results = primary->Write(batch);
      std::lock_guard<std::mutex> lock(mu);
      for (size_t k = 0; k < batch.size(); ++k) {
        ASSERT_TRUE(results[k].status.ok()) << results[k].status.ToString();
        if (batch[k].type == WriteOpType::kIndex) acked.push_back(batch[k].id);
      }
    }
  });
  auto acked_count = [&] {
    std::lock_guard<std::mutex> lock(mu);
    return acked.size();
  };
  ASSERT_TRUE(testing::WaitFor([&] { return acked_count() >= 400; }, 60s));
  std::vector<std::string> before;
  {
    std::lock_guard<std::mutex> lock(mu);
    before = acked;
  }
  const std::string snap_dir = tmp.Sub("snapshot");
  auto snap = primary->TakeFileSnapshot(snap_dir);
  ASSERT_TRUE(snap.ok()) << snap.status().ToString();
  ASSERT_TRUE(testing::WaitFor([&] { return acked_count() >= before.size() + 200; }, 60s));  // writes went on
  stop = true;
  writer.join();
  EXPECT_EQ(primary->TakeFileSnapshot(snap_dir).status().code(), StatusCode::kAlreadyExists);

  // Every listed file is there with its length and checksum; a copy of them is a shard.
  const std::string copy_dir = tmp.Sub("copy");
  bool has_manifest = false, has_state = false, has_store = false;
  for (const SnapshotFile& f : (*snap)->files()) {
    auto bytes = ReadFileToString(snap_dir + "/" + f.path);
    ASSERT_TRUE(bytes.ok()) << f.path;
    EXPECT_EQ(bytes->size(), f.length) << f.path;
    EXPECT_EQ(Checksum64(bytes.value()), f.checksum) << f.path;
    has_manifest |= f.path == "segments/MANIFEST";
    has_state |= f.path == "STATE";
    has_store |= f.path.rfind("store/", 0) == 0;
    std::filesystem::create_directories(std::filesystem::path(copy_dir + "/" + f.path).parent_path());
    ASSERT_TRUE(WriteFileDurably(copy_dir + "/" + f.path, bytes.value()).ok());
  }
  EXPECT_TRUE(has_manifest && has_state && has_store);
  EXPECT_GE((*snap)->local_checkpoint(), 0);
  const int64_t snap_max = (*snap)->max_seq_no();
  EXPECT_GE(snap_max, (*snap)->local_checkpoint());
  snap->reset();
  EXPECT_FALSE(PathExists(snap_dir));  // the directory went with the snapshot

  ShardEngineOptions co = testing::TestShardOptions(copy_dir);
  co.allocation_id = "the-copy";
  auto copy = testing::OpenShard(co, mappings);
  ASSERT_NE(copy, nullptr);
  EXPECT_EQ(copy->history_uuid(), primary->history_uuid());
  EXPECT_EQ(copy->allocation_id(), "the-copy");
  EXPECT_EQ(copy->max_seq_no(), snap_max);
  for (const std::string& id : before) {
    auto got = copy->Get(id);
    ASSERT_TRUE(got.ok());
    // Deleted later by the writer (every 4th batch deletes an older id) or present.
    if (!got->found) {
      EXPECT_FALSE(primary->Get(id)->found) << id << " was acknowledged before the snapshot and is missing";
    }
  }
  // Exactly the documents of the snapshot's store, each as the primary wrote it.
  ASSERT_TRUE(copy->Refresh().ok());
  EXPECT_TRUE(copy->CheckConsistency().ok()) << copy->CheckConsistency().ToString();
  const auto copied = testing::StoredDocs(*copy);
  EXPECT_EQ(testing::SearchableIds(*copy).size(), copied.size());
  EXPECT_GE(copied.size() + before.size() / 4, before.size());
  const auto now = testing::StoredDocs(*primary);
  for (const auto& [id, doc] : copied) {
    auto it = now.find(id);
    if (it != now.end()) {
      EXPECT_EQ(it->second, doc) << id;  // ids are written once
    }
    EXPECT_LE(std::stoll(doc.substr(doc.find(" s") + 2)), snap_max) << id;
  }
  EXPECT_TRUE(testing::IndexDoc(*copy, "new", R"({"title":"the copy works"})").status.ok());
}

}  // namespace
}  // namespace holdfast
