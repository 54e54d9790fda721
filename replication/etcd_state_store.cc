#include "replication/etcd_state_store.h"

#include "replication/stored_cluster_state.h"

namespace holdfast {

namespace {
constexpr char kStatePrefix[] = "state/";
}  // namespace

EtcdStateStore::EtcdStateStore(EtcdClient* etcd, EtcdMasterElection* master, std::string cluster_name)
    : etcd_(etcd), master_(master), prefix_(EtcdClusterPrefix(cluster_name)) {}

Result<int64_t> EtcdStateStore::Refresh() {
  auto range = etcd_->GetPrefix(prefix_ + kStatePrefix);
  if (!range.ok()) return range.status();
  std::map<std::string, std::string, std::less<>> values;
  int64_t version_mod = 0;
  for (EtcdKeyValue& kv : range->kvs) {
    std::string key = kv.key.substr(prefix_.size());
    if (key == kStateVersionKey) version_mod = kv.mod_revision;
    values.emplace(std::move(key), std::move(kv.value));
  }
  std::lock_guard<std::mutex> lock(mu_);
  values_ = std::move(values);
  revision_ = range->revision;
  version_mod_revision_ = version_mod;
  return revision_;
}

int64_t EtcdStateStore::revision() const {
  std::lock_guard<std::mutex> lock(mu_);
  return revision_;
}

Result<std::string> EtcdStateStore::Get(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = values_.find(key);
  if (it == values_.end()) return Status::NotFound("cluster state key " + key);
  return it->second;
}

Status EtcdStateStore::Put(const std::string& key, const std::string&) {
  return Status(StatusCode::kFailedPrecondition,
                "cluster state key " + key + ": the state in etcd changes only by whole commits of the master");
}

Status EtcdStateStore::Delete(const std::string& key) { return Put(key, ""); }

Status EtcdStateStore::ForEachWithPrefix(std::string_view prefix,
                                         const std::function<bool(std::string_view, std::string_view)>& fn) {
  std::vector<std::pair<std::string, std::string>> matching;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = values_.lower_bound(prefix); it != values_.end() && it->first.starts_with(prefix); ++it) {
      matching.emplace_back(it->first, it->second);
    }
  }
  for (const auto& [k, v] : matching) {
    if (!fn(k, v)) break;
  }
  return Status::OK();
}

Status EtcdStateStore::Commit(const std::vector<Mutation>& mutations) {
  if (master_ == nullptr) return Status(StatusCode::kFenced, "this node does not write the cluster state");
  std::vector<EtcdOp> ops;
  ops.reserve(mutations.size());
  for (const Mutation& m : mutations) {
    ops.push_back(m.value ? EtcdOp::Put(prefix_ + m.key, *m.value) : EtcdOp::Delete(prefix_ + m.key));
  }
  int64_t based_on = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    based_on = version_mod_revision_;
  }
  // The state is what we read: state/version unchanged since (absent, for the first commit).
  const std::string version_key = prefix_ + kStateVersionKey;
  auto done = master_->WriteAsMaster({EtcdCompare::ModRevision(version_key, based_on)}, ops);
  if (!done.ok()) return done.status();
  if (!done->succeeded) {
    return Status::Conflict("the cluster state changed since it was read (state/version last written at revision " +
                            std::to_string(based_on) + "); re-read it and decide again");
  }
  std::lock_guard<std::mutex> lock(mu_);
  for (const Mutation& m : mutations) {
    if (m.value) {
      values_[m.key] = *m.value;
      if (m.key == kStateVersionKey) version_mod_revision_ = done->revision;
    } else {
      values_.erase(m.key);
    }
  }
  revision_ = done->revision;
  return Status::OK();
}

}  // namespace holdfast
