// The shard service through the loopback client (every request and answer
// through bytes): the replica write path (Replicate), op history (OpsSince)
// and their typed errors — fenced terms, trimmed history — crossing the
// boundary with their kinds; a copy the cluster state assigns here is opened
// by the registry and reported started.
#include <gtest/gtest.h>

#include <map>

#include "replication/loopback_shard_client.h"
#include "replication/proto_convert.h"
#include "tests/replication/shard_service_fixture.h"

namespace holdfast {
namespace {

using namespace std::chrono_literals;

class ShardServiceTest : public testing::ShardServiceFixture {
 protected:
  void SetUp() override {
    ShardServiceFixture::SetUp();
    client_ = std::make_unique<LoopbackShardClient>(service_.get());
  }

  // id of each seq_no written
  std::map<int64_t, std::string> WriteDocs(int n) {
    std::map<int64_t, std::string> ids;
    pb::WriteRequest w;
    *w.mutable_target() = Target();
    for (int i = 0; i < n; ++i) {
      pb::DocWrite* d = w.add_items();
      d->set_id("d" + std::to_string(i));
      d->set_source(R"({"n":)" + std::to_string(i) + "}");
    }
    pb::WriteResponse r;
    EXPECT_TRUE(client_->Write(w, &r).ok());
    for (int i = 0; i < r.results_size(); ++i) {
      EXPECT_FALSE(r.results(i).has_error()) << r.results(i).error().message();
      ids[r.results(i).seq_no()] = "d" + std::to_string(i);
    }
    return ids;
  }

  std::unique_ptr<ShardClient> client_;
};

TEST_F(ShardServiceTest, OpsSinceReturnsTheHistoryThenSaysWhenItIsTrimmed) {
  const std::map<int64_t, std::string> ids = WriteDocs(5);
  ASSERT_EQ(ids.size(), 5u);
  pb::OpsSinceRequest since;
  *since.mutable_target() = Target();
  since.set_from_seq_no(1);
  pb::OpsSinceResponse ops;
  ASSERT_TRUE(client_->OpsSince(since, &ops).ok());
  ASSERT_EQ(ops.ops_size(), 4);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(ops.ops(i).seq_no(), i + 1);
    EXPECT_EQ(ops.ops(i).id(), ids.at(i + 1));
    EXPECT_EQ(ops.ops(i).type(), pb::Op::INDEX);
  }
  EXPECT_EQ(ops.max_seq_no(), 4);
  since.set_max_ops(2);
  ASSERT_TRUE(client_->OpsSince(since, &ops).ok());
  EXPECT_EQ(ops.ops_size(), 2);
  EXPECT_TRUE(ops.more());

  // A sole copy trims its op log at a flush: the history is gone, and the
  // answer says so (typed, across the boundary) instead of being partial.
  pb::MaintenanceRequest flush;
  *flush.mutable_target() = Target();
  flush.set_action(pb::MaintenanceRequest::FLUSH);
  pb::MaintenanceResponse flushed;
  ASSERT_TRUE(client_->Maintenance(flush, &flushed).ok());
  since.set_max_ops(0);
  Status trimmed = client_->OpsSince(since, &ops);
  EXPECT_EQ(trimmed.code(), StatusCode::kHistoryTrimmed) << trimmed.ToString();
}

TEST_F(ShardServiceTest, ReplicateAppliesStampedOpsAndRefusesAnOlderTerm) {
  ShardEngine& engine = Engine();
  ASSERT_TRUE(engine.SetPrimaryTerm(3).ok());

  // Ops stamped elsewhere, out of order: the checkpoint waits for the gap.
  auto op = [](int64_t seq, const std::string& id) {
    pb::Op o;
    o.set_type(pb::Op::INDEX);
    o.set_id(id);
    o.set_seq_no(seq);
    o.set_primary_term(3);
    o.set_version(1);
    o.set_source(R"({"x":1})");
    return o;
  };
  pb::ReplicateRequest replicate;
  *replicate.mutable_target() = Target(3);
  *replicate.add_ops() = op(1, "b");
  pb::ReplicateResponse applied;
  ASSERT_TRUE(client_->Replicate(replicate, &applied).ok());
  EXPECT_EQ(applied.local_checkpoint(), -1);
  EXPECT_EQ(applied.max_seq_no(), 1);
  replicate.clear_ops();
  *replicate.add_ops() = op(0, "a");
  ASSERT_TRUE(client_->Replicate(replicate, &applied).ok());
  EXPECT_EQ(applied.local_checkpoint(), 1);

  // A request from an older primary term is fenced off and changes nothing.
  replicate.clear_ops();
  *replicate.mutable_target() = Target(2);
  *replicate.add_ops() = op(2, "c");
  Status fenced = client_->Replicate(replicate, &applied);
  EXPECT_EQ(fenced.code(), StatusCode::kFenced) << fenced.ToString();
  pb::GetRequest get;
  *get.mutable_target() = Target();
  get.add_ids("a");
  get.add_ids("c");
  pb::GetResponse got;
  ASSERT_TRUE(client_->Get(get, &got).ok());
  EXPECT_TRUE(got.docs(0).found());
  EXPECT_EQ(got.docs(0).seq_no(), 0);
  EXPECT_EQ(got.docs(0).primary_term(), 3);
  EXPECT_FALSE(got.docs(1).found());
  EXPECT_EQ(engine.local_checkpoint(), 1);
}

TEST_F(ShardServiceTest, AnUnknownShardIsUnavailableAndAWriteFromAnOlderTermIsFenced) {
  pb::GetRequest get;
  *get.mutable_target() = Target();
  get.mutable_target()->mutable_shard()->set_index_uuid("no-such-index");
  get.add_ids("a");
  pb::GetResponse got;
  EXPECT_EQ(client_->Get(get, &got).code(), StatusCode::kUnavailable);

  ASSERT_TRUE(Engine().SetPrimaryTerm(2).ok());
  pb::WriteRequest w;
  *w.mutable_target() = Target(1);
  w.add_items()->set_id("x");
  pb::WriteResponse r;
  EXPECT_EQ(client_->Write(w, &r).code(), StatusCode::kFenced);
}

// Cached statistics sums are checked by the version a shard reports: the
// same copy and segments give the same one, another copy (whose segments may
// be named alike) another, so sums from one copy never pass for another's.
TEST_F(ShardServiceTest, StatsVersionsAreThoseOfOneCopyAndItsSegments) {
  WriteDocs(10);
  ASSERT_TRUE(Engine().Refresh().ok());
  const std::string allocation_id = registry_->Get(ShardId{uuid_, 0})->allocation_id();
  ASSERT_FALSE(allocation_id.empty());
  const search::SearcherSnapshot snapshot = Engine().AcquireSearcher();
  const uint64_t version = StatsVersion(snapshot, allocation_id);
  EXPECT_EQ(StatsVersion(Engine().AcquireSearcher(), allocation_id), version) << "nothing changed";
  EXPECT_NE(StatsVersion(snapshot, "another-copy"), version);
  auto query = [&](uint64_t expected) {
    pb::QueryRequest q;
    *q.mutable_target() = Target();
    q.mutable_source()->set_query_json(R"({"match_all": {}})");
    q.set_size(5);
    q.set_expected_stats_version(expected);
    pb::QueryResponse r;
    EXPECT_TRUE(client_->Query(q, &r).ok());
    return r.stale_stats();
  };
  EXPECT_FALSE(query(version));
  EXPECT_TRUE(query(StatsVersion(snapshot, "another-copy")));
  WriteDocs(1);
  ASSERT_TRUE(Engine().Refresh().ok());
  EXPECT_TRUE(query(version)) << "a refresh made a new segment";
}

}  // namespace
}  // namespace holdfast
