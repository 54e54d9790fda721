#include "server/process/node_config.h"

#include "replication/allocation_awareness.h"
#include "replication/etcd_client.h"
#include "index/util/comma_list.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <CLI/CLI.hpp>
#include <cctype>
#include <charconv>
#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <thread>

namespace holdfast {

namespace {

using Apply = std::function<Status(NodeConfig&, const std::string&)>;

Result<uint64_t> ParseNumber(const std::string& text, size_t len) {
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + len, v);
  if (ec != std::errc() || p != text.data() + len || len == 0) {
    return Status::InvalidArgument("not a number: \"" + text + "\"");
  }
  return v;
}

// Splits "100mb" into 100 and "mb" (unit lower-cased).
Result<std::pair<uint64_t, std::string>> SplitUnit(const std::string& text) {
  size_t i = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  auto n = ParseNumber(text, i);
  if (!n.ok()) return n.status();
  std::string unit = text.substr(i);
  for (char& c : unit) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return std::make_pair(n.value(), unit);
}

Status ParseBool(const std::string& text, bool* out) {
  if (text == "true" || text == "1" || text == "yes" || text == "on") {
    *out = true;
  } else if (text == "false" || text == "0" || text == "no" || text == "off") {
    *out = false;
  } else {
    return Status::InvalidArgument("not a boolean: \"" + text + "\" (use true or false)");
  }
  return Status::OK();
}

Apply String(std::string NodeConfig::*field) {
  return [field](NodeConfig& c, const std::string& v) {
    c.*field = v;
    return Status::OK();
  };
}
Apply Address(std::string NodeConfig::*field) {
  return [field](NodeConfig& c, const std::string& v) {
    std::string host;
    uint16_t port;
    HOLDFAST_RETURN_IF_ERROR(SplitHostPort(v, &host, &port));
    c.*field = v;
    return Status::OK();
  };
}
Apply Duration(std::chrono::milliseconds NodeConfig::*field) {
  return [field](NodeConfig& c, const std::string& v) {
    auto d = ParseDuration(v);
    if (!d.ok()) return d.status();
    c.*field = d.value();
    return Status::OK();
  };
}
Apply Bytes(uint64_t NodeConfig::*field) {
  return [field](NodeConfig& c, const std::string& v) {
    auto b = ParseByteSize(v);
    if (!b.ok()) return b.status();
    c.*field = b.value();
    return Status::OK();
  };
}
Apply MemoryShare(uint64_t NodeConfig::*field) {
  return [field](NodeConfig& c, const std::string& v) {
    auto b = ParseByteSizeOrPercent(v, NodeMemoryBytes());
    if (!b.ok()) return b.status();
    c.*field = b.value();
    return Status::OK();
  };
}
Apply Count(uint64_t NodeConfig::*field, uint64_t min) {
  return [field, min](NodeConfig& c, const std::string& v) {
    auto n = ParseNumber(v, v.size());
    if (!n.ok()) return n.status();
    if (n.value() < min) return Status::InvalidArgument("must be at least " + std::to_string(min));
    c.*field = n.value();
    return Status::OK();
  };
}
Apply Choice(std::string NodeConfig::*field, std::initializer_list<const char*> allowed) {
  std::vector<const char*> options(allowed);
  return [field, options](NodeConfig& c, const std::string& v) {
    for (const char* o : options) {
      if (v == o) {
        c.*field = v;
        return Status::OK();
      }
    }
    std::string list;
    for (const char* o : options) list += list.empty() ? o : std::string(", ") + o;
    return Status::InvalidArgument("\"" + v + "\" is not one of: " + list);
  };
}
Apply Bool(bool NodeConfig::*field) {
  return [field](NodeConfig& c, const std::string& v) { return ParseBool(v, &(c.*field)); };
}
Apply Watermark(DiskWatermark DiskWatermarks::*field) {
  return [field](NodeConfig& c, const std::string& v) {
    auto w = ParseDiskWatermark(v);
    if (!w.ok()) return w.status();
    c.disk_watermarks.*field = std::move(w).value();
    return Status::OK();
  };
}

// Flattens a YAML mapping into dotted keys: {http: {address: x}} → "http.address".
Status Flatten(const YAML::Node& node, const std::string& prefix,
               std::map<std::string, std::string>* out) {
  if (node.IsMap()) {
    for (const auto& kv : node) {
      std::string key = kv.first.as<std::string>();
      HOLDFAST_RETURN_IF_ERROR(Flatten(kv.second, prefix.empty() ? key : prefix + "." + key, out));
    }
    return Status::OK();
  }
  if (node.IsScalar()) {
    (*out)[prefix] = node.Scalar();
    return Status::OK();
  }
  if (node.IsNull()) return Status::OK();
  return Status::InvalidArgument("config key " + prefix + " must be a single value");
}

constexpr char kNodeAttrPrefix[] = "node.attr.";

Status SetNodeAttribute(NodeConfig& c, const std::string& name, const std::string& value) {
  if (!IsNodeAttributeName(name)) {
    return Status::InvalidArgument("node attribute name \"" + name +
                                   "\" must be 1-64 letters, digits, '_' or '-', not starting with '_' (dotted names "
                                   "are the node's own)");
  }
  if (value.empty() || value.size() > 256 || value.find_first_of(",=\n") != std::string::npos) {
    return Status::InvalidArgument("node attribute " + name + " needs a value of 1-256 characters without ',' or '='");
  }
  c.node_attributes[name] = value;
  return Status::OK();
}

std::string HostName() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof(buf) - 1) != 0 || buf[0] == '\0') return "holdfast-node";
  return buf;
}

}  // namespace

struct NodeConfigLoader::Setting {
  Setting(const char* f, const char* e, const char* k, const char* h, Apply a)
      : flag(f), env(e), key(k), help(h), apply(std::move(a)) {}
  const char* flag;  // "--data-dir"
  const char* env;   // "HOLDFAST_DATA_DIR"
  const char* key;   // "path.data"
  const char* help;
  Apply apply;
  std::string flag_value;
  CLI::Option* option = nullptr;
};

NodeConfigLoader::NodeConfigLoader() {
  using C = NodeConfig;
  settings_ = {
      {"--config", "HOLDFAST_CONFIG", "", "YAML config file", String(&C::config_file)},
      {"--node-name", "HOLDFAST_NODE_NAME", "node.name", "node name (default: host name)",
       String(&C::node_name)},
      {"--cluster-name", "HOLDFAST_CLUSTER_NAME", "cluster.name", "cluster name (default holdfast)",
       String(&C::cluster_name)},
      {"--cluster-uuid", "HOLDFAST_CLUSTER_UUID", "cluster.uuid",
       "refuse a volume of any other cluster; a new volume joins this one",
       [](C& c, const std::string& v) {
         if (!v.empty() && (v.size() > 128 || v.find_first_of(" \n\t=") != std::string::npos)) {
           return Status::InvalidArgument("cluster uuid must be a token without spaces or '='");
         }
         c.cluster_uuid = v;
         return Status::OK();
       }},
      {"--etcd-endpoints", "HOLDFAST_ETCD_ENDPOINTS", "cluster.etcd.endpoints",
       "etcd endpoints, comma-separated (http://127.0.0.1:2379): cluster mode; empty runs one node on its own",
       [](C& c, const std::string& v) {
         c.etcd_endpoints.clear();
         c.etcd_tls = false;
         if (v.empty()) return Status::OK();
         auto parsed = ParseEtcdEndpoints(v, &c.etcd_tls);
         if (!parsed.ok()) return parsed.status();
         c.etcd_endpoints = std::move(parsed).value();
         return Status::OK();
       }},
      {"--cluster-lease-ttl", "HOLDFAST_CLUSTER_LEASE_TTL", "cluster.lease_ttl",
       "the node's etcd lease (10s): a node silent for longer leaves the cluster",
       [](C& c, const std::string& v) {
         auto d = ParseDuration(v);
         if (!d.ok()) return d.status();
         if (d->count() < 2000 || d->count() % 1000 != 0) {
           return Status::InvalidArgument("must be whole seconds, at least 2s");
         }
         c.cluster_lease_ttl = std::chrono::duration_cast<std::chrono::seconds>(d.value());
         return Status::OK();
       }},
      {"--etcd-cacert", "HOLDFAST_ETCD_CACERT", "cluster.etcd.cacert",
       "https etcd endpoints: the CA certificates (PEM file) etcd's server certificate must chain to (default: "
       "the system's)",
       String(&C::etcd_ca_file)},
      {"--etcd-cert", "HOLDFAST_ETCD_CERT", "cluster.etcd.cert",
       "https etcd endpoints: this node's client certificate (PEM file) for etcd's --client-cert-auth; with "
       "--etcd-key",
       String(&C::etcd_cert_file)},
      {"--etcd-key", "HOLDFAST_ETCD_KEY", "cluster.etcd.key", "the private key (PEM file) of --etcd-cert",
       String(&C::etcd_key_file)},
      {"--data-dir", "HOLDFAST_DATA_DIR", "path.data", "the volume (default ./data)",
       [](C& c, const std::string& v) {
         if (v.empty()) return Status::InvalidArgument("data dir must not be empty");
         c.data_dir = v;
         return Status::OK();
       }},
      {"--http-addr", "HOLDFAST_HTTP_ADDR", "http.address", "HTTP listen address (127.0.0.1:9200)",
       Address(&C::http_address)},
      {"--grpc-addr", "HOLDFAST_GRPC_ADDR", "grpc.address", "gRPC listen address (127.0.0.1:9300)",
       Address(&C::grpc_address)},
      {"--publish-host", "HOLDFAST_PUBLISH_HOST", "network.publish_host",
       "the host name or IP other nodes dial this node at, with the listen ports (default: the listen "
       "addresses' host); needed in a cluster when gRPC listens on 0.0.0.0 or ::",
       [](C& c, const std::string& v) {
         std::string host = v;
         if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
         in6_addr v6{};
         const bool bad_colon = host.find(':') != std::string::npos && ::inet_pton(AF_INET6, host.c_str(), &v6) != 1;
         if ((host.empty() && !v.empty()) || bad_colon || host.find_first_of(" \t\n/[]") != std::string::npos) {
           return Status::InvalidArgument("\"" + v + "\" is not a host name or IP address "
                                          "(no port: the listen ports are published)");
         }
         if (IsUnspecifiedHost(host)) {
           return Status::InvalidArgument("\"" + v + "\" means every interface; give an address others can dial");
         }
         c.publish_host = host;
         return Status::OK();
       }},
      {"--node-attr", "HOLDFAST_NODE_ATTR", "node.attr",
       "node attributes for allocation awareness, name=value pairs, comma-separated (zone=us-east-1a,rack=r7); "
       "the config file may also say node.attr.<name>: value (a flag or environment value wins per name)",
       [](C& c, const std::string& v) {
         for (const std::string& pair : SplitCommaList(v)) {
           const size_t eq = pair.find('=');
           if (eq == std::string::npos) return Status::InvalidArgument("\"" + pair + "\" is not name=value");
           HOLDFAST_RETURN_IF_ERROR(SetNodeAttribute(c, pair.substr(0, eq), pair.substr(eq + 1)));
         }
         return Status::OK();
       }},
      {"--shutdown-grace", "HOLDFAST_SHUTDOWN_GRACE", "shutdown.grace_period",
       "how long in-flight requests may run after SIGTERM (30s)", Duration(&C::shutdown_grace)},
      {"--admin-token-file", "HOLDFAST_ADMIN_TOKEN_FILE", "admin.token_file",
       "a file holding the admin token: admin gRPC calls then need `authorization: Bearer <token>` (holdfastctl "
       "--token-file); live, ready and status stay open",
       String(&C::admin_token_file)},
      {"--shutdown-readiness-delay", "HOLDFAST_SHUTDOWN_READINESS_DELAY", "shutdown.readiness_delay",
       "after SIGTERM, how long the node keeps answering (not ready, every response closing its connection) "
       "before it stops accepting, within the grace period (5s)",
       Duration(&C::shutdown_readiness_delay)},
      {"--http-max-body-size", "HOLDFAST_HTTP_MAX_BODY_SIZE", "http.max_body_size",
       "largest request body (100mb); larger gets 413", Bytes(&C::http_max_body_bytes)},
      {"--http-max-bulk-size", "HOLDFAST_HTTP_MAX_BULK_SIZE", "http.max_bulk_size",
       "largest _bulk body (1gb); spooled to disk, not memory", Bytes(&C::http_max_bulk_bytes)},
      {"--http-max-header-size", "HOLDFAST_HTTP_MAX_HEADER_SIZE", "http.max_header_size",
       "largest request head (8kb); larger gets 431", Bytes(&C::http_max_header_bytes)},
      {"--http-header-timeout", "HOLDFAST_HTTP_HEADER_TIMEOUT", "http.header_timeout",
       "a client must send its whole request head within this (10s)",
       Duration(&C::http_header_timeout)},
      {"--http-idle-timeout", "HOLDFAST_HTTP_IDLE_TIMEOUT", "http.idle_timeout",
       "idle keep-alive connections are closed after this (5m)", Duration(&C::http_idle_timeout)},
      {"--http-max-connections", "HOLDFAST_HTTP_MAX_CONNECTIONS", "http.max_connections",
       "open connections at most (10000); more get 503", Count(&C::http_max_connections, 1)},
      {"--http-threads", "HOLDFAST_HTTP_THREADS", "http.threads", "I/O threads (0 = one per core)",
       Count(&C::http_threads, 0)},
      {"--worker-threads", "HOLDFAST_WORKER_THREADS", "node.worker_threads",
       "request worker threads (0 = two per core; eight per core in a cluster)", Count(&C::worker_threads, 0)},
      {"--max-batches-in-flight", "HOLDFAST_MAX_BATCHES_IN_FLIGHT", "transport.max_batches_in_flight",
       "shard batch rpcs to one other node at a time (0 = one per two cores, at least 1); more wait and then "
       "travel together in one",
       Count(&C::max_batches_in_flight, 0)},
      {"--coalesce-full-at", "HOLDFAST_COALESCE_FULL_AT", "transport.coalesce_full_at",
       "search batches waiting for a slot that make a full rpc: they go at once, up to twice "
       "max_batches_in_flight rpcs out (6; 0 = they always wait)",
       Count(&C::coalesce_full_at, 0)},
      {"--segments-memory", "HOLDFAST_SEGMENTS_MEMORY", "store.segments_memory",
       "index segment files held in process memory, in all (50%); beyond, mapped from the page cache",
       MemoryShare(&C::segments_memory_bytes)},
      {"--source-cache-size", "HOLDFAST_SOURCE_CACHE_SIZE", "store.source_cache_size",
       "cache of document source blocks, shared by all shards (10%, at most 1gb)",
       MemoryShare(&C::source_cache_bytes)},
      {"--elasticsearch-compat", "HOLDFAST_ELASTICSEARCH_COMPAT", "compat.elasticsearch",
       "answer as Elasticsearch 7.17 for official clients (true)", Bool(&C::elasticsearch_compat)},
      {"--shard-transport", "HOLDFAST_SHARD_TRANSPORT", "shard.transport",
       "local|loopback|grpc: how requests reach this node's own shard copies (local); loopback sends every "
       "one through bytes, grpc through the node's own gRPC port, as across a network",
       Choice(&C::shard_transport, {"local", "loopback", "grpc"})},
      {"--recovery-max-bytes-per-sec", "HOLDFAST_RECOVERY_MAX_BYTES_PER_SEC", "indices.recovery.max_bytes_per_sec",
       "bytes per second all peer recoveries into this node share (40mb; 0: unlimited); the cluster setting of "
       "the same name overrides it", Bytes(&C::recovery_max_bytes_per_sec)},
      {"--disk-threshold-enabled", "HOLDFAST_DISK_THRESHOLD_ENABLED",
       "cluster.routing.allocation.disk.threshold_enabled",
       "apply the disk watermarks (true); false: disk usage is still measured and shown, writes are never blocked",
       [](C& c, const std::string& v) { return ParseBool(v, &c.disk_watermarks.enabled); }},
      {"--disk-watermark-low", "HOLDFAST_DISK_WATERMARK_LOW", "cluster.routing.allocation.disk.watermark.low",
       "low disk watermark: share of the volume in use (85%) or free space left (e.g. 500mb)",
       Watermark(&DiskWatermarks::low)},
      {"--disk-watermark-high", "HOLDFAST_DISK_WATERMARK_HIGH", "cluster.routing.allocation.disk.watermark.high",
       "high disk watermark (90%): below it a flood-stage write block is released", Watermark(&DiskWatermarks::high)},
      {"--disk-watermark-flood-stage", "HOLDFAST_DISK_WATERMARK_FLOOD_STAGE",
       "cluster.routing.allocation.disk.watermark.flood_stage",
       "flood stage disk watermark (95%): past it, writes that add data to this node's indices get 429",
       Watermark(&DiskWatermarks::flood_stage)},
      {"--disk-check-interval", "HOLDFAST_DISK_CHECK_INTERVAL", "cluster.info.update.interval",
       "how often the data volume's usage is measured (1s)",
       [](C& c, const std::string& v) {
         auto d = ParseDuration(v);
         if (!d.ok()) return d.status();
         if (d->count() <= 0) return Status::InvalidArgument("must be more than 0");
         c.disk_check_interval = d.value();
         return Status::OK();
       }},
      {"--log-level", "HOLDFAST_LOG_LEVEL", "log.level", "trace|debug|info|warn|error (info)",
       Choice(&C::log_level, {"trace", "debug", "info", "warn", "error"})},
      {"--log-format", "HOLDFAST_LOG_FORMAT", "log.format", "text|json (text)",
       Choice(&C::log_format, {"text", "json"})},
  };
}

NodeConfigLoader::~NodeConfigLoader() = default;

void NodeConfigLoader::RegisterFlags(CLI::App* app) {
  for (Setting& s : settings_) {
    std::string help = s.help;
    if (*s.key) help += std::string("  [config key ") + s.key + "]";
    s.option = app->add_option(s.flag, s.flag_value, help)->envname(s.env);
  }
}

Result<NodeConfig> NodeConfigLoader::Resolve() const {
  NodeConfig config;
  const uint64_t memory = NodeMemoryBytes();
  config.segments_memory_bytes = memory / 2;
  config.source_cache_bytes = std::min<uint64_t>(memory / 10, 1ull << 30);
  // The config file itself comes from flag or env only (settings_[0]).
  std::map<std::string, std::string> file_values;
  const Setting& config_setting = settings_.front();
  if (config_setting.option->count() > 0 && !config_setting.flag_value.empty()) {
    config.config_file = config_setting.flag_value;
    try {
      YAML::Node root = YAML::LoadFile(config.config_file);
      if (!root.IsNull() && !root.IsMap()) {
        return Status::InvalidArgument("config file " + config.config_file + " is not a mapping");
      }
      HOLDFAST_RETURN_IF_ERROR(Flatten(root, "", &file_values));
    } catch (const YAML::Exception& e) {
      return Status::InvalidArgument("config file " + config.config_file + ": " + e.what());
    }
    for (const auto& [key, value] : file_values) {
      if (key.rfind(kNodeAttrPrefix, 0) == 0) {  // node.attr.<name>: value
        if (Status s = SetNodeAttribute(config, key.substr(sizeof(kNodeAttrPrefix) - 1), value); !s.ok()) {
          return Status::InvalidArgument("config file " + config.config_file + ": " + s.message());
        }
        continue;
      }
      bool known = false;
      for (const Setting& s : settings_) known = known || key == s.key;
      if (!known) {
        return Status::InvalidArgument("config file " + config.config_file +
                                       ": unknown setting \"" + key + "\"");
      }
    }
  }
  for (size_t i = 1; i < settings_.size(); ++i) {
    const Setting& s = settings_[i];
    std::string value, origin;
    if (s.option->count() > 0) {  // CLI11 fills from the flag, else from the env var
      value = s.flag_value;
      const char* env = std::getenv(s.env);
      bool from_env = env != nullptr && value == env;
      origin = from_env ? std::string("environment variable ") + s.env : std::string("flag ") + s.flag;
    } else if (auto it = file_values.find(s.key); it != file_values.end()) {
      value = it->second;
      origin = "config file key " + std::string(s.key);
    } else {
      continue;
    }
    Status st = s.apply(config, value);
    if (!st.ok()) return Status::InvalidArgument(origin + ": " + st.message());
  }
  if (Status s = config.disk_watermarks.Validate(); !s.ok()) {
    return Status::InvalidArgument("cluster.routing.allocation.disk.watermark: " + s.message());
  }
  if (config.node_name.empty()) config.node_name = HostName();
  if (config.etcd_cert_file.empty() != config.etcd_key_file.empty()) {
    return Status::InvalidArgument("--etcd-cert and --etcd-key (cluster.etcd.cert, cluster.etcd.key) go together");
  }
  if (!config.etcd_tls &&
      (!config.etcd_ca_file.empty() || !config.etcd_cert_file.empty() || !config.etcd_key_file.empty())) {
    return Status::InvalidArgument(
        "--etcd-cacert, --etcd-cert and --etcd-key are for TLS to etcd: give https:// etcd endpoints");
  }
  if (!config.etcd_endpoints.empty() && config.publish_host.empty()) {
    // The other nodes dial the gRPC address this node registers; "0.0.0.0"
    // would reach their own host (a node may then talk to itself).
    std::string host;
    uint16_t port = 0;
    if (SplitHostPort(config.grpc_address, &host, &port).ok() && IsUnspecifiedHost(host)) {
      return Status::InvalidArgument("grpc.address " + config.grpc_address +
                                     " listens on every interface, and other nodes cannot dial " + host +
                                     ": set --publish-host (HOLDFAST_PUBLISH_HOST, network.publish_host) to the "
                                     "address they reach this node at, or listen on that address");
    }
  }
  if (config.http_threads == 0) {
    config.http_threads = std::max(1u, std::thread::hardware_concurrency());
  }
  const uint64_t cores = std::max(1u, std::thread::hardware_concurrency());
  if (config.worker_threads == 0) {
    // A search coordinated in a cluster holds its worker while the other
    // nodes answer (no CPU of this node meanwhile): with two per core, four
    // searches in flight left this node's cores idle while it waited
    // (docs/benchmarks.md, "Searches that meet on the way").
    config.worker_threads = (config.etcd_endpoints.empty() ? 2 : 8) * cores;
  }
  if (config.max_batches_in_flight == 0) config.max_batches_in_flight = std::max<uint64_t>(1, cores / 2);
  return config;
}

Result<uint64_t> ParseByteSize(const std::string& text) {
  auto split = SplitUnit(text);
  if (!split.ok()) return Status::InvalidArgument("not a byte size: \"" + text + "\"");
  static const std::map<std::string, uint64_t> kUnits = {
      {"", 1}, {"b", 1}, {"kb", 1ull << 10}, {"mb", 1ull << 20}, {"gb", 1ull << 30}};
  auto it = kUnits.find(split.value().second);
  if (it == kUnits.end()) {
    return Status::InvalidArgument("unknown size unit in \"" + text + "\" (use b, kb, mb, gb)");
  }
  return split.value().first * it->second;
}

Result<uint64_t> ParseByteSizeOrPercent(const std::string& text, uint64_t total) {
  if (!text.empty() && text.back() == '%') {
    const std::string number = text.substr(0, text.size() - 1);
    auto n = ParseNumber(number, number.size());
    if (!n.ok() || n.value() > 100) {
      return Status::InvalidArgument("not a percentage from 0% to 100%: \"" + text + "\"");
    }
    return total / 100 * n.value();
  }
  return ParseByteSize(text);
}

uint64_t NodeMemoryBytes() {
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGESIZE);
  uint64_t memory = pages > 0 && page > 0 ? static_cast<uint64_t>(pages) * static_cast<uint64_t>(page) : 0;
  // A container's limit: cgroup v2, then v1 ("max" or a huge number: none).
  for (const char* path : {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}) {
    std::ifstream in(path);
    std::string value;
    if (!(in >> value) || value.empty() || value == "max") continue;
    auto n = ParseNumber(value, value.size());
    if (n.ok() && n.value() > 0 && (memory == 0 || n.value() < memory)) memory = n.value();
  }
  return memory;
}

Result<DiskWatermark> ParseDiskWatermark(const std::string& text) {
  const auto bad = [&] {
    return Status::InvalidArgument("not a disk watermark: \"" + text +
                                   "\" (use a percentage such as 85%, a ratio such as 0.85, or a size such as 500mb)");
  };
  if (text.empty()) return bad();
  const bool percent = text.back() == '%';
  const std::string number = percent ? text.substr(0, text.size() - 1) : text;
  const bool decimal = number.find('.') != std::string::npos;
  if (percent || decimal) {
    double value = 0;
    auto [p, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
    if (ec != std::errc() || p != number.data() + number.size() || number.empty()) return bad();
    if (!percent) value *= 100;  // a ratio
    if (value < 0 || value > 100) {
      return Status::InvalidArgument("disk watermark \"" + text + "\" is not between 0% and 100%");
    }
    return DiskWatermark::UsedPercent(value, text);
  }
  // A size needs its unit: "85" alone could mean 85% or 85 bytes.
  if (std::all_of(text.begin(), text.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    return bad();
  }
  auto bytes = ParseByteSize(text);
  if (!bytes.ok()) return bad();
  return DiskWatermark::FreeBytes(bytes.value(), text);
}

Result<std::chrono::milliseconds> ParseDuration(const std::string& text) {
  auto split = SplitUnit(text);
  if (!split.ok()) return Status::InvalidArgument("not a duration: \"" + text + "\"");
  const auto& [n, unit] = split.value();
  static const std::map<std::string, uint64_t> kUnits = {
      {"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}, {"d", 86'400'000}};
  if (unit.empty() && n == 0) return std::chrono::milliseconds(0);
  auto it = kUnits.find(unit);
  if (it == kUnits.end()) {
    return Status::InvalidArgument("duration \"" + text + "\" needs a unit (ms, s, m, h, d)");
  }
  return std::chrono::milliseconds(n * it->second);
}

Status SplitHostPort(const std::string& address, std::string* host, uint16_t* port) {
  size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon + 1 == address.size()) {
    return Status::InvalidArgument("address \"" + address + "\" must be host:port");
  }
  std::string h = address.substr(0, colon);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  if (h.empty()) return Status::InvalidArgument("address \"" + address + "\" has no host");
  std::string p = address.substr(colon + 1);
  auto n = ParseNumber(p, p.size());
  if (!n.ok() || n.value() > 65535) {
    return Status::InvalidArgument("address \"" + address + "\" has a bad port");
  }
  *host = h;
  *port = static_cast<uint16_t>(n.value());
  return Status::OK();
}

bool IsUnspecifiedHost(const std::string& host) {
  if (host == "0.0.0.0") return true;
  in6_addr v6{};
  return ::inet_pton(AF_INET6, host.c_str(), &v6) == 1 && IN6_IS_ADDR_UNSPECIFIED(&v6);
}

std::string WithPort(const std::string& address, int port) {
  return address.substr(0, address.rfind(':') + 1) + std::to_string(port);
}

std::string PublishedAddress(const std::string& listen, const std::string& publish_host, int port) {
  if (publish_host.empty()) return WithPort(listen, port);
  const bool v6 = publish_host.find(':') != std::string::npos;
  return (v6 ? "[" + publish_host + "]" : publish_host) + ":" + std::to_string(port);
}

}  // namespace holdfast
