// LocalClusterState changes in memory: create, delete, resolve, versions,
// allocation on one node, copy reports, mapping merges (also from several
// threads), and a store that fails its writes.
#include "replication/local_cluster_state.h"

#include <gtest/gtest.h>

#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "tests/replication/cluster_state_test_util.h"
#include "tests/replication/memory_metadata_store.h"
#include "tests/support/test_process.h"

namespace holdfast {
namespace {

using mapping::FieldType;
using testing::FieldUpdate;
using testing::MappingJson;
using testing::MemoryMetadataStore;
using testing::NewIndex;
using testing::OpenState;

TEST(LocalClusterStateTest, FreshStateHasTheLocalNodeAsMasterAndNoIndex) {
  MemoryMetadataStore store;
  auto state = OpenState(&store);
  ASSERT_NE(state, nullptr);
  ClusterStatePtr s = state->Current();
  EXPECT_EQ(s->version, 0);
  EXPECT_EQ(s->cluster_uuid, "cluster-uuid");
  EXPECT_EQ(s->cluster_name, "test-cluster");
  EXPECT_EQ(s->master_node_id, "node-a");
  ASSERT_EQ(s->nodes.size(), 1u);
  EXPECT_EQ(s->nodes.at("node-a"), testing::LocalNode());
  EXPECT_TRUE(s->indices.empty());
  EXPECT_EQ(store.Get(kStateVersionKey).value(), "0");
}

TEST(LocalClusterStateTest, CreateAllocatesPrimariesHereAndLeavesReplicasUnassigned) {
  MemoryMetadataStore store;
  auto state = OpenState(&store);
  IndexMetadata meta = NewIndex("logs", 3, 2);
  auto created = state->CreateIndex(meta);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ(created.value(), state->Current());
  const IndexRouting* routing = state->Current()->RoutingOf(meta.uuid);
  ASSERT_NE(routing, nullptr);
  ASSERT_EQ(routing->shards.size(), 3u);
  std::set<std::string> allocation_ids;
  for (uint32_t n = 0; n < 3; ++n) {
    const ShardRouting& shard = routing->shards[n];
    EXPECT_EQ(shard.shard, n);
    EXPECT_EQ(shard.primary_term, 1);
    ASSERT_EQ(shard.copies.size(), 3u);
    const ShardCopyRouting* primary = shard.primary();
    ASSERT_EQ(primary, &shard.copies[0]);
    EXPECT_EQ(primary->node_id, "node-a");
    EXPECT_EQ(primary->state, ShardCopyState::kInitializing);
    EXPECT_TRUE(IsUuid(primary->allocation_id));
    EXPECT_EQ(shard.in_sync, std::vector<std::string>{primary->allocation_id});
    allocation_ids.insert(primary->allocation_id);
    for (size_t r = 1; r < shard.copies.size(); ++r) {
      EXPECT_EQ(shard.copies[r], ShardCopyRouting{}) << "replica " << r << " of shard " << n;
    }
    EXPECT_EQ(state->Current()->RoutingOf(ShardId{meta.uuid, n}), &shard);
  }
  EXPECT_EQ(allocation_ids.size(), 3u) << "every allocation gets its own id";
  EXPECT_EQ(state->Current()->RoutingOf(ShardId{meta.uuid, 3}), nullptr);
}

TEST(LocalClusterStateTest, CreateDeleteFindAndVersionsIncreaseByOnePerChange) {
  MemoryMetadataStore store;
  auto state = OpenState(&store);
  IndexMetadata a = NewIndex("a");
  IndexMetadata b = NewIndex("b");
  ASSERT_TRUE(state->CreateIndex(a).ok());
  EXPECT_EQ(state->Current()->version, 1);
  ASSERT_TRUE(state->CreateIndex(b).ok());
  EXPECT_EQ(state->Current()->version, 2);
  ClusterStatePtr two = state->Current();
  ASSERT_NE(two->FindIndex("a"), nullptr);
  EXPECT_EQ(two->FindIndex("a")->uuid, a.uuid);
  EXPECT_EQ(two->FindIndexByUuid(b.uuid)->name, "b");
  EXPECT_EQ(two->FindIndex("c"), nullptr);

  ASSERT_TRUE(state->PutMapping(a.uuid, FieldUpdate("title", FieldType::kText)).ok());
  EXPECT_EQ(state->Current()->version, 3);
  const std::string aid = state->Current()->RoutingOf(ShardId{a.uuid, 0})->copies[0].allocation_id;
  ASSERT_TRUE(state->UpdateShardCopy(ShardId{a.uuid, 0}, aid, ShardCopyState::kStarted, "").ok());
  EXPECT_EQ(state->Current()->version, 4);
  ASSERT_TRUE(state->DeleteIndex("a").ok());
  EXPECT_EQ(state->Current()->version, 5);
  EXPECT_EQ(state->Current()->FindIndex("a"), nullptr);
  EXPECT_EQ(state->Current()->RoutingOf(a.uuid), nullptr);
  EXPECT_FALSE(store.Get(StateMetadataKey(a.uuid)).ok());
  EXPECT_FALSE(store.Get(StateRoutingKey(a.uuid)).ok());

  // Snapshots are immutable: the old one still shows both indices.
  EXPECT_EQ(two->version, 2);
  EXPECT_NE(two->FindIndex("a"), nullptr);

  // Changes that change nothing make no version.
  ASSERT_TRUE(state->PutMapping(b.uuid, {}).ok());
  ASSERT_TRUE(state->UpdateShardCopy(ShardId{a.uuid, 0}, aid, ShardCopyState::kFailed, "gone").ok());
  EXPECT_EQ(state->Current()->version, 5);
  EXPECT_EQ(store.Get(kStateVersionKey).value(), "5");
}

TEST(LocalClusterStateTest, CreateRefusesATakenNameAndBadNames) {
  MemoryMetadataStore store;
  auto state = OpenState(&store);
  IndexMetadata a = NewIndex("a");
  ASSERT_TRUE(state->CreateIndex(a).ok());
  auto again = state->CreateIndex(NewIndex("a"));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), StatusCode::kResourceAlreadyExists);
  EXPECT_EQ(again.status().message(), "index [a/" + a.uuid + "] already exists");
  IndexMetadata same_uuid = NewIndex("other");
  same_uuid.uuid = a.uuid;
  EXPECT_FALSE(state->CreateIndex(same_uuid).ok());

  for (const char* bad : {"", "UPPER", "_under", "-dash", "+plus", ".", "..", "a b", "a,b", "a*", "a:b", "a/b",
                          "a#b", "a\"b", "a|b", "a?b", "a<b", "a\\b"}) {
    auto created = state->CreateIndex(NewIndex(bad));
    ASSERT_FALSE(created.ok()) << "[" << bad << "]";
    EXPECT_EQ(created.status().code(), StatusCode::kInvalidIndexName) << bad;
  }
  EXPECT_FALSE(state->CreateIndex(NewIndex(std::string(256, 'x'))).ok());
  EXPECT_TRUE(state->CreateIndex(NewIndex(std::string(255, 'x'))).ok());
  EXPECT_FALSE(state->CreateIndex(NewIndex("zero-shards", 0)).ok());
  EXPECT_EQ(state->Current()->indices.size(), 2u);
  EXPECT_EQ(state->Current()->version, 2);
}

TEST(LocalClusterStateTest, DeleteOfAMissingIndexIsNotFound) {
  MemoryMetadataStore store;
  auto state = OpenState(&store);
  Status s = state->DeleteIndex("nope");
  EXPECT_EQ(s.code(), StatusCode::kIndexNotFound);
  EXPECT_EQ(s.message(), "no such index [nope]");
  EXPECT_EQ(state->Current()->version, 0);
}

TEST(LocalClusterStateTest, UpdateShardCopySetsStateAndTheLastInSyncCopyStaysInSync) {
  MemoryMetadataStore store;
  auto state = OpenState(&store);
  IndexMetadata a = NewIndex("a", 2, 0);
  ASSERT_TRUE(state->CreateIndex(a).ok());
  const ShardId s0{a.uuid, 0};
  const std::string aid = state->Current()->RoutingOf(s0)->copies[0].allocation_id;
  ASSERT_TRUE(state->UpdateShardCopy(s0, aid, ShardCopyState::kStarted, "ignored").ok());
  EXPECT_EQ(state->Current()->RoutingOf(s0)->copies[0].state, ShardCopyState::kStarted);
  EXPECT_EQ(state->Current()->RoutingOf(s0)->copies[0].failure, "");
  ASSERT_TRUE(state->UpdateShardCopy(s0, aid, ShardCopyState::kFailed, "disk full").ok());
  const ShardRouting* r = state->Current()->RoutingOf(s0);
  EXPECT_EQ(r->copies[0].state, ShardCopyState::kFailed);
  EXPECT_EQ(r->copies[0].failure, "disk full");
  // The last in-sync copy of a shard never leaves the set: its data is the
  // shard's (a failed copy among several does leave; the cluster issue tests that).
  EXPECT_EQ(r->in_sync, std::vector<std::string>{aid});
  EXPECT_EQ(state->Current()->RoutingOf(ShardId{a.uuid, 1})->in_sync.size(), 1u) << "other shards untouched";

  // Stale reports change nothing.
  const int64_t version = state->Current()->version;
  EXPECT_TRUE(state->UpdateShardCopy(s0, "not-an-allocation", ShardCopyState::kStarted, "").ok());
  EXPECT_TRUE(state->UpdateShardCopy(s0, "", ShardCopyState::kStarted, "").ok());
  EXPECT_TRUE(state->UpdateShardCopy(ShardId{a.uuid, 7}, aid, ShardCopyState::kStarted, "").ok());
  EXPECT_TRUE(state->UpdateShardCopy(ShardId{"gone", 0}, aid, ShardCopyState::kStarted, "").ok());
  EXPECT_EQ(state->Current()->version, version);
  EXPECT_EQ(state->UpdateShardCopy(s0, aid, ShardCopyState::kUnassigned, "").code(), StatusCode::kInvalidArgument);
}

TEST(LocalClusterStateTest, PutMappingMergesAndRefusesAConflictWithoutChange) {
  MemoryMetadataStore store;
  auto state = OpenState(&store);
  IndexMetadata a = NewIndex("a");
  ASSERT_TRUE(state->CreateIndex(a).ok());
  auto merged = state->PutMapping(a.uuid, FieldUpdate("price", FieldType::kLong));
  ASSERT_TRUE(merged.ok()) << merged.status().ToString();
  ASSERT_NE(merged.value()->Find("price"), nullptr);
  EXPECT_EQ(merged.value(), state->Current()->FindIndex("a")->mapping);

  // Already merged: the same mapping back, no version.
  const int64_t version = state->Current()->version;
  auto again = state->PutMapping(a.uuid, FieldUpdate("price", FieldType::kLong));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again.value(), merged.value());
  EXPECT_EQ(state->Current()->version, version);

  const std::string before = MappingJson(state->Current()->FindIndex("a"));
  auto conflict = state->PutMapping(a.uuid, FieldUpdate("price", FieldType::kText));
  ASSERT_FALSE(conflict.ok());
  EXPECT_EQ(conflict.status().code(), StatusCode::kInvalidArgument);  // illegal_argument_exception
  EXPECT_EQ(MappingJson(state->Current()->FindIndex("a")), before);
  EXPECT_EQ(state->Current()->version, version);

  EXPECT_EQ(state->PutMapping("no-such-uuid", FieldUpdate("x", FieldType::kLong)).status().code(),
            StatusCode::kIndexNotFound);
}

TEST(LocalClusterStateTest, PutMappingFromSeveralThreadsLosesNoField) {
  MemoryMetadataStore store;
  auto state = OpenState(&store);
  IndexMetadata a = NewIndex("a");
  ASSERT_TRUE(state->CreateIndex(a).ok());
  constexpr int kThreads = 8;
  constexpr int kFieldsPerThread = 25;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kFieldsPerThread; ++i) {
        // Every thread also races on one shared field: merged once, found merged after.
        if (!state->PutMapping(a.uuid, FieldUpdate("shared", FieldType::kKeyword)).ok()) ++failures;
        auto m = state->PutMapping(a.uuid, FieldUpdate("t" + std::to_string(t) + "_" + std::to_string(i),
                                                       FieldType::kLong));
        if (!m.ok() || m.value()->Find("t" + std::to_string(t) + "_" + std::to_string(i)) == nullptr) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  std::shared_ptr<const mapping::Mapping> m = state->Current()->FindIndex("a")->mapping;
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kFieldsPerThread; ++i) {
      EXPECT_NE(m->Find("t" + std::to_string(t) + "_" + std::to_string(i)), nullptr) << t << "_" << i;
    }
  }
  EXPECT_NE(m->Find("shared"), nullptr);
  // One version per new field: the create, `shared` once, and every tN_i.
  EXPECT_EQ(state->Current()->version, 1 + 1 + kThreads * kFieldsPerThread);
  // And the stored metadata holds them all.
  auto stored = DecodeIndexMetadata(store.Get(StateMetadataKey(a.uuid)).value(), "stored");
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(mapping::MappingToJson(*stored->mapping), mapping::MappingToJson(*m));
}

// A store that refuses writes: every change fails with its error, the
// published state (and what watchers saw) stays as it was.
TEST(LocalClusterStateTest, AFailedStoreWriteLeavesThePublishedStateUnchanged) {
  MemoryMetadataStore store;
  auto state = OpenState(&store);
  IndexMetadata a = NewIndex("a");
  ASSERT_TRUE(state->CreateIndex(a).ok());
  const std::string aid = state->Current()->RoutingOf(ShardId{a.uuid, 0})->copies[0].allocation_id;
  std::mutex seen_mu;
  std::vector<int64_t> seen;  // versions delivered to a watcher
  auto watch = state->Watch([&](const ClusterStatePtr& s) {
    std::lock_guard<std::mutex> lock(seen_mu);
    seen.push_back(s->version);
  });
  auto delivered = [&] {
    std::lock_guard<std::mutex> lock(seen_mu);
    return seen;
  };
  ClusterStatePtr before = state->Current();
  const auto stored_before = store.Snapshot();

  store.fail_writes = true;
  auto created = state->CreateIndex(NewIndex("b"));
  EXPECT_EQ(created.status().code(), StatusCode::kIOError);
  EXPECT_EQ(state->DeleteIndex("a").code(), StatusCode::kIOError);
  EXPECT_EQ(state->PutMapping(a.uuid, FieldUpdate("x", FieldType::kLong)).status().code(), StatusCode::kIOError);
  EXPECT_EQ(state->UpdateShardCopy(ShardId{a.uuid, 0}, aid, ShardCopyState::kStarted, "").code(),
            StatusCode::kIOError);
  EXPECT_EQ(state->Current(), before);
  EXPECT_EQ(state->Current()->FindIndex("a")->mapping->Find("x"), nullptr);
  EXPECT_EQ(store.Snapshot(), stored_before);

  // The next good change is the next version, and the first one watchers see.
  store.fail_writes = false;
  ASSERT_TRUE(state->CreateIndex(NewIndex("b")).ok());
  EXPECT_EQ(state->Current()->version, before->version + 1);
  ASSERT_TRUE(testing::WaitFor([&] { return !delivered().empty(); }, std::chrono::seconds(20)));
  EXPECT_EQ(delivered(), std::vector<int64_t>{before->version + 1});
}

// A store without atomic commits that fails half way through a create: the
// create fails, and the routing it left behind is removed on the next open.
TEST(LocalClusterStateTest, AHalfWrittenCreateIsNotPublishedAndItsLeftoverIsRemovedOnOpen) {
  MemoryMetadataStore store;
  IndexMetadata b = NewIndex("b");
  {
    auto state = OpenState(&store);
    ASSERT_TRUE(state->CreateIndex(NewIndex("a")).ok());
    store.fail_after_writes = 1;  // the routing is written, the metadata is not
    EXPECT_FALSE(state->CreateIndex(b).ok());
    EXPECT_EQ(state->Current()->FindIndex("b"), nullptr);
    EXPECT_TRUE(store.Get(StateRoutingKey(b.uuid)).ok());
    store.fail_after_writes = -1;
  }
  auto reopened = OpenState(&store);
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(reopened->Current()->FindIndex("b"), nullptr);
  EXPECT_NE(reopened->Current()->FindIndex("a"), nullptr);
  EXPECT_FALSE(store.Get(StateRoutingKey(b.uuid)).ok());
  EXPECT_EQ(reopened->Current()->version, 1);
}

}  // namespace
}  // namespace holdfast
