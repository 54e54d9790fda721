#include "replication/etcd_membership.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <spdlog/spdlog.h>

namespace holdfast {

std::string ClusterMember::ToJson() const {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("node_id");
  w.String(node_id.c_str(), static_cast<rapidjson::SizeType>(node_id.size()));
  w.Key("name");
  w.String(name.c_str(), static_cast<rapidjson::SizeType>(name.size()));
  w.Key("http_address");
  w.String(http_address.c_str(), static_cast<rapidjson::SizeType>(http_address.size()));
  w.Key("grpc_address");
  w.String(grpc_address.c_str(), static_cast<rapidjson::SizeType>(grpc_address.size()));
  w.Key("attributes");
  w.StartObject();
  for (const auto& [k, v] : attributes) {
    w.Key(k.c_str(), static_cast<rapidjson::SizeType>(k.size()));
    w.String(v.c_str(), static_cast<rapidjson::SizeType>(v.size()));
  }
  w.EndObject();
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

Result<ClusterMember> ClusterMember::FromJson(std::string_view json) {
  rapidjson::Document d;
  d.Parse(json.data(), json.size());
  if (d.HasParseError() || !d.IsObject()) return Status::Corruption("member record is not a JSON object");
  ClusterMember m;
  auto text = [&d](const char* key, std::string* out) {
    if (!d.HasMember(key) || !d[key].IsString()) return false;
    *out = std::string(d[key].GetString(), d[key].GetStringLength());
    return true;
  };
  if (!text("node_id", &m.node_id) || !text("name", &m.name) || !text("http_address", &m.http_address) ||
      !text("grpc_address", &m.grpc_address)) {
    return Status::Corruption("member record lacks node_id, name or addresses");
  }
  if (d.HasMember("attributes") && d["attributes"].IsObject()) {
    for (const auto& a : d["attributes"].GetObject()) {
      if (a.value.IsString()) m.attributes[a.name.GetString()] = a.value.GetString();
    }
  }
  return m;
}

Result<std::unique_ptr<EtcdMembership>> EtcdMembership::Join(EtcdClient* etcd, EtcdMembershipOptions options) {
  if (options.self.node_id.empty() || options.self.name.empty()) {
    return Status::InvalidArgument("a member needs a node id and a name");
  }
  if (options.lease_ttl.count() < 1) return Status::InvalidArgument("the cluster lease TTL must be at least 1s");
  std::unique_ptr<EtcdMembership> m(new EtcdMembership(etcd, std::move(options)));
  auto lease = etcd->GrantLease(m->options_.lease_ttl);
  if (!lease.ok()) return lease.status();
  if (Status s = m->Register(lease.value()); !s.ok()) {
    (void)etcd->RevokeLease(lease.value());  // best effort: it expires anyway
    return s;
  }
  m->lease_ = lease.value();
  m->keep_alive_ = std::thread([p = m.get()] { p->KeepAliveLoop(); });
  return m;
}

Status EtcdMembership::SetAttributes(std::map<std::string, std::string> attributes) {
  ClusterMember self = options_.self;
  int64_t lease = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    attributes_ = attributes;
    lease = lease_;
  }
  for (auto& [key, value] : attributes) self.attributes[key] = std::move(value);
  auto put = etcd_->Put(EtcdClusterPrefix(options_.cluster_name) + "members/" + self.node_id, self.ToJson(), lease);
  return put.status();
}

Status EtcdMembership::Register(int64_t lease) {
  const std::string prefix = EtcdClusterPrefix(options_.cluster_name);
  const std::string name_key = prefix + "names/" + options_.self.name;
  const std::string member_key = prefix + "members/" + options_.self.node_id;
  ClusterMember self = options_.self;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [key, value] : attributes_) self.attributes[key] = value;
  }
  const std::vector<EtcdOp> writes = {EtcdOp::Put(name_key, options_.self.node_id, lease),
                                      EtcdOp::Put(member_key, self.ToJson(), lease)};
  // The name is free, or already ours (this node id coming back): take it.
  // Anything else is another live node's.
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto free = etcd_->Txn({EtcdCompare::CreateRevision(name_key, 0)}, writes);
    if (!free.ok()) return free.status();
    if (free->succeeded) return Status::OK();
    auto ours = etcd_->Txn({EtcdCompare::Value(name_key, options_.self.node_id)}, writes);
    if (!ours.ok()) return ours.status();
    if (ours->succeeded) return Status::OK();
    auto holder = etcd_->Get(name_key);
    if (!holder.ok()) return holder.status();
    if (holder->kvs.empty()) continue;  // its lease just expired: try again
    std::string where;
    auto member = etcd_->Get(prefix + "members/" + holder->kvs[0].value);
    if (member.ok() && !member->kvs.empty()) {
      auto m = ClusterMember::FromJson(member->kvs[0].value);
      if (m.ok()) where = " at " + m->http_address;
    }
    return Status::AlreadyExists("node name [" + options_.self.name + "] is taken by live node " +
                                 holder->kvs[0].value + where + " in cluster [" + options_.cluster_name +
                                 "]; give this node another --node-name, or stop the other one");
  }
  return Status::Unavailable("node name [" + options_.self.name + "] changed hands while joining; try again");
}

void EtcdMembership::KeepAliveLoop() {
  const auto period = std::max<std::chrono::milliseconds>(std::chrono::milliseconds(200),
                                                          std::chrono::duration_cast<std::chrono::milliseconds>(
                                                              options_.lease_ttl) / 3);
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    cv_.wait_for(lock, period, [&] { return stop_; });
    if (stop_) break;
    const int64_t lease = lease_;
    lock.unlock();
    auto ttl = etcd_->KeepAliveOnce(lease);
    int64_t rejoined = 0;
    bool answered = ttl.ok() || ttl.status().code() == StatusCode::kNotFound;
    if (ttl.status().code() == StatusCode::kNotFound) {
      // The lease expired while etcd could not hear us: join again.
      auto fresh = etcd_->GrantLease(options_.lease_ttl);
      answered = fresh.ok();
      if (fresh.ok()) {
        if (Register(fresh.value()).ok()) {
          rejoined = fresh.value();
          spdlog::warn("the cluster lease {} expired while etcd did not hear this node; joined again with lease {}",
                       lease, rejoined);
        } else {
          (void)etcd_->RevokeLease(fresh.value());
        }
      }
    }
    lock.lock();
    reachable_ = answered;
    if (rejoined != 0) lease_ = rejoined;
    if (rejoined != 0 && options_.on_rejoined) {
      lock.unlock();
      options_.on_rejoined(rejoined);
      lock.lock();
    }
  }
}

EtcdMembership::~EtcdMembership() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (keep_alive_.joinable()) keep_alive_.join();
}

Status EtcdMembership::Leave() {
  int64_t lease = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    lease = lease_;
  }
  cv_.notify_all();
  if (keep_alive_.joinable()) keep_alive_.join();
  return etcd_->RevokeLease(lease);
}

int64_t EtcdMembership::lease() const {
  std::lock_guard<std::mutex> lock(mu_);
  return lease_;
}

bool EtcdMembership::reachable() const {
  std::lock_guard<std::mutex> lock(mu_);
  return reachable_;
}

Result<std::vector<ClusterMember>> EtcdMembership::Members() const {
  auto range = etcd_->GetPrefix(EtcdClusterPrefix(options_.cluster_name) + "members/");
  if (!range.ok()) return range.status();
  std::vector<ClusterMember> out;
  for (const EtcdKeyValue& kv : range->kvs) {
    auto m = ClusterMember::FromJson(kv.value);
    if (!m.ok()) return Status::Corruption("member key " + kv.key + ": " + m.status().message());
    out.push_back(std::move(m).value());
  }
  return out;
}

}  // namespace holdfast
