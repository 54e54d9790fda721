// Which copy of a shard a search reads (ShardRouter::ForSearch): replicas
// included, this node's own copy first, the same copy for the same custom
// preference, copies spread over the coordinators, draining nodes and copies
// out of the in-sync set passed over. Pure: a cluster state in, a choice out
// (the clients are never called).
#include "server/coordinator/shard_router.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "replication/drain_records.h"
#include "replication/local_shard_client.h"
#include "server/coordinator/search_plan.h"

namespace holdfast {
namespace {

ClusterNode Node(const std::string& id, const std::string& name, const std::string& host) {
  ClusterNode n;
  n.node_id = id;
  n.name = name;
  n.http_address = host + ":9200";
  n.grpc_address = host + ":9300";
  return n;
}

// Nodes n1..n4 (ids id1..id4); one shard with a copy on each of id1..id3
// (the primary on id1), all started and in sync.
ClusterStateSnapshot ThreeCopies() {
  ClusterStateSnapshot s;
  for (int i = 1; i <= 4; ++i) {
    const std::string id = "id" + std::to_string(i);
    s.nodes[id] = Node(id, "n" + std::to_string(i), "127.0.0." + std::to_string(i));
  }
  ShardRouting shard;
  shard.shard = 0;
  shard.primary_term = 1;
  for (int i = 1; i <= 3; ++i) {
    ShardCopyRouting c;
    c.primary = i == 1;
    c.node_id = "id" + std::to_string(i);
    c.allocation_id = "alloc-" + std::to_string(i);
    c.state = ShardCopyState::kStarted;
    shard.in_sync.push_back(c.allocation_id);
    shard.copies.push_back(c);
  }
  s.routing["idx"].shards.push_back(shard);
  return s;
}

// A router as node `local` sees it; remote clients are placeholders (ForSearch
// only picks them).
struct Router {
  explicit Router(const std::string& local)
      : router(nullptr, local, ShardTransport::kGrpc, [this](const std::string& address) {
          auto& c = clients[address];
          if (!c) c = std::make_unique<LocalShardClient>(nullptr);
          return c.get();
        }) {}
  std::map<std::string, std::unique_ptr<LocalShardClient>> clients;
  ShardRouter router;
};

const ShardId kShard{"idx", 0};


std::string Pick(const Router& r, const ClusterStateSnapshot& s, const CopyPreference& p = {},
                 const std::function<bool(const std::string&)>& on_node = nullptr) {
  auto to = r.router.ForSearch(s, kShard, on_node, p);
  return to.ok() ? to->node_id : "<" + to.status().ToString() + ">";
}

TEST(ShardRouterTest, ASearchReadsTheCoordinatorsOwnCopyReplicaOrNot) {
  const ClusterStateSnapshot s = ThreeCopies();
  for (const std::string local : {"id1", "id2", "id3"}) EXPECT_EQ(Pick(Router(local), s), local);
  // _prefer_nodes by name or id.
  CopyPreference on_n3;
  on_n3.prefer_nodes = {"n3"};
  EXPECT_EQ(Pick(Router("id1"), s, on_n3), "id3");
  on_n3.prefer_nodes = {"id4", "id2"};
  EXPECT_EQ(Pick(Router("id1"), s, on_n3), "id2");
  // Reads and gets of one copy still go to the primary.
  auto read = Router("id2").router.ForRead(s, kShard);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->node_id, "id1");
}

TEST(ShardRouterTest, ACoordinatorWithoutACopyReadsOneCopyEveryTimeAndCoordinatorsSpreadOverThem) {
  ClusterStateSnapshot s = ThreeCopies();
  // id4 holds no copy: always the same one.
  Router n4("id4");
  const std::string first = Pick(n4, s);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(Pick(n4, s), first);
  // Many coordinators (as many nodes without a copy would be) spread over
  // all three copies.
  std::map<std::string, int> chosen;
  for (int i = 0; i < 60; ++i) {
    const std::string id = "coordinator-" + std::to_string(i);
    s.nodes[id] = Node(id, id, "127.0.1." + std::to_string(i + 1));
    ++chosen[Pick(Router(id), s)];
  }
  EXPECT_EQ(chosen.size(), 3u);
  for (const auto& [node, n] : chosen) EXPECT_GE(n, 5) << node;
}

// Adaptive replica selection: the usual copy is left for one that answers
// much faster (under half its rank, 2 ms less), one not heard from only when
// the usual one is very slow; each pass-over decays the slow one's average
// until it is tried again. Off with the setting false; custom preferences
// keep their copy.
TEST(ShardRouterTest, AdaptiveSelectionLeavesASlowCopyAndTriesItAgainLater) {
  using std::chrono::milliseconds;
  ClusterStateSnapshot s = ThreeCopies();
  Router n4("id4");
  const std::string usual = Pick(n4, s);
  auto times = [&](const std::string& node_id) -> ResponseTimes& {
    return n4.clients[s.nodes.at(node_id).grpc_address]->response_times();
  };
  auto answered = [&](const std::string& node_id, milliseconds took, int n = 1) {
    for (int i = 0; i < n; ++i) times(node_id).Finished(took);
  };
  // Slow, but nothing else heard from: kept until it passes 100 ms.
  answered(usual, milliseconds(60), 5);
  EXPECT_EQ(Pick(n4, s), usual);
  answered(usual, milliseconds(150), 5);
  const std::string tried = Pick(n4, s);
  EXPECT_NE(tried, usual) << "a copy not heard from is tried once the usual one is very slow";
  // Every copy heard from: the usual one is kept while about as fast.
  for (const auto& [id, node] : s.nodes) {
    if (id != "id4") answered(id, milliseconds(1), 10);
  }
  answered(usual, milliseconds(2), 10);
  EXPECT_EQ(Pick(n4, s), usual);
  // Much slower: another copy, until the pass-overs decay it back.
  answered(usual, milliseconds(20), 10);
  int elsewhere = 0;
  while (elsewhere < 200 && Pick(n4, s) != usual) ++elsewhere;
  EXPECT_GT(elsewhere, 10);
  EXPECT_LT(elsewhere, 200) << "the slow copy was never tried again";
  // Off: the usual copy whatever its times; a custom preference likewise.
  answered(usual, milliseconds(20), 10);
  CopyPreference session;
  session.custom = "alice";
  const std::string alice = Pick(Router("id4"), s, session);
  EXPECT_EQ(Pick(n4, s, session), alice);
  s.settings[kAdaptiveReplicaSelectionSetting] = "false";
  EXPECT_EQ(Pick(n4, s), usual);
}

TEST(ShardRouterTest, ACustomPreferenceReadsTheSameCopyWhicheverNodeCoordinates) {
  const ClusterStateSnapshot s = ThreeCopies();
  std::map<std::string, int> chosen;
  for (int session = 0; session < 30; ++session) {
    CopyPreference p;
    p.custom = "session-" + std::to_string(session);
    const std::string copy = Pick(Router("id1"), s, p);
    for (const std::string local : {"id2", "id3", "id4"}) EXPECT_EQ(Pick(Router(local), s, p), copy) << p.custom;
    ++chosen[copy];
  }
  EXPECT_EQ(chosen.size(), 3u) << "sessions spread over the copies";
  auto parsed = ParsePreference("xyzzy|_shards:0");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->copies.custom, "xyzzy");
  EXPECT_EQ(parsed->shards, (std::set<uint32_t>{0}));
  parsed = ParsePreference("_prefer_nodes:n1,n2");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->copies.prefer_nodes, (std::set<std::string>{"n1", "n2"}));
  EXPECT_FALSE(ParsePreference("_primary_first").ok()) << "removed in Elasticsearch 7: refused";
}

// A get with a preference (ReadCopies): the copy ForSearch picks first (this
// node's own), then the others in ForRead's order (primary first), each once;
// _only_local and _only_nodes keep only the copies there.
TEST(ShardRouterTest, AGetReadsItsOwnCopyFirstThenThePrimaryAndKeepsToTheNodesItNames) {
  const ClusterStateSnapshot s = ThreeCopies();
  auto order = [&](const std::string& local, const std::string& text) {
    Router r(local);
    auto preference = ParsePreference(text);
    EXPECT_TRUE(preference.ok()) << text;
    auto copies = r.router.ReadCopies(s, kShard, preference->NodeFilter(s, local), preference->copies);
    std::string out;
    if (!copies.ok()) return "<" + copies.status().ToString() + ">";
    for (const ShardTarget& to : *copies) out += (out.empty() ? "" : ",") + to.node_id;
    return out;
  };
  EXPECT_EQ(order("id3", ""), "id3,id1,id2") << "its own replica, then the primary";
  EXPECT_EQ(order("id1", "_local"), "id1,id2,id3");
  EXPECT_EQ(order("id4", "_prefer_nodes:n2"), "id2,id1,id3");
  EXPECT_EQ(order("id3", "_only_local"), "id3");
  EXPECT_EQ(order("id1", "_only_nodes:n2,id3"), "id2,id3") << "the nodes named, by name or id";
  EXPECT_NE(order("id4", "_only_local").find("<"), std::string::npos) << "no copy on id4";
  // A custom string: the same first copy through every node.
  const std::string first = order("id1", "user-7").substr(0, 3);
  for (const std::string local : {"id2", "id3", "id4"}) EXPECT_EQ(order(local, "user-7").substr(0, 3), first);
  // Without a preference (a write's own read): the primary first, as before.
  auto plain = Router("id3").router.ReadCopies(s, kShard);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->front().node_id, "id1");
}

TEST(ShardRouterTest, CopiesOutOfSyncNotStartedOrDrainingAreNotRead) {
  ClusterStateSnapshot s = ThreeCopies();
  ShardRouting& shard = s.routing["idx"].shards[0];
  // id2's replica left the in-sync set (a write failed on it): not read.
  shard.in_sync.erase(std::find(shard.in_sync.begin(), shard.in_sync.end(), "alloc-2"));
  for (const std::string local : {"id1", "id2", "id3", "id4"}) EXPECT_NE(Pick(Router(local), s), "id2") << local;
  // id3's is being recovered: not read either.
  shard.copies[2].state = ShardCopyState::kInitializing;
  for (const std::string local : {"id1", "id2", "id3", "id4"}) EXPECT_EQ(Pick(Router(local), s), "id1");
  // A draining node's copy only when no other is left.
  s = ThreeCopies();
  NodeDrain drain;
  drain.node_id = "id3";
  drain.type = kDrainRestart;
  drain.slot_at_ms = 1000;
  s.drains["id3"] = drain;
  EXPECT_NE(Pick(Router("id3"), s), "id3");
  EXPECT_EQ(Pick(Router("id3"), s, {}, [](const std::string& n) { return n == "id3"; }), "id3")
      << "asked for it by _only_nodes";
  // A copy whose node is no member is passed over.
  s = ThreeCopies();
  s.nodes.erase("id2");
  for (int i = 0; i < 10; ++i) {
    const std::string id = "c" + std::to_string(i);
    s.nodes[id] = Node(id, id, "127.0.1." + std::to_string(i + 1));
    EXPECT_NE(Pick(Router(id), s), "id2");
  }
}

}  // namespace
}  // namespace holdfast
