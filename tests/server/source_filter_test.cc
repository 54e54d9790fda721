// SourceFilter: Elasticsearch _source filtering over stored sources.
#include "index/mapping/source_filter.h"

#include <gtest/gtest.h>

namespace holdfast {
namespace {

constexpr char kSource[] =
    R"({"title":"t","user":{"name":"ann","secret":"s","tags":["a","b"]},"items":[{"k":1,"v":2},{"v":3},5],"n":null})";

std::string Filter(const SourceFilter& f, std::string_view source = kSource) {
  rapidjson::StringBuffer buffer;
  SourceFilter::Writer w(buffer);
  f.Write(source, &w);
  return buffer.GetString();
}

std::string FromJson(std::string_view json, std::string_view source = kSource) {
  auto f = SourceFilter::FromJson(json);
  EXPECT_TRUE(f.ok()) << f.status().ToString();
  return f.ok() ? Filter(f.value(), source) : "";
}

TEST(SourceFilterTest, Glob) {
  EXPECT_TRUE(SourceFilter::GlobMatch("user.*", "user.name"));
  EXPECT_TRUE(SourceFilter::GlobMatch("*name", "user.name"));
  EXPECT_TRUE(SourceFilter::GlobMatch("u*r.n*e", "user.name"));
  EXPECT_FALSE(SourceFilter::GlobMatch("user", "user.name"));
  EXPECT_FALSE(SourceFilter::GlobMatch("user.*", "users"));
  EXPECT_TRUE(SourceFilter::GlobMatchesPrefix("user.name", "user."));
  EXPECT_FALSE(SourceFilter::GlobMatchesPrefix("title", "user."));
}

TEST(SourceFilterTest, UnfilteredIsCopiedAsIs) {
  EXPECT_EQ(FromJson("true"), kSource);
  EXPECT_FALSE(SourceFilter::FromJson("false").value().enabled());
}

TEST(SourceFilterTest, Includes) {
  EXPECT_EQ(FromJson(R"("title")"), R"({"title":"t"})");
  EXPECT_EQ(FromJson(R"(["user.name","n"])"), R"({"user":{"name":"ann"},"n":null})");
  EXPECT_EQ(FromJson(R"(["user"])"), R"({"user":{"name":"ann","secret":"s","tags":["a","b"]}})");
  EXPECT_EQ(FromJson(R"(["items.v"])"), R"({"items":[{"v":2},{"v":3}]})");
  EXPECT_EQ(FromJson(R"(["nothing"])"), "{}");
}

TEST(SourceFilterTest, ExcludesWin) {
  EXPECT_EQ(FromJson(R"({"includes":["user"],"excludes":["*.secret","user.tags"]})"), R"({"user":{"name":"ann"}})");
  EXPECT_EQ(FromJson(R"({"excludes":["user","items","n"]})"), R"({"title":"t"})");
}

TEST(SourceFilterTest, UrlParameters) {
  EXPECT_EQ(Filter(SourceFilter::FromParams("title,user.name", "", "")), R"({"title":"t","user":{"name":"ann"}})");
  EXPECT_EQ(Filter(SourceFilter::FromParams("", "user.*", "user.secret,user.tags")), R"({"user":{"name":"ann"}})");
  EXPECT_FALSE(SourceFilter::FromParams("false", "", "").enabled());
}

TEST(SourceFilterTest, RefusesMalformedSpecs) {
  EXPECT_FALSE(SourceFilter::FromJson("12").ok());
  EXPECT_FALSE(SourceFilter::FromJson(R"({"includes":[1]})").ok());
  EXPECT_FALSE(SourceFilter::FromJson(R"({"other":["a"]})").ok());
  EXPECT_FALSE(SourceFilter::FromJson("[").ok());
}

}  // namespace
}  // namespace holdfast
