#include "server/process/node_etcd.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>
#include <thread>
#include <tuple>

#include "index/util/file_util.h"
#include "index/util/uuid.h"
#include "lifecycle/exit_codes.h"
#include "replication/etcd_cluster_state.h"

namespace holdfast {
namespace {

// The etcd client's options: endpoints, and for https ones the PEM files,
// read once here. An unreadable or empty file is the operator's to fix.
Result<EtcdClientOptions> EtcdOptionsFrom(const NodeConfig& config) {
  EtcdClientOptions options{config.etcd_endpoints, std::chrono::milliseconds(5000), std::nullopt};
  if (!config.etcd_tls) return options;
  EtcdTls tls;
  for (auto [flag, path, pem] : {std::tuple{"--etcd-cacert", &config.etcd_ca_file, &tls.ca_pem},
                                 std::tuple{"--etcd-cert", &config.etcd_cert_file, &tls.cert_pem},
                                 std::tuple{"--etcd-key", &config.etcd_key_file, &tls.key_pem}}) {
    if (path->empty()) continue;
    auto read = ReadFileToString(*path);
    if (!read.ok() || read->empty()) {
      return Status::InvalidArgument(std::string(flag) + " " + *path + ": " +
                                     (read.ok() ? std::string("empty file") : read.status().message()));
    }
    *pem = std::move(read).value();
  }
  options.tls = std::move(tls);
  return options;
}

// The cluster uuid etcd holds (empty when this is the cluster's first node).
// etcd not answering is retried for up to a minute.
Result<std::string> ClusterUuidInEtcd(EtcdClient* etcd, const std::string& cluster_name) {
  const std::string key = EtcdClusterPrefix(cluster_name) + "cluster_uuid";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(1);
  while (true) {
    auto got = etcd->Get(key);
    if (got.ok()) return got->kvs.empty() ? std::string() : got->kvs.front().value;
    if (std::chrono::steady_clock::now() >= deadline) {
      return Status::Unavailable("etcd at " + etcd->endpoints().front() + " did not answer for a minute: " +
                                 got.status().message());
    }
    spdlog::warn("waiting for etcd ({}): {}", etcd->endpoints().front(), got.status().message());
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
}

}  // namespace

int JoinEtcd(const NodeConfig& config, std::unique_ptr<EtcdClient>* etcd, std::string* cluster_uuid) {
  auto options = EtcdOptionsFrom(config);
  if (!options.ok()) {
    spdlog::error("{}", options.status().message());
    return kExitUsage;
  }
  auto connected = EtcdClient::Connect(*options);
  if (!connected.ok()) {
    spdlog::error("etcd: {}", connected.status().message());
    return kExitFailure;
  }
  *etcd = std::move(connected).value();
  auto in_etcd = ClusterUuidInEtcd(etcd->get(), config.cluster_name);
  if (!in_etcd.ok()) {
    spdlog::error("cannot join cluster [{}]: {}", config.cluster_name, in_etcd.status().message());
    return kExitFailure;
  }
  if (in_etcd->empty() && !std::filesystem::exists(config.data_dir + "/VOLUME")) {
    // A new volume of a new cluster: agree on the cluster's uuid first.
    auto agreed = EtcdClusterState::ClusterUuid(etcd->get(), config.cluster_name,
                                                config.cluster_uuid.empty() ? NewUuid() : config.cluster_uuid);
    if (!agreed.ok()) {
      spdlog::error("cannot join cluster [{}]: {}", config.cluster_name, agreed.status().message());
      return kExitFailure;
    }
    in_etcd = std::move(agreed);
  }
  if (!in_etcd->empty()) {
    if (!config.cluster_uuid.empty() && config.cluster_uuid != *in_etcd) {
      spdlog::error("cluster [{}] in etcd has uuid {}, but --cluster-uuid says {}", config.cluster_name, *in_etcd,
                    config.cluster_uuid);
      return kExitClusterMismatch;
    }
    *cluster_uuid = *in_etcd;
  }
  return kExitOk;
}

}  // namespace holdfast
