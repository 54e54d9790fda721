// Watchers of a LocalClusterState (ClusterState's contract): every new
// version in order, one call at a time, none under the state's lock, a change
// made from inside a watcher delivered after it returns, and unregistering
// waits for a call in progress.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "replication/local_cluster_state.h"
#include "tests/replication/cluster_state_test_util.h"
#include "tests/replication/memory_metadata_store.h"

namespace holdfast {
namespace {

using mapping::FieldType;
using testing::FieldUpdate;
using testing::MemoryMetadataStore;
using testing::NewIndex;
using testing::OpenState;

TEST(ClusterStateWatchTest, NewVersionsOnlyFromRegistration) {
  MemoryMetadataStore store;
  auto state = OpenState(&store);
  ASSERT_TRUE(state->CreateIndex(NewIndex("before")).ok());
  std::vector<int64_t> seen;
  auto watch = state->Watch([&](const ClusterStatePtr& s) { seen.push_back(s->version); });
  ASSERT_TRUE(state->CreateIndex(NewIndex("after")).ok());
  EXPECT_EQ(seen, std::vector<int64_t>{2});
  watch.reset();
  ASSERT_TRUE(state->DeleteIndex("after").ok());
  EXPECT_EQ(seen, std::vector<int64_t>{2}) << "no call after unregistering";
}

// Several threads change the state at once: every watcher sees every version,
// in order, and never two calls at a time.
TEST(ClusterStateWatchTest, VersionsAreDeliveredInOrderOneAtATime) {
  MemoryMetadataStore store;
  auto state = OpenState(&store);
  IndexMetadata a = NewIndex("a");
  ASSERT_TRUE(state->CreateIndex(a).ok());
  const int64_t start = state->Current()->version;
  std::atomic<int> in_call{0};
  std::atomic<int> overlaps{0};
  std::vector<int64_t> first_seen, second_seen;  // written by one call at a time
  auto watcher = [&](std::vector<int64_t>* seen) {
    return [&, seen](const ClusterStatePtr& s) {
      if (in_call.fetch_add(1) != 0) ++overlaps;
      seen->push_back(s->version);
      std::this_thread::yield();
      std::this_thread::sleep_for(std::chrono::microseconds(200));
      in_call.fetch_sub(1);
    };
  };
  auto first = state->Watch(watcher(&first_seen));
  auto second = state->Watch(watcher(&second_seen));
  constexpr int kThreads = 4, kChanges = 25;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kChanges; ++i) {
        ASSERT_TRUE(state->PutMapping(a.uuid, FieldUpdate("f" + std::to_string(t * kChanges + i), FieldType::kLong)).ok());
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(overlaps.load(), 0);
  std::vector<int64_t> expected;
  for (int64_t v = start + 1; v <= start + kThreads * kChanges; ++v) expected.push_back(v);
  EXPECT_EQ(first_seen, expected);
  EXPECT_EQ(second_seen, expected);
}

// A watcher that reports a copy started when it sees the index created: its
// change neither deadlocks nor recurses, and is delivered after it returns.
TEST(ClusterStateWatchTest, AChangeFromInsideAWatcherIsDeliveredAfterItReturns) {
  MemoryMetadataStore store;
  auto state = OpenState(&store);
  IndexMetadata a = NewIndex("a");
  std::vector<std::string> log;
  Status inner = Status::Internal("not called");
  auto watch = state->Watch([&](const ClusterStatePtr& s) {
    log.push_back("enter " + std::to_string(s->version));
    const ShardRouting* shard = s->RoutingOf(ShardId{a.uuid, 0});
    if (shard != nullptr && shard->copies[0].state == ShardCopyState::kInitializing) {
      EXPECT_EQ(state->Current(), s) << "the state's lock is not held: Current() answers";
      inner = state->UpdateShardCopy(ShardId{a.uuid, 0}, shard->copies[0].allocation_id, ShardCopyState::kStarted, "");
      log.push_back("changed to " + std::to_string(state->Current()->version));
    }
    log.push_back("exit " + std::to_string(s->version));
  });
  ASSERT_TRUE(state->CreateIndex(a).ok());
  EXPECT_TRUE(inner.ok()) << inner.ToString();
  EXPECT_EQ(log, (std::vector<std::string>{"enter 1", "changed to 2", "exit 1", "enter 2", "exit 2"}));
  EXPECT_EQ(state->Current()->RoutingOf(ShardId{a.uuid, 0})->copies[0].state, ShardCopyState::kStarted);
}

// Destroying a handle while its watcher runs on another thread waits for the
// call to return; afterwards the watcher is never called again.
TEST(ClusterStateWatchTest, UnregisteringWaitsForACallInProgress) {
  MemoryMetadataStore store;
  auto state = OpenState(&store);
  std::promise<void> entered, release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> calls{0};
  std::atomic<bool> returned{false};
  auto watch = state->Watch([&](const ClusterStatePtr&) {
    if (calls.fetch_add(1) == 0) {
      entered.set_value();
      released.wait();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      returned = true;
    }
  });
  std::thread changer([&] { ASSERT_TRUE(state->CreateIndex(NewIndex("a")).ok()); });
  entered.get_future().wait();
  std::atomic<bool> unregistered{false};
  std::thread unregister([&] {
    watch.reset();
    unregistered = true;
    EXPECT_TRUE(returned.load()) << "the handle died while its watcher was still running";
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(unregistered.load());
  release.set_value();
  unregister.join();
  changer.join();
  ASSERT_TRUE(state->CreateIndex(NewIndex("b")).ok());
  EXPECT_EQ(calls.load(), 1);
}

TEST(ClusterStateWatchTest, AWatcherMayUnregisterItselfAndOthersKeepTheirCalls) {
  MemoryMetadataStore store;
  auto state = OpenState(&store);
  std::unique_ptr<ClusterStateWatch> self;
  int self_calls = 0, other_calls = 0;
  self = state->Watch([&](const ClusterStatePtr&) {
    ++self_calls;
    self.reset();  // from inside its own call: no wait, no deadlock
  });
  auto other = state->Watch([&](const ClusterStatePtr&) { ++other_calls; });
  ASSERT_TRUE(state->CreateIndex(NewIndex("a")).ok());
  ASSERT_TRUE(state->CreateIndex(NewIndex("b")).ok());
  EXPECT_EQ(self_calls, 1);
  EXPECT_EQ(other_calls, 2);
}

TEST(ClusterStateWatchTest, AHandleMayOutliveTheState) {
  MemoryMetadataStore store;
  auto state = OpenState(&store);
  auto watch = state->Watch([](const ClusterStatePtr&) {});
  state.reset();
  watch.reset();  // must not touch the destroyed state
}

}  // namespace
}  // namespace holdfast
