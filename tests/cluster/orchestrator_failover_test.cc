// An orchestrator failover, the way Marathon's went wrong (docs/lifecycle.md):
// a test orchestrator runs three real nodes, "fails over" to a new instance
// that forgot one of them and wants to restart the rest, asks
// POST /_lifecycle/reconcile, and stops only what it is told is safe —
// draining first what it is told to. Asserted: no node holding the only
// in-sync copy of a shard is ever stopped; the forgotten member is reported
// alive; the old instance's stale epoch is refused; and a healthy node
// killed anyway with SIGTERM fails no request and loses no write.
#include <atomic>
#include <csignal>
#include <map>
#include <set>
#include <string>
#include <thread>

#include "tests/cluster/cluster_fixture.h"

namespace holdfast::testing {
namespace {

class OrchestratorFailoverTest : public ClusterFixture {
 protected:
  struct Verdict {
    std::string verdict;
    std::set<std::string> reasons;
    bool sole = false;
    std::string node_name;
    std::string token;
  };
  struct Answer {
    int status = 0;
    std::map<std::string, Verdict> tasks;  // by task id
    std::set<std::string> unmentioned;     // node names
    std::string body;
  };
  Answer Reconcile(size_t via, int64_t epoch, const std::map<std::string, std::string>& intents) {
    std::string tasks;
    for (const auto& [name, intent] : intents) {
      tasks += std::string(tasks.empty() ? "" : ",") + R"({"task_id": "task-)" + name + R"(", "node_name": ")" + name +
               R"(", "intent": ")" + intent + R"("})";
    }
    auto r = Http(via, "POST", "/_lifecycle/reconcile",
                  R"({"orchestrator": {"id": "marathon", "epoch": )" + std::to_string(epoch) + R"(}, "tasks": [)" +
                      tasks + "]}");
    Answer a;
    a.status = r.status;
    a.body = r.body;
    auto d = ParseJson(r.body);
    if (r.status != 200 || !d.IsObject()) return a;
    for (const auto& t : d["tasks"].GetArray()) {
      Verdict v;
      v.verdict = t["verdict"].GetString();
      v.sole = t["holds_sole_in_sync_copy"].GetBool();
      if (t.HasMember("node")) v.node_name = t["node"]["name"].GetString();
      if (t.HasMember("disruption_token")) v.token = t["disruption_token"].GetString();
      for (const auto& reason : t["reasons"].GetArray()) v.reasons.insert(reason["reason"].GetString());
      a.tasks[t["task_id"].GetString()] = v;
    }
    for (const auto& m : d["unmentioned_members"].GetArray()) {
      EXPECT_EQ(std::string(m["verdict"].GetString()), "keep");
      a.unmentioned.insert(m["name"].GetString());
    }
    return a;
  }
  // Seen from node `via`: the shards (index/shard) of which `node_name`
  // holds the only started copy.
  std::set<std::string> SoleCopiesOn(size_t via, const std::string& node_name) {
    auto rows = HttpJson(via, "GET", "/_cat/shards?format=json&h=index,shard,node,state");
    std::map<std::string, std::set<std::string>> holders;
    for (const auto& row : rows.GetArray()) {
      if (std::string(row["state"].GetString()) != "STARTED" || !row["node"].IsString()) continue;
      holders[std::string(row["index"].GetString()) + "/" + row["shard"].GetString()].insert(row["node"].GetString());
    }
    std::set<std::string> out;
    for (const auto& [shard, nodes] : holders) {
      if (nodes.size() == 1 && nodes.count(node_name)) out.insert(shard);
    }
    return out;
  }
  size_t IndexOf(const std::string& name) { return static_cast<size_t>(name[1] - '1'); }
};

TEST_F(OrchestratorFailoverTest, ANewInstanceThatForgotANodeStopsOnlyWhatIsSafe) {
  StartNodes(3);
  ASSERT_EQ(Http(0, "PUT", "/books", R"({"settings": {"number_of_shards": 3, "number_of_replicas": 1,
      "index.unassigned.node_left.delayed_timeout": "5m"}})").status, 200);
  // One copy only: its node may never be stopped for a restart.
  ASSERT_EQ(Http(0, "PUT", "/solo", R"({"settings": {"number_of_shards": 1, "number_of_replicas": 0}})").status, 200);
  ASSERT_TRUE(WaitHealth(0, "green", 60s)) << Http(0, "GET", "/_cat/shards?v").body;
  auto solo = HttpJson(0, "GET", "/_cat/shards/solo?format=json&h=node");
  const std::string solo_node = solo[0]["node"].GetString();
  for (int i = 0; i < 200; ++i) {
    ASSERT_EQ(Http(0, "PUT", "/books/_doc/seed-" + std::to_string(i), R"({"n": 1})").status, 201);
    ASSERT_EQ(Http(0, "PUT", "/solo/_doc/seed-" + std::to_string(i), R"({"n": 1})").status, 201);
  }

  // The first instance knows every node and keeps them.
  Answer first = Reconcile(0, 1, {{"n1", "keep"}, {"n2", "keep"}, {"n3", "keep"}});
  ASSERT_EQ(first.status, 200) << first.body;
  for (const auto& [id, v] : first.tasks) EXPECT_EQ(v.verdict, "keep") << id;
  EXPECT_TRUE(first.unmentioned.empty());

  // Failover: the new instance (epoch 2) forgot the node with "solo" and
  // wants to restart the two it remembers.
  std::map<std::string, std::string> remembered;
  for (const char* n : {"n1", "n2", "n3"}) {
    if (n != solo_node) remembered[n] = "restart";
  }
  Answer second = Reconcile(1, 2, remembered);
  ASSERT_EQ(second.status, 200) << second.body;
  EXPECT_EQ(second.unmentioned, (std::set<std::string>{solo_node})) << "forgotten, alive: keep";
  // The old instance is deposed.
  Answer stale = Reconcile(2, 1, {{"n1", "kill"}});
  EXPECT_EQ(stale.status, 409) << stale.body;
  EXPECT_NE(stale.body.find("stale_orchestrator_epoch_exception"), std::string::npos) << stale.body;

  // The new instance works through its list: drain what it must, stop what
  // is safe, one at a time, until each remembered node was restarted once.
  std::set<std::string> restarted;
  const auto deadline = std::chrono::steady_clock::now() + 240s;
  while (restarted.size() < remembered.size() && std::chrono::steady_clock::now() < deadline) {
    std::map<std::string, std::string> pending;
    for (const auto& [n, intent] : remembered) {
      if (!restarted.count(n)) pending[n] = intent;
    }
    const size_t via = IndexOf(solo_node);  // never stopped
    Answer a = Reconcile(via, 2, pending);
    ASSERT_EQ(a.status, 200) << a.body;
    bool stopped_one = false;
    for (const auto& [task, v] : a.tasks) {
      const size_t i = IndexOf(v.node_name);
      if (v.verdict == "safe_to_stop" && !stopped_one) {
        EXPECT_FALSE(v.token.empty());
        // The invariant: never the only started copy of any shard.
        EXPECT_TRUE(SoleCopiesOn(via, v.node_name).empty()) << v.node_name << "\n" << Http(via, "GET", "/_cat/shards?v").body;
        node(i).process().Signal(SIGTERM);
        auto code = node(i).process().WaitExit(60s);
        ASSERT_TRUE(code.has_value());
        EXPECT_EQ(*code, 0);
        StartNode(i);
        ASSERT_TRUE(WaitHealth(via, "green", 90s)) << Http(via, "GET", "/_cat/shards?v").body;
        restarted.insert(v.node_name);
        stopped_one = true;
      } else if (v.verdict == "drain_first" && v.reasons.count("primary_here")) {
        // (It may also hold the only copy that counts, while the node with
        // the other one drains: that drain goes first.)
        ASSERT_EQ(Http(i, "POST", "/_lifecycle/drain", R"({"type": "restart"})").status, 200);
      } else {
        EXPECT_NE(v.verdict, "safe_to_stop");
      }
    }
    if (!stopped_one) std::this_thread::sleep_for(200ms);
  }
  EXPECT_EQ(restarted.size(), remembered.size()) << "the instance restarted what it knew";
  EXPECT_TRUE(node(IndexOf(solo_node)).process().running()) << "the node with the only copy was never stopped";
  // Asked to restart the node with the only copy, the answer is never safe.
  Answer sole = Reconcile(0, 2, {{solo_node, "restart"}});
  ASSERT_EQ(sole.status, 200);
  EXPECT_EQ(sole.tasks["task-" + solo_node].verdict, "drain_first");
  EXPECT_TRUE(sole.tasks["task-" + solo_node].sole);
  EXPECT_TRUE(sole.tasks["task-" + solo_node].reasons.count("sole_in_sync_copy"));
  ASSERT_TRUE(WaitUntil([&] {
    auto d = HttpJson(0, "GET", "/_cluster/state/metadata");
    return d.IsObject() && d["metadata"]["node_shutdown"]["nodes"].MemberCount() == 0;
  }, 30s)) << Http(0, "GET", "/_cluster/state/metadata").body;

  // Marathon's way: a healthy node killed anyway (SIGTERM, no questions
  // asked) while writes go on through another node. None fails, none is lost.
  const size_t victim = (IndexOf(solo_node) + 1) % 3, via = (IndexOf(solo_node) + 2) % 3;
  std::atomic<bool> stop{false};
  std::atomic<int> acked{0}, failed{0};
  std::string first_failure;
  std::thread writer([&] {
    for (int i = 0; i < 5000 && !stop; ++i) {
      auto r = HttpCall(node(via).http_port(), "PUT", "/books/_doc/w" + std::to_string(i), R"({"n": 2})");
      if (r.status == 201 || r.status == 200) {
        ++acked;
      } else if (failed++ == 0) {
        first_failure = std::to_string(r.status) + " " + r.body;
      }
      std::this_thread::sleep_for(5ms);
    }
  });
  ASSERT_TRUE(WaitUntil([&] { return acked.load() >= 50; }, 30s));
  node(victim).process().Signal(SIGTERM);
  auto code = node(victim).process().WaitExit(60s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0);
  const int at_kill = acked.load();
  ASSERT_TRUE(WaitUntil([&] { return acked.load() >= at_kill + 50; }, 30s));
  stop = true;
  writer.join();
  EXPECT_EQ(failed.load(), 0) << first_failure;
  StartNode(victim);
  ASSERT_TRUE(WaitHealth(via, "green", 90s)) << Http(via, "GET", "/_cat/shards?v").body;
  ASSERT_EQ(Http(via, "POST", "/books/_refresh").status, 200);
  EXPECT_EQ(HttpJson(via, "GET", "/books/_count")["count"].GetInt(), 200 + acked.load());
  EXPECT_EQ(HttpJson(via, "GET", "/solo/_count")["count"].GetInt(), 200);
}

}  // namespace
}  // namespace holdfast::testing
