// ShardEngine: writes, versions, refresh, flush, restart, merges, consistency
// (index/shard/shard_engine.h), on real RocksDB and files in a temp dir.
#include "index/shard/shard_engine.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <thread>

#include "index/mapping/mapping_parser.h"
#include "index/util/file_util.h"
#include "tests/support/test_process.h"

namespace holdfast {
namespace {

std::shared_ptr<MappingSource> Mappings(const char* json = R"({"properties":{"title":{"type":"text"},"n":{"type":"long"}}})") {
  auto m = mapping::ParseMapping(json);
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  return std::make_shared<InMemoryMappingSource>(std::make_shared<const mapping::Mapping>(std::move(m).value()));
}

class ShardEngineTest : public ::testing::Test {
 protected:
  void Open(ShardEngineOptions o = {}) {
    o.dir = tmp_.Sub("shard");
    if (o.refresh_interval == std::chrono::milliseconds(1000)) o.refresh_interval = std::chrono::milliseconds(0);
    engine_.reset();
    auto e = ShardEngine::Open(o, mappings_);
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    engine_ = std::move(e).value();
  }
  WriteResult Index(const std::string& id, const std::string& source) {
    return engine_->Write(WriteRequest{WriteOpType::kIndex, id, source, {}, {}});
  }
  WriteResult Delete(const std::string& id) { return engine_->Write(WriteRequest{WriteOpType::kDelete, id, "", {}, {}}); }
  uint64_t SearchableDocs() {
    uint64_t n = 0;
    for (const auto& v : engine_->AcquireSearcher().Views()) {
      for (uint32_t d = 0; d < v.doc_count(); ++d) n += v.IsLive(d);
    }
    return n;
  }
  std::vector<std::string> LiveIds() {
    std::vector<std::string> ids;
    for (const auto& v : engine_->AcquireSearcher().Views()) {
      for (uint32_t d = 0; d < v.doc_count(); ++d) {
        if (v.IsLive(d)) ids.emplace_back(v.reader->id(d));
      }
    }
    std::sort(ids.begin(), ids.end());
    return ids;
  }

  testing::TempDir tmp_;
  std::shared_ptr<MappingSource> mappings_ = Mappings();
  std::unique_ptr<ShardEngine> engine_;
};

TEST_F(ShardEngineTest, VersionsSeqNosAndOutcomes) {
  Open();
  auto a = Index("a", R"({"title":"one"})");
  ASSERT_TRUE(a.status.ok()) << a.status.ToString();
  EXPECT_EQ(a.outcome, WriteOutcome::kCreated);
  EXPECT_EQ(a.version, 1);
  EXPECT_EQ(a.stamp, (OpStamp{1, 0}));
  auto a2 = Index("a", R"({"title":"two"})");
  EXPECT_EQ(a2.outcome, WriteOutcome::kUpdated);
  EXPECT_EQ(a2.version, 2);
  EXPECT_EQ(a2.stamp.seq_no, 1);
  auto d = Delete("a");
  EXPECT_EQ(d.outcome, WriteOutcome::kDeleted);
  EXPECT_EQ(d.version, 3);
  auto d2 = Delete("a");
  EXPECT_EQ(d2.outcome, WriteOutcome::kNotFound);
  auto again = Index("a", R"({"title":"three"})");
  EXPECT_EQ(again.outcome, WriteOutcome::kCreated);
  EXPECT_EQ(again.version, 5);  // versions keep growing across delete
  auto got = engine_->Get("a");
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(got->found);  // realtime: no refresh needed
  EXPECT_EQ(got->source, R"({"title":"three"})");
  EXPECT_EQ(got->version, 5);
  EXPECT_FALSE(engine_->Get("zzz")->found);
}

TEST_F(ShardEngineTest, CreateAndOptimisticConcurrencyConflicts) {
  Open();
  auto a = Index("a", R"({"title":"one"})");
  auto create = engine_->Write(WriteRequest{WriteOpType::kCreate, "a", R"({"title":"x"})", {}, {}});
  EXPECT_EQ(create.status.kind(), StatusCode::kConflict);
  auto stale = engine_->Write(WriteRequest{WriteOpType::kIndex, "a", R"({"title":"x"})", a.stamp.seq_no + 1, 1});
  EXPECT_EQ(stale.status.kind(), StatusCode::kConflict);
  auto ok = engine_->Write(WriteRequest{WriteOpType::kIndex, "a", R"({"title":"y"})", a.stamp.seq_no, 1});
  EXPECT_TRUE(ok.status.ok()) << ok.status.ToString();
  auto missing = engine_->Write(WriteRequest{WriteOpType::kIndex, "b", R"({"title":"y"})", 0, 1});
  EXPECT_NE(missing.status.message().find("no document was found"), std::string::npos);
  EXPECT_EQ(engine_->Get("a")->source, R"({"title":"y"})");
}

TEST_F(ShardEngineTest, PartialUpdateUpsertAndNoop) {
  Open();
  Index("a", R"({"title":"one","meta":{"x":1,"y":2}})");
  auto u = engine_->Update("a", R"({"meta":{"y":3},"n":7})", false);
  ASSERT_TRUE(u.status.ok()) << u.status.ToString();
  EXPECT_EQ(u.outcome, WriteOutcome::kUpdated);
  EXPECT_EQ(engine_->Get("a")->source, R"({"title":"one","meta":{"x":1,"y":3},"n":7})");
  auto noop = engine_->Update("a", R"({"n":7})", false);
  EXPECT_EQ(noop.outcome, WriteOutcome::kNoop);
  EXPECT_EQ(noop.version, u.version);
  auto missing = engine_->Update("b", R"({"n":1})", false);
  EXPECT_EQ(missing.status.kind(), StatusCode::kDocumentMissing);
  auto upsert = engine_->Update("b", R"({"n":1})", true);
  EXPECT_EQ(upsert.outcome, WriteOutcome::kCreated);
  EXPECT_EQ(engine_->Get("b")->source, R"({"n":1})");
}

// A document's custom routing is stored with it, kept by partial updates
// unless one gives another, logged with its ops (what replicas and
// recoveries replay) and kept across a reopen.
TEST_F(ShardEngineTest, RoutingIsStoredAndKeptByPartialUpdates) {
  Open();
  WriteRequest routed{WriteOpType::kIndex, "a", R"({"n":1})", {}, {}};
  routed.routing = "r1";
  ASSERT_TRUE(engine_->Write(routed).status.ok());
  Index("plain", R"({"n":0})");
  EXPECT_EQ(engine_->Get("a")->routing, "r1");
  EXPECT_EQ(engine_->Update("a", R"({"n":2})", false).outcome, WriteOutcome::kUpdated);
  EXPECT_EQ(engine_->Get("a")->routing, "r1");
  EXPECT_EQ(engine_->Update("a", R"({"n":3})", false, {}, {}, "r2").outcome, WriteOutcome::kUpdated);
  EXPECT_EQ(engine_->Get("a")->routing, "r2");
  EXPECT_EQ(engine_->Update("b", R"({"n":4})", true, {}, {}, "r3").outcome, WriteOutcome::kCreated);
  std::vector<GetResult> got;
  ASSERT_TRUE(engine_->MultiGet({"a", "b", "plain"}, &got).ok());
  EXPECT_EQ(got[0].routing, "r2");
  EXPECT_EQ(got[1].routing, "r3");
  EXPECT_TRUE(got[2].routing.empty());
  auto ops = engine_->OpsSince(0);
  ASSERT_TRUE(ops.ok());
  std::vector<std::string> logged;
  for (ShardOp op; (*ops)->Next(&op);) logged.push_back(op.routing);
  EXPECT_EQ(logged, (std::vector<std::string>{"r1", "", "r1", "r2", "r3"}));
  ops->reset();
  ASSERT_TRUE(engine_->Close().ok());
  Open();
  EXPECT_EQ(engine_->Get("a")->routing, "r2");
  EXPECT_EQ(engine_->Get("a")->source, R"({"n":3})");
}

TEST_F(ShardEngineTest, RefreshMakesChangesSearchable) {
  Open();
  Index("a", R"({"title":"one"})");
  Index("b", R"({"title":"two"})");
  EXPECT_EQ(SearchableDocs(), 0u);
  ASSERT_TRUE(engine_->Refresh().ok());
  EXPECT_EQ(LiveIds(), (std::vector<std::string>{"a", "b"}));
  Index("a", R"({"title":"uno"})");  // update: the old copy goes at the next refresh
  Delete("b");
  Index("c", R"({"title":"three"})");
  Index("c", R"({"title":"tres"})");  // superseded within one buffer
  EXPECT_EQ(LiveIds(), (std::vector<std::string>{"a", "b"}));
  ASSERT_TRUE(engine_->Refresh().ok());
  EXPECT_EQ(LiveIds(), (std::vector<std::string>{"a", "c"}));
  EXPECT_TRUE(engine_->CheckConsistency().ok()) << engine_->CheckConsistency().ToString();
}

TEST_F(ShardEngineTest, AutomaticRefreshAndWaitFor) {
  ShardEngineOptions o;
  o.refresh_interval = std::chrono::milliseconds(50);
  o.dir = tmp_.Sub("shard");
  auto e = ShardEngine::Open(o, mappings_);
  ASSERT_TRUE(e.ok());
  engine_ = std::move(e).value();
  auto w = Index("a", R"({"title":"one"})");
  EXPECT_TRUE(engine_->WaitForRefresh(w.stamp.seq_no, std::chrono::seconds(10)));
  EXPECT_EQ(SearchableDocs(), 1u);
}

TEST_F(ShardEngineTest, FlushAndReopenKeepEverythingAndReplayTheRest) {
  Open();
  for (int i = 0; i < 50; ++i) Index("d" + std::to_string(i), R"({"title":"flushed doc","n":)" + std::to_string(i) + "}");
  Delete("d3");
  ASSERT_TRUE(engine_->Flush().ok());
  EXPECT_EQ(engine_->Stats().flushed_seq_no, 50);
  for (int i = 50; i < 60; ++i) Index("d" + std::to_string(i), R"({"title":"only in the op log"})");
  Index("d4", R"({"title":"updated after flush"})");
  Delete("d5");
  engine_.reset();  // no flush: like a crash after the acks
  Open();
  EXPECT_EQ(SearchableDocs(), 58u);  // 60 - d3 - d5
  auto ids = LiveIds();
  EXPECT_FALSE(std::binary_search(ids.begin(), ids.end(), "d3"));
  EXPECT_FALSE(std::binary_search(ids.begin(), ids.end(), "d5"));
  EXPECT_EQ(engine_->Get("d4")->source, R"({"title":"updated after flush"})");
  EXPECT_TRUE(engine_->CheckConsistency().ok()) << engine_->CheckConsistency().ToString();
  // Versions continue where they were.
  EXPECT_EQ(Index("d4", R"({"title":"again"})").version, 3);
  EXPECT_EQ(Index("new", R"({"title":"x"})").stamp.seq_no, 64);  // 0..62 before the restart, 63 for d4
}

TEST_F(ShardEngineTest, MergesReclaimDeletesAndKeepDocs) {
  ShardEngineOptions o;
  o.background_merges = false;
  Open(o);
  for (int round = 0; round < 6; ++round) {
    for (int i = 0; i < 40; ++i) Index("r" + std::to_string(round) + "-" + std::to_string(i), R"({"title":"merge me"})");
    ASSERT_TRUE(engine_->Flush().ok());
  }
  for (int i = 0; i < 40; i += 2) Delete("r0-" + std::to_string(i));
  Index("r1-1", R"({"title":"updated"})");
  ASSERT_TRUE(engine_->Refresh().ok());
  auto before = engine_->Stats();
  EXPECT_EQ(before.deleted_docs, 21u);
  EXPECT_GE(before.segments, 6u);
  const auto ids_before = LiveIds();
  ASSERT_TRUE(engine_->ForceMerge(1).ok());
  auto after = engine_->Stats();
  EXPECT_EQ(after.segments, 1u);
  EXPECT_EQ(after.deleted_docs, 0u);
  EXPECT_EQ(after.docs, before.docs);
  EXPECT_EQ(LiveIds(), ids_before);
  EXPECT_TRUE(engine_->CheckConsistency().ok()) << engine_->CheckConsistency().ToString();
  // Only the merged segment's files remain on disk, and they reopen.
  size_t segment_files = 0;
  for (const auto& f : std::filesystem::directory_iterator(tmp_.Sub("shard/segments"))) {
    segment_files += f.path().extension() == ".hfs";
  }
  EXPECT_EQ(segment_files, 1u);
  Open(o);
  EXPECT_EQ(LiveIds(), ids_before);
}

TEST_F(ShardEngineTest, FinishMergesRunsWhatThePolicyWants) {
  ShardEngineOptions o;
  o.background_merges = false;
  o.merge_factor = 4;
  o.indexing_lanes = 1;  // one segment per flush
  Open(o);
  for (int round = 0; round < 9; ++round) {
    for (int i = 0; i < 30; ++i) Index("f" + std::to_string(round) + "-" + std::to_string(i), R"({"title":"finish"})");
    ASSERT_TRUE(engine_->Flush().ok());
  }
  const auto ids_before = LiveIds();
  ASSERT_EQ(engine_->Stats().segments, 9u);
  ASSERT_TRUE(engine_->FinishMerges().ok());
  // Nine equal segments with a merge factor of 4: two merges of 4, then the
  // two merged segments and the ninth are below the factor: 3 left.
  EXPECT_EQ(engine_->Stats().segments, 3u);
  EXPECT_EQ(LiveIds(), ids_before);
  EXPECT_TRUE(engine_->CheckConsistency().ok());
}

TEST_F(ShardEngineTest, BackgroundMergesKeepSegmentCountBounded) {
  ShardEngineOptions o;
  o.merge_factor = 4;
  o.indexing_lanes = 1;  // one segment per flush
  Open(o);
  for (int round = 0; round < 12; ++round) {
    for (int i = 0; i < 20; ++i) Index("k" + std::to_string(round * 20 + i), R"({"title":"bg"})");
    ASSERT_TRUE(engine_->Flush().ok());
  }
  EXPECT_TRUE(testing::WaitFor([&] { return engine_->Stats().segments < 6; }, std::chrono::seconds(20)))
      << engine_->Stats().segments;
  EXPECT_GT(engine_->Stats().merges_done, 0u);
  EXPECT_EQ(SearchableDocs(), 240u);
}

TEST_F(ShardEngineTest, MappingConflictIsRefusedAndChangesNothing) {
  Open();
  Index("a", R"({"title":"ok","n":1})");
  ASSERT_TRUE(engine_->Refresh().ok());
  auto bad = Index("b", R"({"title":"bad","n":"not a number"})");
  EXPECT_EQ(bad.status.kind(), StatusCode::kMapperParsing);
  auto strict_conflict = Index("c", R"({"title":{"nested":"object where text is mapped"}})");
  EXPECT_FALSE(strict_conflict.status.ok());
  ASSERT_TRUE(engine_->Refresh().ok());
  EXPECT_EQ(LiveIds(), std::vector<std::string>{"a"});
  EXPECT_FALSE(engine_->Get("b")->found);
  EXPECT_EQ(engine_->Stats().max_seq_no, 0);  // no seq_no was spent on refused docs
  // A batch: the bad item fails alone.
  auto results = engine_->Write({{WriteOpType::kIndex, "x", R"({"n":1})", {}, {}},
                                 {WriteOpType::kIndex, "y", R"({"n":"zz"})", {}, {}},
                                 {WriteOpType::kIndex, "z", R"({"n":3})", {}, {}}});
  EXPECT_TRUE(results[0].status.ok());
  EXPECT_FALSE(results[1].status.ok());
  EXPECT_TRUE(results[2].status.ok());
}

TEST_F(ShardEngineTest, DynamicFieldsAreAddedToTheSharedMapping) {
  Open();
  ASSERT_TRUE(Index("a", R"({"color":"red","price":9})").status.ok());
  auto m = mappings_->Current();
  ASSERT_NE(m->Find("color"), nullptr);
  EXPECT_EQ(m->Find("color")->mapping.type, mapping::FieldType::kText);
  EXPECT_NE(m->Find("color.keyword"), nullptr);
  EXPECT_EQ(m->Find("price")->mapping.type, mapping::FieldType::kLong);
  auto conflict = Index("b", R"({"price":"cheap"})");
  EXPECT_FALSE(conflict.status.ok());
}

TEST_F(ShardEngineTest, CorruptSegmentFileIsReportedByName) {
  Open();
  for (int i = 0; i < 20; ++i) Index("d" + std::to_string(i), R"({"title":"will be corrupted"})");
  ASSERT_TRUE(engine_->Flush().ok());
  engine_.reset();
  std::string victim;
  for (const auto& f : std::filesystem::directory_iterator(tmp_.Sub("shard/segments"))) {
    if (f.path().extension() == ".hfs") victim = f.path().string();
  }
  ASSERT_FALSE(victim.empty());
  std::string bytes = ReadFileToString(victim).value();
  bytes[bytes.size() / 2] ^= 0x5a;
  ASSERT_TRUE(WriteFileDurably(victim, bytes).ok());
  ShardEngineOptions o;
  o.dir = tmp_.Sub("shard");
  auto e = ShardEngine::Open(o, mappings_);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), StatusCode::kCorruption);
  EXPECT_NE(e.status().message().find(std::filesystem::path(victim).filename().string()), std::string::npos)
      << e.status().message();
  // Truncation too.
  ASSERT_TRUE(WriteFileDurably(victim, bytes.substr(0, 10)).ok());
  auto t = ShardEngine::Open(o, mappings_);
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find(std::filesystem::path(victim).filename().string()), std::string::npos);
}

TEST_F(ShardEngineTest, ConcurrentWritersRefreshesFlushesAndMergesStayConsistent) {
  ShardEngineOptions o;
  o.refresh_interval = std::chrono::milliseconds(5);
  o.merge_factor = 3;
  o.dir = tmp_.Sub("shard");
  auto e = ShardEngine::Open(o, mappings_);
  ASSERT_TRUE(e.ok());
  engine_ = std::move(e).value();
  std::atomic<bool> stop{false};
  std::thread flusher([&] {
    while (!stop) {
      EXPECT_TRUE(engine_->Flush().ok());
      std::this_thread::yield();
    }
  });
  std::vector<std::thread> writers;
  for (int w = 0; w < 3; ++w) {
    writers.emplace_back([&, w] {
      std::mt19937 rng(w);
      for (int i = 0; i < 600; ++i) {
        const std::string id = "id" + std::to_string(rng() % 200);
        if (rng() % 5 == 0) {
          Delete(id);
        } else {
          auto r = Index(id, R"({"title":"w)" + std::to_string(w) + R"( i)" + std::to_string(i) + R"("})");
          EXPECT_TRUE(r.status.ok()) << r.status.ToString();
        }
      }
    });
  }
  for (auto& t : writers) t.join();
  stop = true;
  flusher.join();
  ASSERT_TRUE(engine_->Refresh().ok());
  EXPECT_TRUE(engine_->CheckConsistency().ok()) << engine_->CheckConsistency().ToString();
  const auto ids = LiveIds();
  engine_.reset();
  o.refresh_interval = std::chrono::milliseconds(0);
  auto reopened = ShardEngine::Open(o, mappings_);
  ASSERT_TRUE(reopened.ok());
  engine_ = std::move(reopened).value();
  EXPECT_EQ(LiveIds(), ids);
  EXPECT_TRUE(engine_->CheckConsistency().ok()) << engine_->CheckConsistency().ToString();
}

}  // namespace
}  // namespace holdfast
