// History a lagging copy can still use (ShardEngine::OpsSince, retention
// leases, the global checkpoint): flushes trim the op log only below every
// unexpired lease and the global checkpoint; OpsSince answers every op from
// a retained seq_no, consistently while writes go on, and reports trimmed
// history as an error, never as a partial list.
#include <gtest/gtest.h>

#include "tests/index/shard_test_util.h"
#include "tests/support/test_process.h"

namespace holdfast {
namespace {

using namespace std::chrono_literals;

constexpr StatusCode kHistoryTrimmedCode = StatusCode::kHistoryTrimmed;

// The seq_nos OpsSince(from) yields, or the error.
Result<std::vector<int64_t>> SeqNosSince(const ShardEngine& e, int64_t from) {
  auto snap = e.OpsSince(from);
  if (!snap.ok()) return snap.status();
  std::vector<int64_t> seqs;
  ShardOp op;
  while ((*snap)->Next(&op)) seqs.push_back(op.stamp.seq_no);
  if (!(*snap)->status().ok()) return (*snap)->status();
  return seqs;
}

std::vector<int64_t> Range(int64_t from, int64_t to) {
  std::vector<int64_t> v;
  for (int64_t i = from; i <= to; ++i) v.push_back(i);
  return v;
}

void IndexMany(ShardEngine& e, int from, int n) {
  for (int i = from; i < from + n; ++i) {
    ASSERT_TRUE(testing::IndexDoc(e, "d" + std::to_string(i % 13), R"({"n":)" + std::to_string(i) + "}").status.ok());
  }
}

TEST(ShardHistoryTest, LeaseKeepsHistoryAcrossFlushesAndRestarts) {
  testing::TempDir tmp;
  auto mappings = testing::TestMappings();
  ShardEngineOptions o = testing::TestShardOptions(tmp.Sub("shard"));
  o.sole_copy = true;  // global checkpoint = local checkpoint
  auto e = testing::OpenShard(o, mappings);
  ASSERT_NE(e, nullptr);
  IndexMany(*e, 0, 10);  // seq_nos 0..9
  ASSERT_TRUE(e->AddRetentionLease("replica-1", 6, "replica").ok());
  EXPECT_EQ(e->AddRetentionLease("replica-1", 2, "replica").code(), StatusCode::kAlreadyExists);
  IndexMany(*e, 10, 10);
  ASSERT_TRUE(e->Flush().ok());
  IndexMany(*e, 20, 5);
  ASSERT_TRUE(e->Flush().ok());
  EXPECT_EQ(e->global_checkpoint(), 24);
  // Everything from the lease on, exactly; below it, trimmed.
  EXPECT_EQ(SeqNosSince(*e, 6).value(), Range(6, 24));
  EXPECT_EQ(SeqNosSince(*e, 20).value(), Range(20, 24));
  EXPECT_EQ(SeqNosSince(*e, 5).status().code(), kHistoryTrimmedCode);
  EXPECT_NE(SeqNosSince(*e, 0).status().message().find("history trimmed"), std::string::npos);
  // Renewing never moves backwards; the lease survives a restart.
  ASSERT_TRUE(e->RenewRetentionLease("replica-1", 3).ok());
  EXPECT_EQ(e->RetentionLeases()->at(0).retaining_seq_no, 6);
  ASSERT_TRUE(e->RenewRetentionLease("replica-1", 12).ok());
  EXPECT_EQ(e->RenewRetentionLease("nobody", 1).code(), StatusCode::kNotFound);
  ASSERT_TRUE(e->Close().ok());
  e.reset();
  e = testing::OpenShard(o, mappings);
  ASSERT_NE(e, nullptr);
  auto leases = e->RetentionLeases();
  ASSERT_TRUE(leases.ok());
  ASSERT_EQ(leases->size(), 1u);
  EXPECT_EQ(leases->at(0).id, "replica-1");
  EXPECT_EQ(leases->at(0).retaining_seq_no, 12);
  EXPECT_EQ(leases->at(0).source, "replica");
  IndexMany(*e, 25, 5);
  ASSERT_TRUE(e->Flush().ok());
  EXPECT_EQ(SeqNosSince(*e, 12).value(), Range(12, 29));
  EXPECT_EQ(SeqNosSince(*e, 11).status().code(), kHistoryTrimmedCode);
  // Without a lease a flush trims up to the flushed checkpoint.
  ASSERT_TRUE(e->RemoveRetentionLease("replica-1").ok());
  ASSERT_TRUE(e->Flush().ok());
  EXPECT_EQ(SeqNosSince(*e, 0).status().code(), kHistoryTrimmedCode);
  EXPECT_EQ(SeqNosSince(*e, 29).status().code(), kHistoryTrimmedCode);
  EXPECT_EQ(SeqNosSince(*e, 30).value(), std::vector<int64_t>{});
}

TEST(ShardHistoryTest, GlobalCheckpointBoundsTrimming) {
  testing::TempDir tmp;
  ShardEngineOptions o = testing::TestShardOptions(tmp.Sub("shard"));  // not sole_copy: the owner says
  auto e = testing::OpenShard(o, testing::TestMappings());
  ASSERT_NE(e, nullptr);
  IndexMany(*e, 0, 10);
  ASSERT_TRUE(e->Flush().ok());
  EXPECT_EQ(e->global_checkpoint(), kNoOpsPerformed);
  EXPECT_EQ(SeqNosSince(*e, 0).value(), Range(0, 9));  // nothing trimmed: no copy confirmed anything
  e->UpdateGlobalCheckpoint(4);
  e->UpdateGlobalCheckpoint(2);  // never backwards
  EXPECT_EQ(e->global_checkpoint(), 4);
  EXPECT_EQ(e->Stats().global_checkpoint, 4);
  ASSERT_TRUE(e->Flush().ok());
  EXPECT_EQ(SeqNosSince(*e, 5).value(), Range(5, 9));
  EXPECT_EQ(SeqNosSince(*e, 4).status().code(), kHistoryTrimmedCode);
}

TEST(ShardHistoryTest, ExpiredLeaseStopsHoldingHistory) {
  testing::TempDir tmp;
  ShardEngineOptions o = testing::TestShardOptions(tmp.Sub("shard"));
  o.sole_copy = true;
  o.retention_lease_period = 300ms;
  auto e = testing::OpenShard(o, testing::TestMappings());
  ASSERT_NE(e, nullptr);
  IndexMany(*e, 0, 10);
  ASSERT_TRUE(e->AddRetentionLease("recovery", 3, "peer recovery").ok());
  ASSERT_TRUE(e->Flush().ok());
  EXPECT_EQ(SeqNosSince(*e, 3).value(), Range(3, 9));
  ASSERT_TRUE(testing::WaitFor([&] { return e->RetentionLeases().ok() && e->RetentionLeases()->empty(); }, 10s));
  EXPECT_EQ(e->RenewRetentionLease("recovery", 3).code(), StatusCode::kNotFound);  // expired
  ASSERT_TRUE(e->Flush().ok());
  EXPECT_EQ(SeqNosSince(*e, 3).status().code(), kHistoryTrimmedCode);
}

TEST(ShardHistoryTest, OpsSinceIsASnapshotWhileWritesAndTrimsGoOn) {
  testing::TempDir tmp;
  ShardEngineOptions o = testing::TestShardOptions(tmp.Sub("shard"));
  o.sole_copy = true;
  auto e = testing::OpenShard(o, testing::TestMappings());
  ASSERT_NE(e, nullptr);
  IndexMany(*e, 0, 20);
  ASSERT_TRUE(e->AddRetentionLease("r", 0, "replica").ok());
  ASSERT_TRUE(e->Flush().ok());
  auto snap = e->OpsSince(5);
  ASSERT_TRUE(snap.ok()) << snap.status().ToString();
  EXPECT_EQ((*snap)->max_seq_no(), 19);
  // Meanwhile: more writes, and a flush that trims everything below them.
  IndexMany(*e, 20, 10);
  ASSERT_TRUE(e->RemoveRetentionLease("r").ok());
  ASSERT_TRUE(e->Flush().ok());
  EXPECT_EQ(SeqNosSince(*e, 5).status().code(), kHistoryTrimmedCode);
  std::vector<int64_t> seen;
  std::vector<std::string> sources;
  ShardOp op;
  while ((*snap)->Next(&op)) {
    seen.push_back(op.stamp.seq_no);
    sources.push_back(op.source);
  }
  ASSERT_TRUE((*snap)->status().ok());
  EXPECT_EQ(seen, Range(5, 19));
  EXPECT_EQ(sources.front(), R"({"n":5})");
}

}  // namespace
}  // namespace holdfast
