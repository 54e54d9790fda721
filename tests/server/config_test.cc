// holdfast serve's configuration: precedence flag > env > file > default,
// and clear errors (server/node_config.h).
#include "server/process/node_config.h"

#include <gtest/gtest.h>

#include <map>
#include <stdlib.h>

#include <CLI/CLI.hpp>

#include "index/util/file_util.h"
#include "tests/support/test_process.h"

namespace holdfast {
namespace {

// Parses `args` (without argv[0]) as `serve` flags.
Result<NodeConfig> Load(std::vector<std::string> args) {
  CLI::App app;
  NodeConfigLoader loader;
  loader.RegisterFlags(&app);
  std::reverse(args.begin(), args.end());  // CLI11 takes a reversed vector
  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    return Status::InvalidArgument(e.what());
  }
  return loader.Resolve();
}

class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) { ::setenv(name, value, 1); }
  ~ScopedEnv() { ::unsetenv(name_); }

 private:
  const char* name_;
};

TEST(NodeConfigTest, DefaultsAreTheEmbeddedSingleNode) {
  auto c = Load({});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->data_dir, "data");
  EXPECT_EQ(c->http_address, "127.0.0.1:9200");
  EXPECT_EQ(c->grpc_address, "127.0.0.1:9300");
  EXPECT_EQ(c->shutdown_grace, std::chrono::seconds(30));
  EXPECT_EQ(c->http_max_body_bytes, 100u << 20);
  EXPECT_FALSE(c->node_name.empty());
  EXPECT_GE(c->http_threads, 1u);
}

TEST(NodeConfigTest, FlagBeatsEnvBeatsFileBeatsDefault) {
  testing::TempDir tmp;
  const std::string file = tmp.Sub("holdfast.yml");
  ASSERT_TRUE(WriteFileDurably(file,
                               "node:\n  name: from-file\n"
                               "path.data: file-data\n"
                               "http:\n  max_body_size: 1mb\n  address: 127.0.0.1:7000\n"
                               "log:\n  format: json\n")
                  .ok());
  ScopedEnv env_name("HOLDFAST_NODE_NAME", "from-env");
  ScopedEnv env_addr("HOLDFAST_HTTP_ADDR", "127.0.0.1:8000");
  auto c = Load({"--config", file, "--node-name", "from-flag"});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->node_name, "from-flag");          // flag over env and file
  EXPECT_EQ(c->http_address, "127.0.0.1:8000");  // env over file
  EXPECT_EQ(c->data_dir, "file-data");           // file over default (dotted key)
  EXPECT_EQ(c->http_max_body_bytes, 1u << 20);   // nested key
  EXPECT_EQ(c->log_format, "json");
  EXPECT_EQ(c->grpc_address, "127.0.0.1:9300");  // default
}

TEST(NodeConfigTest, ConfigFileFromEnvironment) {
  testing::TempDir tmp;
  const std::string file = tmp.Sub("c.yml");
  ASSERT_TRUE(WriteFileDurably(file, "shutdown:\n  grace_period: 5s\n").ok());
  ScopedEnv env("HOLDFAST_CONFIG", file.c_str());
  auto c = Load({});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->shutdown_grace, std::chrono::seconds(5));
}

TEST(NodeConfigTest, ErrorsNameTheSettingAndItsSource) {
  auto bad_flag = Load({"--http-max-body-size", "12parsecs"});
  ASSERT_FALSE(bad_flag.ok());
  EXPECT_NE(bad_flag.status().message().find("--http-max-body-size"), std::string::npos);

  ScopedEnv env("HOLDFAST_SHUTDOWN_GRACE", "10");
  auto bad_env = Load({});
  ASSERT_FALSE(bad_env.ok());
  EXPECT_NE(bad_env.status().message().find("HOLDFAST_SHUTDOWN_GRACE"), std::string::npos)
      << bad_env.status().message();
}

TEST(NodeConfigTest, UnknownOrMalformedConfigFileIsRefused) {
  testing::TempDir tmp;
  const std::string typo = tmp.Sub("typo.yml");
  ASSERT_TRUE(WriteFileDurably(typo, "http:\n  max_body_sise: 1mb\n").ok());
  auto c = Load({"--config", typo});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("http.max_body_sise"), std::string::npos);

  const std::string broken = tmp.Sub("broken.yml");
  ASSERT_TRUE(WriteFileDurably(broken, "http: [unclosed\n").ok());
  EXPECT_FALSE(Load({"--config", broken}).ok());
  EXPECT_FALSE(Load({"--config", tmp.Sub("missing.yml")}).ok());
}

TEST(NodeConfigTest, ChoicesAndAddressesAreValidated) {
  EXPECT_FALSE(Load({"--log-level", "loud"}).ok());
  EXPECT_FALSE(Load({"--log-format", "xml"}).ok());
  EXPECT_FALSE(Load({"--http-addr", "localhost"}).ok());
  EXPECT_FALSE(Load({"--http-addr", "127.0.0.1:99999"}).ok());
  EXPECT_FALSE(Load({"--http-max-connections", "0"}).ok());
  auto v6 = Load({"--http-addr", "[::1]:9201"});
  ASSERT_TRUE(v6.ok()) << v6.status().ToString();
}

TEST(NodeConfigTest, OtherNodesDialThePublishHost) {
  // By default a node tells others the host it listens on.
  auto plain = Load({"--grpc-addr", "10.1.2.3:9300"});
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ(plain->publish_host, "");
  EXPECT_EQ(PublishedAddress(plain->grpc_address, plain->publish_host, 9300), "10.1.2.3:9300");
  EXPECT_EQ(PublishedAddress("[::1]:0", "", 41234), "[::1]:41234");  // the port it got

  // Listening on every interface, it publishes the host it is given, with its own ports.
  auto c = Load({"--grpc-addr", "0.0.0.0:9300", "--http-addr", "0.0.0.0:0", "--publish-host", "10.0.0.5",
                 "--etcd-endpoints", "http://127.0.0.1:2379"});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->publish_host, "10.0.0.5");
  EXPECT_EQ(PublishedAddress(c->grpc_address, c->publish_host, 9300), "10.0.0.5:9300");
  EXPECT_EQ(PublishedAddress(c->http_address, c->publish_host, 40001), "10.0.0.5:40001");
  auto v6 = Load({"--publish-host", "[fd00::5]"});
  ASSERT_TRUE(v6.ok()) << v6.status().ToString();
  EXPECT_EQ(v6->publish_host, "fd00::5");
  EXPECT_EQ(PublishedAddress("[::]:9300", v6->publish_host, 9300), "[fd00::5]:9300");
  {
    ScopedEnv env("HOLDFAST_PUBLISH_HOST", "node-3.holdfast.svc");
    auto from_env = Load({});
    ASSERT_TRUE(from_env.ok()) << from_env.status().ToString();
    EXPECT_EQ(from_env->publish_host, "node-3.holdfast.svc");
  }
  testing::TempDir tmp;
  const std::string file = tmp.Sub("publish.yml");
  ASSERT_TRUE(WriteFileDurably(file, "network:\n  publish_host: 192.168.7.9\n").ok());
  auto from_file = Load({"--config", file});
  ASSERT_TRUE(from_file.ok()) << from_file.status().ToString();
  EXPECT_EQ(from_file->publish_host, "192.168.7.9");

  // A port, or "every interface", is not an address to dial.
  for (const char* bad : {"10.0.0.5:9300", "0.0.0.0", "::", "[::]", "a host"}) {
    auto r = Load({"--publish-host", bad});
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.status().message().find("--publish-host"), std::string::npos) << r.status().message();
  }
}

TEST(NodeConfigTest, AClusterNodeListeningOnEveryInterfaceMustSayWhereItIsReached) {
  // Others would dial "0.0.0.0:9300" — their own host — so the node refuses to start.
  for (const char* any : {"0.0.0.0:9300", "[::]:9300"}) {
    auto c = Load({"--grpc-addr", any, "--etcd-endpoints", "http://127.0.0.1:2379"});
    ASSERT_FALSE(c.ok()) << any;
    EXPECT_NE(c.status().message().find("--publish-host"), std::string::npos) << c.status().message();
    EXPECT_NE(c.status().message().find(any), std::string::npos) << c.status().message();
  }
  // One node on its own dials nobody; HTTP on every interface is fine in a cluster.
  EXPECT_TRUE(Load({"--grpc-addr", "0.0.0.0:9300"}).ok());
  EXPECT_TRUE(Load({"--http-addr", "0.0.0.0:9200", "--etcd-endpoints", "http://127.0.0.1:2379"}).ok());
}

TEST(NodeConfigTest, NodeAttributesComeFromFlagEnvAndFileKeys) {
  using Attrs = std::map<std::string, std::string>;
  EXPECT_EQ(Load({})->node_attributes, Attrs{});
  auto flag = Load({"--node-attr", "zone=us-east-1a, rack=r7"});
  ASSERT_TRUE(flag.ok()) << flag.status().ToString();
  EXPECT_EQ(flag->node_attributes, (Attrs{{"zone", "us-east-1a"}, {"rack", "r7"}}));
  {
    ScopedEnv env("HOLDFAST_NODE_ATTR", "zone=b");
    auto from_env = Load({});
    ASSERT_TRUE(from_env.ok()) << from_env.status().ToString();
    EXPECT_EQ(from_env->node_attributes, (Attrs{{"zone", "b"}}));
  }
  // The file's node.attr.<name> keys (as Elasticsearch's), a flag winning per name.
  testing::TempDir tmp;
  const std::string file = tmp.Sub("attrs.yml");
  ASSERT_TRUE(WriteFileDurably(file, "node:\n  attr:\n    zone: a\n    rack: r1\n").ok());
  auto from_file = Load({"--config", file});
  ASSERT_TRUE(from_file.ok()) << from_file.status().ToString();
  EXPECT_EQ(from_file->node_attributes, (Attrs{{"zone", "a"}, {"rack", "r1"}}));
  auto both = Load({"--config", file, "--node-attr", "zone=c"});
  ASSERT_TRUE(both.ok()) << both.status().ToString();
  EXPECT_EQ(both->node_attributes, (Attrs{{"zone", "c"}, {"rack", "r1"}}));
  // Dotted names are the node's own (disk.used_percent, volume.uuid); a pair needs both halves.
  for (const char* bad : {"disk.used_percent=1", "zone", "zone=", "=a", "a b=c"}) {
    auto r = Load({"--node-attr", bad});
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.status().message().find("--node-attr"), std::string::npos) << r.status().message();
  }
  const std::string dotted = tmp.Sub("dotted.yml");
  ASSERT_TRUE(WriteFileDurably(dotted, "node.attr.volume.uuid: x\n").ok());
  EXPECT_FALSE(Load({"--config", dotted}).ok());
}

TEST(NodeConfigTest, EtcdOverTlsTakesItsCertificatesWithHttpsEndpointsOnly) {
  auto c = Load({"--etcd-endpoints", "https://10.0.0.1:2379,https://10.0.0.2:2379", "--etcd-cacert", "ca.pem",
                 "--etcd-cert", "n1.pem", "--etcd-key", "n1.key"});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_TRUE(c->etcd_tls);
  EXPECT_EQ(c->etcd_endpoints, (std::vector<std::string>{"10.0.0.1:2379", "10.0.0.2:2379"}));
  EXPECT_EQ(c->etcd_ca_file, "ca.pem");
  EXPECT_EQ(c->etcd_cert_file, "n1.pem");
  EXPECT_EQ(c->etcd_key_file, "n1.key");
  {
    // The system's CAs, no client certificate; from the environment.
    ScopedEnv env("HOLDFAST_ETCD_ENDPOINTS", "https://etcd:2379");
    auto system = Load({});
    ASSERT_TRUE(system.ok()) << system.status().ToString();
    EXPECT_TRUE(system->etcd_tls);
    EXPECT_EQ(system->etcd_ca_file, "");
  }
  auto plain = Load({"--etcd-endpoints", "http://etcd:2379"});
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_FALSE(plain->etcd_tls);

  auto lone_cert = Load({"--etcd-endpoints", "https://etcd:2379", "--etcd-cert", "n1.pem"});
  ASSERT_FALSE(lone_cert.ok());
  EXPECT_NE(lone_cert.status().message().find("--etcd-key"), std::string::npos) << lone_cert.status().message();
  auto over_http = Load({"--etcd-endpoints", "http://etcd:2379", "--etcd-cacert", "ca.pem"});
  ASSERT_FALSE(over_http.ok());
  EXPECT_NE(over_http.status().message().find("https://"), std::string::npos) << over_http.status().message();
  auto mixed = Load({"--etcd-endpoints", "https://etcd-0:2379,http://etcd-1:2379"});
  ASSERT_FALSE(mixed.ok());
  EXPECT_NE(mixed.status().message().find("--etcd-endpoints"), std::string::npos) << mixed.status().message();
}

TEST(NodeConfigTest, MemoryForSegmentsAndSourcesIsAShareOfTheNodes) {
  const uint64_t memory = NodeMemoryBytes();
  ASSERT_GT(memory, 0u);
  auto d = Load({});
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->segments_memory_bytes, memory / 2);
  EXPECT_EQ(d->source_cache_bytes, std::min<uint64_t>(memory / 10, 1ull << 30));
  auto c = Load({"--segments-memory", "25%", "--source-cache-size", "64mb"});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->segments_memory_bytes, memory / 100 * 25);
  EXPECT_EQ(c->source_cache_bytes, 64u << 20);
  auto off = Load({"--segments-memory", "0", "--source-cache-size", "0%"});
  ASSERT_TRUE(off.ok());
  EXPECT_EQ(off->segments_memory_bytes, 0u);
  EXPECT_EQ(off->source_cache_bytes, 0u);
  for (const char* bad : {"150%", "x%", "%", "lots"}) {
    auto r = Load({"--segments-memory", bad});
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.status().message().find("--segments-memory"), std::string::npos) << r.status().message();
  }
}

TEST(ParseTest, SizesAndDurations) {
  EXPECT_EQ(ParseByteSize("8kb").value(), 8192u);
  EXPECT_EQ(ParseByteSize("100MB").value(), 100u << 20);
  EXPECT_EQ(ParseByteSize("512").value(), 512u);
  EXPECT_FALSE(ParseByteSize("1tb").ok());
  EXPECT_FALSE(ParseByteSize("-1kb").ok());
  EXPECT_EQ(ParseDuration("30s").value(), std::chrono::seconds(30));
  EXPECT_EQ(ParseDuration("250ms").value(), std::chrono::milliseconds(250));
  EXPECT_EQ(ParseDuration("2m").value(), std::chrono::minutes(2));
  EXPECT_EQ(ParseDuration("0").value(), std::chrono::milliseconds(0));
  EXPECT_FALSE(ParseDuration("30").ok());
  EXPECT_EQ(ParseByteSizeOrPercent("50%", 1000).value(), 500u);
  EXPECT_EQ(ParseByteSizeOrPercent("2kb", 1000).value(), 2048u);
  EXPECT_FALSE(ParseByteSizeOrPercent("101%", 1000).ok());
}


TEST(ParseTest, DiskWatermarks) {
  auto pct = ParseDiskWatermark("85%");
  ASSERT_TRUE(pct.ok()) << pct.status().ToString();
  EXPECT_EQ(pct->kind, DiskWatermark::Kind::kUsedPercent);
  EXPECT_DOUBLE_EQ(pct->used_percent, 85);
  EXPECT_EQ(pct->text, "85%");
  EXPECT_DOUBLE_EQ(ParseDiskWatermark("92.5%")->used_percent, 92.5);
  EXPECT_DOUBLE_EQ(ParseDiskWatermark("0.9")->used_percent, 90);  // a ratio, as Elasticsearch takes it
  auto bytes = ParseDiskWatermark("500mb");
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  EXPECT_EQ(bytes->kind, DiskWatermark::Kind::kFreeBytes);
  EXPECT_EQ(bytes->free_bytes, 500ull << 20);
  for (const char* bad : {"", "85", "101%", "-1%", "1.5", "lots", "12parsecs", "%"}) {
    EXPECT_EQ(ParseDiskWatermark(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(NodeConfigTest, DiskWatermarksDefaultAndValidate) {
  auto d = Load({});
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_TRUE(d->disk_watermarks.enabled);
  EXPECT_EQ(d->disk_watermarks.low.text, "85%");
  EXPECT_EQ(d->disk_watermarks.high.text, "90%");
  EXPECT_EQ(d->disk_watermarks.flood_stage.text, "95%");
  EXPECT_EQ(d->disk_check_interval, std::chrono::seconds(1));

  testing::TempDir tmp;
  const std::string file = tmp.Sub("holdfast.yml");
  ASSERT_TRUE(WriteFileDurably(file,
                               "cluster:\n  routing:\n    allocation:\n      disk:\n        threshold_enabled: false\n"
                               "        watermark:\n          low: 10gb\n          high: 5gb\n"
                               "          flood_stage: 1gb\n"
                               "cluster.info.update.interval: 250ms\n")
                  .ok());
  auto c = Load({"--config", file});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_FALSE(c->disk_watermarks.enabled);
  EXPECT_EQ(c->disk_watermarks.flood_stage.free_bytes, 1ull << 30);
  EXPECT_EQ(c->disk_check_interval, std::chrono::milliseconds(250));

  ScopedEnv env("HOLDFAST_DISK_WATERMARK_HIGH", "80%");
  auto unordered = Load({});
  ASSERT_FALSE(unordered.ok());
  EXPECT_NE(unordered.status().message().find("low disk watermark [85%] must be at most the high disk watermark [80%]"),
            std::string::npos)
      << unordered.status().message();
  auto mixed = Load({"--disk-watermark-low", "80%", "--disk-watermark-flood-stage", "1gb"});
  ASSERT_FALSE(mixed.ok());
  EXPECT_NE(mixed.status().message().find("all be percentages or all be byte sizes"), std::string::npos)
      << mixed.status().message();
  auto bad = Load({"--disk-watermark-low", "lots"});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("flag --disk-watermark-low"), std::string::npos) << bad.status().message();
  EXPECT_FALSE(Load({"--disk-check-interval", "0"}).ok());
}

}  // namespace
}  // namespace holdfast
