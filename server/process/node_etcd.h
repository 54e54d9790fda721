// A cluster node's start on etcd, before its volume opens: the etcd client
// (TLS files read here) and the cluster uuid the volume must belong to.
#pragma once

#include <memory>
#include <string>

#include "replication/etcd_client.h"
#include "server/process/node_config.h"

namespace holdfast {

// Connects to config.etcd_endpoints and settles the cluster's uuid: the
// one etcd holds (waiting up to a minute for etcd: nodes are often started
// before it), or — a new volume of a new cluster — one agreed in etcd, so
// that nodes started together all create their volumes for the same one.
// `cluster_uuid` holds --cluster-uuid on entry (empty: any) and the uuid to
// expect on return. Returns kExitOk or the process exit code, logged.
int JoinEtcd(const NodeConfig& config, std::unique_ptr<EtcdClient>* etcd, std::string* cluster_uuid);

}  // namespace holdfast
