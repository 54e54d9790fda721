// NodeConfig: every setting of `holdfast serve`, and where it comes from.
//
// Precedence, highest first: command-line flag, HOLDFAST_* environment
// variable, the YAML config file (--config / HOLDFAST_CONFIG), built-in
// default. docs/operations.md lists every setting; `holdfast serve --help`
// prints the same table. Loading is pure: no files but the config file read.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "index/util/status.h"
#include "lifecycle/disk_monitor.h"

namespace CLI {
class App;
}

namespace holdfast {

struct NodeConfig {
  std::string config_file;
  std::string node_name;  // default: the host name
  std::string cluster_name = "holdfast";
  std::string cluster_uuid;  // empty: accept the volume's; new volume gets a fresh one
  // Cluster mode: the etcd endpoints ("http://host:port", comma-separated);
  // empty runs the embedded one-node cluster.
  std::vector<std::string> etcd_endpoints;
  std::chrono::seconds cluster_lease_ttl{10};  // the node's etcd lease
  // TLS to etcd (https:// endpoints): PEM files, read at start.
  bool etcd_tls = false;
  std::string etcd_ca_file;    // the CAs etcd's certificate chains to; empty: the system's
  std::string etcd_cert_file;  // this node's client certificate (etcd --client-cert-auth), with the key
  std::string etcd_key_file;
  std::string data_dir = "data";
  std::string http_address = "127.0.0.1:9200";
  std::string grpc_address = "127.0.0.1:9300";
  // The host other nodes dial and clients are told this node is at (both
  // addresses, with the ports they listen on); empty: the listen addresses'
  // own host. A cluster node listening on every interface (0.0.0.0, ::)
  // must say it: nobody can dial "0.0.0.0" (Elasticsearch's
  // network.publish_host).
  std::string publish_host;
  // Node attributes (Elasticsearch's node.attr.<name>): published in the
  // member key, matched by allocation awareness (zone, rack, host, ...).
  std::map<std::string, std::string> node_attributes;
  std::chrono::milliseconds shutdown_grace{30'000};
  std::chrono::milliseconds shutdown_readiness_delay{5'000};  // part of the grace period
  std::string admin_token_file;  // non-empty: admin calls need the token in it
  uint64_t http_max_body_bytes = 100ull << 20;
  uint64_t http_max_header_bytes = 8u << 10;
  uint64_t http_max_bulk_bytes = 1ull << 30;  // bulk bodies spill to disk, so this may be large
  uint64_t recovery_max_bytes_per_sec = 40ull << 20;  // peer recovery bytes, all recoveries of the node together
  std::chrono::milliseconds http_header_timeout{10'000};
  std::chrono::milliseconds http_idle_timeout{300'000};
  uint64_t http_max_connections = 10'000;
  uint64_t http_threads = 0;  // 0: one per core
  uint64_t worker_threads = 0;  // 0: two per core, eight in a cluster (request handlers: search, writes)
  // Batch rpcs one coordinator has on their way to one other node at a time
  // (0: one per two cores, at least one); batches started beyond it wait and
  // travel together (replication/grpc_shard_client.h, "Coalescing").
  uint64_t max_batches_in_flight = 0;
  uint64_t coalesce_full_at = 6;
  // Index segment files held in process memory, in all; beyond, they are
  // mapped from the page cache. Resolved from a percentage of the node's
  // memory (default 50%); 0 maps every file.
  uint64_t segments_memory_bytes = 0;
  // The shared cache of document source blocks (default 10% of memory, at most 1gb).
  uint64_t source_cache_bytes = 0;
  bool elasticsearch_compat = true;
  // How the coordinator reaches this node's shard copies: "local" (in
  // process), "loopback" (every request through bytes, as across a network)
  // or "grpc" (through the node's own gRPC port). Copies on other nodes are
  // always reached over gRPC.
  std::string shard_transport = "local";
  // The disk watermarks (Elasticsearch's cluster.routing.allocation.disk.*)
  // and how often the data volume is measured (cluster.info.update.interval).
  DiskWatermarks disk_watermarks;
  std::chrono::milliseconds disk_check_interval{1000};
  std::string log_level = "info";    // trace | debug | info | warn | error
  std::string log_format = "text";   // text | json
};

// Registers the flags of `serve` on a CLI11 app (the help text names each
// setting's environment variable and config-file key), then, after the app has
// parsed the command line, merges flags, environment, file and defaults.
class NodeConfigLoader {
 public:
  NodeConfigLoader();
  ~NodeConfigLoader();
  NodeConfigLoader(const NodeConfigLoader&) = delete;
  NodeConfigLoader& operator=(const NodeConfigLoader&) = delete;

  void RegisterFlags(CLI::App* app);
  // InvalidArgument names the offending setting and where its value came from.
  Result<NodeConfig> Resolve() const;

 private:
  struct Setting;
  std::vector<Setting> settings_;
};

// "100mb", "8kb", "1gb", "512b" or a plain byte count.
Result<uint64_t> ParseByteSize(const std::string& text);
// A byte size, or a percentage ("50%") of `total`.
Result<uint64_t> ParseByteSizeOrPercent(const std::string& text, uint64_t total);
// The memory this process may use: physical memory, or the cgroup's limit when lower.
uint64_t NodeMemoryBytes();
// A disk watermark: a share of the volume in use ("85%", "85.5%", or the
// ratio "0.85") or an amount of free space with a unit ("500mb").
Result<DiskWatermark> ParseDiskWatermark(const std::string& text);
// "30s", "500ms", "2m", "1h"; "0" alone is allowed.
Result<std::chrono::milliseconds> ParseDuration(const std::string& text);
// "host:port" or "[v6]:port" → host and port (0 = any free port).
Status SplitHostPort(const std::string& address, std::string* host, uint16_t* port);
// True for a host (without brackets) that means "every interface" when
// listening: 0.0.0.0, ::.
bool IsUnspecifiedHost(const std::string& host);
// "host:port" with the port replaced: what a listen address got (port 0).
std::string WithPort(const std::string& address, int port);
// The address this node tells others for a listen address `listen` that
// got port `port`: `publish_host` (bracketed when IPv6) or the listen host,
// and the port.
std::string PublishedAddress(const std::string& listen, const std::string& publish_host, int port);

}  // namespace holdfast
