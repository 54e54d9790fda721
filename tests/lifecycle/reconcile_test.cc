// Reconcile's request parsing and verdicts on cluster states made by hand:
// members matched by name, address and volume; the sole in-sync copy named;
// keep / safe_to_stop / drain_first / unknown as the cluster state says;
// unmentioned members reported alive.
#include "lifecycle/reconcile.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "replication/drain_records.h"

namespace holdfast {
namespace {

ShardCopyRouting Copy(const std::string& node, bool primary, const std::string& id) {
  ShardCopyRouting c;
  c.node_id = node;
  c.primary = primary;
  c.state = ShardCopyState::kStarted;
  c.allocation_id = id;
  return c;
}

// Members n1..n3 (volume v-n1..v-n3); shard 0 of books: primary on n1,
// replica on n2, both in sync; shard 1: only a primary on n3.
ClusterStateSnapshot State() {
  ClusterStateSnapshot s;
  for (const char* id : {"n1", "n2", "n3"}) {
    s.nodes[id] = ClusterNode{id, std::string("name-") + id, std::string("10.0.0.") + id[1] + ":9200",
                              std::string("10.0.0.") + id[1] + ":9300", {{"volume.uuid", std::string("v-") + id}}};
  }
  IndexMetadata m;
  m.name = "books";
  m.uuid = "u-books";
  s.indices[m.uuid] = m;
  ShardRouting s0;
  s0.copies = {Copy("n1", true, "a"), Copy("n2", false, "b")};
  s0.in_sync = {"a", "b"};
  ShardRouting s1;
  s1.shard = 1;
  s1.copies = {Copy("n3", true, "c")};
  s1.in_sync = {"c"};
  s.routing[m.uuid].shards = {s0, s1};
  return s;
}

ReconcileRequest Parse(const std::string& json) {
  auto r = ParseReconcileRequest(json);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(r).value() : ReconcileRequest{};
}

TEST(ReconcileTest, RequestsAreCheckedBeforeAnythingIsJudged) {
  EXPECT_FALSE(ParseReconcileRequest("[]").ok());
  EXPECT_FALSE(ParseReconcileRequest(R"({"tasks": []})").ok()) << "no orchestrator";
  EXPECT_FALSE(ParseReconcileRequest(R"({"orchestrator": {"id": "m/1", "epoch": 1}})").ok()) << "bad id";
  EXPECT_FALSE(ParseReconcileRequest(R"({"orchestrator": {"id": "m", "epoch": -1}})").ok());
  EXPECT_FALSE(ParseReconcileRequest(R"({"orchestrator": {"id": "m", "epoch": 1},
      "tasks": [{"task_id": "t", "intent": "keep"}]})").ok()) << "neither name nor address";
  EXPECT_FALSE(ParseReconcileRequest(R"({"orchestrator": {"id": "m", "epoch": 1},
      "tasks": [{"task_id": "t", "node_name": "n", "intent": "explode"}]})").ok());
  EXPECT_FALSE(ParseReconcileRequest(R"({"orchestrator": {"id": "m", "epoch": 1},
      "tasks": [{"task_id": "t", "node_name": "a"}, {"task_id": "t", "node_name": "b"}]})").ok()) << "twice";
  auto r = Parse(R"({"orchestrator": {"id": "marathon-1", "epoch": 7},
      "tasks": [{"task_id": "t", "address": "10.0.0.1:9200"}]})");
  EXPECT_EQ(r.orchestrator_id, "marathon-1");
  EXPECT_EQ(r.epoch, 7);
  ASSERT_EQ(r.tasks.size(), 1u);
  EXPECT_EQ(r.tasks[0].intent, "keep") << "the default";
}

TEST(ReconcileTest, EachTaskGetsTheVerdictTheClusterStateGives) {
  const ClusterStateSnapshot s = State();
  auto r = Parse(R"({"orchestrator": {"id": "m", "epoch": 1}, "tasks": [
      {"task_id": "by-name", "node_name": "name-n1", "intent": "restart"},
      {"task_id": "by-address", "address": "10.0.0.2:9300", "volume_id": "v-n2", "intent": "kill"},
      {"task_id": "sole", "node_name": "name-n3", "intent": "kill"},
      {"task_id": "ghost", "node_name": "name-n9", "intent": "kill"},
      {"task_id": "moved", "node_name": "name-n2", "volume_id": "v-other", "intent": "kill"}]})");
  auto v = JudgeTasks(s, r, /*state_known=*/true);
  ASSERT_EQ(v.size(), 5u);
  // n1 holds shard 0's primary: not now.
  EXPECT_TRUE(v[0].matched);
  EXPECT_EQ(v[0].node_id, "n1");
  EXPECT_EQ(v[0].verdict, "drain_first");
  EXPECT_EQ(v[0].reasons[0].reason, "primary_here");
  EXPECT_FALSE(v[0].wants_slot);
  // n2 holds a replica with a started in-sync primary elsewhere: safe once a slot is free.
  EXPECT_TRUE(v[1].matched);
  EXPECT_EQ(v[1].volume_id, "v-n2");
  EXPECT_TRUE(v[1].wants_slot);
  EXPECT_EQ(v[1].verdict, "drain_first") << "until the slot is taken";
  // n3 holds the only in-sync copy of shard 1.
  ASSERT_EQ(v[2].sole_copies.size(), 1u);
  EXPECT_EQ(v[2].sole_copies[0].shard, 1);
  EXPECT_EQ(v[2].verdict, "drain_first");
  // No such member, or another volume: unknown, never a reason to kill.
  EXPECT_FALSE(v[3].matched);
  EXPECT_EQ(v[3].verdict, "unknown");
  EXPECT_EQ(v[3].reasons[0].reason, "no_such_member");
  EXPECT_FALSE(v[4].matched);
  EXPECT_EQ(v[4].verdict, "unknown");
  EXPECT_EQ(v[4].reasons[0].reason, "volume_mismatch");
  // Every member was mentioned.
  EXPECT_TRUE(UnmentionedMembers(s, v).empty());

  // The slot taken for n2 by this reconcile's token: safe_to_stop, with it.
  ClusterStateSnapshot after = s;
  ASSERT_TRUE(ApplyReconcile(&after, "m", 1, {{"n2", "remove", "token:x"}}, 1000).value());
  FinishVerdicts(after, {"", "token:x", "", "", ""}, &v);
  EXPECT_EQ(v[1].verdict, "safe_to_stop");
  EXPECT_EQ(v[1].disruption_token, "token:x");
  EXPECT_TRUE(v[1].reasons.empty());
  EXPECT_EQ(v[0].verdict, "drain_first");
}

TEST(ReconcileTest, ForgottenMembersAreAliveAndAnUnknownStateDecidesNothing) {
  const ClusterStateSnapshot s = State();
  auto r = Parse(R"({"orchestrator": {"id": "m", "epoch": 2}, "tasks": [
      {"task_id": "t2", "node_name": "name-n2", "intent": "keep"}]})");
  auto v = JudgeTasks(s, r, true);
  EXPECT_EQ(v[0].verdict, "keep");
  auto forgotten = UnmentionedMembers(s, v);
  ASSERT_EQ(forgotten.size(), 2u);
  EXPECT_EQ(forgotten[0]->node_id, "n1");
  EXPECT_EQ(forgotten[1]->node_id, "n3");
  auto r2 = Parse(R"({"orchestrator": {"id": "m", "epoch": 2}, "tasks": [
      {"task_id": "t2", "node_name": "name-n2", "intent": "kill"}]})");
  auto unknown = JudgeTasks(s, r2, /*state_known=*/false);
  EXPECT_EQ(unknown[0].verdict, "unknown");
  EXPECT_FALSE(unknown[0].wants_slot);
  EXPECT_EQ(unknown[0].reasons[0].reason, "cluster_state_unknown");
}

}  // namespace
}  // namespace holdfast
