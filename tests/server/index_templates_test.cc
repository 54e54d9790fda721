// Index templates without a node: pattern overlap, the choice of template
// and the composition order (components, template, request).
#include "server/api/index_templates.h"

#include <gtest/gtest.h>

#include "server/api/index_api_settings.h"

namespace holdfast {
namespace {

TEST(GlobPatternsOverlapTest, SomeNameMatchesBoth) {
  EXPECT_TRUE(GlobPatternsOverlap("logs-*", "logs-*"));
  EXPECT_TRUE(GlobPatternsOverlap("logs-*", "logs-app*"));
  EXPECT_TRUE(GlobPatternsOverlap("*-2024", "logs-*"));
  EXPECT_TRUE(GlobPatternsOverlap("*", "anything"));
  EXPECT_TRUE(GlobPatternsOverlap("a*c", "ab*"));
  EXPECT_TRUE(GlobPatternsOverlap("logs", "logs"));
  EXPECT_FALSE(GlobPatternsOverlap("logs-*", "metrics-*"));
  EXPECT_FALSE(GlobPatternsOverlap("a*b", "a*c"));
  EXPECT_FALSE(GlobPatternsOverlap("logs", "logs2"));
  EXPECT_FALSE(GlobPatternsOverlap("x*", ""));
}

ClusterStateSnapshot WithTemplates() {
  ClusterStateSnapshot state;
  auto put = [&](const std::string& name, const std::string& body) {
    auto checked = CheckIndexTemplate(state, name, body);
    ASSERT_TRUE(checked.ok()) << checked.status().ToString();
    state.index_templates[name] = *checked;
  };
  auto component = CheckComponentTemplate(
      "base", R"({"template":{"settings":{"index":{"number_of_shards":2,"refresh_interval":"5s"}},
                              "mappings":{"properties":{"host":{"type":"keyword"}}}}})");
  EXPECT_TRUE(component.ok()) << component.status().ToString();
  state.component_templates["base"] = *component;
  put("logs", R"({"index_patterns":"logs-*","priority":1,"composed_of":["base"],
                  "template":{"settings":{"number_of_shards":3},"mappings":{"properties":{"msg":{"type":"text"}}},
                              "aliases":{"all-logs":{}}}})");
  put("app-logs", R"({"index_patterns":["logs-app-*"],"priority":5,"template":{"settings":{"number_of_replicas":0}}})");
  return state;
}

TEST(IndexTemplatesTest, TheHighestPriorityMatchApplies) {
  const ClusterStateSnapshot state = WithTemplates();
  EXPECT_EQ(MatchingIndexTemplate(state, "logs-web"), "logs");
  EXPECT_EQ(MatchingIndexTemplate(state, "logs-app-1"), "app-logs");
  EXPECT_EQ(MatchingIndexTemplate(state, "metrics"), "");
  // No template: the request body as it is.
  auto plain = ComposeCreateIndexBody(state, "metrics", R"({"settings":{"number_of_shards":4}})");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(*plain, R"({"settings":{"number_of_shards":4}})");
}

TEST(IndexTemplatesTest, ComponentsThenTemplateThenRequest) {
  const ClusterStateSnapshot state = WithTemplates();
  auto composed = ComposeCreateIndexBody(state, "logs-web", "");
  ASSERT_TRUE(composed.ok()) << composed.status().ToString();
  auto body = ParseCreateIndexBody(*composed);
  ASSERT_TRUE(body.ok()) << body.status().ToString() << " " << *composed;
  EXPECT_EQ(body->settings.number_of_shards, 3u);  // the template over its component
  EXPECT_EQ(body->settings.refresh_interval, std::chrono::milliseconds(5000));  // from the component
  ASSERT_TRUE(body->mapping);
  EXPECT_NE(body->mapping->Find("host"), nullptr);
  EXPECT_NE(body->mapping->Find("msg"), nullptr);
  EXPECT_TRUE(body->aliases.count("all-logs"));

  composed = ComposeCreateIndexBody(state, "logs-web",
                                    R"({"settings":{"index.number_of_shards":"1"},
                                        "mappings":{"properties":{"code":{"type":"long"}}}})");
  ASSERT_TRUE(composed.ok());
  body = ParseCreateIndexBody(*composed);
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  EXPECT_EQ(body->settings.number_of_shards, 1u);  // the request wins
  EXPECT_NE(body->mapping->Find("host"), nullptr);
  EXPECT_NE(body->mapping->Find("code"), nullptr);
}

TEST(IndexTemplatesTest, RefusedTemplates) {
  ClusterStateSnapshot state = WithTemplates();
  EXPECT_EQ(CheckIndexTemplate(state, "t", R"({"priority":1})").status().kind(), StatusCode::kValidation);
  EXPECT_EQ(CheckIndexTemplate(state, "t", R"({"index_patterns":["x-*"],"composed_of":["nope"]})").status().kind(),
            StatusCode::kInvalidIndexTemplate);
  EXPECT_EQ(CheckIndexTemplate(state, "t", R"({"index_patterns":["x-*"],"template":{"settings":{"bogus":1}}})")
                .status()
                .kind(),
            StatusCode::kInvalidIndexTemplate);
  // Same priority, overlapping patterns: refused; another priority: fine.
  auto same = CheckIndexTemplate(state, "t", R"({"index_patterns":["logs-w*"],"priority":1})");
  EXPECT_EQ(same.status().kind(), StatusCode::kInvalidArgument);
  EXPECT_NE(same.status().message().find("[logs]"), std::string::npos) << same.status().message();
  EXPECT_TRUE(CheckIndexTemplate(state, "t", R"({"index_patterns":["logs-w*"],"priority":2})").ok());
  // Replacing a template by itself is no overlap.
  EXPECT_TRUE(CheckIndexTemplate(state, "logs", R"({"index_patterns":["logs-*"],"priority":1})").ok());
  EXPECT_EQ(CheckIndexTemplate(state, "t", R"({"index_patterns":["d-*"],"data_stream":{}})").status().kind(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(CheckComponentTemplate("c", R"({"settings":{}})").status().kind(), StatusCode::kParseValue);
}

}  // namespace
}  // namespace holdfast
