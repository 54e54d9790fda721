#include "replication/etcd_state_follower.h"

#include "replication/etcd_master.h"
#include "replication/etcd_membership.h"
#include "replication/stored_cluster_state.h"

namespace holdfast {

Result<std::unique_ptr<EtcdStateFollower>> EtcdStateFollower::Start(EtcdClient* etcd,
                                                                    EtcdStateFollowerOptions options) {
  std::unique_ptr<EtcdStateFollower> f(new EtcdStateFollower(etcd, std::move(options)));
  HOLDFAST_RETURN_IF_ERROR(f->Read());
  f->StartWatch();
  f->thread_ = std::thread([p = f.get()] { p->Loop(); });
  return f;
}

EtcdStateFollower::~EtcdStateFollower() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  watch_.reset();
}

ClusterStatePtr EtcdStateFollower::Current() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_;
}

int64_t EtcdStateFollower::revision() const {
  std::lock_guard<std::mutex> lock(mu_);
  return revision_;
}

uint64_t EtcdStateFollower::reads() const {
  std::lock_guard<std::mutex> lock(mu_);
  return reads_;
}

Status EtcdStateFollower::Read() {
  auto revision = store_.Refresh();
  if (!revision.ok()) return revision.status();
  auto stored = LoadClusterState(&store_);
  if (!stored.ok()) return stored.status();
  auto next = std::make_shared<ClusterStateSnapshot>();
  next->cluster_name = options_.cluster_name;
  next->cluster_uuid = options_.cluster_uuid;
  if (stored->has_value()) {
    AdoptStoredState(std::move(**stored), next.get());
  }
  // Members and master as of the same revision as the state.
  const std::string prefix = EtcdClusterPrefix(options_.cluster_name);
  auto members = etcd_->GetPrefix(prefix + "members/", revision.value());
  if (!members.ok()) return members.status();
  for (const EtcdKeyValue& kv : members->kvs) {
    auto m = ClusterMember::FromJson(kv.value);
    if (!m.ok()) return Status::Corruption("member key " + kv.key + ": " + m.status().message());
    next->nodes[m->node_id] = ClusterNode{m->node_id, m->name, m->http_address, m->grpc_address, m->attributes};
  }
  // The master is the campaigner whose key is oldest (v3election's rule).
  auto campaigners = etcd_->GetPrefix(EtcdMasterElection::ElectionName(options_.cluster_name) + "/", revision.value());
  if (!campaigners.ok()) return campaigners.status();
  const EtcdKeyValue* oldest = nullptr;
  for (const EtcdKeyValue& kv : campaigners->kvs) {
    if (oldest == nullptr || kv.create_revision < oldest->create_revision) oldest = &kv;
  }
  if (oldest != nullptr) next->master_node_id = oldest->value;
  ClusterStatePtr publish;
  const int64_t read_at = revision.value();
  {
    std::lock_guard<std::mutex> lock(mu_);
    master_key_ = oldest != nullptr ? oldest->key : std::string();
    const bool first = current_ == nullptr;
    if (!first) ++reads_;
    revision_ = revision.value();
    if (first || next->version != current_->version || next->nodes != current_->nodes ||
        next->master_node_id != current_->master_node_id) {
      current_ = std::move(next);
      publish = current_;
    }
  }
  if (publish && options_.on_state) options_.on_state(publish, read_at);
  return Status::OK();
}

void EtcdStateFollower::StartWatch() {
  const int64_t from = revision() + 1;
  // Everything of the cluster: state, members, election.
  watch_ = etcd_->WatchPrefix(
      store_.prefix(), from,
      [this](const std::vector<EtcdWatchEvent>& events, int64_t) {
        const std::string election = EtcdMasterElection::ElectionName(options_.cluster_name) + "/";
        std::lock_guard<std::mutex> lock(mu_);
        for (const EtcdWatchEvent& e : events) {
          // Waiting campaigners come and go (each campaign round): only the
          // master's key going, or a first campaigner, changes the master.
          const bool campaign = e.kv.key.rfind(election, 0) == 0;
          if (!campaign || (e.type == EtcdWatchEvent::Type::kDelete && e.kv.key == master_key_) ||
              (e.type == EtcdWatchEvent::Type::kPut && master_key_.empty())) {
            changed_ = true;
          }
        }
        if (changed_) cv_.notify_all();
      },
      [this](const Status&) {
        std::lock_guard<std::mutex> lock(mu_);
        watch_ended_ = true;
        cv_.notify_all();
      });
}

void EtcdStateFollower::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    cv_.wait(lock, [&] { return stop_ || changed_ || watch_ended_; });
    if (stop_) break;
    const bool ended = watch_ended_;
    changed_ = false;
    watch_ended_ = false;
    lock.unlock();
    if (ended) watch_.reset();  // its thread has finished (it reported the end)
    // Read until etcd answers; an ended watch resumes after the read, so a
    // compacted revision is never asked for again.
    Status read = Read();
    while (!read.ok()) {
      lock.lock();
      cv_.wait_for(lock, options_.retry_interval, [&] { return stop_; });
      const bool stopping = stop_;
      lock.unlock();
      if (stopping) return;
      read = Read();
    }
    if (ended) StartWatch();
    lock.lock();
  }
}

}  // namespace holdfast
