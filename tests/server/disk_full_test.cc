// A full disk must not take the node down (DESIGN.md §9), with real
// processes on a small tmpfs the test mounts itself (root only: without it
// the tests fail and say why):
//
//   - flood stage: bulk writes fill the volume until the flood-stage disk
//     watermark blocks them (429 cluster_block_exception, before any ENOSPC);
//     the node stays up, searches, gets and deletes work; a restart on the
//     still-full volume comes up ready and still blocked; freeing space lifts
//     the block without a restart; every acknowledged document is there;
//   - ENOSPC itself (watermarks disabled): writes that meet a full disk fail
//     typed (503 no_space_left_exception), the node stays up and answers
//     searches; a restart on the volume filled to the last byte comes up
//     ready and serves every acknowledged document; freeing space makes the
//     shard writable again without a restart.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <signal.h>

#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "tests/support/http_client.h"
#include "tests/support/test_process.h"
#include "tests/support/tmpfs_mount.h"

namespace holdfast {
namespace {

using namespace std::chrono_literals;
using testing::HttpCall;
using testing::HttpReply;
using testing::NodeProcess;
using testing::TempDir;
using testing::TmpfsMount;

constexpr uint64_t kMiB = 1ull << 20;
constexpr char kBlockReason[] =
    "index [docs] blocked by: [TOO_MANY_REQUESTS/12/disk usage exceeded flood-stage watermark, index has "
    "read-only-allow-delete block];";

rapidjson::Document Json(const std::string& body) {
  rapidjson::Document d;
  d.Parse(body.c_str(), body.size());
  return d;
}

std::string ErrorType(const rapidjson::Value& error) {
  return error.IsObject() && error.HasMember("type") && error["type"].IsString() ? error["type"].GetString() : "";
}

// A document of a few hundred bytes of words: a realistic mix for the store and the segments.
std::string Source(std::mt19937& rng, size_t n) {
  static const char* kWords[] = {"river", "stone", "lamp", "orbit", "cedar", "violet", "harbor", "ember",
                                 "quartz", "meadow", "signal", "tundra", "falcon", "copper", "willow", "nimbus"};
  std::string text;
  for (int i = 0; i < 40; ++i) {
    if (i > 0) text += ' ';
    text += kWords[rng() % 16];
    text += std::to_string(rng() % 1000);
  }
  return "{\"title\":\"doc " + std::to_string(n) + "\",\"body\":\"" + text + "\",\"n\":" + std::to_string(n) + "}";
}

struct BulkOutcome {
  std::vector<std::string> acked;
  size_t blocked = 0;        // 429 cluster_block_exception with Elasticsearch's reason
  std::string other_error;   // the first item error of any other kind, with its status
  std::string first_blocked_reason;
};

// One _bulk of `count` index items (ids "d<n>"); sorts the items out.
BulkOutcome Bulk(int port, std::mt19937& rng, size_t* next, size_t count) {
  std::string body;
  const size_t first = *next;
  for (size_t i = 0; i < count; ++i, ++*next) {
    body += "{\"index\":{\"_index\":\"docs\",\"_id\":\"d" + std::to_string(*next) + "\"}}\n";
    body += Source(rng, *next) + "\n";
  }
  BulkOutcome out;
  HttpReply reply = HttpCall(port, "POST", "/_bulk", body);
  if (reply.status != 200) {
    out.other_error = "bulk answered " + std::to_string(reply.status) + ": " + reply.body.substr(0, 500);
    return out;
  }
  rapidjson::Document d = Json(reply.body);
  if (d.HasParseError() || !d.HasMember("items")) {
    out.other_error = "bulk answer is not JSON: " + reply.body.substr(0, 500);
    return out;
  }
  const auto& items = d["items"];
  for (rapidjson::SizeType i = 0; i < items.Size(); ++i) {
    const auto& item = items[i]["index"];
    const int status = item["status"].GetInt();
    const std::string id = "d" + std::to_string(first + i);
    if (status == 200 || status == 201) {
      out.acked.push_back(id);
    } else if (status == 429 && ErrorType(item["error"]) == "cluster_block_exception") {
      if (out.blocked++ == 0) out.first_blocked_reason = item["error"]["reason"].GetString();
    } else if (out.other_error.empty()) {
      out.other_error = "item " + id + " answered " + std::to_string(status) + ": " +
                        (item.HasMember("error") && item["error"].IsObject() ? ErrorType(item["error"]) + " " +
                                                                                  item["error"]["reason"].GetString()
                                                                            : std::string("?"));
    }
  }
  return out;
}

HttpReply PutDoc(int port, const std::string& id, const std::string& source = R"({"title":"late","n":-1})") {
  return HttpCall(port, "PUT", "/docs/_doc/" + id, source);
}

bool Found(int port, const std::string& id) {
  HttpReply r = HttpCall(port, "GET", "/docs/_doc/" + id);
  return r.status == 200 && r.body.find("\"found\":true") != std::string::npos;
}

int64_t Count(int port) {
  HttpReply r = HttpCall(port, "GET", "/docs/_count");
  if (r.status != 200) return -1;
  rapidjson::Document d = Json(r.body);
  return d.HasParseError() ? -1 : d["count"].GetInt64();
}

rapidjson::Document Status(int port) { return Json(HttpCall(port, "GET", "/_lifecycle/status").body); }

bool WriteBlocked(int port) {
  rapidjson::Document s = Status(port);
  return !s.HasParseError() && s.HasMember("disk") && s["disk"]["write_block"].GetBool();
}

// Every acknowledged id is readable and searchable: the count, and gets of a
// spread of them. A copy out of space refuses _refresh (503): what it
// recovered at open is searchable already.
void ExpectAllPresent(int port, const std::vector<std::string>& acked, int64_t extra = 0, bool refresh = true) {
  if (refresh) {
    ASSERT_EQ(HttpCall(port, "POST", "/docs/_refresh").status, 200);
  }
  EXPECT_EQ(Count(port), static_cast<int64_t>(acked.size()) + extra);
  const size_t step = std::max<size_t>(1, acked.size() / 200);
  size_t missing = 0;
  for (size_t i = 0; i < acked.size(); i += step) missing += Found(port, acked[i]) ? 0 : 1;
  if (!acked.empty()) missing += Found(port, acked.back()) ? 0 : 1;
  EXPECT_EQ(missing, 0u);
}

class DiskFullTest : public ::testing::Test {
 protected:
  // A tmpfs of `volume` bytes with a filler file of `filler` bytes on it; the
  // node's data directory is on it, its log is not.
  void Mount(uint64_t volume, uint64_t filler) {
    mount_ = std::make_unique<TmpfsMount>(tmp_.Sub("volume"), volume);
    ASSERT_TRUE(mount_->ok()) << mount_->error();
    std::string error;
    ASSERT_TRUE(testing::WriteFiller(filler_path(), filler, &error)) << error;
  }
  void StartNode(const std::vector<std::string>& flags) {
    node_ = std::make_unique<NodeProcess>();
    node_->set_log_dir(tmp_.path());
    ASSERT_TRUE(node_->Start(mount_->Sub("data"), flags)) << node_->Log();
    ASSERT_TRUE(node_->WaitReady()) << node_->Log();
  }
  void TearDown() override {
    node_.reset();  // before the volume goes
    mount_.reset();
  }
  // Bulk-loads 250 documents at a time (ids from *next) until one bulk
  // meets a block or any other error, within a bounded count and time;
  // collects the acknowledged ids and returns the last bulk's outcome.
  BulkOutcome Fill(std::mt19937& rng, size_t* next, std::vector<std::string>* acked) {
    BulkOutcome last;
    const auto deadline = std::chrono::steady_clock::now() + 180s;
    while (std::chrono::steady_clock::now() < deadline && *next < 2'000'000) {
      last = Bulk(port(), rng, next, 250);
      acked->insert(acked->end(), last.acked.begin(), last.acked.end());
      if (last.blocked > 0 || !last.other_error.empty()) break;
    }
    return last;
  }
  std::string filler_path() const { return mount_->Sub("filler"); }
  int port() const { return node_->http_port(); }

  TempDir tmp_;
  std::unique_ptr<TmpfsMount> mount_;
  std::unique_ptr<NodeProcess> node_;
};

TEST_F(DiskFullTest, FloodStageBlocksWritesBeforeTheDiskFillsAndLiftsWhenSpaceIsFreed) {
  // 128 MiB with 80 MiB taken: the flood stage (95%) comes after ~40 MiB of
  // writes and leaves ~6 MiB free.
  ASSERT_NO_FATAL_FAILURE(Mount(128 * kMiB, 80 * kMiB));
  // Every disk setting explicit: the environment must not change them.
  const std::vector<std::string> flags = {"--disk-check-interval", "50ms", "--disk-watermark-low", "85%",
                                          "--disk-watermark-high", "90%", "--disk-watermark-flood-stage", "95%"};
  ASSERT_NO_FATAL_FAILURE(StartNode(flags));
  ASSERT_EQ(HttpCall(port(), "PUT", "/docs", R"({"settings":{"number_of_shards":2}})").status, 200);

  // Fill until the block answers.
  std::mt19937 rng(7);
  std::vector<std::string> acked;
  size_t next = 0;
  const BulkOutcome last = Fill(rng, &next, &acked);
  ASSERT_EQ(last.other_error, "") << "an error other than the block came first, after " << acked.size()
                                  << " acknowledged documents\n" << node_->Log();
  ASSERT_GT(last.blocked, 0u) << "no 429 after " << acked.size() << " documents\n" << node_->Log();
  EXPECT_EQ(last.first_blocked_reason, kBlockReason);
  EXPECT_GT(acked.size(), 10'000u);
  EXPECT_GT(testing::FreeBytes(mount_->path()), 0u) << "the block came only once the disk was full";
  ASSERT_TRUE(node_->process().running()) << node_->Log();

  // The block is visible: status, metrics, _cat/allocation.
  rapidjson::Document status = Status(port());
  ASSERT_TRUE(status.HasMember("disk")) << HttpCall(port(), "GET", "/_lifecycle/status").body;
  EXPECT_TRUE(status["disk"]["write_block"].GetBool());
  EXPECT_STREQ(status["disk"]["state"].GetString(), "flood_stage");
  // Over 95% when the block came; the status rounds to one decimal (95.04 shows 95.0).
  EXPECT_GE(status["disk"]["used_percent"].GetDouble(), 95.0);
  EXPECT_STREQ(status["disk"]["watermarks"]["flood_stage"].GetString(), "95%");
  const std::string metrics = HttpCall(port(), "GET", "/metrics").body;
  EXPECT_NE(metrics.find("holdfast_disk_write_block 1"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("holdfast_disk_watermark_exceeded{watermark=\"flood_stage\"} 1"), std::string::npos);
  rapidjson::Document allocation = Json(HttpCall(port(), "GET", "/_cat/allocation?format=json&bytes=b").body);
  ASSERT_TRUE(allocation.IsArray() && allocation.Size() >= 1);
  EXPECT_EQ(std::string(allocation[0]["shards"].GetString()), "2");
  EXPECT_GE(std::stoi(allocation[0]["disk.percent"].GetString()), 95);
  EXPECT_EQ(std::stoull(allocation[0]["disk.total"].GetString()), 128 * kMiB);
  EXPECT_EQ(std::stoull(allocation[0]["disk.used"].GetString()) + std::stoull(allocation[0]["disk.avail"].GetString()),
            128 * kMiB);
  EXPECT_GT(std::stoull(allocation[0]["disk.indices"].GetString()), 0u);

  // Writes that add data get 429; reads and deletes work.
  HttpReply put = PutDoc(port(), "blocked");
  EXPECT_EQ(put.status, 429) << put.body;
  EXPECT_NE(put.body.find("cluster_block_exception"), std::string::npos) << put.body;
  EXPECT_EQ(HttpCall(port(), "POST", "/docs/_update/" + acked[5], R"({"doc":{"n":0}})").status, 429);
  HttpReply events = HttpCall(port(), "POST", "/docs/_events", R"({"user":"u","item":"i","type":"view"})");
  EXPECT_EQ(events.status, 200);
  EXPECT_NE(events.body.find("\"status\":429"), std::string::npos) << events.body;
  EXPECT_NE(events.body.find("cluster_block_exception"), std::string::npos) << events.body;
  ASSERT_TRUE(Found(port(), acked.front()));
  EXPECT_EQ(HttpCall(port(), "DELETE", "/docs/_doc/" + acked.front()).status, 200);
  HttpReply bulk_delete = HttpCall(port(), "POST", "/_bulk", "{\"delete\":{\"_index\":\"docs\",\"_id\":\"" + acked[1] +
                                                                  "\"}}\n");
  EXPECT_EQ(bulk_delete.status, 200);
  EXPECT_NE(bulk_delete.body.find("\"result\":\"deleted\""), std::string::npos) << bulk_delete.body;
  EXPECT_FALSE(Found(port(), acked.front()));
  acked.erase(acked.begin(), acked.begin() + 2);
  ExpectAllPresent(port(), acked);
  EXPECT_EQ(HttpCall(port(), "POST", "/docs/_search", R"({"query":{"match":{"body":"river1"}}})").status, 200);

  // A stop on the full volume is clean; the restart comes up ready and blocked.
  node_->process().Signal(SIGTERM);
  EXPECT_EQ(node_->process().WaitExit(60s), std::optional<int>(0)) << node_->Log();
  ASSERT_NO_FATAL_FAILURE(StartNode(flags));
  EXPECT_TRUE(WriteBlocked(port()));
  EXPECT_EQ(PutDoc(port(), "still-blocked").status, 429);
  ExpectAllPresent(port(), acked);

  // Space freed: the block lifts by itself, no restart.
  std::filesystem::remove(filler_path());
  ASSERT_TRUE(testing::WaitFor([&] { return PutDoc(port(), "after").status == 201; }, 30s)) << node_->Log();
  EXPECT_FALSE(WriteBlocked(port()));
  BulkOutcome more = Bulk(port(), rng, &next, 100);
  EXPECT_EQ(more.acked.size(), 100u) << more.other_error;
  acked.insert(acked.end(), more.acked.begin(), more.acked.end());
  ExpectAllPresent(port(), acked, /*extra=*/1);
  EXPECT_TRUE(Found(port(), "after"));
  EXPECT_NE(node_->Log().find("the write block is released"), std::string::npos) << node_->Log();
}

TEST_F(DiskFullTest, EnospcFailsTypedKeepsServingAndRecoversWithoutRestart) {
  // The watermarks off: writes run into the full disk itself.
  ASSERT_NO_FATAL_FAILURE(Mount(64 * kMiB, 40 * kMiB));
  const std::vector<std::string> flags = {"--disk-check-interval", "50ms", "--disk-threshold-enabled", "false",
                                          "--disk-watermark-low", "85%", "--disk-watermark-high", "90%",
                                          "--disk-watermark-flood-stage", "95%"};
  ASSERT_NO_FATAL_FAILURE(StartNode(flags));
  ASSERT_EQ(HttpCall(port(), "PUT", "/docs", R"({"settings":{"number_of_shards":1}})").status, 200);

  std::mt19937 rng(11);
  std::vector<std::string> acked;
  size_t next = 0;
  const BulkOutcome last = Fill(rng, &next, &acked);
  ASSERT_EQ(last.blocked, 0u) << "blocked with the thresholds disabled";
  ASSERT_NE(last.other_error, "") << "the disk never filled\n" << node_->Log();
  EXPECT_NE(last.other_error.find("503: no_space_left_exception"), std::string::npos) << last.other_error;
  EXPECT_NE(last.other_error.find("No space left on device"), std::string::npos) << last.other_error;
  ASSERT_TRUE(node_->process().running()) << node_->Log();
  HttpReply refused = PutDoc(port(), "refused");
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_NE(refused.body.find("no_space_left_exception"), std::string::npos) << refused.body;
  // Reads still answer: searches from what was published, gets from the store.
  EXPECT_EQ(HttpCall(port(), "POST", "/docs/_search", R"({"query":{"match_all":{}}})").status, 200);
  EXPECT_GE(Count(port()), 0);
  EXPECT_TRUE(Found(port(), acked.front()));
  EXPECT_TRUE(Found(port(), acked.back()));

  // Not a byte left, then a crash: the node still starts and serves everything acknowledged.
  testing::FillToTheBrim(mount_->Sub("brim"));
  ASSERT_EQ(testing::FreeBytes(mount_->path()), 0u);
  node_->process().Signal(SIGKILL);
  ASSERT_TRUE(node_->process().WaitExit(30s).has_value());
  ASSERT_NO_FATAL_FAILURE(StartNode(flags));
  ExpectAllPresent(port(), acked, 0, /*refresh=*/false);
  EXPECT_EQ(HttpCall(port(), "POST", "/docs/_refresh").status, 503);
  rapidjson::Document status = Status(port());
  ASSERT_TRUE(status["shards"].IsArray() && status["shards"].Size() == 1);
  EXPECT_STREQ(status["shards"][0]["state"].GetString(), "STARTED");
  EXPECT_TRUE(status["shards"][0]["out_of_space"].GetBool());
  refused = PutDoc(port(), "refused");
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_NE(refused.body.find("no_space_left_exception"), std::string::npos) << refused.body;

  // Space freed: the shard reopens and takes writes, no restart.
  std::filesystem::remove(mount_->Sub("brim"));
  std::filesystem::remove(filler_path());
  ASSERT_TRUE(testing::WaitFor([&] { return PutDoc(port(), "after").status == 201; }, 30s)) << node_->Log();
  BulkOutcome more = Bulk(port(), rng, &next, 100);
  EXPECT_EQ(more.acked.size(), 100u) << more.other_error;
  acked.insert(acked.end(), more.acked.begin(), more.acked.end());
  ExpectAllPresent(port(), acked, /*extra=*/1);
  EXPECT_EQ(HttpCall(port(), "PUT", "/other", "{}").status, 200) << "index changes work again";
  EXPECT_TRUE(node_->process().running());
}

}  // namespace
}  // namespace holdfast
