// holdfastctl against a cluster of real nodes on a real etcd
// (tests/cluster/cluster_fixture.h): the real binary, run as an operator
// would, against one node's gRPC port. Only what the commands themselves
// decide is checked (a started relocation, a refused move, a setting
// written), never that a relocation completes.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>

#include "tests/cluster/cluster_fixture.h"

namespace holdfast::testing {
namespace {

constexpr char kSixShards[] = R"({"settings": {"number_of_shards": 6, "number_of_replicas": 0}})";
constexpr char kOneShardOneReplica[] = R"({"settings": {"number_of_shards": 1, "number_of_replicas": 1}})";

// The lines of a table holdfastctl printed, each split at blanks.
std::vector<std::vector<std::string>> TableRows(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream cells(line);
    std::vector<std::string> row;
    std::string cell;
    while (cells >> cell) row.push_back(cell);
    if (!row.empty()) rows.push_back(std::move(row));
  }
  return rows;
}

class AdminCtlTest : public ClusterFixture {
 public:
  // `holdfastctl --json shards <index>` through node i.
  rapidjson::Document ShardsJson(size_t i, const std::string& index) {
    CtlRun run = Ctl(i, "--json shards " + index);
    EXPECT_EQ(run.exit_code, 0) << run.err;
    return ParseJson(run.out);
  }

  // Three nodes, each of whose views holds all three (views converge one
  // by one: StartNodes waits for the first node's only).
  void StartThreeNodes() {
    StartNodes(3);
    for (size_t i = 0; i < 3; ++i) {
      ASSERT_TRUE(WaitUntil([&] { return NodesSeen(i) == 3; }, 20s)) << "n" << i + 1 << " does not see three nodes";
    }
  }
  // Green as every node sees it.
  void WaitGreenEverywhere() {
    for (size_t i = 0; i < 3; ++i) ASSERT_TRUE(WaitHealth(i, "green")) << Http(i, "GET", "/_cat/shards?v").body;
  }

  void CreateIndex(const std::string& name, const char* body) {
    auto r = Http(0, "PUT", "/" + name, body);
    ASSERT_EQ(r.status, 200) << r.body;
  }
};

TEST_F(AdminCtlTest, NodesListsTheThreeMembersWithOneMaster) {
  ASSERT_NO_FATAL_FAILURE(StartThreeNodes());
  CtlRun text = Ctl(1, "nodes");
  ASSERT_EQ(text.exit_code, 0) << text.err;
  const auto rows = TableRows(text.out);
  ASSERT_EQ(rows.size(), 4u) << text.out;  // header + 3
  EXPECT_EQ(rows[0][0], "name");
  EXPECT_EQ(rows[0][2], "master");
  std::set<std::string> names;
  int masters = 0;
  for (size_t r = 1; r < rows.size(); ++r) {
    names.insert(rows[r][0]);
    masters += rows[r][2] == "*" ? 1 : 0;
  }
  EXPECT_EQ(names, (std::set<std::string>{"n1", "n2", "n3"})) << text.out;
  EXPECT_EQ(masters, 1) << text.out;

  CtlRun json = Ctl(2, "--json nodes");
  ASSERT_EQ(json.exit_code, 0) << json.err;
  auto d = ParseJson(json.out);
  ASSERT_TRUE(d.IsObject() && d.HasMember("nodes") && d["nodes"].IsArray()) << json.out;
  ASSERT_EQ(d["nodes"].Size(), 3u);
  std::string master;
  for (const auto& n : d["nodes"].GetArray()) {
    if (n["master"].GetBool()) master = n["name"].GetString();
    EXPECT_FALSE(n["excluded"].GetBool());
    EXPECT_FALSE(std::string(n["grpc_address"].GetString()).empty());
  }
  EXPECT_EQ(master, Master(0)) << "the master as _cat/master names it";
}

TEST_F(AdminCtlTest, ShardsListsSixCopiesAndClusterStateParses) {
  ASSERT_NO_FATAL_FAILURE(StartThreeNodes());
  ASSERT_NO_FATAL_FAILURE(CreateIndex("books", kSixShards));
  ASSERT_NO_FATAL_FAILURE(WaitGreenEverywhere());

  CtlRun text = Ctl(0, "shards books");
  ASSERT_EQ(text.exit_code, 0) << text.err;
  const auto rows = TableRows(text.out);
  ASSERT_EQ(rows.size(), 7u) << text.out;  // header + 6
  EXPECT_EQ(rows[0], (std::vector<std::string>{"index", "shard", "prirep", "state", "node", "relocating_to",
                                               "unassigned"}));
  for (size_t r = 1; r < rows.size(); ++r) {
    EXPECT_EQ(rows[r][0], "books");
    EXPECT_EQ(rows[r][1], std::to_string(r - 1));
    EXPECT_EQ(rows[r][3], "STARTED");
  }

  auto d = ShardsJson(1, "books");
  ASSERT_TRUE(d.IsObject() && d["shards"].IsArray());
  ASSERT_EQ(d["shards"].Size(), 6u);
  std::map<std::string, int> per_node;
  for (const auto& s : d["shards"].GetArray()) {
    EXPECT_TRUE(s["primary"].GetBool());
    ++per_node[s["node_name"].GetString()];
  }
  EXPECT_EQ(per_node, (std::map<std::string, int>{{"n1", 2}, {"n2", 2}, {"n3", 2}}));

  CtlRun missing = Ctl(0, "shards nope");
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.err.find("NOT_FOUND: no such index [nope]"), std::string::npos) << missing.err;

  CtlRun state = Ctl(2, "--json cluster-state");
  ASSERT_EQ(state.exit_code, 0) << state.err;
  auto s = ParseJson(state.out);
  ASSERT_TRUE(s.IsObject()) << state.out;
  EXPECT_STREQ(s["cluster_name"].GetString(), "c1");
  EXPECT_TRUE(s["cluster_mode"].GetBool());
  EXPECT_STREQ(s["health"].GetString(), "green");
  EXPECT_EQ(s["nodes"].Size(), 3u);
  ASSERT_EQ(s["indices"].Size(), 1u);
  EXPECT_STREQ(s["indices"][0]["name"].GetString(), "books");
  ASSERT_EQ(s["routing"].Size(), 1u);
  EXPECT_EQ(s["routing"][0]["shards"].Size(), 6u);
  CtlRun human = Ctl(2, "cluster-state");
  ASSERT_EQ(human.exit_code, 0) << human.err;
  EXPECT_NE(human.out.find("mode      cluster (etcd)"), std::string::npos) << human.out;
}

TEST_F(AdminCtlTest, ExcludeAndIncludeEditTheExclusionList) {
  ASSERT_NO_FATAL_FAILURE(StartThreeNodes());
  auto exclusion = [&](size_t i) -> std::string {
    auto d = HttpJson(i, "GET", "/_cluster/settings?flat_settings=true");
    const auto& p = d["persistent"];
    return p.HasMember("cluster.routing.allocation.exclude._name")
               ? p["cluster.routing.allocation.exclude._name"].GetString()
               : "<unset>";
  };
  CtlRun ex = Ctl(1, "exclude n3");
  ASSERT_EQ(ex.exit_code, 0) << ex.err;
  EXPECT_NE(ex.out.find("n3 excluded"), std::string::npos) << ex.out;
  // The call returns once the node it went to sees the setting.
  EXPECT_EQ(exclusion(1), "n3");
  EXPECT_TRUE(WaitUntil([&] { return exclusion(0) == "n3" && exclusion(2) == "n3"; }, 10s));
  CtlRun again = Ctl(0, "exclude n3");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("already excluded"), std::string::npos) << again.out;

  CtlRun second = Ctl(2, "--json exclude n2");
  ASSERT_EQ(second.exit_code, 0) << second.err;
  auto d = ParseJson(second.out);
  ASSERT_TRUE(d.IsObject()) << second.out;
  EXPECT_STREQ(d["exclude_name"].GetString(), "n3,n2");
  EXPECT_TRUE(d["changed"].GetBool());
  // Through the node that made the change (the others' views follow it).
  CtlRun nodes = Ctl(2, "--json nodes");
  auto n = ParseJson(nodes.out);
  ASSERT_TRUE(n.IsObject()) << nodes.out;
  for (const auto& m : n["nodes"].GetArray()) {
    EXPECT_EQ(m["excluded"].GetBool(), std::string(m["name"].GetString()) != "n1") << nodes.out;
  }

  CtlRun in = Ctl(2, "include n3");
  ASSERT_EQ(in.exit_code, 0) << in.err;
  EXPECT_EQ(exclusion(2), "n2");
  CtlRun last = Ctl(2, "include n2");
  ASSERT_EQ(last.exit_code, 0) << last.err;
  EXPECT_EQ(exclusion(2), "<unset>") << Http(2, "GET", "/_cluster/settings?flat_settings=true").body;
  ASSERT_TRUE(WaitUntil([&] { return exclusion(1) == "<unset>"; }, 10s));
  CtlRun not_there = Ctl(1, "include n2");
  ASSERT_EQ(not_there.exit_code, 0) << not_there.err;
  EXPECT_NE(not_there.out.find("was not excluded"), std::string::npos) << not_there.out;
}

// With --admin-token-file, every admin call needs the token: without it or
// with another one holdfastctl gets UNAUTHENTICATED (exit 1) and nothing
// changes; with it the call goes through. Health and the HTTP probes stay
// open; a node given an empty token file refuses to start (exit 2).
TEST_F(AdminCtlTest, AnAdminTokenGuardsEveryAdminCallButNotTheProbes) {
  const std::string token = dir_.Sub("token"), other = dir_.Sub("other"), empty = dir_.Sub("empty");
  std::ofstream(token) << "s3cret-token\n";
  std::ofstream(other) << "not-the-token\n";
  std::ofstream(empty) << "  \n";
  StartNode(0, {"--admin-token-file", token});
  StartNode(1, {"--admin-token-file", token});
  ASSERT_TRUE(WaitUntil([&] { return NodesSeen(0) == 2; }, 20s));
  auto exclusion = [&] {
    auto d = HttpJson(0, "GET", "/_cluster/settings?flat_settings=true");
    return d["persistent"].HasMember("cluster.routing.allocation.exclude._name");
  };

  for (const std::string& args : {std::string("exclude n2"), std::string("--token-file ") + other + " exclude n2",
                                  std::string("nodes"), std::string("node-info")}) {
    CtlRun denied = Ctl(0, args);
    EXPECT_EQ(denied.exit_code, 1) << args << "\n" << denied.out;
    EXPECT_NE(denied.err.find("UNAUTHENTICATED"), std::string::npos) << args << "\n" << denied.err;
  }
  EXPECT_FALSE(exclusion()) << "a refused call changed the cluster settings";
  CtlRun health = Ctl(0, "health");
  EXPECT_EQ(health.exit_code, 0) << health.err;
  for (const char* probe : {"/_lifecycle/live", "/_lifecycle/ready", "/_lifecycle/status"}) {
    EXPECT_EQ(Http(0, "GET", probe).status, 200) << probe;
  }

  CtlRun allowed = Ctl(1, "--token-file " + token + " exclude n2");
  EXPECT_EQ(allowed.exit_code, 0) << allowed.err;
  EXPECT_TRUE(exclusion());
  CtlRun listed = Ctl(0, "--token-file " + token + " nodes");
  EXPECT_EQ(listed.exit_code, 0) << listed.err;

  NodeProcess refused;
  ASSERT_TRUE(refused.Launch(dir_.Sub("n3"), {"--node-name", "n3", "--admin-token-file", empty}));
  auto code = refused.process().WaitExit(20s);
  ASSERT_TRUE(code.has_value()) << refused.Log();
  EXPECT_EQ(*code, 2) << refused.Log();
  EXPECT_NE(refused.Log().find("is empty"), std::string::npos) << refused.Log();
}

TEST_F(AdminCtlTest, BalancedClusterPlansNoMovesAndExplainHasNothingUnassigned) {
  ASSERT_NO_FATAL_FAILURE(StartThreeNodes());
  ASSERT_NO_FATAL_FAILURE(CreateIndex("books", kSixShards));
  ASSERT_NO_FATAL_FAILURE(WaitGreenEverywhere());

  CtlRun plan = Ctl(1, "rebalance --plan");
  ASSERT_EQ(plan.exit_code, 0) << plan.err;
  EXPECT_EQ(plan.out, "the cluster is balanced: no moves\n");
  CtlRun json = Ctl(1, "--json rebalance --plan");
  ASSERT_EQ(json.exit_code, 0) << json.err;
  auto d = ParseJson(json.out);
  ASSERT_TRUE(d.IsObject() && d["moves"].IsArray()) << json.out;
  EXPECT_EQ(d["moves"].Size(), 0u);
  CtlRun neither = Ctl(1, "rebalance");
  EXPECT_EQ(neither.exit_code, 2);

  CtlRun explain = Ctl(2, "allocation-explain");
  EXPECT_EQ(explain.exit_code, 1);
  EXPECT_EQ(explain.out, "");
  EXPECT_NE(explain.err.find("INVALID_ARGUMENT: No shard was specified in the explain API request, so this request "
                             "explains a randomly chosen unassigned shard. There are no unassigned shards in this "
                             "cluster to explain."),
            std::string::npos)
      << explain.err;
  // One line.
  EXPECT_EQ(std::count(explain.err.begin(), explain.err.end(), '\n'), 1) << explain.err;

  CtlRun one = Ctl(2, "--json allocation-explain --index books --shard 3 --primary");
  ASSERT_EQ(one.exit_code, 0) << one.err;
  auto e = ParseJson(one.out);
  ASSERT_TRUE(e.IsObject()) << one.out;
  EXPECT_STREQ(e["current_state"].GetString(), "started");
  EXPECT_EQ(e["shard"].GetUint(), 3u);
  EXPECT_EQ(e["node_decisions"].Size(), 3u);
  CtlRun partial = Ctl(2, "allocation-explain --index books");
  EXPECT_EQ(partial.exit_code, 2) << "--index needs --shard";
}

TEST_F(AdminCtlTest, MoveStartsARelocationAndRefusesANodeThatHoldsACopy) {
  ASSERT_NO_FATAL_FAILURE(StartThreeNodes());
  ASSERT_NO_FATAL_FAILURE(CreateIndex("rep", kOneShardOneReplica));
  // The primary started, the replica on another node (it need not have
  // finished recovering).
  rapidjson::Document copies;
  std::string primary_node, replica_node;
  ASSERT_TRUE(WaitUntil(
      [&] {
        copies = ShardsJson(0, "rep");
        if (!copies.IsObject() || copies["shards"].Size() != 2) return false;
        primary_node.clear();
        replica_node.clear();
        for (const auto& s : copies["shards"].GetArray()) {
          if (s["primary"].GetBool() && std::string(s["state"].GetString()) == "STARTED") {
            primary_node = s["node_name"].GetString();
          }
          if (!s["primary"].GetBool()) replica_node = s["node_name"].GetString();
        }
        return !primary_node.empty() && !replica_node.empty();
      },
      30s))
      << Http(0, "GET", "/_cat/shards?v").body;

  CtlRun refused = Ctl(1, "move rep 0 --from " + primary_node + " --to " + replica_node);
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("INVALID_ARGUMENT: move rep[0] from " + primary_node + " to " + replica_node + ": "),
            std::string::npos)
      << refused.err;
  EXPECT_NE(refused.err.find("a copy of this shard is already allocated to this node"), std::string::npos)
      << refused.err;
  const rapidjson::Document after = ShardsJson(1, "rep");
  for (const auto& s : after["shards"].GetArray()) {
    EXPECT_STREQ(s["relocating_node_name"].GetString(), "") << "a refused move changes nothing";
  }
  CtlRun unknown = Ctl(1, "move rep 0 --from " + primary_node + " --to n9");
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("no node [n9] in the cluster"), std::string::npos) << unknown.err;

  // To the third node: the relocation starts (whether it completes is not this test's business).
  std::string third;
  for (const char* n : {"n1", "n2", "n3"}) {
    if (n != primary_node && n != replica_node) third = n;
  }
  CtlRun moved = Ctl(2, "--json move rep 0 --from " + primary_node + " --to " + third);
  ASSERT_EQ(moved.exit_code, 0) << moved.err;
  auto m = ParseJson(moved.out);
  ASSERT_TRUE(m.IsObject() && m["copies"].IsArray()) << moved.out;
  bool relocating = false;
  for (const auto& c : m["copies"].GetArray()) {
    if (c["primary"].GetBool() && std::string(c["node_name"].GetString()) == primary_node) {
      relocating = std::string(c["relocating_node_name"].GetString()) == third;
    }
  }
  EXPECT_TRUE(relocating) << moved.out;
}

// holdfastctl reroute: a forced primary needs --accept-data-loss before
// anything is sent; a primary is not cancelled without --allow-primary (an
// error, or with --explain a refused decision); a cancelled replica stays
// unassigned while replicas may not be allocated, a dry run of
// allocate-replica shows where it would go and changes nothing, and
// allocate-replica places it.
TEST_F(AdminCtlTest, RerouteCancelsAndAllocatesAReplicaAndAsksConsentForDataLoss) {
  ASSERT_NO_FATAL_FAILURE(StartThreeNodes());
  ASSERT_NO_FATAL_FAILURE(CreateIndex("rr", kOneShardOneReplica));
  ASSERT_NO_FATAL_FAILURE(WaitGreenEverywhere());
  std::string primary_node, replica_node, spare;
  for (const auto& s : ShardsJson(0, "rr")["shards"].GetArray()) {
    (s["primary"].GetBool() ? primary_node : replica_node) = s["node_name"].GetString();
  }
  for (const char* n : {"n1", "n2", "n3"}) {
    if (n != primary_node && n != replica_node) spare = n;
  }
  ASSERT_FALSE(primary_node.empty() || replica_node.empty() || spare.empty());
  // The state of the replica as node i lists it, and its node.
  auto replica = [&](size_t i) {
    for (const auto& s : ShardsJson(i, "rr")["shards"].GetArray()) {
      if (!s["primary"].GetBool()) return std::string(s["state"].GetString()) + " " + s["node_name"].GetString();
    }
    return std::string("none");
  };

  CtlRun unconfirmed = Ctl(0, "reroute allocate-empty-primary rr 0 --node " + spare);
  EXPECT_EQ(unconfirmed.exit_code, 2);
  EXPECT_NE(unconfirmed.err.find("--accept-data-loss"), std::string::npos) << unconfirmed.err;

  CtlRun primary = Ctl(1, "reroute cancel rr 0 --node " + primary_node);
  EXPECT_EQ(primary.exit_code, 1);
  EXPECT_NE(primary.err.find("INVALID_ARGUMENT: reroute cancel rr[0] on " + primary_node), std::string::npos)
      << primary.err;
  EXPECT_NE(primary.err.find("allow_primary"), std::string::npos) << primary.err;
  CtlRun explained = Ctl(1, "reroute cancel rr 0 --node " + primary_node + " --explain");
  EXPECT_EQ(explained.exit_code, 1);
  EXPECT_NE(explained.out.find("reroute cancel rr[0] on " + primary_node + ": refused: "), std::string::npos)
      << explained.out;
  EXPECT_EQ(replica(0), "STARTED " + replica_node) << "refused commands change nothing";

  ASSERT_EQ(Http(0, "PUT", "/_cluster/settings",
                 R"({"persistent": {"cluster.routing.allocation.enable": "primaries"}})")
                .status,
            200);
  CtlRun cancelled = Ctl(2, "reroute cancel rr 0 --node " + replica_node);
  ASSERT_EQ(cancelled.exit_code, 0) << cancelled.err;
  EXPECT_NE(cancelled.out.find("reroute cancel rr[0] on " + replica_node + ": applied"), std::string::npos)
      << cancelled.out;
  ASSERT_TRUE(WaitUntil([&] { return replica(0) == "UNASSIGNED "; }, 20s)) << replica(0);

  CtlRun dry = Ctl(0, "--json reroute --dry-run allocate-replica rr 0 --node " + spare);
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  auto d = ParseJson(dry.out);
  ASSERT_TRUE(d.IsObject() && d["decisions"].Size() == 1 && d["decisions"][0]["applied"].GetBool()) << dry.out;
  bool shown = false;
  for (const auto& c : d["copies"].GetArray()) {
    shown |= !c["primary"].GetBool() && std::string(c["node_name"].GetString()) == spare &&
             std::string(c["state"].GetString()) == "INITIALIZING";
  }
  EXPECT_TRUE(shown) << "the dry run shows where the replica would go: " << dry.out;
  EXPECT_EQ(replica(1), "UNASSIGNED ") << "a dry run changes nothing";

  CtlRun placed = Ctl(1, "reroute allocate-replica rr 0 --node " + spare);
  ASSERT_EQ(placed.exit_code, 0) << placed.err;
  ASSERT_NO_FATAL_FAILURE(WaitGreenEverywhere());
  EXPECT_EQ(replica(2), "STARTED " + spare);
  CtlRun retried = Ctl(0, "reroute retry-failed");
  EXPECT_EQ(retried.exit_code, 0) << retried.err;
  EXPECT_NE(retried.out.find("tried again now"), std::string::npos) << retried.out;
}

TEST_F(AdminCtlTest, OneNodeModeAnswersReadsAndRefusesChanges) {
  NodeProcess single;
  ASSERT_TRUE(single.Start(dir_.Sub("single"), {"--node-name", "solo"})) << single.Log();
  ASSERT_TRUE(single.WaitReady());
  CtlRun nodes = CtlAt(single.grpc_port(), "nodes");
  ASSERT_EQ(nodes.exit_code, 0) << nodes.err;
  EXPECT_NE(nodes.out.find("solo"), std::string::npos) << nodes.out;
  CtlRun plan = CtlAt(single.grpc_port(), "rebalance --plan");
  EXPECT_EQ(plan.exit_code, 0) << plan.err;
  for (const char* change : {"exclude solo", "include solo", "move a 0 --from solo --to other", "rebalance --execute"}) {
    CtlRun refused = CtlAt(single.grpc_port(), change);
    EXPECT_EQ(refused.exit_code, 1) << change;
    EXPECT_NE(refused.err.find("FAILED_PRECONDITION"), std::string::npos) << change << ": " << refused.err;
    EXPECT_NE(refused.err.find("needs cluster mode (--etcd-endpoints)"), std::string::npos) << refused.err;
  }
}

}  // namespace
}  // namespace holdfast::testing
