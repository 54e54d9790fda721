// POST/GET/DELETE /_lifecycle/drain on real nodes and a real etcd
// (docs/lifecycle.md): a restart drain hands every primary to an in-sync
// replica while writes go on — none fails —; a second drain waits for the
// first node to be back and green; a remove drain empties its node; records
// end by themselves; the changes need the admin token when one is set; and
// SIGTERM hands the primaries over before the node stops.
#include <atomic>
#include <csignal>
#include <fstream>
#include <set>
#include <string>
#include <thread>

#include "tests/cluster/cluster_fixture.h"

namespace holdfast::testing {
namespace {

class DrainTest : public ClusterFixture {
 protected:
  // Single-document writes through node `via`, one after another, until
  // stopped (bounded: at most 20,000 writes and 120 s); every answer kept.
  class Writer {
   public:
    Writer(int port, std::string index) : port_(port), index_(std::move(index)) {
      thread_ = std::thread([this] { Run(); });
    }
    ~Writer() { Stop(); }
    void Stop() {
      stop_ = true;
      if (thread_.joinable()) thread_.join();
    }
    uint64_t acknowledged() const { return acked_.load(); }
    uint64_t failed() const { return failed_.load(); }
    std::string first_failure() const {
      std::lock_guard<std::mutex> lock(mu_);
      return first_failure_;
    }

   private:
    void Run() {
      const auto deadline = std::chrono::steady_clock::now() + 120s;
      for (int i = 0; i < 20000 && !stop_ && std::chrono::steady_clock::now() < deadline; ++i) {
        auto r = HttpCall(port_, "PUT", "/" + index_ + "/_doc/w" + std::to_string(i), R"({"title": "write )" +
                                                                                          std::to_string(i) + R"("})");
        if (r.status == 200 || r.status == 201) {
          ++acked_;
        } else {
          if (failed_++ == 0) {
            std::lock_guard<std::mutex> lock(mu_);
            first_failure_ = std::to_string(r.status) + " " + r.body;
          }
        }
        std::this_thread::sleep_for(2ms);
      }
    }
    const int port_;
    const std::string index_;
    std::atomic<bool> stop_{false};
    std::atomic<uint64_t> acked_{0}, failed_{0};
    mutable std::mutex mu_;
    std::string first_failure_;
    std::thread thread_;
  };

  void CreateBooks(uint32_t shards = 3, uint32_t replicas = 1) {
    ASSERT_EQ(Http(0, "PUT", "/books", R"({"settings": {"number_of_shards": )" + std::to_string(shards) +
                                           R"(, "number_of_replicas": )" + std::to_string(replicas) +
                                           R"(, "index.unassigned.node_left.delayed_timeout": "5m"}})")
                  .status,
              200);
    ASSERT_TRUE(WaitHealth(0, "green", 60s)) << Http(0, "GET", "/_cat/shards?v").body;
  }
  std::string DrainState(size_t i) {
    auto d = HttpJson(i, "GET", "/_lifecycle/drain");
    return d.IsObject() && d.HasMember("state") ? d["state"].GetString() : "";
  }
  bool WaitDrain(size_t i, const std::string& state, std::chrono::milliseconds timeout = 60s) {
    return WaitUntil([&] { return DrainState(i) == state; }, timeout);
  }
  // Copies per node name: {"n1": {"p", "r"}, ...} (started or relocating ones).
  std::multiset<std::string> CopiesOn(size_t via, const std::string& node_name) {
    std::multiset<std::string> out;
    auto rows = HttpJson(via, "GET", "/_cat/shards/books?format=json&h=prirep,node,state");
    if (!rows.IsArray()) return out;
    for (const auto& row : rows.GetArray()) {
      if (row["node"].IsString() && node_name == row["node"].GetString()) out.insert(row["prirep"].GetString());
    }
    return out;
  }
  size_t DrainRecords(size_t via) {
    auto d = HttpJson(via, "GET", "/_cluster/state/metadata");
    if (!d.IsObject() || !d.HasMember("metadata")) return 99;
    return d["metadata"]["node_shutdown"]["nodes"].MemberCount();
  }
  // Every shard of books has a started copy (seen from node `via`).
  bool EveryShardServed(size_t via) {
    auto rows = HttpJson(via, "GET", "/_cat/shards/books?format=json&h=shard,state");
    if (!rows.IsArray()) return false;
    std::set<std::string> served;
    for (const auto& row : rows.GetArray()) {
      const std::string state = row["state"].GetString();
      if (state == "STARTED" || state == "RELOCATING") served.insert(row["shard"].GetString());
    }
    return served.size() == 3;
  }
  void StopWithSigterm(size_t i) {
    node(i).process().Signal(SIGTERM);
    auto code = node(i).process().WaitExit(60s);
    ASSERT_TRUE(code.has_value()) << "n" << i + 1 << " did not stop";
    EXPECT_EQ(*code, 0) << node(i).process().HowItEnded() << "\n" << Tail(node(i).Log());
  }
  uint64_t Count(size_t via) {
    Http(via, "POST", "/books/_refresh");
    auto d = HttpJson(via, "GET", "/books/_count");
    return d.IsObject() && d.HasMember("count") ? d["count"].GetUint64() : 0;
  }
};

TEST_F(DrainTest, ARestartDrainHandsEveryPrimaryOverWhileWritesGoOn) {
  StartNodes(3);
  CreateBooks();
  const size_t d = 0;  // n1 holds a primary (three shards spread over three nodes)
  ASSERT_TRUE(CopiesOn(1, "n1").count("p") >= 1) << Http(1, "GET", "/_cat/shards?v").body;
  const size_t copies_before = CopiesOn(1, "n1").size();
  Writer writer(node(1).http_port(), "books");
  ASSERT_TRUE(WaitUntil([&] { return writer.acknowledged() >= 50; }, 30s));

  auto started = Http(d, "POST", "/_lifecycle/drain", R"({"type": "restart"})");
  ASSERT_EQ(started.status, 200) << started.body;
  ASSERT_TRUE(WaitDrain(d, "complete")) << Http(d, "GET", "/_lifecycle/drain").body;
  const uint64_t acked_at_drain = writer.acknowledged();
  ASSERT_TRUE(WaitUntil([&] { return writer.acknowledged() >= acked_at_drain + 50; }, 30s)) << "writes go on";
  writer.Stop();
  EXPECT_EQ(writer.failed(), 0u) << writer.first_failure();

  auto progress = HttpJson(d, "GET", "/_lifecycle/drain");
  EXPECT_EQ(std::string(progress["type"].GetString()), "restart");
  EXPECT_GE(progress["primaries_handed_off"].GetUint(), 1u);
  EXPECT_EQ(progress["left"]["primaries"].GetUint(), 0u);
  EXPECT_TRUE(progress["flushed"].GetBool());
  EXPECT_EQ(CopiesOn(1, "n1").count("p"), 0u) << Http(1, "GET", "/_cat/shards?v").body;
  EXPECT_EQ(CopiesOn(1, "n1").size(), copies_before) << "every copy stays where it was";
  EXPECT_EQ(Health(1), "green");
  EXPECT_EQ(Http(d, "GET", "/_lifecycle/ready").status, 503) << "draining";
  EXPECT_EQ(Http(d, "GET", "/_lifecycle/safe-to-stop").status, 200) << Http(d, "GET", "/_lifecycle/safe-to-stop").body;
  EXPECT_EQ(std::string(HttpJson(d, "GET", "/_lifecycle/status")["drain"]["state"].GetString()), "complete");
  EXPECT_EQ(DrainRecords(2), 1u);
  // Every acknowledged write is there, and the drained node still answers.
  EXPECT_EQ(Count(1), writer.acknowledged());
  EXPECT_EQ(Count(d), writer.acknowledged());
  // Asked again: the same drain.
  EXPECT_EQ(Http(d, "POST", "/_lifecycle/drain", R"({"type": "restart"})").status, 200);
  EXPECT_EQ(DrainState(d), "complete");

  // The restart: stopped, started on its volume, back in sync — the record ends.
  StopWithSigterm(d);
  StartNode(d);
  // Ready means its copies are back and in sync (they caught up first).
  auto status = HttpJson(d, "GET", "/_lifecycle/status");
  ASSERT_TRUE(status.IsObject() && status["shards"].IsArray()) << Http(d, "GET", "/_lifecycle/status").body;
  EXPECT_EQ(status["shards"].Size(), copies_before) << Http(d, "GET", "/_lifecycle/status").body;
  for (const auto& copy : status["shards"].GetArray()) {
    EXPECT_TRUE(copy["in_sync"].GetBool()) << Http(d, "GET", "/_lifecycle/status").body;
  }
  ASSERT_TRUE(WaitHealth(1, "green", 60s)) << Http(1, "GET", "/_cat/shards?v").body;
  EXPECT_TRUE(WaitUntil([&] { return DrainRecords(1) == 0; }, 30s)) << Http(1, "GET", "/_cluster/state/metadata").body;
  EXPECT_EQ(DrainState(d), "none") << "a new process";
  EXPECT_EQ(Count(d), writer.acknowledged());
}

TEST_F(DrainTest, ASecondDrainWaitsUntilTheFirstNodeIsBackAndGreen) {
  StartNodes(3);
  CreateBooks();
  ASSERT_EQ(Http(0, "POST", "/_lifecycle/drain", R"({"type": "restart"})").status, 200);
  auto second = Http(1, "POST", "/_lifecycle/drain", R"({"type": "restart"})");
  ASSERT_EQ(second.status, 200) << second.body;
  ASSERT_TRUE(WaitDrain(0, "complete"));
  EXPECT_EQ(DrainState(1), "queued");
  auto queued = HttpJson(1, "GET", "/_lifecycle/drain");
  ASSERT_TRUE(queued["reasons"].IsArray() && queued["reasons"].Size() >= 1) << Http(1, "GET", "/_lifecycle/drain").body;
  EXPECT_EQ(std::string(queued["reasons"][0]["reason"].GetString()), "waiting_for_disruption_slot");
  EXPECT_EQ(Http(1, "GET", "/_lifecycle/ready").status, 200) << "a queued drain changes nothing";
  EXPECT_GE(CopiesOn(2, "n2").count("p"), 1u) << "n2 keeps its primaries while queued";

  StopWithSigterm(0);
  EXPECT_TRUE(EveryShardServed(2));
  // n1 away: n2 still waits, so no shard loses both copies.
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(DrainState(1), "queued");
    EXPECT_TRUE(EveryShardServed(2)) << Http(2, "GET", "/_cat/shards?v").body;
    std::this_thread::sleep_for(100ms);
  }
  StartNode(0);
  ASSERT_TRUE(WaitHealth(2, "green", 60s));
  ASSERT_TRUE(WaitDrain(1, "complete")) << Http(1, "GET", "/_lifecycle/drain").body;
  EXPECT_EQ(DrainRecords(2), 1u) << "n1's record ended, n2's runs";
  EXPECT_EQ(CopiesOn(2, "n2").count("p"), 0u);

  // Cancelled: ready again, nothing left behind.
  ASSERT_EQ(Http(1, "DELETE", "/_lifecycle/drain").status, 200);
  EXPECT_EQ(DrainState(1), "none");
  EXPECT_EQ(Http(1, "GET", "/_lifecycle/ready").status, 200);
  EXPECT_TRUE(WaitUntil([&] { return DrainRecords(2) == 0; }, 10s));
  EXPECT_EQ(Http(1, "DELETE", "/_lifecycle/drain").status, 200) << "idempotent";
}

TEST_F(DrainTest, ARemoveDrainEmptiesItsNodeAndEndsWhenItLeaves) {
  StartNodes(3);
  CreateBooks();
  ASSERT_EQ(Http(0, "POST", "/_lifecycle/drain", R"({"type": "sometimes"})").status, 400);
  ASSERT_EQ(Http(2, "POST", "/_lifecycle/drain", R"({"type": "remove"})").status, 200);
  ASSERT_TRUE(WaitDrain(2, "complete", 90s)) << Http(2, "GET", "/_lifecycle/drain").body;
  EXPECT_TRUE(CopiesOn(0, "n3").empty()) << Http(0, "GET", "/_cat/shards?v").body;
  EXPECT_EQ(HttpJson(2, "GET", "/_lifecycle/drain")["left"]["copies"].GetUint(), 0u);
  ASSERT_TRUE(WaitHealth(0, "green", 30s));
  EXPECT_EQ(Http(2, "GET", "/_lifecycle/safe-to-stop").status, 200);
  StopWithSigterm(2);
  EXPECT_TRUE(WaitUntil([&] { return DrainRecords(0) == 0; }, 30s)) << Http(0, "GET", "/_cluster/state/metadata").body;
  EXPECT_EQ(Health(0), "green") << "nothing of n3 was needed";
  auto settings = HttpJson(0, "GET", "/_cluster/settings");
  EXPECT_EQ(settings["persistent"].MemberCount(), 0u) << "no exclusion left behind";
}

TEST_F(DrainTest, OnAOneNodeClusterADrainSaysWhyItCannotComplete) {
  StartNodes(1);
  CreateBooks(1, 0);
  ASSERT_EQ(Http(0, "POST", "/_lifecycle/drain", "").status, 200);
  ASSERT_TRUE(WaitDrain(0, "stalled")) << Http(0, "GET", "/_lifecycle/drain").body;
  auto p = HttpJson(0, "GET", "/_lifecycle/drain");
  ASSERT_TRUE(p["reasons"].IsArray() && p["reasons"].Size() == 1) << Http(0, "GET", "/_lifecycle/drain").body;
  EXPECT_EQ(std::string(p["reasons"][0]["reason"].GetString()), "no_in_sync_replica");
  EXPECT_EQ(std::string(p["reasons"][0]["index"].GetString()), "books");
  ASSERT_EQ(Http(0, "POST", "/_lifecycle/drain", R"({"type": "remove"})").status, 200);
  ASSERT_TRUE(WaitUntil([&] {
    auto q = HttpJson(0, "GET", "/_lifecycle/drain");
    return q.IsObject() && q["reasons"].IsArray() && q["reasons"].Size() >= 1 &&
           std::string(q["reasons"][0]["reason"].GetString()) == "no_node_for_copy";
  }, 20s)) << Http(0, "GET", "/_lifecycle/drain").body;
  EXPECT_EQ(DrainState(0), "stalled") << "never a false complete";
  ASSERT_EQ(Http(0, "DELETE", "/_lifecycle/drain").status, 200);
  EXPECT_EQ(Http(0, "GET", "/_lifecycle/ready").status, 200);
}

TEST_F(DrainTest, DrainChangesNeedTheAdminTokenWhenOneIsSet) {
  const std::string token_file = dir_.Sub("admin.token");
  std::ofstream(token_file) << "s3cret-token\n";
  StartNode(0, {"--admin-token-file", token_file});
  auto call = [&](const std::string& method, const std::string& headers) {
    HttpConnection c(node(0).http_port());
    return c.Request(method, "/_lifecycle/drain", method == "POST" ? R"({"type": "restart"})" : "", headers);
  };
  for (const std::string& method : {"POST", "DELETE"}) {
    auto none = call(method, "");
    EXPECT_EQ(none.status, 401) << method << " " << none.body;
    EXPECT_EQ(none.Header("www-authenticate"), "Bearer realm=\"holdfast\"");
    EXPECT_EQ(call(method, "Authorization: Bearer wrong\r\n").status, 401) << method;
    EXPECT_EQ(DrainState(0), "none") << "nothing changed";
  }
  EXPECT_EQ(Http(0, "GET", "/_lifecycle/drain").status, 200) << "reads stay open";
  EXPECT_EQ(Http(0, "GET", "/_lifecycle/ready").status, 200);
  EXPECT_EQ(call("POST", "Authorization: Bearer s3cret-token\r\n").status, 200);
  EXPECT_NE(DrainState(0), "none");
  EXPECT_EQ(call("DELETE", "Authorization: Bearer s3cret-token\r\n").status, 200);
  EXPECT_EQ(DrainState(0), "none");
  // Reconcile changes an epoch and may take a slot: the token too.
  const std::string reconcile = R"({"orchestrator": {"id": "m", "epoch": 1}, "tasks": []})";
  HttpConnection anonymous(node(0).http_port());
  EXPECT_EQ(anonymous.Request("POST", "/_lifecycle/reconcile", reconcile).status, 401);
  HttpConnection with_token(node(0).http_port());
  EXPECT_EQ(with_token.Request("POST", "/_lifecycle/reconcile", reconcile, "Authorization: Bearer s3cret-token\r\n").status,
            200);
  // And holdfastctl's drain over the admin gRPC service.
  CtlRun denied = Ctl(0, "drain n1");
  EXPECT_EQ(denied.exit_code, 1);
  EXPECT_NE(denied.err.find("UNAUTHENTICATED"), std::string::npos) << denied.err;
  EXPECT_EQ(DrainState(0), "none");
  CtlRun allowed = Ctl(0, "--token-file " + token_file + " drain n1 --cancel");
  EXPECT_EQ(allowed.exit_code, 0) << allowed.err;
}

TEST_F(DrainTest, HoldfastctlDrainsANodeByNameWaitsAndCancels) {
  StartNodes(3);
  CreateBooks();
  // Asked through n1, the drain is n2's own.
  CtlRun drained = Ctl(0, "drain n2 --type restart --wait --wait-timeout 60s");
  ASSERT_EQ(drained.exit_code, 0) << drained.out << drained.err;
  EXPECT_NE(drained.out.find("complete"), std::string::npos) << drained.out;
  EXPECT_EQ(DrainState(1), "complete");
  EXPECT_EQ(DrainState(0), "none");
  EXPECT_EQ(CopiesOn(0, "n2").count("p"), 0u);
  CtlRun json = Ctl(2, "--json drain n2");
  EXPECT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(std::string(ParseJson(json.out)["state"].GetString()), "complete") << json.out;
  // pre-stop on the drained node: safe at once.
  CtlRun pre_stop = Ctl(1, "lifecycle pre-stop --wait-timeout 30s");
  EXPECT_EQ(pre_stop.exit_code, 0) << pre_stop.err;
  CtlRun cancelled = Ctl(0, "drain n2 --cancel");
  EXPECT_EQ(cancelled.exit_code, 0) << cancelled.err;
  EXPECT_EQ(DrainState(1), "none");
  EXPECT_EQ(Http(1, "GET", "/_lifecycle/ready").status, 200);
  CtlRun unknown = Ctl(0, "drain n9");
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("no member named [n9]"), std::string::npos) << unknown.err;
  // A primary with nowhere to go: pre-stop gives up at its deadline, saying why.
  ASSERT_EQ(Http(0, "PUT", "/solo", R"({"settings": {"number_of_shards": 1, "number_of_replicas": 0}})").status, 200);
  ASSERT_TRUE(WaitHealth(0, "green"));
  const std::string holder = HttpJson(0, "GET", "/_cat/shards/solo?format=json&h=node")[0]["node"].GetString();
  CtlRun stuck = Ctl(static_cast<size_t>(holder[1] - '1'), "lifecycle pre-stop --wait-timeout 2s");
  EXPECT_EQ(stuck.exit_code, 1);
  EXPECT_NE(stuck.err.find("sole_in_sync_copy"), std::string::npos) << stuck.err;
}

TEST_F(DrainTest, SigtermHandsThePrimariesOverBeforeTheNodeStops) {
  StartNodes(3);
  CreateBooks();
  ASSERT_TRUE(CopiesOn(1, "n1").count("p") >= 1);
  Writer writer(node(1).http_port(), "books");
  ASSERT_TRUE(WaitUntil([&] { return writer.acknowledged() >= 50; }, 30s));
  StopWithSigterm(0);
  EXPECT_TRUE(node(0).process().WaitForLog("handed to the copy on", 1s)) << Tail(node(0).Log());
  const uint64_t acked_at_stop = writer.acknowledged();
  ASSERT_TRUE(WaitUntil([&] { return writer.acknowledged() >= acked_at_stop + 50; }, 30s)) << "writes go on";
  writer.Stop();
  EXPECT_EQ(writer.failed(), 0u) << writer.first_failure();
  StartNode(0);
  ASSERT_TRUE(WaitHealth(1, "green", 60s)) << Http(1, "GET", "/_cat/shards?v").body;
  EXPECT_TRUE(WaitUntil([&] { return DrainRecords(1) == 0; }, 30s)) << Http(1, "GET", "/_cluster/state/metadata").body;
  EXPECT_EQ(Count(1), writer.acknowledged());
}

}  // namespace
}  // namespace holdfast::testing
