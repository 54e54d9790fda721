#include "replication/etcd_master.h"

namespace holdfast {

namespace {
// How long one campaign waits before it is renewed (a lease that changed
// meanwhile is picked up then; a stop cancels it at once).
constexpr std::chrono::seconds kCampaignRound{30};
}  // namespace

std::string EtcdMasterElection::ElectionName(const std::string& cluster_name) {
  return EtcdClusterPrefix(cluster_name) + "election";
}

std::unique_ptr<EtcdMasterElection> EtcdMasterElection::Start(EtcdClient* etcd, EtcdMasterOptions options) {
  std::unique_ptr<EtcdMasterElection> e(new EtcdMasterElection(etcd, std::move(options)));
  e->thread_ = std::thread([p = e.get()] { p->Loop(); });
  return e;
}

EtcdMasterElection::~EtcdMasterElection() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    if (round_) round_->Cancel();
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Status EtcdMasterElection::Resign() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    if (round_) round_->Cancel();
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::optional<EtcdLeaderKey> leading;
  {
    std::unique_lock<std::mutex> lock(mu_);
    leading = leader_;
    SetLeader(lock, std::nullopt);
  }
  return leading ? etcd_->Resign(*leading) : Status::OK();
}

bool EtcdMasterElection::is_master() const {
  std::lock_guard<std::mutex> lock(mu_);
  return leader_.has_value();
}

int64_t EtcdMasterElection::term() const {
  std::lock_guard<std::mutex> lock(mu_);
  return leader_ ? leader_->revision : 0;
}

Result<std::string> EtcdMasterElection::Master() const {
  auto leader = etcd_->Leader(ElectionName(options_.cluster_name));
  if (!leader.ok()) return leader.status();
  return leader->value;
}

void EtcdMasterElection::SetLeader(std::unique_lock<std::mutex>& lock, std::optional<EtcdLeaderKey> leader) {
  const bool was = leader_.has_value();
  const int64_t old_term = was ? leader_->revision : 0;
  leader_ = std::move(leader);
  const bool is = leader_.has_value();
  const int64_t term = is ? leader_->revision : 0;
  if (was == is && old_term == term) return;
  if (options_.on_change) {
    lock.unlock();
    options_.on_change(is, term);
    lock.lock();
  }
}

void EtcdMasterElection::Loop() {
  const std::string name = ElectionName(options_.cluster_name);
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    if (!leader_) {
      const int64_t lease = options_.lease ? options_.lease() : 0;
      auto round = std::make_shared<EtcdCancel>();
      round_ = round;
      lock.unlock();
      // One long campaign (a stop cancels it; one that ends without
      // winning is withdrawn by etcd): waiting writes nothing to etcd.
      const auto started = std::chrono::steady_clock::now();
      auto won = lease != 0 ? etcd_->Campaign(name, lease, options_.node_id, kCampaignRound, round.get())
                            : Result<EtcdLeaderKey>(Status::Unavailable("no membership lease yet"));
      lock.lock();
      round_.reset();
      if (won.ok()) {
        SetLeader(lock, won.value());
      } else if (std::chrono::steady_clock::now() - started < std::chrono::milliseconds(900)) {
        // Refused at once (etcd down, the lease gone while the membership
        // joins again): wait a little before the next try.
        cv_.wait_for(lock, options_.check_interval, [&] { return stop_; });
      }
      continue;
    }
    cv_.wait_for(lock, options_.check_interval, [&] { return stop_; });
    if (stop_) break;
    const EtcdLeaderKey mine = *leader_;
    lock.unlock();
    auto current = etcd_->Leader(name);
    lock.lock();
    if (!leader_ || leader_->revision != mine.revision) continue;  // stepped down meanwhile (WriteAsMaster)
    const bool still = current.ok() && current->key == mine.key && current->create_revision == mine.revision;
    // Not leading any more, or etcd unreachable: step down (no state
    // changes while it cannot be checked); campaign again.
    if (!still) SetLeader(lock, std::nullopt);
  }
}

void EtcdMasterElection::LeaseChanged() {
  std::lock_guard<std::mutex> lock(mu_);
  if (round_) round_->Cancel();  // the next round campaigns with the new lease
}

Result<EtcdTxnResult> EtcdMasterElection::WriteAsMaster(const std::vector<EtcdCompare>& compares,
                                                        const std::vector<EtcdOp>& ops) {
  std::optional<EtcdLeaderKey> mine;
  {
    std::lock_guard<std::mutex> lock(mu_);
    mine = leader_;
  }
  if (!mine) return Status(StatusCode::kFenced, "node " + options_.node_id + " is not the master");
  std::vector<EtcdCompare> guard = compares;
  guard.push_back(EtcdCompare::CreateRevision(mine->key, mine->revision));
  auto done = etcd_->Txn(guard, ops);
  if (!done.ok()) return done.status();
  if (done->succeeded) return done;
  // Which guard failed? Our election key gone or replaced: deposed.
  auto key = etcd_->Get(mine->key);
  if (!key.ok()) return key.status();
  if (key->kvs.empty() || key->kvs[0].create_revision != mine->revision) {
    std::unique_lock<std::mutex> lock(mu_);
    if (leader_ && leader_->revision == mine->revision) SetLeader(lock, std::nullopt);
    return Status(StatusCode::kFenced, "node " + options_.node_id + " is no longer the master (its leadership of " +
                                           "revision " + std::to_string(mine->revision) + " ended); write refused");
  }
  return done;
}

}  // namespace holdfast
