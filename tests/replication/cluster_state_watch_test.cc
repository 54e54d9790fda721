// Watchers of a LocalClusterState (ClusterState's contract): every new
// version in order, one call at a time, none under the state's lock nor on
// the thread that made the change, a change made from inside a watcher
// delivered after it returns, and unregistering waits for a call in progress.
// Delivery is asynchronous: tests wait for it with a deadline.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "replication/local_cluster_state.h"
#include "tests/replication/cluster_state_test_util.h"
#include "tests/replication/memory_metadata_store.h"
#include "tests/support/test_process.h"

namespace holdfast {
namespace {

using mapping::FieldType;
using testing::FieldUpdate;
using testing::MemoryMetadataStore;
using testing::NewIndex;
using testing::OpenState;

constexpr std::chrono::seconds kDeliveryDeadline{20};

// What watchers saw, readable from the test thread.
template <typename T>
class Seen {
 public:
  void Add(T value) {
    std::lock_guard<std::mutex> lock(mu_);
    values_.push_back(std::move(value));
  }
  std::vector<T> Get() const {
    std::lock_guard<std::mutex> lock(mu_);
    return values_;
  }
  bool WaitForSize(size_t n) const {
    return testing::WaitFor([&] { return Get().size() >= n; }, kDeliveryDeadline);
  }

 private:
  mutable std::mutex mu_;
  std::vector<T> values_;
};

TEST(ClusterStateWatchTest, NewVersionsOnlyFromRegistration) {
  MemoryMetadataStore store;
  auto state = OpenState(&store);
  ASSERT_TRUE(state->CreateIndex(NewIndex("before")).ok());
  Seen<int64_t> seen;
  auto watch = state->Watch([&](const ClusterStatePtr& s) { seen.Add(s->version); });
  ASSERT_TRUE(state->CreateIndex(NewIndex("after")).ok());
  ASSERT_TRUE(seen.WaitForSize(1));
  EXPECT_EQ(seen.Get(), std::vector<int64_t>{2});
  watch.reset();
  ASSERT_TRUE(state->DeleteIndex("after").ok());
  Seen<int64_t> later;  // registered after the delete: sees the next change only
  auto watch_later = state->Watch([&](const ClusterStatePtr& s) { later.Add(s->version); });
  ASSERT_TRUE(state->CreateIndex(NewIndex("last")).ok());
  ASSERT_TRUE(later.WaitForSize(1));
  EXPECT_EQ(later.Get(), std::vector<int64_t>{4});
  EXPECT_EQ(seen.Get(), std::vector<int64_t>{2}) << "no call after unregistering";
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
  Seen<int64_t> first_seen, second_seen;
  auto watcher = [&](Seen<int64_t>* seen) {
    return [&, seen](const ClusterStatePtr& s) {
      if (in_call.fetch_add(1) != 0) ++overlaps;
      seen->Add(s->version);
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
        const std::string field = "f" + std::to_string(t * kChanges + i);
        EXPECT_TRUE(state->PutMapping(a.uuid, FieldUpdate(field, FieldType::kLong)).ok());
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_TRUE(first_seen.WaitForSize(kThreads * kChanges));
  ASSERT_TRUE(second_seen.WaitForSize(kThreads * kChanges));
  EXPECT_EQ(overlaps.load(), 0);
  std::vector<int64_t> expected;
  for (int64_t v = start + 1; v <= start + kThreads * kChanges; ++v) expected.push_back(v);
  EXPECT_EQ(first_seen.Get(), expected);
  EXPECT_EQ(second_seen.Get(), expected);
}

// A watcher that reports a copy started when it sees the index created: its
// change neither deadlocks nor recurses, and is delivered after it returns.
TEST(ClusterStateWatchTest, AChangeFromInsideAWatcherIsDeliveredAfterItReturns) {
  MemoryMetadataStore store;
  auto state = OpenState(&store);
  IndexMetadata a = NewIndex("a");
  Seen<std::string> log;
  std::atomic<bool> inner_ok{false};
  auto watch = state->Watch([&](const ClusterStatePtr& s) {
    log.Add("enter " + std::to_string(s->version));
    const ShardRouting* shard = s->RoutingOf(ShardId{a.uuid, 0});
    if (shard != nullptr && shard->copies[0].state == ShardCopyState::kInitializing) {
      EXPECT_EQ(state->Current(), s) << "the state's lock is not held: Current() answers";
      inner_ok = state->UpdateShardCopy(ShardId{a.uuid, 0}, shard->copies[0].allocation_id, ShardCopyState::kStarted,
                                        "").ok();
      log.Add("changed to " + std::to_string(state->Current()->version));
    }
    log.Add("exit " + std::to_string(s->version));
  });
  ASSERT_TRUE(state->CreateIndex(a).ok());
  ASSERT_TRUE(log.WaitForSize(5));
  EXPECT_TRUE(inner_ok.load());
  EXPECT_EQ(log.Get(), (std::vector<std::string>{"enter 1", "changed to 2", "exit 1", "enter 2", "exit 2"}));
  EXPECT_EQ(state->Current()->RoutingOf(ShardId{a.uuid, 0})->copies[0].state, ShardCopyState::kStarted);
}

// ShardRegistry's pattern: converge under its own lock, report copies from
// there, and take the same lock in its watcher. A change never runs a watcher
// on the thread that made it, so this cannot deadlock.
TEST(ClusterStateWatchTest, ACallerMayHoldALockItsWatcherTakes) {
  MemoryMetadataStore store;
  auto state = OpenState(&store);
  std::mutex registry_mu;
  const std::thread::id test_thread = std::this_thread::get_id();
  std::atomic<int> on_changing_thread{0};
  Seen<int64_t> seen;
  auto watch = state->Watch([&](const ClusterStatePtr& s) {
    if (std::this_thread::get_id() == test_thread) {
      ++on_changing_thread;  // would deadlock on registry_mu below
      return;
    }
    std::lock_guard<std::mutex> lock(registry_mu);
    seen.Add(s->version);
  });
  {
    std::lock_guard<std::mutex> lock(registry_mu);
    ASSERT_TRUE(state->CreateIndex(NewIndex("a")).ok());
    ASSERT_TRUE(state->CreateIndex(NewIndex("b")).ok());
  }
  ASSERT_TRUE(seen.WaitForSize(2));
  EXPECT_EQ(on_changing_thread.load(), 0);
  EXPECT_EQ(seen.Get(), (std::vector<int64_t>{1, 2}));
}

// Destroying a handle while its watcher runs waits for the call to return;
// afterwards the watcher is never called again.
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
  ASSERT_TRUE(state->CreateIndex(NewIndex("a")).ok());
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
  ASSERT_TRUE(state->CreateIndex(NewIndex("b")).ok());
  Seen<int64_t> after;  // a later watcher sees version 2, the unregistered one nothing
  auto watch_after = state->Watch([&](const ClusterStatePtr& s) { after.Add(s->version); });
  ASSERT_TRUE(state->CreateIndex(NewIndex("c")).ok());
  ASSERT_TRUE(after.WaitForSize(1));
  EXPECT_EQ(calls.load(), 1);
}

TEST(ClusterStateWatchTest, AWatcherMayUnregisterItselfAndOthersKeepTheirCalls) {
  MemoryMetadataStore store;
  auto state = OpenState(&store);
  std::unique_ptr<ClusterStateWatch> self;
  std::atomic<int> self_calls{0}, other_calls{0};
  self = state->Watch([&](const ClusterStatePtr&) {
    ++self_calls;
    self.reset();  // from inside its own call: no wait, no deadlock
  });
  auto other = state->Watch([&](const ClusterStatePtr&) { ++other_calls; });
  ASSERT_TRUE(state->CreateIndex(NewIndex("a")).ok());
  ASSERT_TRUE(state->CreateIndex(NewIndex("b")).ok());
  ASSERT_TRUE(testing::WaitFor([&] { return other_calls.load() == 2; }, kDeliveryDeadline));
  EXPECT_EQ(self_calls.load(), 1);
}

TEST(ClusterStateWatchTest, AHandleMayOutliveTheState) {
  MemoryMetadataStore store;
  auto state = OpenState(&store);
  ASSERT_TRUE(state->CreateIndex(NewIndex("a")).ok());  // possibly still queued: dropped
  auto watch = state->Watch([](const ClusterStatePtr&) {});
  state.reset();  // ends deliveries
  watch.reset();  // must not touch the destroyed state
}

}  // namespace
}  // namespace holdfast
