// The shard service through the loopback client (every request and answer
// through bytes): the replica write path (Replicate), op history (OpsSince)
// and their typed errors — fenced terms, trimmed history — crossing the
// boundary with their kinds; a copy the cluster state assigns here is opened
// by the registry and reported started; a handoff's write pauses are each
// lifted by their owner only; a node page over several shards
// keeps the hits a merge of the shards' own answers would.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <tuple>

#include "index/mapping/mapping_parser.h"
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
// Writes wait while anything hands the primary over, and each pause is
// lifted only by its owner: a replica's recovery finalizing on the primary
// while a drain hands it to another copy (or a relocation's handoff called
// off) must not let a write in — the new primary would never have it.
TEST_F(ShardServiceTest, AFinalizedRecoveryDoesNotLetWritesInUnderADrainsHandoff) {
  ASSERT_EQ(WriteDocs(2).size(), 2u);
  std::shared_ptr<ShardCopy> copy = registry_->Get(ShardId{uuid_, 0});
  ASSERT_NE(copy, nullptr);
  ASSERT_TRUE(copy->BeginHandoff(1s, ShardCopy::WritePause::kDrain).ok());
  EXPECT_EQ(copy->EnterWrite(50ms).status().code(), StatusCode::kFenced) << "paused by the drain";

  pb::FinalizeRecoveryRequest finalize;
  *finalize.mutable_target() = Target();
  finalize.set_recovery_id("replica-1");
  finalize.set_from_seq_no(0);
  pb::FinalizeRecoveryResponse finalized;
  ASSERT_TRUE(client_->FinalizeRecovery(finalize, &finalized).ok());
  EXPECT_EQ(finalized.ops_size(), 2);
  auto after_finalize = copy->EnterWrite(50ms);
  EXPECT_EQ(after_finalize.status().code(), StatusCode::kFenced) << "the drain's pause still holds";

  pb::HandoffRequest lift;
  *lift.mutable_target() = Target();
  lift.set_recovery_id("relocation-1");
  lift.set_cancel(true);
  pb::HandoffResponse lifted;
  ASSERT_TRUE(client_->Handoff(lift, &lifted).ok());
  auto after_lift = copy->EnterWrite(50ms);
  EXPECT_EQ(after_lift.status().code(), StatusCode::kFenced) << "a relocation's cancel lifts only its own pause";

  copy->CancelHandoff(ShardCopy::WritePause::kDrain);
  EXPECT_TRUE(copy->EnterWrite(50ms).ok()) << "the drain's own cancel lifts it";
}

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

// A node page (a Batch of Query calls of one search over this node's shards)
// keeps the node's best `size` hits — the later shards run with the page
// floor of the earlier ones' answers — and they are the hits, scores and
// totals a merge of each shard's own answer gives.
TEST_F(ShardServiceTest, ANodePageKeepsWhatAMergeOfItsShardsAnswersKeeps) {
  constexpr int kShards = 3;
  IndexMetadata index = testing::NewIndex("pages", kShards, 0);
  auto mapping = mapping::ParseMapping(R"({"properties":{"body":{"type":"text"}}})");
  ASSERT_TRUE(mapping.ok());
  index.mapping = std::make_shared<const mapping::Mapping>(std::move(mapping).value());
  ASSERT_TRUE(state_->CreateIndex(index).ok());
  ASSERT_TRUE(testing::WaitFor([&] {
    for (int s = 0; s < kShards; ++s) {
      const ShardRouting* r = state_->Current()->RoutingOf(ShardId{index.uuid, static_cast<uint32_t>(s)});
      if (r == nullptr || r->copies[0].state != ShardCopyState::kStarted) return false;
    }
    return true;
  }, 10s));
  auto target = [&](int s) {
    pb::ShardTarget t;
    t.mutable_shard()->set_index_uuid(index.uuid);
    t.mutable_shard()->set_shard(static_cast<uint32_t>(s));
    return t;
  };
  // Zipf-ish words, so that scores spread and each shard's best differ.
  std::mt19937 rng(5);
  std::vector<double> weights;
  for (int i = 0; i < 60; ++i) weights.push_back(1.0 / (i + 1));
  std::discrete_distribution<int> word(weights.begin(), weights.end());
  for (int s = 0; s < kShards; ++s) {
    pb::WriteRequest w;
    *w.mutable_target() = target(s);
    for (int d = 0; d < 400; ++d) {
      std::string text;
      for (int i = 3 + d % 17; i > 0; --i) text += "w" + std::to_string(word(rng)) + " ";
      pb::DocWrite* doc = w.add_items();
      doc->set_id("s" + std::to_string(s) + "-" + std::to_string(d));
      doc->set_source(R"({"body":")" + text + R"("})");
    }
    pb::WriteResponse r;
    ASSERT_TRUE(client_->Write(w, &r).ok());
    ASSERT_TRUE(registry_->Get(ShardId{index.uuid, static_cast<uint32_t>(s)})->engine().Refresh().ok());
  }
  size_t later_shards_on_page = 0;
  for (const char* text : {"w3 w17", "w1", "w40 w2 w9", "w5 w6", "w59"}) {
    for (uint64_t size : {1, 10, 30}) {
      auto request = [&](int s, bool node_page) {
        pb::QueryRequest q;
        *q.mutable_target() = target(s);
        q.mutable_source()->set_query_json(std::string(R"({"match":{"body":")") + text + R"("}})");
        q.set_size(size);
        if (node_page) {
          q.mutable_fetch()->mutable_source()->set_enabled(true);
          q.set_node_page(true);
        }
        return q;
      };
      // (score, call, id) of the best `size` over the shards' own answers.
      std::vector<std::tuple<float, int, std::string>> expected;
      std::vector<uint64_t> totals;
      for (int s = 0; s < kShards; ++s) {
        pb::QueryResponse r;
        ASSERT_TRUE(client_->Query(request(s, false), &r).ok());
        totals.push_back(r.total());
        for (const pb::ShardHit& h : r.hits()) expected.emplace_back(h.score(), s, h.id());
      }
      auto order = [](const auto& a, const auto& b) {
        if (std::get<0>(a) != std::get<0>(b)) return std::get<0>(a) > std::get<0>(b);
        return std::get<1>(a) < std::get<1>(b);
      };
      std::stable_sort(expected.begin(), expected.end(), order);
      if (expected.size() > size) expected.resize(size);
      pb::BatchRequest batch;
      for (int s = 0; s < kShards; ++s) {
        pb::ShardCall* call = batch.add_calls();
        call->set_method("Query");
        ASSERT_TRUE(request(s, true).SerializeToString(call->mutable_request()));
      }
      pb::BatchResponse answered;
      service_->HandleBatch(batch, &answered);
      ASSERT_EQ(answered.results_size(), kShards);
      std::vector<std::tuple<float, int, std::string>> got;
      for (int s = 0; s < kShards; ++s) {
        ASSERT_FALSE(answered.results(s).has_error()) << answered.results(s).error().message();
        pb::QueryResponse r;
        ASSERT_TRUE(r.ParseFromString(answered.results(s).response()));
        EXPECT_EQ(r.total(), totals[s]) << text << " shard " << s;
        EXPECT_EQ(r.docs_size(), r.hits_size()) << "the page's hits are fetched";
        for (const pb::ShardHit& h : r.hits()) got.emplace_back(h.score(), s, h.id());
      }
      std::stable_sort(got.begin(), got.end(), order);
      ASSERT_EQ(got.size(), expected.size()) << text << " size " << size;
      for (size_t i = 0; i < got.size(); ++i) {
        EXPECT_EQ(std::get<2>(got[i]), std::get<2>(expected[i])) << text << " size " << size << " rank " << i;
        EXPECT_NEAR(std::get<0>(got[i]), std::get<0>(expected[i]), 1e-5) << text << " rank " << i;
        later_shards_on_page += std::get<1>(got[i]) > 0;
      }
    }
  }
  EXPECT_GT(later_shards_on_page, 20u) << "the later shards' hits make pages too";
}

}  // namespace
}  // namespace holdfast
