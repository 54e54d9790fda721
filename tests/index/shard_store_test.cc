// ShardStore: the shard's durable store and op log (index/shard/shard_store.h).
#include "index/shard/shard_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "tests/support/test_process.h"

namespace holdfast {
namespace {

ShardOp Index(const std::string& id, int64_t seq, int64_t version, const std::string& source) {
  return {OpType::kIndex, id, {1, seq}, version, source};
}

// A store with its own 4 MB source cache.
ShardStoreOptions CachedOptions() {
  ShardStoreOptions options;
  options.durability = Durability::kAsync;
  options.source_cache = NewSourceCache(4u << 20);
  return options;
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

// The records a page fetch reads, batched: found, missing, tombstones; with
// and without the shared source cache; the cache never returns what a later
// write replaced, and stores sharing it never see each other's records.
TEST(ShardStoreTest, BatchedReadsThroughTheSourceCache) {
  testing::TempDir tmp;
  const ShardStoreOptions options = CachedOptions();
  auto a = ShardStore::Open(tmp.Sub("a"), options);
  auto b = ShardStore::Open(tmp.Sub("b"), options);
  ShardStoreOptions plain_options;
  plain_options.durability = Durability::kAsync;
  auto plain = ShardStore::Open(tmp.Sub("plain"), plain_options);
  ASSERT_TRUE(a.ok() && b.ok() && plain.ok());
  for (ShardStore* s : {a->get(), b->get(), plain->get()}) {
    const std::string tag = s == b->get() ? "b" : "a";
    ASSERT_TRUE(s->Write({Index("1", 0, 1, "{\"v\":\"" + tag + "1\"}"), Index("2", 1, 1, "{\"v\":\"" + tag + "2\"}")}).ok());
    ASSERT_TRUE(s->Write({{OpType::kDelete, "2", {1, 2}, 2, ""}}).ok());
  }
  for (int pass = 0; pass < 2; ++pass) {  // the second pass is served by the cache
    for (ShardStore* s : {a->get(), b->get(), plain->get()}) {
      const std::string tag = s == b->get() ? "b" : "a";
      std::vector<std::optional<DocRecord>> out;
      ASSERT_TRUE(s->GetRecords({"1", "missing", "2"}, &out).ok());
      ASSERT_EQ(out.size(), 3u);
      ASSERT_TRUE(out[0].has_value());
      EXPECT_EQ(out[0]->source, "{\"v\":\"" + tag + "1\"}") << "pass " << pass;
      EXPECT_EQ(out[0]->version, 1);
      EXPECT_FALSE(out[1].has_value());
      ASSERT_TRUE(out[2].has_value());
      EXPECT_TRUE(out[2]->deleted);
    }
  }
  EXPECT_GT(SourceCacheUsage(*options.source_cache), 0u);
  // A write replaces what the cache holds.
  ASSERT_TRUE((*a)->Write({Index("1", 3, 2, R"({"v":"new"})")}).ok());
  std::vector<std::optional<DocRecord>> out;
  ASSERT_TRUE((*a)->GetRecords({"1"}, &out).ok());
  EXPECT_EQ(out[0]->source, R"({"v":"new"})");
  EXPECT_EQ(out[0]->version, 2);
}

// Readers racing a writer: once the writer is done, every read sees its last
// version (a read that overlapped a write never leaves a stale record cached).
TEST(ShardStoreTest, SourceCacheNeverKeepsARecordAWriteReplaced) {
  testing::TempDir tmp;
  const ShardStoreOptions options = CachedOptions();
  auto store = ShardStore::Open(tmp.Sub("s"), options);
  ASSERT_TRUE(store.ok());
  constexpr int kIds = 20, kRounds = 300;
  std::vector<std::string> id_strings;
  for (int i = 0; i < kIds; ++i) id_strings.push_back(std::to_string(i));
  const std::vector<std::string_view> ids(id_strings.begin(), id_strings.end());
  std::atomic<bool> done{false};
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&] {
      std::vector<std::optional<DocRecord>> out;
      while (!done.load()) ASSERT_TRUE((*store)->GetRecords(ids, &out).ok());
    });
  }
  int64_t seq = 0;
  for (int round = 1; round <= kRounds; ++round) {
    std::vector<ShardOp> ops;
    for (int i = 0; i < kIds; ++i) ops.push_back(Index(id_strings[i], seq++, round, std::to_string(round)));
    ASSERT_TRUE((*store)->Write(ops).ok());
  }
  done.store(true);
  for (auto& t : readers) t.join();
  std::vector<std::optional<DocRecord>> out;
  for (int pass = 0; pass < 2; ++pass) {
    ASSERT_TRUE((*store)->GetRecords(ids, &out).ok());
    for (int i = 0; i < kIds; ++i) {
      ASSERT_TRUE(out[i].has_value());
      EXPECT_EQ(out[i]->version, kRounds) << "id " << i << " pass " << pass;
      EXPECT_EQ(out[i]->source, std::to_string(kRounds));
    }
  }
}

// Writes of one id may land out of order (concurrent batches, a replica
// receiving ops in any order): the record with the highest seq_no stays,
// tombstones included, across a reopen (flushed, compacted) too.
TEST(ShardStoreTest, TheNewestRecordWinsWhateverTheWriteOrder) {
  testing::TempDir tmp;
  {
    auto store = ShardStore::Open(tmp.Sub("s"), {});
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->Write({Index("a", 5, 3, R"({"v":5})")}).ok());
    ASSERT_TRUE((*store)->Write({Index("a", 2, 1, R"({"v":2})"), Index("a", 4, 2, R"({"v":4})")}).ok());
    ASSERT_TRUE((*store)->Write({{OpType::kDelete, "b", {1, 7}, 2, ""}}).ok());
    ASSERT_TRUE((*store)->Write({Index("b", 6, 1, R"({"v":6})")}).ok());
    auto a = (*store)->GetRecord("a");
    ASSERT_TRUE(a.ok()) << a.status().ToString();
    EXPECT_EQ(a->source, R"({"v":5})");
    EXPECT_EQ(a->version, 3);
    EXPECT_TRUE((*store)->GetRecord("b")->deleted);  // the late index op does not resurrect it
    ASSERT_TRUE((*store)->Compact().ok());
    std::vector<int64_t> oplog;
    ASSERT_TRUE((*store)->ForEachOp(0, [&](const ShardOp& op) {
      oplog.push_back(op.stamp.seq_no);
      return true;
    }).ok());
    EXPECT_EQ(oplog, (std::vector<int64_t>{2, 4, 5, 6, 7}));  // every op is history
  }
  auto store = ShardStore::Open(tmp.Sub("s"), {});
  ASSERT_TRUE(store.ok());
  EXPECT_EQ((*store)->GetRecord("a")->stamp.seq_no, 5);
  EXPECT_TRUE((*store)->GetRecord("b")->deleted);
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

// A document op's routing is kept in the op log and in the document's
// record; ops and records without one encode as they did before routing.
TEST(ShardStoreTest, RoutingIsKeptByOpsAndRecords) {
  ShardOp plain{OpType::kIndex, "1", {1, 5}, 2, R"({"a":1})"};
  ShardOp routed = plain;
  routed.routing = "user-\xc3\xa9";
  EXPECT_EQ(EncodeShardOp(plain).size() + 1 + routed.routing.size(), EncodeShardOp(routed).size());
  auto back = DecodeShardOp(5, EncodeShardOp(routed));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->routing, routed.routing);
  EXPECT_EQ(back->source, routed.source);
  EXPECT_EQ(back->type, OpType::kIndex);
  EXPECT_TRUE(DecodeShardOp(5, EncodeShardOp(plain))->routing.empty());
  std::string truncated = EncodeShardOp(routed);
  truncated.resize(truncated.size() - routed.source.size() - 3);
  EXPECT_EQ(DecodeShardOp(5, truncated).status().code(), StatusCode::kCorruption);

  auto record = DecodeDocRecord(EncodeDocRecord(false, 3, {1, 7}, R"({"b":2})", "r1"));
  ASSERT_TRUE(record.ok());
  EXPECT_EQ(record->routing, "r1");
  EXPECT_EQ(record->source, R"({"b":2})");
  EXPECT_FALSE(record->deleted);
  EXPECT_EQ(record->version, 3);
  record = DecodeDocRecord(EncodeDocRecord(true, 4, {1, 8}, "", "r1"));
  ASSERT_TRUE(record.ok());
  EXPECT_TRUE(record->deleted);
  EXPECT_EQ(EncodeDocRecord(false, 3, {1, 7}, "{}"), EncodeDocRecord(false, 3, {1, 7}, "{}", ""));

  testing::TempDir tmp;
  auto store = ShardStore::Open(tmp.Sub("store"), {});
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->Write({routed, ShardOp{OpType::kIndex, "2", {1, 6}, 1, "{}"}}).ok());
  auto got = (*store)->GetRecord("1");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->routing, routed.routing);
  EXPECT_EQ(got->source, routed.source);
  EXPECT_TRUE((*store)->GetRecord("2")->routing.empty());
  std::vector<std::string> logged;
  ASSERT_TRUE((*store)->ForEachOp(0, [&](const ShardOp& op) { logged.push_back(op.routing); return true; }).ok());
  EXPECT_EQ(logged, (std::vector<std::string>{routed.routing, ""}));
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
