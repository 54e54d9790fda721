// A background failure is never dropped (index/shard/shard_failure.h): a
// real fault — the segments directory replaced by a file, so creating a
// segment file fails with ENOTDIR even for root — makes the background
// flush fail; the shard reports why (callback, failure(), stats), refuses
// writes with that reason, keeps answering searches and gets, and reopened
// on the repaired directory it has every acknowledged write.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "tests/index/shard_test_util.h"
#include "tests/support/test_process.h"

namespace holdfast {
namespace {

using namespace std::chrono_literals;

TEST(ShardFailureTest, FailedBackgroundFlushFailsTheShardAndLosesNothing) {
  testing::TempDir tmp;
  const std::string dir = tmp.Sub("shard");
  auto mappings = testing::TestMappings();
  std::mutex mu;
  std::vector<Status> reported;
  ShardEngineOptions o = testing::TestShardOptions(dir);
  o.refresh_interval = 20ms;
  o.flush_threshold_ops = 10;  // the background loop flushes after 10 ops
  o.on_failure = [&](const Status& s) {
    std::lock_guard<std::mutex> lock(mu);
    reported.push_back(s);
  };
  auto engine = testing::OpenShard(o, mappings);
  ASSERT_NE(engine, nullptr);
  std::vector<std::string> acked;
  // Not more than the threshold: no background flush runs while the fault is set up.
  for (int i = 0; i < 10; ++i) {
    const std::string id = "before" + std::to_string(i);
    ASSERT_TRUE(testing::IndexDoc(*engine, id, R"({"title":"flushed fine"})").status.ok());
    acked.push_back(id);
  }
  ASSERT_TRUE(engine->Flush().ok());

  // The fault: segments/ becomes a file (the mapped segment files stay open).
  std::filesystem::rename(dir + "/segments", dir + "/segments.moved");
  { std::ofstream(dir + "/segments") << "not a directory"; }
  // Writes are acknowledged (durable in the store) until the background
  // flush, due after 10 of them, fails the shard.
  for (int i = 0; i < 30; ++i) {
    const std::string id = "after" + std::to_string(i);
    auto w = testing::IndexDoc(*engine, id, R"({"title":"in the op log"})");
    if (!w.status.ok()) break;
    acked.push_back(id);
  }
  ASSERT_TRUE(testing::WaitFor([&] { return !engine->failure().ok(); }, 20s)) << "the background flush never failed";
  const Status failure = engine->failure();
  EXPECT_NE(failure.message().find("flush failed"), std::string::npos) << failure.ToString();
  EXPECT_NE(failure.message().find("Not a directory"), std::string::npos) << failure.ToString();
  EXPECT_NE(failure.message().find("segments"), std::string::npos) << failure.ToString();
  {
    std::lock_guard<std::mutex> lock(mu);
    ASSERT_EQ(reported.size(), 1u);
    EXPECT_EQ(reported[0].ToString(), failure.ToString());
  }
  EXPECT_EQ(engine->Stats().failure, failure.ToString());

  // Writes are refused with that reason; searches and gets still answer.
  auto refused = testing::IndexDoc(*engine, "refused", R"({"title":"no"})");
  EXPECT_EQ(refused.status.ToString(), failure.ToString());
  EXPECT_EQ(engine->Flush().ToString(), failure.ToString());
  EXPECT_FALSE(engine->Get("refused")->found);
  EXPECT_TRUE(engine->Get("after0")->found);
  const auto searchable = testing::SearchableIds(*engine);
  EXPECT_GE(searchable.size(), 10u);
  EXPECT_TRUE(std::binary_search(searchable.begin(), searchable.end(), "before3"));
  EXPECT_EQ(engine->Close().ToString(), failure.ToString());  // not flushed: failed
  engine.reset();

  // Repaired, the shard reopens with every acknowledged write.
  std::filesystem::remove(dir + "/segments");
  std::filesystem::rename(dir + "/segments.moved", dir + "/segments");
  o.on_failure = nullptr;
  engine = testing::OpenShard(o, mappings);
  ASSERT_NE(engine, nullptr);
  EXPECT_TRUE(engine->failure().ok());
  for (const std::string& id : acked) EXPECT_TRUE(engine->Get(id)->found) << id;
  ASSERT_TRUE(engine->Refresh().ok());
  EXPECT_EQ(testing::SearchableIds(*engine).size(), acked.size());
  EXPECT_TRUE(engine->CheckConsistency().ok()) << engine->CheckConsistency().ToString();
  EXPECT_TRUE(testing::IndexDoc(*engine, "again", R"({"title":"healthy"})").status.ok());
}

}  // namespace
}  // namespace holdfast
