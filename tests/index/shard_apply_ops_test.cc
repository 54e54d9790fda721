// The replica write path (ShardEngine::ApplyOps, FillGaps): a replica that
// receives a primary's ops shuffled, duplicated or across its own restart
// ends equal to the primary — documents, stamps, versions, checkpoints and
// event state; stale terms are fenced; gaps hold the checkpoint and the
// event ops above them until filled.
#include <gtest/gtest.h>

#include <random>

#include "index/recommend/event.h"
#include "index/recommend/event_shard.h"
#include "tests/index/shard_test_util.h"
#include "tests/support/test_process.h"

namespace holdfast {
namespace {

using recommend::Event;
using recommend::EventOpPayload;
using recommend::EventType;

constexpr StatusCode kFencedCode = StatusCode::kFenced;
constexpr int64_t kT0 = 1'700'000'000'000;

// A shard copy as a node holds it: the engine and its event state.
struct Copy {
  std::unique_ptr<ShardEngine> engine;
  std::unique_ptr<recommend::EventShard> events;

  void Open(const ShardEngineOptions& o, std::shared_ptr<MappingSource> mappings) {
    engine = testing::OpenShard(o, std::move(mappings));
    ASSERT_NE(engine, nullptr);
    auto e = recommend::EventShard::Open(engine.get(), {});
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    events = std::move(e).value();
  }
  void Close() {
    events.reset();
    if (engine) {
      EXPECT_TRUE(engine->Close().ok());
    }
    engine.reset();
  }
};

EventOpPayload Events(const std::vector<Event>& events) { return EventOpPayload{events, events}; }

ShardOp Op(OpType type, int64_t seq, const std::string& id = "", int64_t version = 0, std::string source = "") {
  return ShardOp{type, id, {1, seq}, version, std::move(source)};
}

ShardOp EventOp(int64_t seq, const std::vector<Event>& events) {
  return Op(OpType::kEvent, seq, "", 0, recommend::EncodeEventOp(Events(events)));
}

// The op log through OpsSince(0) (nothing may have been trimmed).
std::vector<ShardOp> AllOps(const ShardEngine& e) {
  std::vector<ShardOp> ops;
  auto snap = e.OpsSince(0);
  EXPECT_TRUE(snap.ok()) << snap.status().ToString();
  if (!snap.ok()) return ops;
  for (ShardOp op; (*snap)->Next(&op);) ops.push_back(op);
  EXPECT_TRUE((*snap)->status().ok());
  return ops;
}

std::string HistoryOf(const recommend::EventShard& events, const std::string& user) {
  auto h = events.History(user);
  EXPECT_TRUE(h.ok()) << h.status().ToString();
  return h.ok() && h->has_value() ? recommend::EncodeUserHistory(**h) : "";
}

// Everything a copy's reader can see, as text: documents with their stamps
// and versions (store and get), what is searchable, checkpoints, and the
// event state (histories, co-occurrence rows, item stats, popularity).
std::string Describe(Copy& c, const std::vector<std::string>& ids, const std::vector<std::string>& users,
                     const std::vector<std::string>& items) {
  std::string out;
  for (const auto& [id, doc] : testing::StoredDocs(*c.engine)) out += "stored " + id + " " + doc + "\n";
  for (const std::string& id : ids) {
    auto g = c.engine->Get(id);
    EXPECT_TRUE(g.ok());
    out += "get " + id + (g->found ? " v" + std::to_string(g->version) + " " + g->stamp.ToString() + " " + g->source : " -") + "\n";
  }
  EXPECT_TRUE(c.engine->Refresh().ok());
  for (const std::string& id : testing::SearchableIds(*c.engine)) out += "searchable " + id + "\n";
  out += "checkpoint " + std::to_string(c.engine->local_checkpoint()) + " max " + std::to_string(c.engine->max_seq_no()) + "\n";
  for (const std::string& u : users) out += "history " + u + " " + std::to_string(std::hash<std::string>()(HistoryOf(*c.events, u))) + "\n";
  std::vector<recommend::ItemStats> stats;
  EXPECT_TRUE(c.events->AddItemStats(std::vector<std::string_view>(items.begin(), items.end()), &stats).ok());
  for (size_t i = 0; i < items.size(); ++i) {
    absl::flat_hash_map<std::string, int64_t> row;
    EXPECT_TRUE(c.events->AddNeighbours(items[i], &row).ok());
    std::map<std::string, int64_t> sorted(row.begin(), row.end());
    out += "item " + items[i] + " users " + std::to_string(stats[i].users) + " rowsum " + std::to_string(stats[i].row_sum);
    for (const auto& [j, n] : sorted) out += " " + j + ":" + std::to_string(n);
    if (auto p = c.events->PopularityOf(items[i])) {
      out += " pop@" + std::to_string(p->ref_ms);
      for (double x : p->counts) out += " " + std::to_string(x);
    }
    out += "\n";
  }
  EXPECT_TRUE(c.engine->CheckConsistency().ok()) << c.engine->CheckConsistency().ToString();
  return out;
}

class ApplyOpsTest : public ::testing::Test {
 protected:
  // A primary with a mixed workload: creates, updates of the same ids,
  // deletes, re-creates, a partial update, and event batches in between.
  // A retention lease keeps its whole history through the flushes.
  void RunPrimaryWorkload() {
    ShardEngineOptions o = testing::TestShardOptions(tmp_.Sub("primary"));
    o.sole_copy = true;
    primary_.Open(o, mappings_);
    ASSERT_TRUE(primary_.engine->AddRetentionLease("replica", 0, "replica").ok());
    std::mt19937 rng(7);
    for (int round = 0; round < 6; ++round) {
      if (round % 2 == 1) {
        ASSERT_TRUE(primary_.engine->Flush().ok());
      }
      std::vector<WriteRequest> batch;
      for (int k = 0; k < 8; ++k) {
        const std::string id = ids_[rng() % ids_.size()];
        if (rng() % 5 == 0) {
          batch.push_back({WriteOpType::kDelete, id, "", {}, {}});
        } else {
          batch.push_back({WriteOpType::kIndex, id, R"({"title":"round )" + std::to_string(round) + R"(","n":)" + std::to_string(k) + "}", {}, {}});
        }
      }
      for (const WriteResult& r : primary_.engine->Write(batch)) ASSERT_TRUE(r.status.ok()) << r.status.ToString();
      std::vector<Event> events;
      for (int k = 0; k < 4; ++k) {
        events.push_back(Event{users_[rng() % users_.size()], items_[rng() % items_.size()],
                               static_cast<EventType>(rng() % 3), kT0 + round * 1000 + (k % 2), 1.0});
      }
      ASSERT_TRUE(primary_.events->Apply(Events(events)).ok());
    }
    ASSERT_TRUE(testing::IndexDoc(*primary_.engine, "d1", R"({"title":"re-created"})").status.ok());
    ASSERT_TRUE(primary_.engine->Update("d1", R"({"n":99})", false).status.ok());
    ASSERT_TRUE(testing::DeleteDoc(*primary_.engine, "d2").status.ok());
    ops_ = AllOps(*primary_.engine);
    ASSERT_EQ(static_cast<int64_t>(ops_.size()), primary_.engine->max_seq_no() + 1);
  }
  std::string DescribeCopy(Copy& c) { return Describe(c, ids_, users_, items_); }

  testing::TempDir tmp_;
  std::shared_ptr<MappingSource> mappings_ = testing::TestMappings();
  Copy primary_;
  std::vector<ShardOp> ops_;
  const std::vector<std::string> ids_ = {"d0", "d1", "d2", "d3", "d4", "d5", "d6", "d7"};
  const std::vector<std::string> users_ = {"u0", "u1", "u2"};
  const std::vector<std::string> items_ = {"A", "B", "C", "D", "E"};
};

TEST_F(ApplyOpsTest, ReplicaEqualsPrimaryWhateverTheOrder) {
  RunPrimaryWorkload();
  const std::string want = DescribeCopy(primary_);
  std::mt19937 rng(11);
  // (a) shuffled, in batches of 1 to 5 ops.
  {
    Copy replica;
    replica.Open(testing::TestShardOptions(tmp_.Sub("shuffled")), mappings_);
    std::vector<ShardOp> ops = ops_;
    std::shuffle(ops.begin(), ops.end(), rng);
    for (size_t at = 0; at < ops.size();) {
      const size_t n = std::min<size_t>(1 + rng() % 5, ops.size() - at);
      ASSERT_TRUE(replica.engine->ApplyOps(1, {ops.begin() + at, ops.begin() + at + n}).ok());
      at += n;
    }
    EXPECT_EQ(DescribeCopy(replica), want);
  }
  // (b) every op twice, shuffled: duplicates change nothing.
  {
    Copy replica;
    replica.Open(testing::TestShardOptions(tmp_.Sub("duplicated")), mappings_);
    std::vector<ShardOp> ops = ops_;
    ops.insert(ops.end(), ops_.begin(), ops_.end());
    std::shuffle(ops.begin(), ops.end(), rng);
    for (size_t at = 0; at < ops.size(); at += 3) {
      ASSERT_TRUE(replica.engine->ApplyOps(1, {ops.begin() + at, ops.begin() + std::min(at + 3, ops.size())}).ok());
    }
    EXPECT_EQ(DescribeCopy(replica), want);
  }
  // (c) shuffled, split across a restart of the replica (with a flush, and
  // a gap below some event ops, in the first part).
  {
    Copy replica;
    const ShardEngineOptions o = testing::TestShardOptions(tmp_.Sub("restarted"));
    replica.Open(o, mappings_);
    std::vector<ShardOp> ops = ops_;
    std::shuffle(ops.begin(), ops.end(), rng);
    const size_t half = ops.size() / 2;
    ASSERT_TRUE(replica.engine->ApplyOps(1, {ops.begin(), ops.begin() + half / 2}).ok());
    ASSERT_TRUE(replica.engine->Flush().ok());
    ASSERT_TRUE(replica.engine->ApplyOps(1, {ops.begin() + half / 2, ops.begin() + half}).ok());
    replica.Close();
    replica.Open(o, mappings_);
    ASSERT_TRUE(replica.engine->ApplyOps(1, {ops.begin() + half, ops.end()}).ok());
    EXPECT_EQ(DescribeCopy(replica), want);
    replica.Close();
    replica.Open(o, mappings_);
    EXPECT_EQ(DescribeCopy(replica), want);
  }
}

TEST_F(ApplyOpsTest, OlderTermIsFencedAndNewerTermIsAdopted) {
  const ShardEngineOptions o = testing::TestShardOptions(tmp_.Sub("replica"));
  Copy replica;
  replica.Open(o, mappings_);
  ShardOp a = Op(OpType::kIndex, 0, "a", 1, R"({"title":"a"})");
  a.stamp.primary_term = 2;
  ASSERT_TRUE(replica.engine->ApplyOps(2, {a}).ok());
  EXPECT_EQ(replica.engine->primary_term(), 2);
  const std::string before = DescribeCopy(replica);
  auto stale = replica.engine->ApplyOps(1, {Op(OpType::kIndex, 1, "b", 1, R"({"title":"b"})")});
  EXPECT_EQ(stale.code(), kFencedCode) << stale.ToString();
  EXPECT_NE(stale.message().find("stale primary term"), std::string::npos) << stale.ToString();
  EXPECT_EQ(DescribeCopy(replica), before);  // nothing changed
  EXPECT_FALSE(replica.engine->Get("b")->found);
  replica.Close();
  replica.Open(o, mappings_);  // options still say term 1: STATE says 2
  EXPECT_EQ(replica.engine->primary_term(), 2);
  EXPECT_EQ(replica.engine->ApplyOps(1, {Op(OpType::kIndex, 1, "b", 1, "{}")}).code(), kFencedCode);
  EXPECT_EQ(DescribeCopy(replica), before);
}

TEST_F(ApplyOpsTest, NewestSeqNoWinsAndTombstonesStay) {
  Copy replica;
  replica.Open(testing::TestShardOptions(tmp_.Sub("replica")), mappings_);
  // The delete (seq 5) arrives before the index op it supersedes (seq 4).
  ASSERT_TRUE(replica.engine->ApplyOps(1, {Op(OpType::kDelete, 5, "x", 3)}).ok());
  ASSERT_TRUE(replica.engine->ApplyOps(1, {Op(OpType::kIndex, 4, "x", 2, R"({"title":"late"})")}).ok());
  EXPECT_FALSE(replica.engine->Get("x")->found);
  ASSERT_TRUE(replica.engine->Refresh().ok());
  EXPECT_TRUE(testing::SearchableIds(*replica.engine).empty());
  ASSERT_TRUE(replica.engine->ApplyOps(1, {Op(OpType::kIndex, 7, "x", 4, R"({"title":"new"})"),
                                           Op(OpType::kIndex, 6, "x", 9, R"({"title":"older"})")}).ok());
  auto got = replica.engine->Get("x");
  EXPECT_TRUE(got->found);
  EXPECT_EQ(got->version, 4);  // versions come from the ops
  EXPECT_EQ(got->stamp, (OpStamp{1, 7}));
  EXPECT_EQ(got->source, R"({"title":"new"})");
  ASSERT_TRUE(replica.engine->Refresh().ok());
  EXPECT_EQ(testing::SearchableIds(*replica.engine), std::vector<std::string>{"x"});
  EXPECT_TRUE(replica.engine->CheckConsistency().ok());
  std::vector<int64_t> logged;
  for (const ShardOp& op : AllOps(*replica.engine)) logged.push_back(op.stamp.seq_no);
  EXPECT_EQ(logged, (std::vector<int64_t>{4, 5, 6, 7}));  // every op is history
}

TEST_F(ApplyOpsTest, GapsHoldTheCheckpointAndEventOpsUntilFilled) {
  const ShardEngineOptions o = testing::TestShardOptions(tmp_.Sub("replica"));
  Copy replica;
  replica.Open(o, mappings_);
  const Event view{"u", "X", EventType::kView, kT0, 1.0};
  ASSERT_TRUE(replica.engine->ApplyOps(1, {Op(OpType::kIndex, 0, "a", 1, "{}"), Op(OpType::kIndex, 1, "b", 1, "{}"),
                                           EventOp(3, {view})}).ok());
  EXPECT_EQ(replica.engine->local_checkpoint(), 1);
  EXPECT_EQ(replica.engine->max_seq_no(), 3);
  EXPECT_EQ(HistoryOf(*replica.events, "u"), "");  // the event waits for seq_no 2
  replica.Close();
  replica.Open(o, mappings_);
  EXPECT_EQ(replica.engine->local_checkpoint(), 1);
  EXPECT_EQ(replica.engine->max_seq_no(), 3);
  EXPECT_EQ(HistoryOf(*replica.events, "u"), "");
  ASSERT_TRUE(replica.engine->ApplyOps(1, {Op(OpType::kIndex, 2, "c", 1, "{}")}).ok());
  EXPECT_EQ(replica.engine->local_checkpoint(), 3);
  EXPECT_NE(HistoryOf(*replica.events, "u"), "");
  EXPECT_TRUE(replica.events->PopularityOf("X").has_value());
  // A copy becoming primary with a gap (4) below an event op (5).
  ASSERT_TRUE(replica.engine->ApplyOps(1, {Op(OpType::kIndex, 6, "d", 1, "{}"),
                                           EventOp(5, {Event{"w", "Y", EventType::kCart, kT0, 1.0}})}).ok());
  EXPECT_EQ(replica.engine->local_checkpoint(), 3);
  EXPECT_EQ(HistoryOf(*replica.events, "w"), "");
  ASSERT_TRUE(replica.engine->FillGaps().ok());
  EXPECT_EQ(replica.engine->local_checkpoint(), 6);
  EXPECT_NE(HistoryOf(*replica.events, "w"), "");
  const std::string history_w = HistoryOf(*replica.events, "w");
  std::map<int64_t, OpType> types;
  for (const ShardOp& op : AllOps(*replica.engine)) types[op.stamp.seq_no] = op.type;
  ASSERT_TRUE(types.count(4));
  EXPECT_EQ(types[4], OpType::kNoop);  // the gap, filled
  EXPECT_EQ(types[5], OpType::kEvent);
  EXPECT_EQ(types.rbegin()->first, 6);
  replica.Close();
  replica.Open(o, mappings_);
  EXPECT_EQ(replica.engine->local_checkpoint(), 6);
  EXPECT_EQ(replica.engine->max_seq_no(), 6);
  EXPECT_EQ(HistoryOf(*replica.events, "w"), history_w);  // applied once, not again at open
  for (const char* id : {"a", "b", "c", "d"}) EXPECT_TRUE(replica.engine->Get(id)->found) << id;
  // Now a primary: it stamps above what it has.
  EXPECT_EQ(testing::IndexDoc(*replica.engine, "e", "{}").stamp.seq_no, 7);
}

}  // namespace
}  // namespace holdfast
