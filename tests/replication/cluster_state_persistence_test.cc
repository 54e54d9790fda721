// LocalClusterState on a real NodeStore (RocksDB in a temp dir): reopening
// gives back the same metadata, routing and mappings; the legacy layout of
// earlier versions is imported once; corruption is reported, naming
// the key or file, and never crashes.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "index/mapping/mapping_parser.h"
#include "index/util/file_util.h"
#include "lifecycle/node_store.h"
#include "replication/local_cluster_state.h"
#include "replication/stored_cluster_state.h"
#include "tests/replication/cluster_state_test_util.h"
#include "tests/support/test_process.h"

namespace holdfast {
namespace {

using mapping::FieldType;
using testing::FieldUpdate;
using testing::NewIndex;
using testing::OpenState;
using testing::TempDir;

std::unique_ptr<NodeStore> MustOpenStore(const std::string& dir) {
  auto store = NodeStore::Open(dir);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(store).value() : nullptr;
}

// What a reopened state must hold: `before` with this node's serving copies
// back to initializing.
std::map<std::string, IndexRouting> ExpectedAfterReopen(const ClusterStateSnapshot& before) {
  std::map<std::string, IndexRouting> routing = before.routing;
  for (auto& [uuid, index] : routing) {
    for (auto& shard : index.shards) {
      for (auto& copy : shard.copies) {
        if (copy.node_id == "node-a" &&
            (copy.state == ShardCopyState::kStarted || copy.state == ShardCopyState::kFailed)) {
          copy.state = ShardCopyState::kInitializing;
          copy.failure.clear();
        }
      }
    }
  }
  return routing;
}

void ExpectSameIndices(const ClusterStateSnapshot& a, const ClusterStateSnapshot& b) {
  ASSERT_EQ(a.indices.size(), b.indices.size());
  for (const auto& [uuid, index] : a.indices) {
    const IndexMetadata* other = b.FindIndexByUuid(uuid);
    ASSERT_NE(other, nullptr) << index.name;
    // The encoding holds every field (index_metadata round trip test), so equal bytes = equal metadata.
    EXPECT_EQ(EncodeIndexMetadata(*other), EncodeIndexMetadata(index)) << index.name;
  }
}

TEST(ClusterStatePersistenceTest, ReopenGivesBackMetadataRoutingAndMappings) {
  TempDir tmp;
  ClusterStatePtr before;
  IndexMetadata a = NewIndex("a", 2, 1);
  IndexMetadata b = NewIndex("b", 1, 0);
  auto parsed = mapping::ParseMapping(R"({"properties": {"title": {"type": "text", "analyzer": "english"}}})");
  ASSERT_TRUE(parsed.ok());
  a.mapping = std::make_shared<const mapping::Mapping>(std::move(parsed).value());
  a.settings.refresh_interval = std::chrono::milliseconds(-1);
  {
    auto store = MustOpenStore(tmp.Sub("node"));
    auto state = OpenState(store.get());
    ASSERT_NE(state, nullptr);
    ASSERT_TRUE(state->CreateIndex(a).ok());
    ASSERT_TRUE(state->CreateIndex(b).ok());
    ASSERT_TRUE(state->CreateIndex(NewIndex("deleted")).ok());
    ASSERT_TRUE(state->DeleteIndex("deleted").ok());
    ASSERT_TRUE(state->PutMapping(a.uuid, FieldUpdate("price", FieldType::kDouble)).ok());
    ASSERT_TRUE(state->PutMapping(b.uuid, FieldUpdate("user.name", FieldType::kKeyword)).ok());
    auto aid = [&](const ShardId& id) { return state->Current()->RoutingOf(id)->copies[0].allocation_id; };
    ASSERT_TRUE(state->UpdateShardCopy({a.uuid, 0}, aid({a.uuid, 0}), ShardCopyState::kStarted, "").ok());
    ASSERT_TRUE(state->UpdateShardCopy({a.uuid, 1}, aid({a.uuid, 1}), ShardCopyState::kFailed, "disk").ok());
    ASSERT_TRUE(state->UpdateShardCopy({b.uuid, 0}, aid({b.uuid, 0}), ShardCopyState::kStarted, "").ok());
    before = state->Current();
  }
  auto store = MustOpenStore(tmp.Sub("node"));
  auto state = OpenState(store.get());
  ASSERT_NE(state, nullptr);
  ClusterStatePtr after = state->Current();
  EXPECT_EQ(after->version, before->version);
  ExpectSameIndices(*before, *after);
  EXPECT_EQ(after->FindIndex("deleted"), nullptr);
  ASSERT_NE(after->FindIndex("a")->mapping->Find("price"), nullptr);
  EXPECT_EQ(after->FindIndex("a")->mapping->Find("title")->mapping.analyzer, mapping::Analyzer::kEnglish);
  ASSERT_NE(after->FindIndex("b")->mapping->Find("user.name"), nullptr);
  EXPECT_EQ(after->FindIndex("a")->settings.refresh_interval.count(), -1);
  EXPECT_EQ(after->routing, ExpectedAfterReopen(*before));
  // Started copies come back initializing with the same allocation id and
  // term; so does the failed one (a restart retries it), still in sync as
  // the last copy of its shard.
  const ShardRouting* a0 = after->RoutingOf(ShardId{a.uuid, 0});
  EXPECT_EQ(a0->copies[0].state, ShardCopyState::kInitializing);
  EXPECT_EQ(a0->copies[0].allocation_id, before->RoutingOf(ShardId{a.uuid, 0})->copies[0].allocation_id);
  EXPECT_EQ(a0->in_sync, std::vector<std::string>{a0->copies[0].allocation_id});
  const ShardRouting* a1 = after->RoutingOf(ShardId{a.uuid, 1});
  EXPECT_EQ(a1->copies[0].state, ShardCopyState::kInitializing);
  EXPECT_EQ(a1->copies[0].failure, "");
  EXPECT_EQ(a1->in_sync, std::vector<std::string>{a1->copies[0].allocation_id});

  // The next change continues from the stored version.
  ASSERT_TRUE(state->CreateIndex(NewIndex("c")).ok());
  EXPECT_EQ(state->Current()->version, before->version + 1);
}

// The layout before the cluster state: node store "indices" = {"name": "uuid"}
// (what earlier versions wrote) and <indices>/<uuid>/INDEX.
void WriteLegacyIndex(const std::string& indices_dir, const IndexMetadata& meta) {
  ASSERT_TRUE(CreateDirectories(indices_dir + "/" + meta.uuid).ok());
  ASSERT_TRUE(WriteFileDurably(indices_dir + "/" + meta.uuid + "/INDEX", EncodeIndexMetadata(meta)).ok());
}

TEST(ClusterStatePersistenceTest, LegacyIndicesAreImportedOnce) {
  TempDir tmp;
  const std::string indices = tmp.Sub("indices");
  IndexMetadata logs = NewIndex("logs", 2, 1);
  logs.mapping = mapping::Mapping().Merge(FieldUpdate("message", FieldType::kText)).value();
  IndexMetadata web = NewIndex("web", 1, 0);
  WriteLegacyIndex(indices, logs);
  WriteLegacyIndex(indices, web);
  ClusterStatePtr imported;
  {
    auto store = MustOpenStore(tmp.Sub("node"));
    ASSERT_TRUE(store->Put(kLegacyIndicesKey, R"({"logs":")" + logs.uuid + R"(","web":")" + web.uuid + R"("})").ok());
    auto state = OpenState(store.get(), indices);
    ASSERT_NE(state, nullptr);
    imported = state->Current();
    EXPECT_EQ(imported->version, 1);
    ASSERT_EQ(imported->indices.size(), 2u);
    EXPECT_EQ(EncodeIndexMetadata(*imported->FindIndex("logs")), EncodeIndexMetadata(logs));
    EXPECT_EQ(EncodeIndexMetadata(*imported->FindIndex("web")), EncodeIndexMetadata(web));
    for (const IndexMetadata* index : {&logs, &web}) {
      const IndexRouting* routing = imported->RoutingOf(index->uuid);
      ASSERT_NE(routing, nullptr);
      ASSERT_EQ(routing->shards.size(), index->settings.number_of_shards);
      for (const ShardRouting& shard : routing->shards) {
        ASSERT_NE(shard.primary(), nullptr);
        EXPECT_EQ(shard.primary()->node_id, "node-a");
        EXPECT_EQ(shard.primary()->state, ShardCopyState::kInitializing);
        EXPECT_TRUE(IsUuid(shard.primary()->allocation_id));
        EXPECT_EQ(shard.primary_term, 1);
        EXPECT_EQ(shard.in_sync, std::vector<std::string>{shard.primary()->allocation_id});
        EXPECT_EQ(shard.copies.size(), 1 + index->settings.number_of_replicas);
      }
    }
    EXPECT_EQ(store->Get(kLegacyIndicesKey).status().code(), StatusCode::kNotFound);
    EXPECT_TRUE(PathExists(indices + "/" + logs.uuid + "/INDEX")) << "legacy files are left in place";
  }
  // A second open reads the imported state (same allocation ids), not the legacy files.
  std::filesystem::remove_all(indices);
  auto store = MustOpenStore(tmp.Sub("node"));
  auto state = OpenState(store.get(), indices);
  ASSERT_NE(state, nullptr);
  EXPECT_EQ(state->Current()->routing, imported->routing);
  EXPECT_EQ(state->Current()->version, 1);
}

void FlipLastByte(const std::string& path) {
  auto bytes = ReadFileToString(path);
  ASSERT_TRUE(bytes.ok());
  std::string s = bytes.value();
  s.back() = static_cast<char>(s.back() ^ 0x5a);
  ASSERT_TRUE(WriteFileDurably(path, s).ok());
}

TEST(ClusterStatePersistenceTest, CorruptLegacyFilesAreReportedAndNothingIsImported) {
  TempDir tmp;
  const std::string indices = tmp.Sub("indices");
  IndexMetadata logs = NewIndex("logs");
  WriteLegacyIndex(indices, logs);
  FlipLastByte(indices + "/" + logs.uuid + "/INDEX");
  auto store = MustOpenStore(tmp.Sub("node"));
  const std::string list = R"({"logs":")" + logs.uuid + R"("})";
  ASSERT_TRUE(store->Put(kLegacyIndicesKey, list).ok());
  auto state = LocalClusterState::Open(store.get(), testing::LocalNode(), "c", "n", indices);
  ASSERT_FALSE(state.ok());
  EXPECT_EQ(state.status().code(), StatusCode::kCorruption);
  EXPECT_NE(state.status().message().find(logs.uuid + "/INDEX"), std::string::npos) << state.status().ToString();
  EXPECT_EQ(store->Get(kLegacyIndicesKey).value(), list) << "the legacy list is kept for another try";
  EXPECT_EQ(store->Get(kStateVersionKey).status().code(), StatusCode::kNotFound);

  // A missing INDEX file and a bad list are corruption too.
  std::filesystem::remove_all(indices);
  state = LocalClusterState::Open(store.get(), testing::LocalNode(), "c", "n", indices);
  EXPECT_EQ(state.status().code(), StatusCode::kCorruption) << state.status().ToString();
  for (const char* bad : {"not json", R"(["logs"])", R"({"logs": 7})", R"({"logs": "not-a-uuid"})"}) {
    ASSERT_TRUE(store->Put(kLegacyIndicesKey, bad).ok());
    state = LocalClusterState::Open(store.get(), testing::LocalNode(), "c", "n", indices);
    EXPECT_EQ(state.status().code(), StatusCode::kCorruption) << bad;
    EXPECT_NE(state.status().message().find("indices"), std::string::npos) << state.status().ToString();
  }
}

TEST(ClusterStatePersistenceTest, CorruptStoredStateIsReportedNamingTheKey) {
  TempDir tmp;
  IndexMetadata a = NewIndex("a");
  auto store = MustOpenStore(tmp.Sub("node"));
  {
    auto state = OpenState(store.get());
    ASSERT_TRUE(state->CreateIndex(a).ok());
  }
  auto open_error = [&] {
    auto state = LocalClusterState::Open(store.get(), testing::LocalNode(), "c", "n", "");
    return state.ok() ? Status::OK() : state.status();
  };
  const std::string routing = store->Get(StateRoutingKey(a.uuid)).value();
  const std::string metadata = store->Get(StateMetadataKey(a.uuid)).value();

  for (const std::string& bad : {std::string("{not json"), std::string(R"({"format_version":1})"),
                                 std::string(R"({"format_version":1,"shards":[{"shard":0}]})"),
                                 std::string(R"({"format_version":1,"shards":[]})")}) {
    ASSERT_TRUE(store->Put(StateRoutingKey(a.uuid), bad).ok());
    Status s = open_error();
    EXPECT_EQ(s.code(), StatusCode::kCorruption) << bad;
    EXPECT_NE(s.message().find(StateRoutingKey(a.uuid)), std::string::npos) << s.ToString();
  }
  ASSERT_TRUE(store->Put(StateRoutingKey(a.uuid), R"({"format_version":2,"shards":[]})").ok());
  EXPECT_EQ(open_error().code(), StatusCode::kFailedPrecondition);
  ASSERT_TRUE(store->Put(StateRoutingKey(a.uuid), routing).ok());

  std::string flipped = metadata;
  flipped[flipped.size() / 2] = static_cast<char>(flipped[flipped.size() / 2] ^ 0x20);
  ASSERT_TRUE(store->Put(StateMetadataKey(a.uuid), flipped).ok());
  Status s = open_error();
  EXPECT_EQ(s.code(), StatusCode::kCorruption);
  EXPECT_NE(s.message().find(StateMetadataKey(a.uuid)), std::string::npos) << s.ToString();
  ASSERT_TRUE(store->Put(StateMetadataKey(a.uuid), metadata).ok());

  ASSERT_TRUE(store->Put(kStateVersionKey, "seven").ok());
  EXPECT_EQ(open_error().code(), StatusCode::kCorruption);
  ASSERT_TRUE(store->Put(kStateVersionKey, "1").ok());

  ASSERT_TRUE(store->Delete(StateRoutingKey(a.uuid)).ok());
  s = open_error();
  EXPECT_EQ(s.code(), StatusCode::kCorruption);
  EXPECT_NE(s.message().find(StateRoutingKey(a.uuid)), std::string::npos) << s.ToString();
  ASSERT_TRUE(store->Put(StateRoutingKey(a.uuid), routing).ok());
  EXPECT_TRUE(open_error().ok());
}

}  // namespace
}  // namespace holdfast
