// What a new primary's resync compares (replication/op_history.h) on real
// engines: the primary sends its history only as far as it holds every op,
// so a copy that already took one of the new term's writes (replication
// reached it before the primary stored the op in its own op log) is not
// taken for diverged — and a copy holding an op of the old term the new
// primary never had still is.
#include <gtest/gtest.h>

#include "replication/op_history.h"
#include "tests/index/shard_test_util.h"
#include "tests/support/test_process.h"

namespace holdfast {
namespace {

ShardOp Doc(int64_t term, int64_t seq) {
  return ShardOp{OpType::kIndex, "d" + std::to_string(seq), {term, seq}, 1,
                 R"({"title": "op )" + std::to_string(seq) + R"("})"};
}

std::vector<ShardOp> Docs(int64_t term, int64_t from, int64_t to) {
  std::vector<ShardOp> ops;
  for (int64_t s = from; s <= to; ++s) ops.push_back(Doc(term, s));
  return ops;
}

class OpHistoryTest : public ::testing::Test {
 protected:
  // A copy in `name` holding ops 0..`last` of term 1, global checkpoint `gcp`.
  std::unique_ptr<ShardEngine> Open(const std::string& name, int64_t last = 21, int64_t gcp = 20) {
    auto e = testing::OpenShard(testing::TestShardOptions(tmp_.Sub(name)), testing::TestMappings());
    if (!e) return nullptr;
    EXPECT_TRUE(e->ApplyOps(1, Docs(1, 0, last)).ok());
    e->UpdateGlobalCheckpoint(gcp);
    return e;
  }
  // The resync as the new primary sends it and the copy judges it.
  bool Diverged(const ShardEngine& primary, const ShardEngine& copy, int64_t term) {
    const int64_t gcp = primary.global_checkpoint();
    auto history = ReadWholeHistory(primary, gcp + 1);
    EXPECT_TRUE(history.ok()) << history.status().ToString();
    if (!history.ok()) return true;
    auto diverged = HistoryDiverged(copy, term, gcp, history->through, history->ops);
    EXPECT_TRUE(diverged.ok()) << diverged.status().ToString();
    return !diverged.ok() || *diverged;
  }

  testing::TempDir tmp_;
};

TEST_F(OpHistoryTest, ACopyThatTookTheNewPrimarysWriteFirstIsNotDiverged) {
  // Both copies hold ops 0..21 of term 1; the global checkpoint is 20.
  auto primary = Open("primary");
  auto copy = Open("copy");
  ASSERT_TRUE(primary && copy);
  // Promoted at term 2, the primary writes seq_nos 22 and 23: 23 is stored
  // and 22 still on its way to the op log when the resync reads it (here a
  // hole), while the copy already took both by replication.
  ASSERT_TRUE(primary->SetPrimaryTerm(2).ok());
  ASSERT_TRUE(primary->ApplyOps(2, {Doc(2, 23)}).ok());
  ASSERT_TRUE(copy->ApplyOps(2, {Doc(2, 22), Doc(2, 23)}).ok());
  ASSERT_EQ(primary->local_checkpoint(), 21);
  ASSERT_EQ(primary->max_seq_no(), 23);

  EXPECT_FALSE(Diverged(*primary, *copy, 2)) << "the copy holds nothing the primary lacks";
  auto history = ReadWholeHistory(*primary, 21);
  ASSERT_TRUE(history.ok()) << history.status().ToString();
  EXPECT_EQ(history->through, 21) << "as far as every op is there";
  ASSERT_EQ(history->ops.size(), 1u);
  EXPECT_EQ(history->ops[0].stamp.seq_no, 21);
}

TEST_F(OpHistoryTest, ACopyWithAnOpTheNewPrimaryNeverHadIsDiverged) {
  auto primary = Open("primary");
  // The old primary's copy wrote op 22 of term 1, which never reached the new primary.
  auto copy = Open("copy", 22);
  ASSERT_TRUE(primary && copy);
  ASSERT_TRUE(primary->SetPrimaryTerm(2).ok());
  ASSERT_TRUE(primary->FillGaps().ok());
  EXPECT_TRUE(Diverged(*primary, *copy, 2)) << "op 22 of term 1 is above everything the new primary holds";

  // The new primary writes its own seq_no 22 (term 2): now the copy's op
  // 22 is of another term.
  auto other = Open("other");
  ASSERT_TRUE(other);
  ASSERT_TRUE(other->SetPrimaryTerm(2).ok());
  ASSERT_TRUE(other->ApplyOps(2, {Doc(2, 22)}).ok());
  EXPECT_TRUE(Diverged(*other, *copy, 2));
  // Copies that agree are not.
  auto same = Open("same");
  ASSERT_TRUE(same);
  ASSERT_TRUE(same->ApplyOps(2, {Doc(2, 22)}).ok());
  EXPECT_FALSE(Diverged(*other, *same, 2));
}

TEST_F(OpHistoryTest, PagesOfTheWholeHistoryStopAtMaxOps) {
  auto primary = Open("primary", 9, 1);
  ASSERT_TRUE(primary);
  ASSERT_TRUE(primary->ApplyOps(1, {Doc(1, 11)}).ok());  // 10 on its way
  auto page = ReadWholeHistory(*primary, 2, 3);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_TRUE(page->more);
  ASSERT_EQ(page->ops.size(), 3u);
  EXPECT_EQ(page->ops.front().stamp.seq_no, 2);
  EXPECT_EQ(page->ops.back().stamp.seq_no, 4);
  auto rest = ReadWholeHistory(*primary, 5, 100);
  ASSERT_TRUE(rest.ok());
  EXPECT_FALSE(rest->more);
  ASSERT_EQ(rest->ops.size(), 5u);
  EXPECT_EQ(rest->ops.back().stamp.seq_no, 9) << "not past the hole at 10";
  EXPECT_EQ(rest->through, 9);
}

}  // namespace
}  // namespace holdfast
