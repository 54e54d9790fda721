// The fixture of the _search API suites: one real node per suite with a
// small corpus indexed over HTTP into a 1-shard index (books1) and a 4-shard
// one (books4), and the JSON helpers the tests share.
#pragma once

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/http_client.h"
#include "tests/support/test_process.h"

namespace holdfast::search_api_testing {

using testing::HttpCall;
using testing::HttpReply;
using testing::NodeProcess;
using testing::TempDir;

inline constexpr char kMapping[] = R"({"mappings":{"properties":{
  "title":{"type":"text"},"tags":{"type":"keyword"},"price":{"type":"long"},"year":{"type":"long"},
  "user":{"properties":{"name":{"type":"keyword"},"secret":{"type":"keyword"}}}}}})";

inline const std::vector<std::pair<std::string, std::string>> kDocs = {
    {"1", R"({"title":"The quick brown fox","tags":["animal","fast"],"price":10,"year":2001})"},
    {"2", R"({"title":"Lazy dogs sleep all day","tags":["animal"],"price":25,"year":2005})"},
    {"3", R"({"title":"Quick recipes for busy cooks","tags":["food"],"price":15,"year":2010})"},
    {"4", R"({"title":"The brown bear","tags":["animal"],"price":40,"year":2001})"},
    {"5", R"({"title":"Fast cars and quick wins","tags":["cars","fast"],"price":55,"year":2015})"},
    {"6", R"({"title":"Cooking with brown rice","tags":["food"],"price":8,"year":2010})"},
    {"7", R"({"title":"A history of the world","tags":[],"price":30,"year":1999})"},
    {"8", R"({"title":"Quick quick quick","tags":["fast"],"price":5,"year":2020,"user":{"name":"ann","secret":"s"}})"},
};

inline std::string ToJson(const rapidjson::Value& v) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  v.Accept(w);
  return buffer.GetString();
}

class SearchApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tmp_ = new TempDir();
    node_ = new NodeProcess();
    ASSERT_TRUE(node_->Start(tmp_->Sub("data"))) << node_->Log();
    ASSERT_TRUE(node_->WaitReady()) << node_->Log();
    for (const char* index : {"books1", "books4"}) {
      std::string body = kMapping;
      body.insert(1, std::string(R"("settings":{"number_of_shards":)") + (index[5] == '1' ? "1" : "4") + "},");
      HttpReply r = HttpCall(port(), "PUT", std::string("/") + index, body);
      ASSERT_EQ(r.status, 200) << r.body;
      std::string bulk;
      for (const auto& [id, doc] : kDocs) bulk += R"({"index":{"_id":")" + id + "\"}}\n" + doc + "\n";
      r = HttpCall(port(), "POST", std::string("/") + index + "/_bulk?refresh=true", bulk);
      ASSERT_EQ(r.status, 200) << r.body;
      ASSERT_EQ(r.body.find(R"("errors":true)"), std::string::npos) << r.body;
    }
  }
  static void TearDownTestSuite() {
    delete node_;
    delete tmp_;
  }
  static int port() { return node_->http_port(); }

  void TearDown() override { EXPECT_EQ(HttpCall(port(), "GET", "/_lifecycle/live").status, 200); }

  static rapidjson::Document Json(const HttpReply& r, int status = 200) {
    EXPECT_EQ(r.status, status) << r.body;
    rapidjson::Document d;
    d.Parse(r.body.c_str());
    EXPECT_FALSE(d.HasParseError()) << r.body;
    return d;
  }
  static rapidjson::Document Search(const std::string& target, const std::string& body) {
    return Json(HttpCall(port(), "POST", target, body));
  }
  static std::vector<std::string> Ids(const rapidjson::Document& d) {
    std::vector<std::string> ids;
    for (const auto& h : d["hits"]["hits"].GetArray()) ids.emplace_back(h["_id"].GetString());
    return ids;
  }
  static std::map<std::string, double> Scores(const rapidjson::Document& d) {
    std::map<std::string, double> scores;
    for (const auto& h : d["hits"]["hits"].GetArray()) scores[h["_id"].GetString()] = h["_score"].GetDouble();
    return scores;
  }
  static void ExpectError(const HttpReply& r, int status, const std::string& type) {
    rapidjson::Document d = Json(r, status);
    ASSERT_TRUE(d.IsObject() && d.HasMember("error")) << r.body;
    EXPECT_EQ(std::string(d["error"]["type"].GetString()), type) << r.body;
    EXPECT_EQ(d["status"].GetInt(), status);
  }

  static inline TempDir* tmp_ = nullptr;
  static inline NodeProcess* node_ = nullptr;
};

}  // namespace holdfast::search_api_testing
