// POST /_cluster/reroute on real nodes and a real etcd (docs/cluster.md
// "Reroute commands"), and the rule they exist for: a replica that fell
// behind is never made primary on its own. When the primary's node is gone
// for good, the shard stays red until an operator forces a primary —
// allocate_stale_primary onto the older copy (a new history: every other
// copy is recovered from it by files), or allocate_empty_primary (what the
// node held of the shard set aside) — each only with accept_data_loss.
#include <csignal>
#include <map>
#include <set>
#include <string>

#include "tests/cluster/cluster_fixture.h"

namespace holdfast::testing {
namespace {

// One shard, one replica, kept off n1 (which coordinates and stays up).
constexpr const char* kIndex = R"({"settings": {"number_of_shards": 1, "number_of_replicas": 1,
    "index.unassigned.node_left.delayed_timeout": "60s", "index.routing.allocation.exclude._name": "n1"}})";

class ClusterRerouteTest : public ClusterFixture {
 protected:
  // Node index (0..2) of the copy of `index` that is primary ("p") or replica ("r").
  int NodeOf(const std::string& index, const std::string& prirep) {
    auto d = HttpJson(0, "GET", "/_cat/shards/" + index + "?format=json&h=prirep,node,state");
    if (!d.IsArray()) return -1;
    for (const auto& row : d.GetArray()) {
      if (prirep == row["prirep"].GetString() && std::string(row["state"].GetString()) == "STARTED") {
        return row["node"].GetString()[1] - '1';
      }
    }
    return -1;
  }
  size_t InSync(const std::string& index) {
    auto d = HttpJson(0, "GET", "/_cluster/state/metadata/" + index);
    if (!d.IsObject() || !d.HasMember("metadata")) return 0;
    return d["metadata"]["indices"][index.c_str()]["in_sync_allocations"]["0"].Size();
  }
  std::string Explain(const std::string& index, bool primary) {
    return Http(0, "POST", "/_cluster/allocation/explain",
                R"({"index": ")" + index + R"(", "shard": 0, "primary": )" + (primary ? "true" : "false") + "}")
        .body;
  }
  // Ids in the copy of `index` on node `name`.
  std::set<std::string> CopyIds(const std::string& index, const std::string& name) {
    std::set<std::string> ids;
    auto d = HttpJson(0, "GET", "/" + index + "/_search?preference=_only_nodes:" + name + "&size=1000&_source=false");
    if (!d.IsObject() || !d.HasMember("hits") || d["_shards"]["failed"].GetUint() != 0) return {"<read failed>"};
    for (const auto& hit : d["hits"]["hits"].GetArray()) ids.insert(hit["_id"].GetString());
    return ids;
  }
  int64_t Term(const std::string& index) {
    auto d = HttpJson(0, "GET", "/_cluster/state/metadata/" + index);
    return d["metadata"]["indices"][index.c_str()]["primary_terms"]["0"].GetInt64();
  }
  void Write(const std::string& index, const std::string& prefix, int n, std::set<std::string>* acked) {
    for (int i = 0; i < n; ++i) {
      const std::string id = prefix + std::to_string(i);
      auto r = Http(0, "PUT", "/" + index + "/_doc/" + id + "?refresh=true", R"({"v": 1})");
      ASSERT_EQ(r.status, 201) << r.body;
      acked->insert(id);
    }
  }
  // Writes `before`, loses the replica's node, writes `after` (acknowledged
  // by the primary alone), loses the primary's node for good, and brings the
  // replica's node back. Returns {old primary's node, stale replica's node}.
  // `node_left`: the writes wait until the master saw the node leave (the
  // routing table keeps the copy's place on it); else they go at once and
  // fail the replica (a new copy is to be made: the table forgets the node).
  std::pair<int, int> LosePrimaryAfterReplicaFellBehind(const std::string& index, std::set<std::string>* before,
                                                        std::set<std::string>* after, bool node_left) {
    StartNodes(3);
    EXPECT_EQ(Http(0, "PUT", "/" + index, kIndex).status, 200);
    EXPECT_TRUE(WaitUntil([&] { return Health(0, index) == "green"; }, 30s)) << Http(0, "GET", "/_cat/shards").body;
    Write(index, "before", 20, before);
    const int primary = NodeOf(index, "p");
    const int replica = NodeOf(index, "r");
    EXPECT_TRUE(primary > 0 && replica > 0 && primary != replica) << Http(0, "GET", "/_cat/shards").body;
    node(static_cast<size_t>(replica)).process().Signal(SIGKILL);
    if (node_left) {
      EXPECT_TRUE(WaitUntil([&] { return Health(0, index) == "yellow"; }, 30s)) << "the node never left";
    }
    Write(index, "after", 20, after);
    EXPECT_EQ(InSync(index), 1u) << "writes were acknowledged while the lost replica was in sync";
    // Flushed: the old primary's files record a global checkpoint over the
    // writes it took alone (its recovery compares histories only above it).
    EXPECT_EQ(Http(0, "POST", "/" + index + "/_flush").status, 200);
    node(static_cast<size_t>(primary)).process().Signal(SIGKILL);
    EXPECT_TRUE(WaitUntil([&] { return Health(0, index) == "red"; }, 30s)) << Http(0, "GET", "/_cat/shards").body;
    StartNode(static_cast<size_t>(replica));
    EXPECT_TRUE(WaitUntil([&] { return NodesSeen(0) == 2; }, 30s));
    return {primary, replica};
  }
};

TEST_F(ClusterRerouteTest, AStaleReplicaStaysOutUntilAllocateStalePrimaryAndThenEveryCopyFollowsIt) {
  std::set<std::string> before, after;
  // The writes go at once: mostly they fail the replica (the routing table
  // forgets where it was, and the node is asked to open what its volume
  // holds); when the master sees the node leave first, its place is kept.
  // Either way the command must take that copy.
  const auto [primary, replica] = LosePrimaryAfterReplicaFellBehind("s", &before, &after, /*node_left=*/false);
  ASSERT_FALSE(HasFailure());
  const std::string replica_name = "n" + std::to_string(replica + 1);
  // The returning replica waits for a primary; the primary waits for its
  // node. A safety property, so watched over a window: for 10 s after the
  // node is back (the master reallocates on its return, within a second),
  // no copy of the shard serves and it stays red. Without the rule the
  // stale copy opens, joins the in-sync set and is promoted in about 1 s.
  const auto watch_until = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < watch_until) {
    const std::string shards = Http(0, "GET", "/_cat/shards/s?h=prirep,state").body;
    ASSERT_EQ(shards.find("STARTED"), std::string::npos) << "a copy that fell behind serves:\n" << shards;
    ASSERT_EQ(Health(0, "s"), "red");
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_NE(Explain("s", false).find("until the primary is started"), std::string::npos) << Explain("s", false);
  EXPECT_NE(Explain("s", true).find("allocate_stale_primary"), std::string::npos) << Explain("s", true);
  const int64_t term = Term("s");
  const std::string command = R"({"commands": [{"allocate_stale_primary": {"index": "s", "shard": 0, "node": ")" +
                              replica_name + R"(")";
  auto unconfirmed = Http(0, "POST", "/_cluster/reroute", command + "}}]}");
  EXPECT_EQ(unconfirmed.status, 400) << unconfirmed.body;
  EXPECT_NE(unconfirmed.body.find("accept_data_loss"), std::string::npos) << unconfirmed.body;
  auto forced = Http(0, "POST", "/_cluster/reroute?metric=none", command + R"(, "accept_data_loss": true}}]})");
  ASSERT_EQ(forced.status, 200) << forced.body;
  // The older copy serves (yellow: the lost primary's place waits for its node).
  ASSERT_TRUE(WaitUntil([&] { return Health(0, "s") == "yellow"; }, 30s)) << Http(0, "GET", "/_cat/shards/s?v").body;
  EXPECT_GT(Term("s"), term);
  EXPECT_EQ(CopyIds("s", replica_name), before) << "the stale copy holds the writes from before it fell behind";
  // More writes on the new primary than the old one took alone (their
  // seq_nos run past the old primary's): the returning copy must end with
  // these, not with the writes only it took.
  std::set<std::string> between;
  Write("s", "between", 30, &between);
  for (const std::string& id : between) before.insert(id);
  // The old primary's node returns with the writes only it took: its copy
  // is recovered from the new primary (another history: files), and every
  // copy ends the same.
  StartNode(static_cast<size_t>(primary));
  ASSERT_TRUE(WaitUntil([&] { return Health(0, "s") == "green"; }, 60s)) << Http(0, "GET", "/_cat/shards/s?v").body;
  const std::string primary_name = "n" + std::to_string(primary + 1);
  EXPECT_EQ(CopyIds("s", primary_name), before) << "the returning copy kept writes the new primary does not have";
  EXPECT_EQ(CopyIds("s", replica_name), before);
  // New writes reach both.
  std::set<std::string> later;
  Write("s", "later", 5, &later);
  for (const std::string& id : later) before.insert(id);
  EXPECT_EQ(CopyIds("s", primary_name), before);
  EXPECT_EQ(CopyIds("s", replica_name), before);
}

TEST_F(ClusterRerouteTest, AllocateEmptyPrimarySetsAsideWhatTheNodeHeldAndTheIndexTakesWritesAgain) {
  std::set<std::string> before, after;
  const auto [primary, replica] = LosePrimaryAfterReplicaFellBehind("e", &before, &after, /*node_left=*/true);
  ASSERT_FALSE(HasFailure());
  const std::string replica_name = "n" + std::to_string(replica + 1);
  ASSERT_TRUE(WaitUntil([&] { return Explain("e", false).find("until the primary is started") != std::string::npos; },
                        30s))
      << Explain("e", false);
  const std::string command = R"({"commands": [{"allocate_empty_primary": {"index": "e", "shard": 0, "node": ")" +
                              replica_name + R"(", "accept_data_loss": true}}]})";
  auto forced = Http(0, "POST", "/_cluster/reroute", command);
  ASSERT_EQ(forced.status, 200) << forced.body;
  ASSERT_TRUE(WaitUntil([&] { return Health(0, "e") == "yellow"; }, 30s)) << Http(0, "GET", "/_cat/shards/e?v").body;
  EXPECT_EQ(CopyIds("e", replica_name), std::set<std::string>{}) << "the node opened what its volume held";
  std::set<std::string> fresh;
  Write("e", "fresh", 3, &fresh);
  EXPECT_EQ(CopyIds("e", replica_name), fresh);
  (void)primary;
}

TEST_F(ClusterRerouteTest, CancelAllocateReplicaDryRunAndExplain) {
  StartNodes(3);
  ASSERT_EQ(Http(0, "PUT", "/c", R"({"settings": {"number_of_shards": 1, "number_of_replicas": 1}})").status, 200);
  ASSERT_TRUE(WaitHealth(0, "green")) << Http(0, "GET", "/_cat/shards?v").body;
  std::set<std::string> docs;
  Write("c", "d", 10, &docs);
  const int primary = NodeOf("c", "p");
  const int replica = NodeOf("c", "r");
  ASSERT_TRUE(primary >= 0 && replica >= 0);
  int spare = 0;
  while (spare == primary || spare == replica) ++spare;
  const std::string spare_name = "n" + std::to_string(spare + 1);
  const std::string replica_name = "n" + std::to_string(replica + 1);
  const std::string primary_name = "n" + std::to_string(primary + 1);
  // A dry run shows the move and changes nothing.
  auto dry = Http(0, "POST", "/_cluster/reroute?dry_run=true",
                  R"({"commands": [{"move": {"index": "c", "shard": 0, "from_node": ")" + replica_name +
                      R"(", "to_node": ")" + spare_name + R"("}}]})");
  ASSERT_EQ(dry.status, 200) << dry.body;
  auto d = ParseJson(dry.body);
  bool shows_move = false;
  for (const auto& copy : d["state"]["routing_table"]["indices"]["c"]["shards"]["0"].GetArray()) {
    shows_move |= copy["relocating_node"].IsString() && copy["state"] == "RELOCATING";
  }
  EXPECT_TRUE(shows_move) << dry.body;
  EXPECT_EQ(NodeOf("c", "r"), replica) << "a dry run moved the copy";
  EXPECT_EQ(Http(0, "GET", "/_cat/shards/c?h=state").body.find("RELOCATING"), std::string::npos);
  // With allocation of replicas off, a cancelled replica stays unassigned…
  ASSERT_EQ(Http(0, "PUT", "/_cluster/settings",
                 R"({"persistent": {"cluster.routing.allocation.enable": "primaries"}})")
                .status,
            200);
  auto explained = Http(1, "POST", "/_cluster/reroute?explain=true&metric=none",
                        R"({"commands": [{"cancel": {"index": "c", "shard": 0, "node": ")" + primary_name +
                            R"("}}, {"cancel": {"index": "c", "shard": 0, "node": ")" + replica_name + R"("}}]})");
  ASSERT_EQ(explained.status, 200) << explained.body;
  d = ParseJson(explained.body);
  ASSERT_TRUE(d.HasMember("explanations") && d["explanations"].Size() == 2) << explained.body;
  EXPECT_STREQ(d["explanations"][0]["decisions"][0]["decision"].GetString(), "NO");
  EXPECT_STREQ(d["explanations"][1]["decisions"][0]["decision"].GetString(), "YES");
  EXPECT_FALSE(d.HasMember("state")) << "metric=none";
  ASSERT_TRUE(WaitHealth(0, "yellow")) << Http(0, "GET", "/_cat/shards?v").body;
  // …until allocate_replica places it (commands pass over allocation.enable).
  auto placed = Http(2, "POST", "/_cluster/reroute",
                     R"({"commands": [{"allocate_replica": {"index": "c", "shard": 0, "node": ")" + spare_name +
                         R"("}}]})");
  ASSERT_EQ(placed.status, 200) << placed.body;
  ASSERT_TRUE(WaitHealth(0, "green")) << Http(0, "GET", "/_cat/shards?v").body;
  EXPECT_EQ(NodeOf("c", "r"), spare);
  EXPECT_EQ(CopyIds("c", spare_name), docs) << "the new replica was recovered from the primary";
  auto unknown = Http(0, "POST", "/_cluster/reroute", R"({"commands": [{"swap": {"index": "c", "shard": 0}}]})");
  EXPECT_EQ(unknown.status, 400) << unknown.body;
}

}  // namespace
}  // namespace holdfast::testing
