// Write replication across real nodes on a real etcd (docs/replication.md):
// every in-sync copy holds every acknowledged write; `_shards` of a write
// says which copies took it; a killed node's replicas leave the in-sync set
// and its primaries are taken over by in-sync replicas (term + 1) without
// losing an acknowledged write; every copy ends with the same history.
#include <csignal>
#include <map>
#include <set>
#include <string>

#include "tests/cluster/cluster_fixture.h"

namespace holdfast::testing {
namespace {

constexpr const char* kIndex = R"({"settings": {"number_of_shards": 3, "number_of_replicas": 1,
    "index.unassigned.node_left.delayed_timeout": "60s"}})";

struct DocStamp {
  int64_t seq_no = -1;
  int64_t primary_term = -1;
  friend bool operator==(const DocStamp&, const DocStamp&) = default;
};
using CopyDocs = std::map<std::string, DocStamp>;  // id -> stamp

struct CopyPlace {
  int shard;
  std::string prirep;
  std::string node;
};

class ReplicationTest : public ClusterFixture {
 protected:
  // Creates ids `<prefix><n>` (op_type=create) in `index` through the nodes
  // `via` in turn until `until` (bounded in count too); each is sent, and
  // acknowledged on a 201.
  struct Writer {
    std::set<std::string> sent, acked;
    int next = 0;
  };
  void WriteUntil(Writer* w, const std::string& index, const std::string& prefix,
                  std::chrono::steady_clock::time_point until, const std::vector<size_t>& via) {
    while (std::chrono::steady_clock::now() < until && w->next < 100000) {
      const std::string id = prefix + std::to_string(w->next);
      const size_t n = via[static_cast<size_t>(w->next) % via.size()];
      ++w->next;
      w->sent.insert(id);
      if (Http(n, "PUT", "/" + index + "/_create/" + id, R"({"v": 1})").status == 201) w->acked.insert(id);
    }
  }
  std::vector<CopyPlace> Copies(size_t via, const std::string& index) {
    std::vector<CopyPlace> out;
    auto d = HttpJson(via, "GET", "/_cat/shards/" + index + "?format=json&h=shard,prirep,node,state");
    if (!d.IsArray()) return out;
    for (const auto& row : d.GetArray()) {
      if (std::string(row["state"].GetString()) != "STARTED") continue;
      out.push_back({std::stoi(row["shard"].GetString()), row["prirep"].GetString(), row["node"].GetString()});
    }
    return out;
  }
  // Every document of one copy: the shard's copy on node `node`.
  bool ReadCopy(size_t via, const std::string& index, int shard, const std::string& node, CopyDocs* out) {
    auto r = Http(via, "GET",
                  "/" + index + "/_search?preference=_shards:" + std::to_string(shard) + "%7C_only_nodes:" + node +
                      "&size=10000&seq_no_primary_term=true&_source=false");
    if (r.status != 200) return false;
    auto d = ParseJson(r.body);
    if (!d.IsObject() || d["_shards"]["failed"].GetUint() != 0) return false;
    for (const auto& hit : d["hits"]["hits"].GetArray()) {
      (*out)[hit["_id"].GetString()] = DocStamp{hit["_seq_no"].GetInt64(), hit["_primary_term"].GetInt64()};
    }
    return true;
  }
  // Reads every started copy; each shard's copies must be equal. Returns the
  // union of the ids (empty on a failed read, with a test failure).
  std::set<std::string> CompareCopies(size_t via, const std::string& index, size_t* copies_compared) {
    std::map<int, std::vector<std::pair<std::string, CopyDocs>>> by_shard;
    for (const CopyPlace& c : Copies(via, index)) {
      CopyDocs docs;
      EXPECT_TRUE(ReadCopy(via, index, c.shard, c.node, &docs)) << "shard " << c.shard << " on " << c.node;
      by_shard[c.shard].emplace_back(c.node, std::move(docs));
    }
    std::set<std::string> ids;
    *copies_compared = 0;
    for (const auto& [shard, copies] : by_shard) {
      for (const auto& [node, docs] : copies) {
        ++*copies_compared;
        EXPECT_EQ(docs, copies.front().second)
            << "shard " << shard << ": the copy on " << node << " differs from the one on " << copies.front().first;
        for (const auto& [id, stamp] : docs) ids.insert(id);
      }
    }
    return ids;
  }
};

TEST_F(ReplicationTest, EveryWriteReachesEveryInSyncCopyAndShardsSaysSo) {
  StartNodes(3);
  ASSERT_EQ(Http(0, "PUT", "/r", kIndex).status, 200);
  ASSERT_TRUE(WaitHealth(0, "green")) << Http(0, "GET", "/_cat/shards?v").body;
  for (int i = 0; i < 30; ++i) {
    auto r = Http(static_cast<size_t>(i % 3), "PUT", "/r/_doc/d" + std::to_string(i), R"({"n": )" + std::to_string(i) + "}");
    ASSERT_EQ(r.status, 201) << r.body;
    auto d = ParseJson(r.body);
    EXPECT_EQ(d["_shards"]["total"].GetUint(), 2u) << r.body;
    EXPECT_EQ(d["_shards"]["successful"].GetUint(), 2u) << r.body;
    EXPECT_EQ(d["_shards"]["failed"].GetUint(), 0u) << r.body;
  }
  std::string bulk;
  for (int i = 30; i < 300; ++i) {
    bulk += R"({"index": {"_id": "d)" + std::to_string(i) + R"("}})" "\n" R"({"n": )" + std::to_string(i) + "}\n";
  }
  auto b = Http(1, "POST", "/r/_bulk", bulk);
  ASSERT_EQ(b.status, 200) << b.body;
  EXPECT_EQ(ParseJson(b.body)["errors"].GetBool(), false);
  auto u = Http(2, "POST", "/r/_update/d7", R"({"doc": {"m": 1}})");
  ASSERT_EQ(u.status, 200) << u.body;
  EXPECT_EQ(ParseJson(u.body)["_shards"]["successful"].GetUint(), 2u) << u.body;
  auto del = Http(0, "DELETE", "/r/_doc/d8");
  ASSERT_EQ(del.status, 200) << del.body;
  ASSERT_EQ(Http(0, "POST", "/r/_refresh").status, 200);
  size_t compared = 0;
  const auto ids = CompareCopies(0, "r", &compared);
  EXPECT_EQ(compared, 6u);
  EXPECT_EQ(ids.size(), 299u);
  EXPECT_FALSE(ids.count("d8"));
  // Both copies of every shard have processed the same ops; the primary's
  // global checkpoint covers all of them (every in-sync copy answered).
  auto rows = HttpJson(0, "GET", "/_cat/shards/r?format=json&h=shard,prirep,local_checkpoint,global_checkpoint,max_seq_no");
  ASSERT_TRUE(rows.IsArray());
  std::map<std::string, std::set<std::string>> max_seq_nos;
  for (const auto& row : rows.GetArray()) {
    const std::string max_seq_no = row["max_seq_no"].GetString();
    EXPECT_EQ(std::string(row["local_checkpoint"].GetString()), max_seq_no);
    if (std::string(row["prirep"].GetString()) == "p") EXPECT_EQ(std::string(row["global_checkpoint"].GetString()), max_seq_no);
    max_seq_nos[row["shard"].GetString()].insert(max_seq_no);
  }
  EXPECT_EQ(max_seq_nos.size(), 3u);
  for (const auto& [shard, values] : max_seq_nos) EXPECT_EQ(values.size(), 1u) << "shard " << shard;
  // The update reached the replica too (same _seq_no on both copies is
  // checked above); its source as well.
  auto got = HttpJson(1, "GET", "/r/_doc/d7");
  EXPECT_EQ(got["_source"]["m"].GetInt(), 1);
}

// SIGKILL of a node holding primaries and replicas while a writer keeps
// writing: its replicas leave the in-sync set, its primaries are taken
// over by the in-sync replicas (term + 1); after it is back and recovered,
// every acknowledged write is on every copy and the copies are equal.
TEST_F(ReplicationTest, AKilledNodeLosesNoAcknowledgedWriteAndItsCopiesConvergeWhenItReturns) {
  StartNodes(3);
  ASSERT_EQ(Http(0, "PUT", "/r", kIndex).status, 200);
  ASSERT_TRUE(WaitHealth(0, "green")) << Http(0, "GET", "/_cat/shards?v").body;
  Writer writer;
  const std::set<std::string>& acked = writer.acked;
  const std::set<std::string>& sent = writer.sent;
  auto write_until = [&](std::chrono::steady_clock::time_point until, const std::vector<size_t>& via) {
    WriteUntil(&writer, "r", "w", until, via);
  };
  write_until(std::chrono::steady_clock::now() + 2s, {0, 1, 2});
  const int64_t term_before = [&] {
    auto d = HttpJson(0, "GET", "/_cluster/state/metadata/r");
    return d["metadata"]["indices"]["r"]["primary_terms"]["0"].GetInt64();
  }();
  node(2).process().Signal(SIGKILL);
  // Through the lease's expiry and the promotions: writes go on through n1, n2.
  write_until(std::chrono::steady_clock::now() + std::chrono::seconds(kLeaseTtlSeconds + 4), {0, 1});
  ASSERT_TRUE(WaitUntil([&] { return Health(0) == "yellow"; }, 30s)) << Http(0, "GET", "/_cat/shards?v").body;
  // Every shard has a started primary again, so writes are acknowledged.
  const size_t acked_before = acked.size();
  write_until(std::chrono::steady_clock::now() + 2s, {0, 1});
  EXPECT_GT(acked.size(), acked_before) << "no write was acknowledged after the promotions";
  StartNode(2);
  write_until(std::chrono::steady_clock::now() + 2s, {0, 1, 2});
  ASSERT_TRUE(WaitHealth(0, "green", 60s)) << Http(0, "GET", "/_cat/shards?v&h=index,shard,prirep,state,node,unassigned.reason").body;
  write_until(std::chrono::steady_clock::now() + 1s, {0, 1, 2});
  ASSERT_EQ(Http(0, "POST", "/r/_refresh").status, 200);
  size_t compared = 0;
  const auto present = CompareCopies(0, "r", &compared);
  EXPECT_EQ(compared, 6u);
  size_t lost = 0, unknown_present = 0, never_sent = 0;
  for (const std::string& id : acked) lost += present.count(id) ? 0 : 1;
  for (const std::string& id : present) {
    if (!sent.count(id)) ++never_sent;
    if (sent.count(id) && !acked.count(id)) ++unknown_present;
  }
  std::cout << "sent " << sent.size() << ", acked " << acked.size() << ", unknown-but-present " << unknown_present
            << ", lost " << lost << ", copies compared " << compared << "\n";
  EXPECT_EQ(lost, 0u);
  EXPECT_EQ(never_sent, 0u);
  EXPECT_GT(acked.size(), 50u);
  // The killed node held a primary of some shard: its term moved on.
  auto d = HttpJson(0, "GET", "/_cluster/state/metadata/r");
  int64_t max_term = 0;
  for (int s = 0; s < 3; ++s) {
    max_term = std::max(max_term, d["metadata"]["indices"]["r"]["primary_terms"][std::to_string(s).c_str()].GetInt64());
  }
  EXPECT_GT(max_term, term_before) << Http(0, "GET", "/_cluster/state/metadata/r").body;
}

// The primary's node paused (SIGSTOP) past its lease: an in-sync replica
// takes over (term + 1) and writes go on; resumed, the old primary can
// acknowledge nothing of its old term (its replica refuses its ops and the
// master its request to drop them), and its copy is recovered from the new
// primary. Every acknowledged write is on both copies at the end.
TEST_F(ReplicationTest, APausedPrimaryIsReplacedAndCannotAcknowledgeWhenResumed) {
  StartNodes(3);
  ASSERT_EQ(Http(0, "PUT", "/p", R"({"settings": {"number_of_shards": 1, "number_of_replicas": 1}})").status, 200);
  ASSERT_TRUE(WaitHealth(0, "green")) << Http(0, "GET", "/_cat/shards?v").body;
  std::string primary;
  for (const CopyPlace& c : Copies(0, "p")) {
    if (c.prirep == "p") primary = c.node;
  }
  ASSERT_FALSE(primary.empty());
  const size_t paused = static_cast<size_t>(primary[1] - '1');
  std::vector<size_t> others;
  for (size_t i = 0; i < 3; ++i) {
    if (i != paused) others.push_back(i);
  }
  Writer writer;
  const std::set<std::string>& acked = writer.acked;
  const std::set<std::string>& sent = writer.sent;
  auto write_until = [&](std::chrono::steady_clock::time_point until, const std::vector<size_t>& via) {
    WriteUntil(&writer, "p", "s", until, via);
  };
  write_until(std::chrono::steady_clock::now() + 1s, {0, 1, 2});
  node(paused).process().Signal(SIGSTOP);
  write_until(std::chrono::steady_clock::now() + std::chrono::seconds(kLeaseTtlSeconds + 3), others);
  // The replica took over: writes through the other nodes are acknowledged.
  ASSERT_TRUE(WaitUntil([&] {
    auto d = HttpJson(others[0], "GET", "/_cluster/state/metadata/p");
    return d.IsObject() && d["metadata"]["indices"]["p"]["primary_terms"]["0"].GetInt64() == 2;
  }, 30s)) << Http(others[0], "GET", "/_cat/shards?v").body;
  const size_t acked_while_paused = acked.size();
  write_until(std::chrono::steady_clock::now() + 2s, others);
  EXPECT_GT(acked.size(), acked_while_paused);
  node(paused).process().Signal(SIGCONT);
  // The resumed node coordinates writes too, with whatever it believes.
  write_until(std::chrono::steady_clock::now() + 2s, {0, 1, 2});
  ASSERT_TRUE(WaitHealth(others[0], "green", 60s))
      << Http(others[0], "GET", "/_cat/shards?v&h=index,shard,prirep,state,node,unassigned.reason").body;
  write_until(std::chrono::steady_clock::now() + 1s, {0, 1, 2});
  ASSERT_EQ(Http(others[0], "POST", "/p/_refresh").status, 200);
  size_t compared = 0;
  const auto present = CompareCopies(others[0], "p", &compared);
  EXPECT_EQ(compared, 2u);
  size_t lost = 0;
  for (const std::string& id : acked) lost += present.count(id) ? 0 : 1;
  std::cout << "sent " << sent.size() << ", acked " << acked.size() << ", lost " << lost << ", copies compared "
            << compared << "\n";
  EXPECT_EQ(lost, 0u);
  for (const std::string& id : present) EXPECT_TRUE(sent.count(id)) << id;
}


// A read goes on to another copy when its copy's node does not answer: the
// primary's node killed, and before its lease runs out (and a replica is
// promoted) GET and _mget of every document answer, from the replica,
// through a node that holds neither copy; so do searches and counts — of an
// index of one shard (whose only asked copy fails: the whole search would)
// and of an index of six (some of whose shards would be left out).
TEST_F(ReplicationTest, ReadsAndSearchesGoOnToTheReplicaWhileAKilledPrimaryIsStillInTheState) {
  lease_ttl_seconds_ = 20;  // a wide window between the kill and the promotion
  StartNodes(3);
  ASSERT_EQ(Http(0, "PUT", "/g", R"({"settings": {"number_of_shards": 1, "number_of_replicas": 1}})").status, 200);
  ASSERT_EQ(Http(0, "PUT", "/h", R"({"settings": {"number_of_shards": 6, "number_of_replicas": 1}})").status, 200);
  ASSERT_TRUE(WaitHealth(0, "green")) << Http(0, "GET", "/_cat/shards?v").body;
  constexpr int kDocs = 20;
  for (int i = 0; i < kDocs; ++i) {
    ASSERT_EQ(Http(0, "PUT", "/g/_doc/d" + std::to_string(i), R"({"v": )" + std::to_string(i) + "}").status, 201);
  }
  constexpr int kSpread = 60;
  std::string bulk;
  for (int i = 0; i < kSpread; ++i) {
    bulk += R"({"index": {"_index": "h", "_id": "e)" + std::to_string(i) + "\"}}\n{\"v\": " + std::to_string(i) + "}\n";
  }
  ASSERT_EQ(Http(0, "POST", "/_bulk", bulk).status, 200);
  ASSERT_EQ(Http(0, "POST", "/g,h/_refresh").status, 200);
  std::string primary, replica;
  for (const CopyPlace& c : Copies(0, "g")) (c.prirep == "p" ? primary : replica) = c.node;
  ASSERT_FALSE(primary.empty());
  ASSERT_FALSE(replica.empty());
  const size_t killed = static_cast<size_t>(primary[1] - '1');
  size_t via = 0;
  while (via == killed || "n" + std::to_string(via + 1) == replica) ++via;
  bool spread_primary_there = false;
  for (const CopyPlace& c : Copies(0, "h")) spread_primary_there = spread_primary_there || (c.prirep == "p" && c.node == primary);
  ASSERT_TRUE(spread_primary_there) << "no primary of h on " << primary << ": " << Http(0, "GET", "/_cat/shards?v").body;

  node(killed).process().Signal(SIGKILL);
  ASSERT_TRUE(node(killed).process().WaitExit(10s).has_value());
  std::string mget = R"({"ids": [)";
  for (int i = 0; i < kDocs; ++i) {
    const std::string id = "d" + std::to_string(i);
    mget += (i ? ",\"" : "\"") + id + "\"";
    auto r = Http(via, "GET", "/g/_doc/" + id);
    ASSERT_EQ(r.status, 200) << r.body;
    auto d = ParseJson(r.body);
    EXPECT_EQ(d["_source"]["v"].GetInt(), i) << r.body;
  }
  mget += "]}";
  auto r = Http(via, "POST", "/g/_mget", mget);
  ASSERT_EQ(r.status, 200) << r.body;
  auto d = ParseJson(r.body);
  ASSERT_EQ(d["docs"].Size(), static_cast<rapidjson::SizeType>(kDocs)) << r.body;
  for (const auto& doc : d["docs"].GetArray()) EXPECT_TRUE(doc.HasMember("found") && doc["found"].GetBool()) << r.body;
  for (const auto& [index, docs] : {std::pair<std::string, int>{"g", kDocs}, {"h", kSpread}}) {
    auto s = Http(via, "GET", "/" + index + "/_search?size=100");
    EXPECT_EQ(s.status, 200) << index << ": " << s.body;
    if (s.status != 200) continue;
    auto found = ParseJson(s.body);
    EXPECT_EQ(found["_shards"]["failed"].GetInt(), 0) << index << ": " << s.body;
    EXPECT_EQ(found["hits"]["total"]["value"].GetInt(), docs) << index << ": " << s.body;
    EXPECT_EQ(found["hits"]["hits"].Size(), static_cast<rapidjson::SizeType>(docs)) << index;
    auto c = Http(via, "GET", "/" + index + "/_count");
    EXPECT_EQ(c.status, 200) << index << ": " << c.body;
    if (c.status != 200) continue;
    auto counted = ParseJson(c.body);
    EXPECT_EQ(counted["_shards"]["failed"].GetInt(), 0) << index << ": " << c.body;
    EXPECT_EQ(counted["count"].GetInt(), docs) << index << ": " << c.body;
  }
  // The state still has the killed node's copy as the primary — the copy a
  // read asks first — so every answer above came from the replica.
  bool still = false;
  for (const CopyPlace& c : Copies(via, "g")) still = still || (c.prirep == "p" && c.node == primary);
  EXPECT_TRUE(still) << "the primary moved before the reads were done: " << Http(via, "GET", "/_cat/shards?v").body;
}

// A document's _seq_no, _primary_term and _version are the same on every
// copy, and optimistic concurrency holds across a failover: the stamp read
// before the primary's node died still guards the document on the new
// primary — once; the write it allowed carries the new term, and the old
// stamp is refused from then on (409).
TEST_F(ReplicationTest, OptimisticConcurrencyHoldsAcrossAFailover) {
  StartNodes(3);
  ASSERT_EQ(Http(0, "PUT", "/occ", R"({"settings": {"number_of_shards": 1, "number_of_replicas": 1}})").status, 200);
  ASSERT_TRUE(WaitHealth(0, "green")) << Http(0, "GET", "/_cat/shards?v").body;
  std::string primary, replica;
  for (const CopyPlace& c : Copies(0, "occ")) (c.prirep == "p" ? primary : replica) = c.node;
  ASSERT_FALSE(primary.empty() || replica.empty());
  const size_t dead = static_cast<size_t>(primary[1] - '1');
  const size_t via = (dead + 1) % 3;
  ASSERT_EQ(Http(via, "PUT", "/occ/_doc/x", R"({"v": 1})").status, 201);
  auto put = ParseJson(Http(via, "PUT", "/occ/_doc/x", R"({"v": 2})").body);
  const int64_t seq_no = put["_seq_no"].GetInt64(), term = put["_primary_term"].GetInt64();
  EXPECT_EQ(put["_version"].GetInt64(), 2);
  ASSERT_EQ(Http(via, "POST", "/occ/_refresh").status, 200);
  for (const std::string& node : {primary, replica}) {
    auto hit = HttpJson(via, "GET", "/occ/_search?preference=_only_nodes:" + node +
                                        "&seq_no_primary_term=true&version=true")["hits"]["hits"][0].GetObject();
    EXPECT_EQ(hit["_seq_no"].GetInt64(), seq_no) << node;
    EXPECT_EQ(hit["_primary_term"].GetInt64(), term) << node;
    EXPECT_EQ(hit["_version"].GetInt64(), 2) << node;
  }

  node(dead).process().Signal(SIGKILL);
  const std::string guarded = "/occ/_doc/x?if_seq_no=" + std::to_string(seq_no) + "&if_primary_term=" +
                              std::to_string(term);
  // Until the replica is promoted the write is not acknowledged (503 or a
  // conflict never seen: the stamp still holds); then exactly once.
  HttpReply allowed;
  ASSERT_TRUE(WaitUntil([&] {
    allowed = Http(via, "PUT", guarded, R"({"v": 3})");
    return allowed.status != 503;
  }, 30s)) << allowed.body;
  ASSERT_EQ(allowed.status, 200) << allowed.body;
  auto after = ParseJson(allowed.body);
  EXPECT_EQ(after["_primary_term"].GetInt64(), term + 1) << allowed.body;
  EXPECT_GT(after["_seq_no"].GetInt64(), seq_no) << allowed.body;
  EXPECT_EQ(after["_version"].GetInt64(), 3) << allowed.body;
  auto stale = Http(via, "PUT", guarded, R"({"v": 4})");
  EXPECT_EQ(stale.status, 409) << stale.body;
  EXPECT_NE(stale.body.find("version_conflict_engine_exception"), std::string::npos) << stale.body;
  auto doc = HttpJson(via, "GET", "/occ/_doc/x");
  EXPECT_EQ(doc["_source"]["v"].GetInt(), 3);
}

// wait_for_active_shards (as Elasticsearch): a write that asks for every
// copy waits for them up to its timeout, then is refused with 503
// unavailable_shards_exception and nothing is written; with the default (the
// primary) it goes on; once the missing copy is back, the waiting write
// proceeds and reaches both copies.
TEST_F(ReplicationTest, WaitForActiveShardsHoldsAWriteUntilEnoughCopiesAreActive) {
  StartNodes(2);
  ASSERT_EQ(Http(0, "PUT", "/w", R"({"settings": {"number_of_shards": 1, "number_of_replicas": 1}})").status, 200);
  ASSERT_TRUE(WaitHealth(0, "green")) << Http(0, "GET", "/_cat/shards?v").body;
  auto all = Http(0, "PUT", "/w/_doc/1?wait_for_active_shards=all", R"({"n": 1})");
  ASSERT_EQ(all.status, 201) << all.body;
  EXPECT_EQ(ParseJson(all.body)["_shards"]["successful"].GetUint(), 2u) << all.body;
  EXPECT_EQ(Http(0, "PUT", "/w/_doc/x?wait_for_active_shards=many", R"({"n": 1})").status, 400);

  // The replica's node goes away: one active copy left.
  const std::string primary_node = [&] {
    for (const CopyPlace& c : Copies(0, "w")) {
      if (c.prirep == "p") return c.node;
    }
    return std::string();
  }();
  ASSERT_TRUE(primary_node == "n1" || primary_node == "n2") << primary_node;
  const size_t p = primary_node == "n1" ? 0 : 1, k = 1 - p;
  node(k).process().Signal(SIGKILL);
  ASSERT_TRUE(WaitUntil([&] { return Health(p) == "yellow"; }, 30s)) << Http(p, "GET", "/_cat/shards?v").body;

  const auto before = std::chrono::steady_clock::now();
  auto refused = Http(p, "PUT", "/w/_doc/2?wait_for_active_shards=all&timeout=1s", R"({"n": 2})");
  EXPECT_GE(std::chrono::steady_clock::now() - before, 1s) << "it did not wait for the timeout";
  ASSERT_EQ(refused.status, 503) << refused.body;
  auto error = ParseJson(refused.body);
  EXPECT_EQ(std::string(error["error"]["type"].GetString()), "unavailable_shards_exception") << refused.body;
  EXPECT_NE(std::string(error["error"]["reason"].GetString()).find("have 1, needed 2"), std::string::npos) << refused.body;
  EXPECT_EQ(Http(p, "GET", "/w/_doc/2").status, 404) << "a refused write was applied";
  auto bulk = Http(p, "POST", "/w/_bulk?wait_for_active_shards=2&timeout=200ms",
                   R"({"index": {"_id": "b1"}})" "\n" R"({"n": 3})" "\n");
  ASSERT_EQ(bulk.status, 200) << bulk.body;
  auto items = ParseJson(bulk.body);
  EXPECT_TRUE(items["errors"].GetBool()) << bulk.body;
  EXPECT_EQ(items["items"][0]["index"]["status"].GetInt(), 503) << bulk.body;
  EXPECT_EQ(Http(p, "GET", "/w/_doc/b1").status, 404) << "a refused bulk item was applied";
  // The default asks for the primary only.
  auto one = Http(p, "PUT", "/w/_doc/3", R"({"n": 3})");
  ASSERT_EQ(one.status, 201) << one.body;
  EXPECT_EQ(ParseJson(one.body)["_shards"]["successful"].GetUint(), 1u) << one.body;

  // The node comes back: a write asking for both copies waits for the
  // replica's recovery, then reaches it.
  LaunchNode(k);
  auto waited = Http(p, "PUT", "/w/_doc/4?wait_for_active_shards=all&timeout=60s", R"({"n": 4})");
  ASSERT_EQ(waited.status, 201) << waited.body << Http(p, "GET", "/_cat/shards?v").body;
  EXPECT_EQ(ParseJson(waited.body)["_shards"]["successful"].GetUint(), 2u) << waited.body;
  ASSERT_TRUE(node(k).WaitStarted());
}

}  // namespace
}  // namespace holdfast::testing
