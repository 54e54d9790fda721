#include "tests/cluster/fault_schedule.h"

#include <algorithm>
#include <cstdio>
#include <thread>

namespace holdfast::testing {

const char* FaultKindName(FaultKind kind) {
  switch (kind) {
    case FaultKind::kKillPrimaryNode: return "kill-primary-node";
    case FaultKind::kKillReplicaNode: return "kill-replica-node";
    case FaultKind::kPausePrimaryNode: return "pause-primary-node";
    case FaultKind::kIsolateNode: return "isolate-node";
    case FaultKind::kCutNodeFromEtcd: return "cut-node-from-etcd";
    case FaultKind::kRestartEtcd: return "restart-etcd";
  }
  return "?";
}

std::vector<FaultStep> PlanRound(std::mt19937_64& rng, size_t replicas, int lease_ttl_seconds) {
  std::vector<FaultKind> kinds = {FaultKind::kKillPrimaryNode, FaultKind::kPausePrimaryNode, FaultKind::kIsolateNode,
                                  FaultKind::kCutNodeFromEtcd, FaultKind::kRestartEtcd};
  if (replicas > 0) kinds.push_back(FaultKind::kKillReplicaNode);
  std::shuffle(kinds.begin(), kinds.end(), rng);
  auto between = [&rng](int64_t lo, int64_t hi) {
    return std::chrono::milliseconds(std::uniform_int_distribution<int64_t>(lo, hi)(rng));
  };
  const int64_t ttl = lease_ttl_seconds * 1000;
  std::vector<FaultStep> round;
  for (FaultKind kind : kinds) {
    FaultStep step{kind, static_cast<uint32_t>(rng()), {}, between(500, 1500)};
    switch (kind) {
      case FaultKind::kKillPrimaryNode:
      case FaultKind::kKillReplicaNode:
        step.hold = between(300, ttl + 3000);  // down (past the lease or not), then restarted
        break;
      case FaultKind::kPausePrimaryNode:
        step.hold = between(ttl + 1000, ttl + 2500);  // past the lease: the others see it leave
        break;
      case FaultKind::kIsolateNode:
      case FaultKind::kCutNodeFromEtcd:
        step.hold = between(ttl + 1000, ttl + 3000);
        break;
      case FaultKind::kRestartEtcd:
        step.hold = between(500, 3000);
        break;
    }
    round.push_back(step);
  }
  return round;
}

FaultRunner::FaultRunner(ChaosCluster* cluster, std::string index, std::chrono::milliseconds recovery_timeout)
    : cluster_(cluster),
      index_(std::move(index)),
      recovery_timeout_(recovery_timeout),
      started_(std::chrono::steady_clock::now()) {}

void FaultRunner::Say(const std::string& line) const {
  const double at = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  std::printf("[chaos %7.1f s] %s\n", at, line.c_str());
  std::fflush(stdout);
}

size_t FaultRunner::NodeHolding(bool primary, uint32_t pick) {
  std::vector<size_t> holders;
  for (const ShardCopyRow& c : cluster_->ShardCopies(index_)) {
    const size_t i = cluster_->IndexOf(c.node);
    if (c.primary == primary && c.state == "STARTED" && i < cluster_->size() &&
        std::find(holders.begin(), holders.end(), i) == holders.end()) {
      holders.push_back(i);
    }
  }
  std::sort(holders.begin(), holders.end());
  if (holders.empty()) return pick % cluster_->size();
  return holders[pick % holders.size()];
}

std::string FaultRunner::Hold(size_t faulted, std::chrono::milliseconds hold) {
  const auto until = std::chrono::steady_clock::now() + hold;
  const size_t watcher = (faulted + 1) % cluster_->size();
  std::string seen;
  std::string last;
  while (std::chrono::steady_clock::now() < until) {
    const std::string now = cluster_->HealthSeenBy(watcher);
    if (now != last) seen += (seen.empty() ? "" : " -> ") + now;
    last = now;
    std::this_thread::sleep_for(std::min<std::chrono::nanoseconds>(std::chrono::milliseconds(200),
                                                                   until - std::chrono::steady_clock::now()));
  }
  return cluster_->name(watcher) + " saw: " + seen;
}

std::string FaultRunner::Run(const FaultStep& step) {
  ++faults_run_;
  const auto hold_ms = std::to_string(step.hold.count()) + " ms";
  std::string err;
  switch (step.kind) {
    case FaultKind::kKillPrimaryNode:
    case FaultKind::kKillReplicaNode: {
      const size_t n = NodeHolding(step.kind == FaultKind::kKillPrimaryNode, step.pick);
      Say(std::string(FaultKindName(step.kind)) + ": SIGKILL " + cluster_->name(n) + ", restart after " + hold_ms);
      cluster_->KillNode(n);
      Say("  " + Hold(n, step.hold));
      err = cluster_->StartNode(n);
      break;
    }
    case FaultKind::kPausePrimaryNode: {
      const size_t n = NodeHolding(true, step.pick);
      Say(std::string(FaultKindName(step.kind)) + ": SIGSTOP " + cluster_->name(n) + " for " + hold_ms);
      cluster_->PauseNode(n);
      Say("  " + Hold(n, step.hold));
      cluster_->ResumeNode(n);
      break;
    }
    case FaultKind::kIsolateNode:
    case FaultKind::kCutNodeFromEtcd: {
      const size_t n = step.pick % cluster_->size();
      const bool isolate = step.kind == FaultKind::kIsolateNode;
      Say(std::string(FaultKindName(step.kind)) + ": " + cluster_->name(n) + " for " + hold_ms);
      if (!(isolate ? cluster_->net().Isolate(n) : cluster_->net().CutFromEtcd(n))) {
        return "could not make the fault: " + cluster_->net().error();
      }
      Say("  " + Hold(n, step.hold));
      if (!cluster_->net().HealAll()) return "could not heal: " + cluster_->net().error();
      break;
    }
    case FaultKind::kRestartEtcd:
      Say(std::string(FaultKindName(step.kind)) + ": stop etcd, start it again after " + hold_ms);
      cluster_->StopEtcd();
      Say("  " + Hold(0, step.hold));
      err = cluster_->StartEtcd();
      break;
  }
  if (!err.empty()) return err;
  const auto healed = std::chrono::steady_clock::now();
  err = cluster_->WaitGreen(index_, recovery_timeout_);
  if (!err.empty()) return "after " + std::string(FaultKindName(step.kind)) + ": " + err;
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - healed).count();
  char line[160];
  std::snprintf(line, sizeof(line), "healed; green %.1f s later; quiet for %lld ms", took,
                static_cast<long long>(step.quiet.count()));
  Say(line);
  std::this_thread::sleep_for(step.quiet);  // writes without a fault, as the schedule says
  return "";
}

}  // namespace holdfast::testing
