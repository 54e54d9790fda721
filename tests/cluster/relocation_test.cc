// Moving shard copies between real nodes (peer recovery of files and ops,
// then the handoff of writes): an excluded node is drained, a move by
// _cluster/reroute lands, while searches keep answering and every
// acknowledged write survives the move.
#include <signal.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>

#include "tests/cluster/cluster_fixture.h"

namespace holdfast::testing {
namespace {

std::string Docs(int from, int to) {
  std::string body;
  for (int i = from; i < to; ++i) {
    body += R"({"index": {"_id": ")" + std::to_string(i) + "\"}}\n";
    body += R"({"title": "doc number )" + std::to_string(i) + R"( about rivers", "n": )" + std::to_string(i) + "}\n";
  }
  return body;
}

std::map<std::string, int> CopiesOn(ClusterFixture* f, size_t via) {
  std::map<std::string, int> out;
  auto d = f->HttpJson(via, "GET", "/_cat/shards/books?format=json");
  if (!d.IsArray()) return out;
  for (const auto& row : d.GetArray()) ++out[row["node"].IsString() ? row["node"].GetString() : ""];
  return out;
}

// The name of the node holding a started shard 0 of books, as node `via`
// sees it ("" while it is moving or not started).
std::string StartedNodeOfShard0(ClusterFixture* f, size_t via) {
  auto s = f->HttpJson(via, "GET", "/_cluster/state/routing_table,nodes");
  const auto& copy = s["routing_table"]["indices"]["books"]["shards"]["0"][0];
  if (!copy["node"].IsString() || std::string(copy["state"].GetString()) != "STARTED") return "";
  return s["nodes"][copy["node"].GetString()]["name"].GetString();
}

// Writes one document at a time through node `via` until stopped, keeping
// the ids that were acknowledged (2xx) and counting failures.
class Writer {
 public:
  Writer(ClusterFixture* f, size_t via) : f_(f), via_(via) {
    thread_ = std::thread([this] {
      for (int i = 100000; i < 100000 + 5000 && !stop_; ++i) {
        auto r = HttpCall(f_->node(via_).http_port(), "PUT", "/books/_doc/" + std::to_string(i),
                          R"({"title": "written during the move", "n": )" + std::to_string(i) + "}");
        std::lock_guard<std::mutex> lock(mu_);
        if (r.status / 100 == 2) {
          acked_.push_back(std::to_string(i));
        } else {
          ++failed_;
          last_error_ = std::to_string(r.status) + " " + r.body.substr(0, 300);
        }
      }
    });
  }
  ~Writer() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::vector<std::string> acked() {
    std::lock_guard<std::mutex> lock(mu_);
    return acked_;
  }
  int failed() {
    std::lock_guard<std::mutex> lock(mu_);
    return failed_;
  }
  std::string last_error() {
    std::lock_guard<std::mutex> lock(mu_);
    return last_error_;
  }

 private:
  ClusterFixture* f_;
  size_t via_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<std::string> acked_;
  int failed_ = 0;
  std::string last_error_;
  std::thread thread_;
};

// Searches through node `via` until stopped; counts answers that were not
// 200 with every shard answering and at least `min_total` hits.
class Searcher {
 public:
  Searcher(ClusterFixture* f, size_t via, uint64_t min_total) {
    thread_ = std::thread([this, f, via, min_total] {
      while (!stop_) {
        auto r = HttpCall(f->node(via).http_port(), "POST", "/books/_search",
                          R"({"query": {"match": {"title": "rivers"}}, "size": 3})");
        auto d = ParseJson(r.body);
        ++searches_;
        const bool good = r.status == 200 && d.IsObject() && d["_shards"]["failed"].GetUint() == 0 &&
                          d["hits"]["total"]["value"].GetUint64() >= min_total;
        if (!good) {
          ++bad_;
          std::lock_guard<std::mutex> lock(mu_);
          last_bad_ = std::to_string(r.status) + " " + r.body.substr(0, 400);
        }
      }
    });
  }
  ~Searcher() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  int searches() const { return searches_; }
  int bad() const { return bad_; }
  std::string last_bad() {
    std::lock_guard<std::mutex> lock(mu_);
    return last_bad_;
  }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<int> searches_{0};
  std::atomic<int> bad_{0};
  std::mutex mu_;
  std::string last_bad_;
  std::thread thread_;
};

class RelocationTest : public ClusterFixture {
 protected:
  void CreateBooks() {
    ASSERT_EQ(Http(0, "PUT", "/books", R"({"settings": {"number_of_shards": 6, "number_of_replicas": 0}})").status, 200);
    ASSERT_TRUE(WaitHealth(0, "green"));
    auto r = Http(0, "POST", "/books/_bulk?refresh=true", Docs(0, 2000));
    ASSERT_EQ(r.status, 200);
    ASSERT_FALSE(ParseJson(r.body)["errors"].GetBool());
  }
  void ExpectAllPresent(const std::vector<std::string>& ids, size_t via) {
    ASSERT_EQ(Http(via, "POST", "/books/_refresh").status, 200);
    auto count = HttpJson(via, "GET", "/books/_count");
    EXPECT_EQ(count["count"].GetUint64(), 2000u + ids.size());
    int missing = 0;
    for (const std::string& id : ids) missing += Http(via, "GET", "/books/_doc/" + id).status != 200;
    EXPECT_EQ(missing, 0) << "acknowledged writes lost in the move";
  }
};

TEST_F(RelocationTest, ExcludingANodeMovesItsCopiesOffWhileSearchesAndWritesGoOn) {
  StartNodes(3);
  CreateBooks();
  ASSERT_EQ(CopiesOn(this, 0)["n3"], 2);
  Searcher searcher(this, 0, 2000);
  Writer writer(this, 1);
  auto put = Http(2, "PUT", "/_cluster/settings",
                  R"({"persistent": {"cluster.routing.allocation.exclude._name": "n3"}})");
  ASSERT_EQ(put.status, 200) << put.body;
  ASSERT_TRUE(WaitUntil([&] { return CopiesOn(this, 0).count("n3") == 0; }, 60s)) << Http(0, "GET", "/_cat/shards?v").body;
  ASSERT_EQ(HttpJson(0, "GET", "/_cluster/health?wait_for_no_relocating_shards=true&wait_for_status=green&timeout=30s")["status"],
            "green");
  writer.Stop();
  searcher.Stop();
  EXPECT_EQ(CopiesOn(this, 0), (std::map<std::string, int>{{"n1", 3}, {"n2", 3}}));
  EXPECT_GT(searcher.searches(), 10);
  EXPECT_EQ(searcher.bad(), 0) << searcher.last_bad();
  EXPECT_EQ(writer.failed(), 0) << writer.last_error();
  ASSERT_GT(writer.acked().size(), 10u);
  ExpectAllPresent(writer.acked(), 2);
  // The copies that left n3 left its disk too.
  const std::string uuid = HttpJson(0, "GET", "/books/_settings")["books"]["settings"]["index"]["uuid"].GetString();
  EXPECT_TRUE(WaitUntil([&] {
    std::error_code ec;
    auto it = std::filesystem::directory_iterator(dir_.Sub("n3") + "/indices/" + uuid, ec);
    return ec || it == std::filesystem::directory_iterator();
  }, 20s)) << "n3 still holds shard files of books";
  // The moves are visible from any node: a peer recovery per copy, done,
  // from n3 to the node that holds the copy now, every file and byte copied.
  const std::string listed = Http(0, "GET", "/_cat/recovery?format=json&h=shard,stage,source_node,target_node,"
                                            "files_percent,bytes_percent").body;
  auto rows = ParseJson(listed);
  ASSERT_TRUE(rows.IsArray()) << listed;
  std::set<std::string> targets;
  for (const auto& row : rows.GetArray()) {
    EXPECT_STREQ(row["stage"].GetString(), "done") << listed;
    EXPECT_STREQ(row["source_node"].GetString(), "n3") << listed;
    EXPECT_STREQ(row["files_percent"].GetString(), "100.0%") << listed;
    EXPECT_STREQ(row["bytes_percent"].GetString(), "100.0%") << listed;
    targets.insert(row["target_node"].GetString());
  }
  EXPECT_EQ(rows.Size(), 2u) << listed;
  EXPECT_EQ(targets, (std::set<std::string>{"n1", "n2"})) << listed;
  EXPECT_EQ(Http(1, "GET", "/_cat/recovery?format=json&h=shard,stage,source_node,target_node,files_percent,"
                           "bytes_percent").body, listed);
}

TEST_F(RelocationTest, RebalanceExecuteEvensCopiesOutWhileSearchesAndWritesGoOn) {
  StartNodes(3);
  CreateBooks();
  // n3 emptied by an exclusion, then allowed again: nothing moves back by
  // itself (3/3/0) until an operator rebalances.
  ASSERT_EQ(Http(0, "PUT", "/_cluster/settings",
                 R"({"persistent": {"cluster.routing.allocation.exclude._name": "n3"}})").status, 200);
  ASSERT_TRUE(WaitUntil([&] { return CopiesOn(this, 0).count("n3") == 0; }, 60s)) << Http(0, "GET", "/_cat/shards?v").body;
  ASSERT_EQ(HttpJson(0, "GET", "/_cluster/health?wait_for_no_relocating_shards=true&wait_for_status=green&timeout=30s")["status"],
            "green");
  CtlRun include = Ctl(0, "include n3");
  ASSERT_EQ(include.exit_code, 0) << include.err;
  CtlRun plan_run = Ctl(1, "--json rebalance --plan");
  ASSERT_EQ(plan_run.exit_code, 0) << plan_run.err;
  const std::string& plan = plan_run.out;
  auto moves = ParseJson(plan);
  ASSERT_TRUE(moves.IsObject() && moves["moves"].IsArray()) << plan;
  ASSERT_EQ(moves["moves"].Size(), 2u) << plan;
  for (const auto& m : moves["moves"].GetArray()) EXPECT_STREQ(m["to_node_name"].GetString(), "n3") << plan;
  EXPECT_EQ(CopiesOn(this, 0), (std::map<std::string, int>{{"n1", 3}, {"n2", 3}}));

  Searcher searcher(this, 2, 2000);
  Writer writer(this, 0);
  CtlRun execute = Ctl(1, "rebalance --execute");
  ASSERT_EQ(execute.exit_code, 0) << execute.out << execute.err;
  ASSERT_TRUE(WaitUntil([&] { return CopiesOn(this, 0) == std::map<std::string, int>{{"n1", 2}, {"n2", 2}, {"n3", 2}}; },
                        60s))
      << Http(0, "GET", "/_cat/shards?v").body;
  ASSERT_EQ(HttpJson(0, "GET", "/_cluster/health?wait_for_no_relocating_shards=true&wait_for_status=green&timeout=30s")["status"],
            "green");
  writer.Stop();
  searcher.Stop();
  EXPECT_GT(searcher.searches(), 10);
  EXPECT_EQ(searcher.bad(), 0) << searcher.last_bad();
  EXPECT_EQ(writer.failed(), 0) << writer.last_error();
  ASSERT_GT(writer.acked().size(), 10u);
  ExpectAllPresent(writer.acked(), 2);
  CtlRun again = Ctl(2, "rebalance --plan");
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out, "the cluster is balanced: no moves\n");
}

TEST_F(RelocationTest, AMoveByRerouteLandsAndTheDataComesAlong) {
  StartNodes(2);
  CreateBooks();
  auto state = HttpJson(0, "GET", "/_cluster/state/routing_table,nodes");
  const auto& shard0 = state["routing_table"]["indices"]["books"]["shards"]["0"][0];
  const std::string from_id = shard0["node"].GetString();
  const std::string from = state["nodes"][from_id.c_str()]["name"].GetString();
  const std::string to = from == "n1" ? "n2" : "n1";
  // Flushed: the source's op log is trimmed, its segments hold the documents.
  ASSERT_EQ(Http(0, "POST", "/books/_flush?wait_for_merges=true").status, 200);
  Writer writer(this, 0);
  auto r = Http(1, "POST", "/_cluster/reroute",
                R"({"commands": [{"move": {"index": "books", "shard": 0, "from_node": ")" + from +
                    R"(", "to_node": ")" + to + R"("}}]})");
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_TRUE(WaitUntil([&] { return StartedNodeOfShard0(this, 0) == to; }, 60s)) << Http(0, "GET", "/_cat/shards?v").body;
  writer.Stop();
  EXPECT_EQ(writer.failed(), 0) << writer.last_error();
  ExpectAllPresent(writer.acked(), 1);
  // A move onto a node that already holds a copy is refused with the reason.
  auto again = Http(0, "POST", "/_cluster/reroute",
                    R"({"commands": [{"move": {"index": "books", "shard": 0, "from_node": ")" + to +
                        R"(", "to_node": ")" + to + R"("}}]})");
  EXPECT_EQ(again.status, 400) << again.body;
}

// A move whose source was restarted after a flush: its op log holds
// nothing below the files' checkpoint, and the target still gets every
// document (from the files) and every write since (from the op log).
TEST_F(RelocationTest, AMoveFromASourceRestartedAfterAFlushLosesNothing) {
  StartNodes(2);
  CreateBooks();
  ASSERT_EQ(Http(0, "POST", "/books/_flush").status, 200);
  auto holder = [&] { return StartedNodeOfShard0(this, 0); };
  const std::string from = holder();
  ASSERT_FALSE(from.empty());
  const size_t source = from == "n1" ? 0 : 1, other = 1 - source;
  const std::string to = other == 0 ? "n1" : "n2";
  node(source).process().Signal(SIGTERM);
  ASSERT_EQ(node(source).process().WaitExit(30s), std::optional<int>(0)) << node(source).Log();
  StartNode(source);
  ASSERT_TRUE(WaitHealth(other, "green")) << Http(other, "GET", "/_cat/shards?v").body;
  ASSERT_EQ(holder(), from) << "the restarted node did not get its copy back";
  Writer writer(this, other);
  ASSERT_TRUE(WaitUntil([&] { return writer.acked().size() >= 20; }, 20s));
  auto r = Http(other, "POST", "/_cluster/reroute",
                R"({"commands": [{"move": {"index": "books", "shard": 0, "from_node": ")" + from +
                    R"(", "to_node": ")" + to + R"("}}]})");
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_TRUE(WaitUntil([&] { return holder() == to; }, 60s)) << Http(other, "GET", "/_cat/shards?v").body;
  writer.Stop();
  EXPECT_EQ(writer.failed(), 0) << writer.last_error();
  ExpectAllPresent(writer.acked(), other);
}

// A shard moved away and straight back (within the moved-away copy's
// retiring reads) lands again on the directory the old copy left, and that
// copy's removal does not reach the new one's files.
TEST_F(RelocationTest, AShardMovedAwayAndStraightBackLandsAndKeepsItsFiles) {
  StartNodes(2);
  CreateBooks();
  auto name_of_shard0 = [&] { return StartedNodeOfShard0(this, 0); };
  const std::string a = name_of_shard0();
  ASSERT_FALSE(a.empty());
  const std::string b = a == "n1" ? "n2" : "n1";
  auto move = [&](const std::string& from, const std::string& to) {
    auto r = Http(1, "POST", "/_cluster/reroute",
                  R"({"commands": [{"move": {"index": "books", "shard": 0, "from_node": ")" + from +
                      R"(", "to_node": ")" + to + R"("}}]})");
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_TRUE(WaitUntil([&] { return name_of_shard0() == to; }, 30s))
        << "shard 0 did not land on " << to << "\n" << Http(0, "GET", "/_cat/shards?v").body;
  };
  Writer writer(this, 0);
  ASSERT_NO_FATAL_FAILURE(move(a, b));
  ASSERT_NO_FATAL_FAILURE(move(b, a));  // well within the 5 s the copy on `a` was retiring
  writer.Stop();
  EXPECT_EQ(writer.failed(), 0) << writer.last_error();
  // Both old copies are gone from the disks, the new one's files stay.
  const std::string uuid = HttpJson(0, "GET", "/books/_settings")["books"]["settings"]["index"]["uuid"].GetString();
  const std::string shard_dir = dir_.Sub(a) + "/indices/" + uuid + "/0";
  auto leftovers = [&] {
    int n = 0;
    std::error_code ec;
    for (const std::string& node : {a, b}) {
      for (const auto& e : std::filesystem::directory_iterator(dir_.Sub(node) + "/indices/" + uuid, ec)) {
        n += e.path().filename().string().find(".retired.") != std::string::npos;
      }
    }
    return n;
  };
  const std::string old_dir = dir_.Sub(b) + "/indices/" + uuid + "/0";
  EXPECT_TRUE(WaitUntil([&] { return !std::filesystem::exists(old_dir) && leftovers() == 0; }, 20s))
      << "moved-away copies were not removed";
  EXPECT_TRUE(std::filesystem::exists(shard_dir + "/STATE") || !std::filesystem::is_empty(shard_dir))
      << shard_dir << " lost its files";
  ASSERT_EQ(Http(0, "POST", "/books/_flush").status, 200);
  ExpectAllPresent(writer.acked(), 1);
  EXPECT_FALSE(std::filesystem::is_empty(shard_dir));
}

}  // namespace
}  // namespace holdfast::testing
