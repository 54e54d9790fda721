// A fixture for the index, document and bulk API tests: one real `holdfast
// serve` per test suite on loopback, a keep-alive HTTP connection, JSON
// helpers and the check for Elasticsearch-shaped errors.
#pragma once

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <chrono>
#include <csignal>
#include <memory>
#include <string>

#include "tests/support/http_client.h"
#include "tests/support/test_process.h"

namespace holdfast {

class IndexApiFixture : public ::testing::Test {
 protected:
  static void StartNode() {
    tmp_ = new testing::TempDir();
    node_ = new testing::NodeProcess();
    ASSERT_TRUE(node_->Start(tmp_->Sub("data"))) << node_->Log();
    WaitReady();
  }
  // The banner comes before startup recovery; the index APIs answer 503 until ready.
  static void WaitReady() {
    ASSERT_TRUE(testing::WaitFor([] { return Call("GET", "/_lifecycle/ready").status == 200; },
                                 std::chrono::seconds(30)))
        << node_->Log();
  }
  static void SetUpTestSuite() { StartNode(); }
  // SIGTERM; the node must exit 0 (a clean stop); then a new node on the
  // same data directory, ready. Call under ASSERT_NO_FATAL_FAILURE.
  static void RestartNode() {
    node_->process().Signal(SIGTERM);
    ASSERT_EQ(node_->process().WaitExit(std::chrono::seconds(30)), 0) << node_->Log();
    delete node_;
    node_ = new testing::NodeProcess();
    ASSERT_TRUE(node_->Start(tmp_->Sub("data"))) << node_->Log();
    WaitReady();
  }
  static void TearDownTestSuite() {
    delete node_;
    node_ = nullptr;
    delete tmp_;
    tmp_ = nullptr;
  }
  static int port() { return node_->http_port(); }

  // After every test the node still answers.
  void TearDown() override {
    if (node_ != nullptr) {
      EXPECT_EQ(Call("GET", "/_lifecycle/live").status, 200);
    }
  }

  static testing::HttpReply Call(const std::string& method, const std::string& target, const std::string& body = "") {
    return testing::HttpCall(port(), method, target, body);
  }
  static rapidjson::Document Json(const std::string& body) {
    rapidjson::Document d;
    d.Parse(body.c_str(), body.size());
    EXPECT_FALSE(d.HasParseError()) << body.substr(0, 2000);
    return d;
  }
  static std::string Str(const rapidjson::Value& v) {
    if (v.IsString()) return std::string(v.GetString(), v.GetStringLength());
    rapidjson::StringBuffer b;
    rapidjson::Writer<rapidjson::StringBuffer> w(b);
    v.Accept(w);
    return b.GetString();
  }
  static void ExpectEsError(const testing::HttpReply& r, int status, const std::string& type) {
    EXPECT_EQ(r.status, status) << r.body;
    auto d = Json(r.body);
    ASSERT_TRUE(d.IsObject() && d.HasMember("error") && d["error"].IsObject()) << r.body;
    EXPECT_EQ(Str(d["error"]["type"]), type) << r.body;
    EXPECT_FALSE(Str(d["error"]["reason"]).empty());
    EXPECT_EQ(Str(d["error"]["root_cause"][0]["type"]), type);
    EXPECT_EQ(d["status"].GetInt(), status);
  }

  static testing::TempDir* tmp_;
  static testing::NodeProcess* node_;
};

inline testing::TempDir* IndexApiFixture::tmp_ = nullptr;
inline testing::NodeProcess* IndexApiFixture::node_ = nullptr;

}  // namespace holdfast
