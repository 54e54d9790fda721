// The shard's STATE file (index/shard/shard_state.h): created on the first
// open, read back on reopen, updated when the term changes and at flush;
// a damaged STATE is reported as corruption naming it.
#include "index/shard/shard_state.h"

#include <gtest/gtest.h>

#include "index/util/file_util.h"
#include "tests/index/shard_test_util.h"
#include "tests/support/test_process.h"

namespace holdfast {
namespace {

Result<ShardState> ReadState(const std::string& shard_dir) {
  auto bytes = ReadFileToString(shard_dir + "/STATE");
  if (!bytes.ok()) return bytes.status();
  return DecodeShardState(bytes.value(), "STATE");
}

TEST(ShardStateTest, WrittenOnCreateKeptOnReopenAndUpdated) {
  testing::TempDir tmp;
  const std::string dir = tmp.Sub("shard");
  auto mappings = testing::TestMappings();
  ShardEngineOptions o = testing::TestShardOptions(dir);
  o.allocation_id = "alloc-1";
  o.primary_term = 3;
  std::string history;
  {
    auto engine = testing::OpenShard(o, mappings);
    ASSERT_NE(engine, nullptr);
    auto state = ReadState(dir);
    ASSERT_TRUE(state.ok()) << state.status().ToString();
    EXPECT_EQ(state->allocation_id, "alloc-1");
    EXPECT_EQ(state->primary_term, 3);
    EXPECT_EQ(state->local_checkpoint, kNoOpsPerformed);
    EXPECT_EQ(state->history_uuid.size(), 36u);
    history = state->history_uuid;
    EXPECT_EQ(engine->history_uuid(), history);
    EXPECT_EQ(engine->allocation_id(), "alloc-1");
    EXPECT_EQ(engine->primary_term(), 3);
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(testing::IndexDoc(*engine, "d" + std::to_string(i), R"({"n":1})").status.ok());
    EXPECT_EQ(testing::IndexDoc(*engine, "x", R"({"n":1})").stamp.primary_term, 3);
    ASSERT_TRUE(engine->Flush().ok());
    EXPECT_EQ(ReadState(dir)->local_checkpoint, 5);
    // Terms only grow, and a new one is durable before SetPrimaryTerm returns.
    EXPECT_EQ(engine->SetPrimaryTerm(2).kind(), StatusCode::kFenced);
    ASSERT_TRUE(engine->SetPrimaryTerm(7).ok());
    EXPECT_EQ(ReadState(dir)->primary_term, 7);
    EXPECT_EQ(testing::IndexDoc(*engine, "y", R"({"n":1})").stamp.primary_term, 7);
    EXPECT_EQ(engine->Stats().primary_term, 7);
  }
  // Reopened with the original options: the file's newer term and identity stay.
  o.allocation_id.clear();
  auto engine = testing::OpenShard(o, mappings);
  ASSERT_NE(engine, nullptr);
  EXPECT_EQ(engine->primary_term(), 7);
  EXPECT_EQ(engine->allocation_id(), "alloc-1");
  EXPECT_EQ(engine->history_uuid(), history);
  EXPECT_EQ(testing::IndexDoc(*engine, "z", R"({"n":1})").stamp, (OpStamp{7, 7}));  // d0-d4, x, y, z
  ASSERT_TRUE(engine->Close().ok());
  EXPECT_EQ(ReadState(dir)->local_checkpoint, 7);  // written at close
  // A newer term or another allocation id from the owner is adopted.
  engine.reset();
  o.primary_term = 9;
  o.allocation_id = "alloc-2";
  engine = testing::OpenShard(o, mappings);
  ASSERT_NE(engine, nullptr);
  EXPECT_EQ(ReadState(dir)->primary_term, 9);
  EXPECT_EQ(ReadState(dir)->allocation_id, "alloc-2");
  EXPECT_EQ(engine->history_uuid(), history);
}

// A copy forced to be primary over what its volume holds (allocate_stale_primary)
// starts a new history when the files were another allocation's — once: its own
// reopen keeps it — so that no copy of the old history catches up from it by ops.
TEST(ShardStateTest, ANewHistoryForFilesOfAnotherAllocationOnce) {
  testing::TempDir tmp;
  const std::string dir = tmp.Sub("shard");
  auto mappings = testing::TestMappings();
  ShardEngineOptions o = testing::TestShardOptions(dir);
  o.allocation_id = "replica-1";
  std::string history;
  {
    auto engine = testing::OpenShard(o, mappings);
    ASSERT_NE(engine, nullptr);
    ASSERT_TRUE(testing::IndexDoc(*engine, "d", R"({"n":1})").status.ok());
    history = engine->history_uuid();
  }
  o.new_history_if_reallocated = true;
  o.allocation_id = "forced-2";
  std::string forced;
  {
    auto engine = testing::OpenShard(o, mappings);
    ASSERT_NE(engine, nullptr);
    forced = engine->history_uuid();
    EXPECT_NE(forced, history);
    EXPECT_EQ(ReadState(dir)->history_uuid, forced);
    EXPECT_EQ(engine->Stats().docs + engine->Stats().buffered_docs, 1u) << "the documents stay";
  }
  auto engine = testing::OpenShard(o, mappings);  // its own files now
  ASSERT_NE(engine, nullptr);
  EXPECT_EQ(engine->history_uuid(), forced);
}

TEST(ShardStateTest, CorruptStateIsReportedAsCorruption) {
  testing::TempDir tmp;
  const std::string dir = tmp.Sub("shard");
  auto mappings = testing::TestMappings();
  const ShardEngineOptions o = testing::TestShardOptions(dir);
  {
    auto engine = testing::OpenShard(o, mappings);
    ASSERT_NE(engine, nullptr);
    ASSERT_TRUE(testing::IndexDoc(*engine, "a", R"({"n":1})").status.ok());
  }
  const std::string path = dir + "/STATE";
  const std::string good = ReadFileToString(path).value();
  for (size_t at : {size_t{3}, good.find("primary_term=") + 13, good.size() - 1}) {
    std::string bad = good;
    bad[at] ^= 0x01;
    ASSERT_TRUE(WriteFileDurably(path, bad).ok());
    auto e = ShardEngine::Open(o, mappings);
    ASSERT_FALSE(e.ok()) << "flipped byte " << at;
    EXPECT_EQ(e.status().code(), StatusCode::kCorruption) << e.status().ToString();
    EXPECT_NE(e.status().message().find("STATE"), std::string::npos) << e.status().ToString();
  }
  ASSERT_TRUE(WriteFileDurably(path, good.substr(0, 10)).ok());  // truncated
  auto t = ShardEngine::Open(o, mappings);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kCorruption) << t.status().ToString();
  ASSERT_TRUE(WriteFileDurably(path, good).ok());
  EXPECT_NE(testing::OpenShard(o, mappings), nullptr);
}

}  // namespace
}  // namespace holdfast
