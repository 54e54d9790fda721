// TLS to etcd: https endpoints, etcd's certificate checked against a CA, and
// a client certificate for etcd's --client-cert-auth. The certificates are
// made for each test by the openssl command (EC P-256, valid two days).
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "index/util/file_util.h"
#include "replication/etcd_client.h"
#include "tests/support/etcd_process.h"
#include "tests/support/http_client.h"
#include "tests/support/netns_hosts.h"
#include "tests/support/test_process.h"

namespace holdfast {
namespace {

using namespace std::chrono_literals;
using testing::EtcdProcess;
using testing::TempDir;
using testing::WaitFor;

struct Pki {
  std::string ca, ca_key, server, server_key, client, client_key, other_ca;
};

// A CA, etcd's certificate (for 127.0.0.1), a client certificate and an
// unrelated CA in `dir`. "" or what failed.
std::string MakePki(const std::string& dir, Pki* p) {
  std::filesystem::create_directories(dir);
  *p = {dir + "/ca.pem", dir + "/ca.key", dir + "/server.pem", dir + "/server.key",
        dir + "/client.pem", dir + "/client.key", dir + "/other-ca.pem"};
  const std::vector<std::string> ec = {"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"};
  auto run = [](std::vector<std::string> argv) -> std::string {
    argv.insert(argv.begin(), "openssl");
    const testing::CommandResult r = testing::RunCommand(argv);
    return r.ok() ? "" : "openssl " + argv[1] + " failed: " + r.output;
  };
  auto with = [&](std::vector<std::string> head, std::vector<std::string> tail) {
    head.insert(head.end(), ec.begin(), ec.end());
    head.insert(head.end(), tail.begin(), tail.end());
    return head;
  };
  if (!WriteFileDurably(dir + "/server.ext", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n").ok() ||
      !WriteFileDurably(dir + "/client.ext", "extendedKeyUsage=clientAuth\n").ok()) {
    return "cannot write the extension files";
  }
  for (const auto& argv : std::vector<std::vector<std::string>>{
           with({"req", "-x509"}, {"-keyout", p->ca_key, "-out", p->ca, "-days", "2", "-subj", "/CN=holdfast test CA"}),
           with({"req", "-x509"},
                {"-keyout", dir + "/other-ca.key", "-out", p->other_ca, "-days", "2", "-subj", "/CN=another CA"}),
           with({"req"}, {"-keyout", p->server_key, "-out", dir + "/server.csr", "-subj", "/CN=etcd"}),
           {"x509", "-req", "-in", dir + "/server.csr", "-CA", p->ca, "-CAkey", p->ca_key, "-CAcreateserial", "-out",
            p->server, "-days", "2", "-extfile", dir + "/server.ext"},
           with({"req"}, {"-keyout", p->client_key, "-out", dir + "/client.csr", "-subj", "/CN=holdfast node"}),
           {"x509", "-req", "-in", dir + "/client.csr", "-CA", p->ca, "-CAkey", p->ca_key, "-CAcreateserial", "-out",
            p->client, "-days", "2", "-extfile", dir + "/client.ext"}}) {
    if (std::string err = run(argv); !err.empty()) return err;
  }
  return "";
}

std::string Read(const std::string& path) {
  auto r = ReadFileToString(path);
  return r.ok() ? r.value() : "";
}

class EtcdTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string made = MakePki(tmp_.Sub("pki"), &pki_);
    ASSERT_EQ(made, "");
    etcd_.set_tls(pki_.server, pki_.server_key, pki_.ca);
    ASSERT_TRUE(etcd_.Start(tmp_.Sub("etcd"))) << etcd_.Log();
  }
  std::unique_ptr<EtcdClient> Client(const std::string& endpoint, std::optional<EtcdTls> tls) {
    EtcdClientOptions options;
    options.endpoints = {endpoint};
    options.call_timeout = 3s;
    options.tls = std::move(tls);
    auto c = EtcdClient::Connect(options);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? std::move(c).value() : nullptr;
  }
  EtcdTls Certified() { return {Read(pki_.ca), Read(pki_.client), Read(pki_.client_key)}; }

  TempDir tmp_;
  Pki pki_;
  EtcdProcess etcd_;
};

TEST(EtcdEndpointsTlsTest, HttpsEndpointsAreTlsAndMixingSchemesIsRefused) {
  bool tls = false;
  auto e = ParseEtcdEndpoints("https://127.0.0.1:2379,https://etcd-1.etcd:2379/", &tls);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_TRUE(tls);
  EXPECT_EQ(e.value(), (std::vector<std::string>{"127.0.0.1:2379", "etcd-1.etcd:2379"}));
  ASSERT_TRUE(ParseEtcdEndpoints("http://127.0.0.1:2379", &tls).ok());
  EXPECT_FALSE(tls);
  EXPECT_EQ(ParseEtcdEndpoints("https://127.0.0.1:2379,http://127.0.0.2:2379").status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(EtcdTlsTest, ACertifiedClientWritesAndReadsOverTls) {
  auto client = Client(etcd_.endpoint(), Certified());
  ASSERT_NE(client, nullptr);
  // etcd may still be electing itself: the first put that works.
  ASSERT_TRUE(WaitFor([&] { return client->Put("/tls/k", "v").ok(); }, 20s)) << etcd_.Log();
  auto got = client->Get("/tls/k");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->kvs.size(), 1u);
  EXPECT_EQ(got->kvs[0].value, "v");
}

TEST_F(EtcdTlsTest, WithoutTheClientCertificateOrTheRightCaNothingGetsThrough) {
  auto good = Client(etcd_.endpoint(), Certified());
  ASSERT_NE(good, nullptr);
  ASSERT_TRUE(WaitFor([&] { return good->Put("/tls/up", "1").ok(); }, 20s)) << etcd_.Log();

  auto no_cert = Client(etcd_.endpoint(), EtcdTls{Read(pki_.ca), "", ""});
  auto put = no_cert->Put("/tls/k", "no cert");
  EXPECT_FALSE(put.ok());
  EXPECT_EQ(put.status().code(), StatusCode::kUnavailable) << put.status().ToString();

  auto wrong_ca = Client(etcd_.endpoint(), EtcdTls{Read(pki_.other_ca), Read(pki_.client), Read(pki_.client_key)});
  EXPECT_FALSE(wrong_ca->Put("/tls/k", "wrong ca").ok());

  auto plain = Client("127.0.0.1:" + etcd_.endpoint().substr(etcd_.endpoint().rfind(':') + 1), std::nullopt);
  EXPECT_FALSE(plain->Put("/tls/k", "plain").ok());

  auto left = good->Get("/tls/k");
  ASSERT_TRUE(left.ok()) << left.status().ToString();
  EXPECT_TRUE(left->kvs.empty());  // none of them wrote
}

TEST_F(EtcdTlsTest, ANodeJoinsItsClusterThroughEtcdOverTls) {
  testing::NodeProcess node;
  ASSERT_TRUE(node.Start(tmp_.Sub("n1"),
                         {"--node-name", "n1", "--cluster-name", "tls", "--etcd-endpoints", etcd_.endpoint(),
                          "--etcd-cacert", pki_.ca, "--etcd-cert", pki_.client, "--etcd-key", pki_.client_key},
                         60s))
      << node.Log();
  ASSERT_TRUE(node.WaitReady(60s)) << node.Log();
  EXPECT_NE(node.Log().find("over TLS"), std::string::npos) << node.Log();
  auto created = testing::HttpCall(node.http_port(), "PUT", "/t", R"({"settings":{"number_of_shards":1}})");
  ASSERT_EQ(created.status, 200) << created.body;
  auto put = testing::HttpCall(node.http_port(), "PUT", "/t/_doc/1?refresh=true", R"({"body":"over tls"})");
  ASSERT_EQ(put.status, 201) << put.body;
  auto count = testing::HttpCall(node.http_port(), "GET", "/t/_count");
  ASSERT_EQ(count.status, 200) << count.body;
  EXPECT_NE(count.body.find("\"count\":1"), std::string::npos) << count.body;
}

}  // namespace
}  // namespace holdfast
