// ShardServiceFixture: a real ShardService on a temporary directory for the
// tests of the service and of its clients — a LocalClusterState on a memory
// metadata store, a ShardRegistry that opens the copy of one index ("docs",
// one shard, no replica) the state assigns here, and the service over it.
// Refresh is on demand only (refresh_interval 0), so a test decides when
// writes become searchable.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "replication/shard_registry.h"
#include "replication/shard_service.h"
#include "tests/replication/cluster_state_test_util.h"
#include "tests/replication/memory_metadata_store.h"
#include "tests/support/test_process.h"

namespace holdfast::testing {

class ShardServiceFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    using namespace std::chrono_literals;
    state_ = OpenState(&store_);
    ASSERT_NE(state_, nullptr);
    ShardRegistryOptions o;
    o.indices_dir = tmp_.Sub("indices");
    o.node_id = LocalNode().node_id;
    o.engine.refresh_interval = 0ms;
    auto registry = ShardRegistry::Open(o, state_.get());
    ASSERT_TRUE(registry.ok()) << registry.status().ToString();
    registry_ = std::move(registry).value();
    service_ = std::make_unique<ShardService>(registry_.get());
    IndexMetadata index = NewIndex("docs", 1, 0);
    uuid_ = index.uuid;
    ASSERT_TRUE(state_->CreateIndex(index).ok());
    // The registry opens the copy on the state's delivery thread and reports it started.
    ASSERT_TRUE(WaitFor([&] {
      const ShardRouting* r = state_->Current()->RoutingOf(ShardId{uuid_, 0});
      return r != nullptr && r->copies[0].state == ShardCopyState::kStarted;
    }, 10s));
    ASSERT_NE(registry_->Get(ShardId{uuid_, 0}), nullptr);
  }
  void TearDown() override {
    if (registry_) {
      EXPECT_TRUE(registry_->CloseAll().ok());
    }
  }

  pb::ShardTarget Target(int64_t term = 0) const {
    pb::ShardTarget t;
    t.mutable_shard()->set_index_uuid(uuid_);
    t.mutable_shard()->set_shard(0);
    t.set_primary_term(term);
    return t;
  }

  ShardEngine& Engine() { return registry_->Get(ShardId{uuid_, 0})->engine(); }

  TempDir tmp_;
  MemoryMetadataStore store_;
  std::unique_ptr<LocalClusterState> state_;
  std::unique_ptr<ShardRegistry> registry_;
  std::unique_ptr<ShardService> service_;
  std::string uuid_;
};

}  // namespace holdfast::testing
