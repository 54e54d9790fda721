// ShardStore: the shard's durable store and op log (index/shard/shard_store.h).
#include "index/shard/shard_store.h"

#include <gtest/gtest.h>

#include "tests/support/test_process.h"

namespace holdfast {
namespace {

ShardOp Index(const std::string& id, int64_t seq, int64_t version, const std::string& source) {
  return {OpType::kIndex, id, {1, seq}, version, source};
}

TEST(ShardStoreTest, WritesAreReadBackAndSurviveReopen) {
  testing::TempDir tmp;
  {
    auto store = ShardStore::Open(tmp.Sub("store"), {});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    ASSERT_TRUE((*store)->Write({Index("a", 0, 1, R"({"t":"first"})"), Index("b", 1, 1, R"({"t":"b"})")}).ok());
    ASSERT_TRUE((*store)->Write({Index("a", 2, 2, R"({"t":"second"})")}).ok());
    ASSERT_TRUE((*store)->Write({{OpType::kDelete, "b", {1, 3}, 2, ""}}).ok());
  }
  auto store = ShardStore::Open(tmp.Sub("store"), {});
  ASSERT_TRUE(store.ok());
  auto a = (*store)->GetRecord("a");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->version, 2);
  EXPECT_EQ(a->stamp, (OpStamp{1, 2}));
  EXPECT_FALSE(a->deleted);
  EXPECT_EQ(a->source, R"({"t":"second"})");
  auto b = (*store)->GetRecord("b");
  ASSERT_TRUE(b.ok());
  EXPECT_TRUE(b->deleted);  // tombstone keeps the version
  EXPECT_EQ(b->version, 2);
  EXPECT_EQ((*store)->GetRecord("zzz").status().code(), StatusCode::kNotFound);
  EXPECT_EQ((*store)->MaxSeqNo().value(), 3);
  EXPECT_EQ((*store)->CountLiveDocs().value(), 1u);
}

TEST(ShardStoreTest, OpLogReplaysInOrderFromASeqNoAndTrims) {
  testing::TempDir tmp;
  auto store = ShardStore::Open(tmp.Sub("store"), {});
  ASSERT_TRUE(store.ok());
  std::vector<ShardOp> ops;
  for (int i = 0; i < 300; ++i) ops.push_back(Index("id" + std::to_string(i % 7), i, i / 7 + 1, std::to_string(i)));
  ASSERT_TRUE((*store)->Write(ops).ok());
  std::vector<int64_t> seen;
  ASSERT_TRUE((*store)->ForEachOp(250, [&](const ShardOp& op) {
    seen.push_back(op.stamp.seq_no);
    EXPECT_EQ(op.source, std::to_string(op.stamp.seq_no));
    EXPECT_EQ(op.id, "id" + std::to_string(op.stamp.seq_no % 7));
    return true;
  }).ok());
  ASSERT_EQ(seen.size(), 50u);
  for (size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], 250 + static_cast<int64_t>(i));
  ASSERT_TRUE((*store)->TrimOpLog(289).ok());
  seen.clear();
  ASSERT_TRUE((*store)->ForEachOp(0, [&](const ShardOp& op) { seen.push_back(op.stamp.seq_no); return true; }).ok());
  ASSERT_EQ(seen.size(), 10u);
  EXPECT_EQ(seen.front(), 290);
  EXPECT_EQ((*store)->MaxSeqNo().value(), 299);
}

TEST(ShardStoreTest, OpEncodingRoundTripsAndRejectsGarbage) {
  ShardOp op{OpType::kDelete, "doc-\xc3\xa9", {7, 12345}, 9, ""};
  auto back = DecodeShardOp(12345, EncodeShardOp(op));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->id, op.id);
  EXPECT_EQ(back->stamp, op.stamp);
  EXPECT_EQ(back->version, 9);
  EXPECT_EQ(back->type, OpType::kDelete);
  EXPECT_EQ(DecodeShardOp(1, "").status().code(), StatusCode::kCorruption);
  EXPECT_EQ(DecodeShardOp(1, std::string("\x01\x01\x01\x7f", 4)).status().code(), StatusCode::kCorruption);
}

TEST(ShardStoreTest, MetaValues) {
  testing::TempDir tmp;
  auto store = ShardStore::Open(tmp.Sub("store"), {});
  ASSERT_TRUE(store.ok());
  EXPECT_EQ((*store)->GetMeta("primary_term").status().code(), StatusCode::kNotFound);
  ASSERT_TRUE((*store)->PutMeta("primary_term", "3").ok());
  EXPECT_EQ((*store)->GetMeta("primary_term").value(), "3");
}

}  // namespace
}  // namespace holdfast
