// Peer recovery of a replica that comes back (docs/replication.md, "Peer
// recovery"), on real nodes and a real etcd: from the primary's ops alone
// when its volume holds the shard and the primary kept the ops for it (a
// retention lease per node, which a copy made primary takes over); from
// files when that history was trimmed — only the files that differ, and a
// corrupted one is fetched again; and a replica whose disk filled up leaves
// the in-sync set without costing a write, then comes back once there is
// space.
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <string>

#include "index/util/checksum.h"
#include "tests/cluster/cluster_fixture.h"
#include "tests/support/tmpfs_mount.h"

namespace holdfast::testing {
namespace {

using Row = std::map<std::string, std::string>;

class RecoveryTest : public ClusterFixture {
 protected:
  // Indexes ids <prefix>0 .. <prefix>n-1 in bulks of 1000 through node `via`.
  void Index(size_t via, const std::string& index, const std::string& prefix, int n) {
    for (int start = 0; start < n; start += 1000) {
      std::string bulk;
      for (int i = start; i < std::min(n, start + 1000); ++i) {
        bulk += R"({"index": {"_id": ")" + prefix + std::to_string(i) + R"("}})" "\n" R"({"title": "document )" +
                std::to_string(i) + R"( of the recovery test", "n": )" + std::to_string(i) + "}\n";
      }
      auto r = Http(via, "POST", "/" + index + "/_bulk", bulk);
      ASSERT_EQ(r.status, 200) << r.body.substr(0, 500);
      ASSERT_FALSE(ParseJson(r.body)["errors"].GetBool()) << r.body.substr(0, 500);
    }
  }
  // The newest recovery of shard 0 of `index` that node i ran, finished
  // (stage done); empty when there is none.
  Row LastRecovery(size_t i, const std::string& index) {
    auto d = HttpJson(i, "GET",
                      "/_cat/recovery?format=json&h=index,shard,time,stage,method,files,files_recovered,files_reused,"
                      "bytes,bytes_recovered,bytes_reused,translog_ops");
    Row last;
    if (!d.IsArray()) return last;
    for (const auto& row : d.GetArray()) {
      if (std::string(row["index"].GetString()) != index || std::string(row["shard"].GetString()) != "0") continue;
      Row r;
      for (const auto& m : row.GetObject()) r[m.name.GetString()] = m.value.GetString();
      last = r;  // in the order they ran
    }
    return last;
  }
  std::string RecoveryTable(size_t i) {
    return Http(i, "GET", "/_cat/recovery?v&h=index,shard,time,stage,method,files,files_recovered,files_reused,bytes,"
                          "bytes_recovered,bytes_reused,translog_ops").body;
  }
  // What a search of shard 0's copy on node `node` counts.
  int64_t CopyCount(size_t via, const std::string& index, const std::string& node) {
    auto d = HttpJson(via, "GET", "/" + index + "/_search?size=0&track_total_hits=true&preference=_shards:0%7C_only_nodes:" + node);
    if (!d.IsObject() || !d.HasMember("hits")) return -1;
    return d["hits"]["total"]["value"].GetInt64();
  }
  // Shard 0's checkpoints by prirep ("p", "r") and column.
  std::map<std::string, Row> Checkpoints(size_t via, const std::string& index) {
    std::map<std::string, Row> out;
    auto d = HttpJson(via, "GET", "/_cat/shards/" + index +
                                      "?format=json&h=shard,prirep,node,state,docs,local_checkpoint,global_checkpoint,max_seq_no");
    if (!d.IsArray()) return out;
    for (const auto& row : d.GetArray()) {
      Row r;
      for (const auto& m : row.GetObject()) r[m.name.GetString()] = m.value.IsString() ? m.value.GetString() : "";
      out[r["prirep"]] = r;
    }
    return out;
  }
  // Both copies of shard 0 started with the same checkpoints (the replica
  // is in sync and caught up).
  bool CopiesCaughtUp(size_t via, const std::string& index) {
    auto c = Checkpoints(via, index);
    return c.size() == 2 && c["p"]["state"] == "STARTED" && c["r"]["state"] == "STARTED" &&
           c["p"]["max_seq_no"] == c["r"]["max_seq_no"] && c["p"]["local_checkpoint"] == c["r"]["local_checkpoint"] &&
           c["p"]["global_checkpoint"] == c["r"]["global_checkpoint"] &&
           c["p"]["local_checkpoint"] == c["p"]["max_seq_no"] && c["p"]["global_checkpoint"] == c["p"]["max_seq_no"];
  }
  std::string IndexUuid(size_t via, const std::string& index) {
    auto d = HttpJson(via, "GET", "/" + index + "/_settings");
    return d[index.c_str()]["settings"]["index"]["uuid"].GetString();
  }
  std::unique_ptr<TmpfsMount> volume_;  // a node's small volume, when the test needs one
  // Of two nodes: which holds shard 0's primary of `index` (*p) and which
  // the other copy (*k).
  void PrimaryAndOther(const std::string& index, size_t* p, size_t* k) {
    const std::string primary_node = Checkpoints(0, index)["p"]["node"];
    ASSERT_TRUE(primary_node == "n1" || primary_node == "n2") << primary_node;
    *p = primary_node == "n1" ? 0 : 1;
    *k = 1 - *p;
  }
  // Two nodes and `index` (1 shard, 1 replica, a copy's place kept 5m
  // after its node leaves), green; *p and *k as PrimaryAndOther.
  void TwoNodesWithReplicatedIndex(const std::string& index, size_t* p, size_t* k) {
    StartNodes(2);
    ASSERT_EQ(Http(0, "PUT", "/" + index, R"({"settings": {"number_of_shards": 1, "number_of_replicas": 1,
        "index.unassigned.node_left.delayed_timeout": "5m"}})").status, 200);
    ASSERT_TRUE(WaitHealth(0, "green")) << Http(0, "GET", "/_cat/shards?v").body;
    ASSERT_NO_FATAL_FAILURE(PrimaryAndOther(index, p, k));
  }
  // Starts node k on its volume again and waits until its copy of shard 0
  // of `index` is in sync and caught up with the primary's (on node p);
  // *recovery is the recovery that brought it back, checked done and by
  // `method`.
  void RestartAndRecover(size_t p, size_t k, const std::string& index, const std::string& method, Row* recovery) {
    StartNode(k);
    ASSERT_TRUE(WaitHealth(p, "green", 120s)) << Http(p, "GET", "/_cat/shards?v").body << RecoveryTable(k);
    ASSERT_TRUE(WaitUntil([&] { return CopiesCaughtUp(p, index); }, 20s))
        << Http(p, "GET", "/_cat/shards?v&h=shard,prirep,node,local_checkpoint,global_checkpoint,max_seq_no").body;
    *recovery = LastRecovery(k, index);
    ASSERT_FALSE(recovery->empty()) << RecoveryTable(k);
    EXPECT_EQ(recovery->at("stage"), "done") << RecoveryTable(k);
    EXPECT_EQ(recovery->at("method"), method) << RecoveryTable(k);
  }
};

// The replica's node is down 30 s while 50k documents are written and the
// primary flushes (which trims its op log up to the global checkpoint —
// but not the ops its retention lease keeps for the replica's node). Back
// on its volume, the replica replays the primary's ops: no file copied, in
// sync, the same documents as the primary.
TEST_F(RecoveryTest, AReplicaBackAfter30SecondsCatchesUpFromOpsWithoutCopyingAFile) {
  // p: the primary's node, k: the replica's (n<k+1>).
  size_t p = 0, k = 0;
  ASSERT_NO_FATAL_FAILURE(TwoNodesWithReplicatedIndex("r", &p, &k));
  const std::string primary_node = "n" + std::to_string(p + 1), replica_node = "n" + std::to_string(k + 1);
  Index(p, "r", "a", 2000);
  ASSERT_EQ(Http(p, "POST", "/r/_flush").status, 200);
  ASSERT_TRUE(WaitUntil([&] { return CopiesCaughtUp(p, "r"); }, 20s))
      << Http(p, "GET", "/_cat/shards?v&h=shard,prirep,node,local_checkpoint,global_checkpoint,max_seq_no").body;

  node(k).process().Signal(SIGKILL);
  const auto killed = std::chrono::steady_clock::now();
  ASSERT_TRUE(WaitUntil([&] { return NodesSeen(p) == 1; }, 20s)) << "the replica node's lease did not expire";
  Index(p, "r", "b", 50000);
  ASSERT_EQ(Http(p, "POST", "/r/_flush").status, 200);
  // Down 30 s in all.
  ASSERT_TRUE(WaitUntil([&] { return std::chrono::steady_clock::now() - killed >= 30s; }, 40s));
  Row r;
  ASSERT_NO_FATAL_FAILURE(RestartAndRecover(p, k, "r", "ops", &r));

  EXPECT_EQ(r.at("files_recovered"), "0") << RecoveryTable(k);
  EXPECT_EQ(r.at("bytes_recovered"), "0") << RecoveryTable(k);
  EXPECT_GE(std::stoll(r.at("translog_ops")), 50000) << RecoveryTable(k);
  std::cout << "the replica's recoveries:\n" << RecoveryTable(k);
  // The same recovery as Elasticsearch's /{index}/_recovery shows it, asked
  // of the primary's node: every node answers for the whole cluster.
  const std::string shown = Http(p, "GET", "/r/_recovery").body;
  auto rec = ParseJson(shown);
  ASSERT_TRUE(rec.IsObject() && rec.HasMember("r") && rec["r"]["shards"].IsArray()) << shown;
  const auto& listed = rec["r"]["shards"];
  ASSERT_GE(listed.Size(), 1u) << shown;
  const auto& last = listed[listed.Size() - 1];
  EXPECT_EQ(last["id"].GetUint(), 0u) << shown;
  EXPECT_STREQ(last["type"].GetString(), "PEER") << shown;
  EXPECT_STREQ(last["stage"].GetString(), "DONE") << shown;
  EXPECT_FALSE(last["primary"].GetBool()) << shown;
  EXPECT_EQ(std::string(last["source"]["name"].GetString()), primary_node) << shown;
  EXPECT_EQ(std::string(last["target"]["name"].GetString()), replica_node) << shown;
  EXPECT_EQ(last["index"]["files"]["recovered"].GetUint64(), 0u) << shown;
  EXPECT_EQ(last["index"]["size"]["recovered_in_bytes"].GetUint64(), 0u) << shown;
  EXPECT_EQ(last["translog"]["recovered"].GetUint64(), std::stoull(r.at("translog_ops"))) << shown;
  EXPECT_EQ(Http(p, "GET", "/r/_recovery?active_only=true").body, "{}");  // nothing runs now
  EXPECT_EQ(HttpJson(p, "GET", "/_recovery")["r"]["shards"].Size(), listed.Size());

  ASSERT_EQ(Http(p, "POST", "/r/_refresh").status, 200);
  EXPECT_EQ(CopyCount(p, "r", primary_node), 52000);
  EXPECT_EQ(CopyCount(p, "r", replica_node), 52000);
  // It takes writes again as an in-sync copy.
  auto w = Http(k, "PUT", "/r/_doc/after", R"({"n": 1})");
  ASSERT_EQ(w.status, 201) << w.body;
  EXPECT_EQ(ParseJson(w.body)["_shards"]["successful"].GetUint(), 2u) << w.body;
}

// The primary's node stops (SIGTERM: it hands its primary to the replica
// first), later the new primary's node is killed: each time the copy made
// primary keeps its ops for the node that left (whose lease was the old
// primary's to keep), so although it flushes after more writes meanwhile,
// that node's copy comes back from ops alone.
TEST_F(RecoveryTest, ACopyMadePrimaryKeepsTheOpsOfTheNodeThatLeftThroughAFlush) {
  size_t p = 0, k = 0;
  ASSERT_NO_FATAL_FAILURE(TwoNodesWithReplicatedIndex("o", &p, &k));
  auto name = [](size_t i) { return "n" + std::to_string(i + 1); };
  Index(p, "o", "a", 2000);
  ASSERT_EQ(Http(p, "POST", "/o/_flush").status, 200);
  ASSERT_TRUE(WaitUntil([&] { return CopiesCaughtUp(p, "o"); }, 20s));

  node(p).process().Signal(SIGTERM);
  auto code = node(p).process().WaitExit(60s);
  ASSERT_TRUE(code.has_value() && *code == 0) << node(p).process().HowItEnded();
  ASSERT_TRUE(WaitUntil([&] { return Checkpoints(k, "o")["p"]["node"] == name(k); }, 20s))
      << Http(k, "GET", "/_cat/shards?v").body;
  Index(k, "o", "b", 5000);
  ASSERT_EQ(Http(k, "POST", "/o/_flush").status, 200);
  Row r;
  ASSERT_NO_FATAL_FAILURE(RestartAndRecover(k, p, "o", "ops", &r));
  EXPECT_EQ(r.at("files_recovered"), "0") << RecoveryTable(p);
  EXPECT_GE(std::stoll(r.at("translog_ops")), 5000) << RecoveryTable(p);

  node(k).process().Signal(SIGKILL);
  ASSERT_TRUE(WaitUntil([&] { return Checkpoints(p, "o")["p"]["node"] == name(p); }, 30s))
      << Http(p, "GET", "/_cat/shards?v").body;
  Index(p, "o", "c", 5000);
  ASSERT_EQ(Http(p, "POST", "/o/_flush").status, 200);
  ASSERT_NO_FATAL_FAILURE(RestartAndRecover(p, k, "o", "ops", &r));
  EXPECT_EQ(r.at("files_recovered"), "0") << RecoveryTable(k);
  EXPECT_GE(std::stoll(r.at("translog_ops")), 5000) << RecoveryTable(k);

  ASSERT_EQ(Http(p, "POST", "/o/_refresh").status, 200);
  EXPECT_EQ(CopyCount(p, "o", name(p)), 12000);
  EXPECT_EQ(CopyCount(p, "o", name(k)), 12000);
}

// With index.soft_deletes.retention_lease.period short, the primary no
// longer keeps ops for the replica's node once it has been away longer,
// and a flush trims them: the replica comes back from files — only those
// that differ from what its volume holds; one corrupted on its volume
// (same length, other bytes) is found by its checksum and fetched again.
TEST_F(RecoveryTest, WithTheHistoryTrimmedAReplicaCopiesOnlyTheFilesThatDifferAndReplacesACorruptedOne) {
  StartNodes(2);
  // No replica at first: the replica's files will be copies of the primary's.
  ASSERT_EQ(Http(0, "PUT", "/f", R"({"settings": {"number_of_shards": 1, "number_of_replicas": 0,
      "index.unassigned.node_left.delayed_timeout": "5m", "index.soft_deletes.retention_lease.period": "1s"}})").status,
            200);
  ASSERT_TRUE(WaitHealth(0, "green")) << Http(0, "GET", "/_cat/shards?v").body;
  size_t p = 0, k = 0;
  ASSERT_NO_FATAL_FAILURE(PrimaryAndOther("f", &p, &k));
  const std::string primary_node = "n" + std::to_string(p + 1), replica_node = "n" + std::to_string(k + 1);
  Index(p, "f", "a", 20000);
  ASSERT_EQ(Http(p, "POST", "/f/_flush").status, 200);
  ASSERT_EQ(Http(p, "PUT", "/f/_settings", R"({"index": {"number_of_replicas": 1}})").status, 200);
  ASSERT_TRUE(WaitHealth(p, "green", 60s)) << Http(p, "GET", "/_cat/shards?v").body;
  const Row first = LastRecovery(k, "f");
  ASSERT_FALSE(first.empty()) << RecoveryTable(k);
  EXPECT_EQ(first.at("method"), "files") << RecoveryTable(k);
  EXPECT_GT(std::stoll(first.at("bytes_recovered")), 0) << RecoveryTable(k);

  // The replica's largest file that came from the primary: corrupted below.
  const std::string shard_dir = dir_.Sub(replica_node) + "/indices/" + IndexUuid(p, "f") + "/0";
  std::string victim;
  uintmax_t victim_size = 0;
  std::error_code ec;
  for (const auto& e : std::filesystem::recursive_directory_iterator(shard_dir, ec)) {
    if (!e.is_regular_file()) continue;
    const std::string name = e.path().filename().string();
    if (name.find(".sst") == std::string::npos && name.find("seg") == std::string::npos) continue;
    if (e.file_size() > victim_size) {
      victim = e.path().string();
      victim_size = e.file_size();
    }
  }
  ASSERT_FALSE(victim.empty()) << "no segment or table file in " << shard_dir;

  node(k).process().Signal(SIGKILL);
  ASSERT_TRUE(WaitUntil([&] { return NodesSeen(p) == 1; }, 20s)) << "the replica node's lease did not expire";
  Index(p, "f", "b", 5000);
  // The lease for n2 lapses 1 s after its last renewal; the flush then trims.
  const auto away = std::chrono::steady_clock::now();
  ASSERT_TRUE(WaitUntil([&] { return std::chrono::steady_clock::now() - away >= 2s; }, 5s));
  ASSERT_EQ(Http(p, "POST", "/f/_flush").status, 200);

  uint64_t length = 0;
  auto good = ChecksumFile(victim, &length);
  ASSERT_TRUE(good.ok());
  {
    std::fstream f(victim, std::ios::in | std::ios::out | std::ios::binary);
    ASSERT_TRUE(f.good()) << victim;
    f.seekp(static_cast<std::streamoff>(victim_size / 2));
    const char garbage[8] = {'c', 'o', 'r', 'r', 'u', 'p', 't', '!'};
    f.write(garbage, sizeof(garbage));
  }
  auto bad = ChecksumFile(victim, &length);
  ASSERT_TRUE(bad.ok());
  ASSERT_NE(bad.value(), good.value());

  // Recoveries into any node at 1 MB/s from now on (a dynamic cluster
  // setting over the nodes' own 40mb); a value that is no size is refused.
  auto refused = Http(p, "PUT", "/_cluster/settings",
                      R"({"persistent": {"indices.recovery.max_bytes_per_sec": "fast"}})");
  EXPECT_EQ(refused.status, 400) << refused.body;
  auto slow = Http(p, "PUT", "/_cluster/settings", R"({"persistent": {"indices.recovery.max_bytes_per_sec": "1mb"}})");
  ASSERT_EQ(slow.status, 200) << slow.body;
  Row r;
  ASSERT_NO_FATAL_FAILURE(RestartAndRecover(p, k, "f", "files", &r));
  // Every MB after the first waits its second.
  const double copied_mb = static_cast<double>(std::stoull(r.at("bytes_recovered"))) / (1 << 20);
  EXPECT_GE(std::stoll(r.at("time")), static_cast<int64_t>((copied_mb - 1) * 1000 * 0.9)) << RecoveryTable(k);
  EXPECT_GT(std::stoll(r.at("files_reused")), 0) << RecoveryTable(k);
  EXPECT_GT(std::stoll(r.at("bytes_reused")), 0) << RecoveryTable(k);
  EXPECT_LT(std::stoll(r.at("bytes_recovered")), std::stoll(r.at("bytes"))) << RecoveryTable(k);
  // The corrupted file was not reused: fetched again whole (it is still one
  // of the primary's files), it holds the primary's bytes once more.
  EXPECT_GE(std::stoull(r.at("bytes_recovered")), victim_size) << RecoveryTable(k);
  std::cout << "the replica's recoveries:\n" << RecoveryTable(k);
  auto now = ChecksumFile(victim, &length);
  ASSERT_TRUE(now.ok()) << victim << " is gone";
  EXPECT_EQ(now.value(), good.value());

  ASSERT_EQ(Http(p, "POST", "/f/_refresh").status, 200);
  EXPECT_EQ(CopyCount(p, "f", primary_node), 25000);
  EXPECT_EQ(CopyCount(p, "f", replica_node), 25000);
}

// The replica's volume is a small filesystem that fills up (ENOSPC, no
// watermark in the way). The next write it cannot take fails the copy out
// of the in-sync set — that write and every later one is acknowledged by
// the primary alone, nothing is lost; the node stays up. Once space is
// freed the copy recovers from the primary and is in sync again, holding
// every acknowledged document.
TEST_F(RecoveryTest, AReplicaWhoseDiskIsFullLeavesTheInSyncSetAndRecoversWhenSpaceIsBack) {
  // Unmounted after TearDown killed the nodes (and printed their logs).
  volume_ = std::make_unique<TmpfsMount>(dir_.Sub("n2-volume"), 96ull << 20);
  TmpfsMount& volume = *volume_;
  ASSERT_TRUE(volume.ok()) << volume.error();
  data_dirs_[1] = volume.Sub("n2");
  const std::vector<std::string> no_watermarks = {"--disk-threshold-enabled", "false", "--disk-check-interval",
                                                  "100ms"};
  // The primary on n1: the index exists before n2 joins.
  StartNode(0, no_watermarks);
  ASSERT_EQ(Http(0, "PUT", "/full", R"({"settings": {"number_of_shards": 1, "number_of_replicas": 1}})").status,
            200);
  StartNode(1, no_watermarks);
  ASSERT_TRUE(WaitHealth(0, "green", 60s)) << Http(0, "GET", "/_cat/shards?v").body;
  ASSERT_EQ(Checkpoints(0, "full")["p"]["node"], "n1");
  Index(0, "full", "a", 2000);
  ASSERT_TRUE(WaitUntil([&] { return CopiesCaughtUp(0, "full"); }, 20s));

  const uint64_t filler = FillToTheBrim(volume.Sub("filler"));
  ASSERT_GT(filler, 0u);
  // Writes through the primary's node until one reports the replica failed;
  // every one of them is acknowledged. Bounded: 200 bulks of 100.
  int64_t acked = 2000;
  uint32_t first_failed_at = 0;
  for (int b = 0; b < 200 && first_failed_at == 0; ++b) {
    std::string bulk;
    for (int i = 0; i < 100; ++i) {
      bulk += R"({"index": {"_id": "b)" + std::to_string(b * 100 + i) + R"("}})" "\n" R"({"title": "written while )"
              R"(the replica's disk is full", "n": )" + std::to_string(i) + "}\n";
    }
    auto r = Http(0, "POST", "/full/_bulk", bulk);
    ASSERT_EQ(r.status, 200) << r.body.substr(0, 500);
    auto d = ParseJson(r.body);
    ASSERT_FALSE(d["errors"].GetBool()) << r.body.substr(0, 1000);
    acked += 100;
    for (const auto& item : d["items"].GetArray()) {
      const auto& shards = item["index"]["_shards"];
      if (shards["failed"].GetUint() > 0) first_failed_at = static_cast<uint32_t>(b) + 1;
    }
  }
  ASSERT_GT(first_failed_at, 0u) << "the replica took 20,000 more documents on a full disk?\n"
                                 << Http(0, "GET", "/_cat/shards?v").body;
  std::cout << "the replica failed in bulk " << first_failed_at << " after " << filler << " filler bytes\n";
  EXPECT_EQ(Health(0), "yellow") << Http(0, "GET", "/_cat/shards?v").body;
  EXPECT_TRUE(node(1).process().running()) << "the full disk took the replica's node down";

  // Writes go on, acknowledged by the primary alone.
  for (int i = 0; i < 20; ++i) {
    auto w = Http(0, "PUT", "/full/_doc/alone" + std::to_string(i), R"({"title": "only the primary has room"})");
    ASSERT_EQ(w.status, 201) << w.body;
    EXPECT_EQ(ParseJson(w.body)["_shards"]["successful"].GetUint(), 1u) << w.body;
    ++acked;
  }
  ASSERT_EQ(Http(0, "POST", "/full/_refresh").status, 200);
  EXPECT_EQ(CopyCount(0, "full", "n1"), acked);
  // The copy is not placed on the full disk again (it could not start there).
  EXPECT_TRUE(WaitUntil([&] { return Http(0, "GET", "/_cat/shards/full?h=prirep,state").body.find("r UNASSIGNED") !=
                                     std::string::npos; }, 10s))
      << Http(0, "GET", "/_cat/shards?v").body;

  // Space is back: the copy recovers and is in sync again.
  ASSERT_TRUE(std::filesystem::remove(volume.Sub("filler")));
  ASSERT_TRUE(WaitHealth(0, "green", 120s)) << Http(0, "GET", "/_cat/shards?v").body << RecoveryTable(1);
  ASSERT_TRUE(WaitUntil([&] { return CopiesCaughtUp(0, "full"); }, 20s))
      << Http(0, "GET", "/_cat/shards?v&h=shard,prirep,node,local_checkpoint,global_checkpoint,max_seq_no").body;
  std::cout << "n2's recoveries:\n" << RecoveryTable(1);
  ASSERT_EQ(Http(0, "POST", "/full/_refresh").status, 200);
  EXPECT_EQ(CopyCount(0, "full", "n1"), acked);
  EXPECT_EQ(CopyCount(0, "full", "n2"), acked);
  auto w = Http(0, "PUT", "/full/_doc/both", R"({"title": "both copies again"})");
  ASSERT_EQ(w.status, 201) << w.body;
  EXPECT_EQ(ParseJson(w.body)["_shards"]["successful"].GetUint(), 2u) << w.body;
}

}  // namespace
}  // namespace holdfast::testing
