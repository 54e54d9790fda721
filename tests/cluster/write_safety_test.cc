// No acknowledged write is lost (DESIGN.md §9): three nodes on network-
// namespace hosts and a real etcd, writer threads indexing unique ids with
// op_type=create through random nodes, a seeded schedule of faults (SIGKILL
// and restart, SIGSTOP past the lease, a node isolated, a node cut from
// etcd, etcd restarted), then every copy of every shard read whole and held
// against what the clients were told (tests/cluster/write_checker.h).
//
// CI runs one round of the schedule. scripts/chaos runs longer ones through
// the same test with the environment:
//   HOLDFAST_CHAOS_SEED=S       the schedule's seed (default: a random one, printed)
//   HOLDFAST_CHAOS_MINUTES=M    rounds of faults until M minutes have passed (default: one round)
//   HOLDFAST_CHAOS_REPLICAS=N   number_of_replicas of the index (default 0)
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>

#include "tests/cluster/chaos_cluster.h"
#include "tests/cluster/fault_schedule.h"
#include "tests/cluster/write_checker.h"

namespace holdfast::testing {
namespace {

using namespace std::chrono_literals;

constexpr int kLeaseTtlSeconds = 3;
constexpr size_t kShards = 3;
constexpr char kIndex[] = "chaos";

struct ChaosSettings {
  uint64_t seed = 0;
  double minutes = 0;  // 0: one round
  size_t replicas = 0;

  static ChaosSettings FromEnvironment() {
    ChaosSettings s;
    const char* seed = std::getenv("HOLDFAST_CHAOS_SEED");
    s.seed = seed != nullptr && *seed ? std::strtoull(seed, nullptr, 10) : std::random_device{}();
    if (const char* m = std::getenv("HOLDFAST_CHAOS_MINUTES"); m != nullptr && *m) s.minutes = std::strtod(m, nullptr);
    if (const char* r = std::getenv("HOLDFAST_CHAOS_REPLICAS"); r != nullptr && *r) {
      s.replicas = std::strtoul(r, nullptr, 10);
    }
    return s;
  }
};

std::string IndexBody(size_t replicas) {
  return R"({"settings": {"number_of_shards": )" + std::to_string(kShards) + R"(, "number_of_replicas": )" +
         std::to_string(replicas) +
         R"(}, "mappings": {"properties": {"writer": {"type": "long"}, "n": {"type": "long"}}}})";
}

TEST(WriteSafety, NoAcknowledgedWriteIsLostAndEveryCopyHoldsOneHistoryUnderFaults) {
  const ChaosSettings settings = ChaosSettings::FromEnvironment();
  char length[64] = "one round";
  if (settings.minutes > 0) std::snprintf(length, sizeof(length), "rounds for %.1f min", settings.minutes);
  std::printf("chaos: seed %llu (HOLDFAST_CHAOS_SEED=%llu repeats this schedule), replicas %zu, %s\n",
              static_cast<unsigned long long>(settings.seed), static_cast<unsigned long long>(settings.seed),
              settings.replicas, length);
  std::fflush(stdout);

  ChaosCluster cluster(3, kLeaseTtlSeconds);
  const std::string started = cluster.Start();
  ASSERT_EQ(started, "") << cluster.LogTails();
  const HttpReply created = cluster.Http(0, "PUT", std::string("/") + kIndex, IndexBody(settings.replicas), 30s);
  ASSERT_EQ(created.status, 200) << created.body;
  const std::string green = cluster.WaitGreen(kIndex, 60s);
  ASSERT_EQ(green, "") << cluster.LogTails();

  WriteLoadOptions options;
  const auto budget = std::chrono::duration<double>(settings.minutes * 60);
  options.max_writes = 20000 + static_cast<size_t>(budget.count() * 200);
  WriteLoad load(&cluster, kIndex, options, settings.seed);
  load.Start();
  // Some history before the first fault.
  ASSERT_TRUE(WaitFor([&] { return load.sent() >= 100; }, 30s)) << "the writers sent fewer than 100 writes in 30 s";

  std::mt19937_64 rng(settings.seed);
  FaultRunner runner(&cluster, kIndex, 60s);
  const auto begin = std::chrono::steady_clock::now();
  std::string failure;
  do {
    for (const FaultStep& step : PlanRound(rng, settings.replicas, kLeaseTtlSeconds)) {
      failure = runner.Run(step);
      if (!failure.empty()) break;
    }
  } while (failure.empty() && std::chrono::steady_clock::now() - begin < budget);
  load.Stop();
  ASSERT_EQ(failure, "") << cluster.LogTails();

  // Everything healed (each step heals its fault): the cluster is whole.
  const std::string whole = cluster.WaitGreen(kIndex, 60s);
  ASSERT_EQ(whole, "") << cluster.LogTails();
  const std::string refreshed = cluster.Refresh(kIndex, 30s);
  ASSERT_EQ(refreshed, "") << cluster.LogTails();

  const std::vector<CopyContents> copies = ReadEveryCopy(cluster, kIndex);
  // _cat/shards gets checkpoint columns with replication; a copy compared
  // with nothing but itself needs none: asked for only when there are replicas.
  // A replica learns the primary's global checkpoint within a sync period
  // (docs/replication.md "Reading the checkpoints"): the copies may take a
  // few seconds to show equal checkpoints after the last write — waited
  // for, up to 15 s; what is read last is judged.
  std::vector<CopyCheckpoints> checkpoints;
  SafetyReport report;
  const auto settle = std::chrono::steady_clock::now() + 15s;
  do {
    checkpoints = ReadCheckpoints(cluster, kIndex, settings.replicas > 0);
    report = CheckWrites(load.history(), copies, checkpoints, kShards, 1 + settings.replicas);
  } while (!report.ok() && std::chrono::steady_clock::now() < settle &&
           (std::this_thread::sleep_for(500ms), true));
  std::string statuses;
  for (const auto& [status, count] : load.statuses()) {
    statuses += " " + (status == 0 ? std::string("no-answer") : std::to_string(status)) + "=" + std::to_string(count);
  }
  std::printf("chaos: seed %llu, %zu faults in %.0f s; client statuses:%s\n%s",
              static_cast<unsigned long long>(settings.seed), runner.faults_run(),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count(), statuses.c_str(),
              report.Summary().c_str());
  std::fflush(stdout);
  EXPECT_TRUE(report.ok()) << report.Summary() << cluster.LogTails();
  EXPECT_GT(report.acked, 0u) << "no write was acknowledged: the run proves nothing";
}

}  // namespace
}  // namespace holdfast::testing
