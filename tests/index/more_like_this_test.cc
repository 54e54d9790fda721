// more_like_this (index/search/more_like_this_query.h): term selection by
// tf-idf with min_term_freq, min_doc_freq / max_doc_freq, max_query_terms and
// word lengths; the liked document excluded unless `include`; usable inside
// bool. Liked documents come from their shards (term vectors), as the
// coordinator reads them.
#include "index/search/more_like_this_query.h"

#include <gtest/gtest.h>

#include <cmath>

#include "index/mapping/mapping_parser.h"
#include "index/search/query_parser.h"
#include "server/coordinator/coordinator_query_context.h"
#include "server/coordinator/search_plan.h"
#include "server/process/embedded_node.h"
#include "tests/support/test_process.h"

namespace holdfast {
namespace {

class MoreLikeThisTest : public ::testing::Test {
 protected:
  void SetUp() override {
    EmbeddedNodeOptions o;
    o.data_dir = tmp_.Sub("node");
    auto node = EmbeddedNode::Open(o);
    ASSERT_TRUE(node.ok()) << node.status().ToString();
    node_ = std::move(node).value();
    IndexSettings settings;
    settings.number_of_shards = 2;
    settings.number_of_replicas = 0;
    settings.refresh_interval = std::chrono::milliseconds(0);
    auto index = node_->indices().Create(
        "docs", settings,
        std::make_shared<const mapping::Mapping>(
            mapping::ParseMapping(R"({"properties":{"body":{"type":"text","analyzer":"standard"},"tag":{"type":"keyword"}}})").value()));
    ASSERT_TRUE(index.ok());
    index_ = std::move(index).value();
    const char* bodies[] = {
        "apple banana apple cherry",  // d0
        "apple banana durian",        // d1
        "banana cherry elderberry",   // d2
        "fig grape",                  // d3
        "apple apple apple fig",      // d4
        "banana banana grape",        // d5
    };
    std::vector<WriteRequest> reqs;
    for (int i = 0; i < 6; ++i) {
      reqs.push_back({WriteOpType::kIndex, "d" + std::to_string(i),
                      std::string(R"({"body":")") + bodies[i] + R"(","tag":")" + (i % 2 ? "odd" : "even") + "\"}", {}, {}});
    }
    for (const auto& r : index_->Write(reqs)) ASSERT_TRUE(r.status.ok());
    ASSERT_TRUE(index_->Refresh().ok());
  }

  // Parsed as the coordinator parses (like documents read from their shards).
  Result<search::QueryPtr> Parse(const std::string& json) {
    search::QueryParser parser(*index_->mapping());
    NamedIndices self{{"docs", index_}};
    CoordinatorQueryContext ctx(index_.get(), &self);
    return parser.Parse(json, &ctx);
  }

  std::vector<std::string> Terms(const std::string& json) {
    auto q = Parse(json);
    EXPECT_TRUE(q.ok()) << q.status().ToString();
    const auto* mlt = dynamic_cast<const search::MoreLikeThisQuery*>(q.value().get());
    EXPECT_NE(mlt, nullptr);
    std::vector<std::string> out;
    if (mlt == nullptr) return out;
    // Index-wide statistics: every segment of both shards.
    std::vector<search::SearcherSnapshot> snapshots;
    std::vector<search::SegmentView> views;
    for (const auto& copy : node_->shard_registry().All()) snapshots.push_back(copy->engine().AcquireSearcher());
    for (const auto& snap : snapshots) {
      for (const auto& v : snap.Views()) views.push_back(v);
    }
    for (const auto& t : mlt->SelectTerms(search::SegmentStatistics(views))) out.push_back(t.term);
    return out;
  }

  std::vector<std::string> Hits(const std::string& json) {
    SearchRequest request;
    request.query_json = json;
    auto plan = SearchPlan::Build(request, {{"docs", index_}});
    EXPECT_TRUE(plan.ok()) << plan.status().ToString();
    std::vector<std::string> ids;
    if (!plan.ok()) return ids;
    auto r = plan.value()->RunQueryPhase(0, 10, false, node_->search_pool(), nullptr);
    EXPECT_TRUE(r.ok());
    if (r.ok()) {
      for (const PlanHit& h : r->hits) ids.push_back(h.id);
    }
    return ids;
  }

  testing::TempDir tmp_;
  std::unique_ptr<EmbeddedNode> node_;
  std::shared_ptr<IndexHandle> index_;
};

TEST_F(MoreLikeThisTest, TermsArePickedByTfIdfWithTheLimits) {
  // Like d0: apple tf 2 (df 3), banana tf 1 (df 4), cherry tf 1 (df 2).
  // min_term_freq 1, min_doc_freq 1: scores tf * (1 + ln(6 / (df + 1))).
  auto all = Terms(R"({"more_like_this":{"fields":["body"],"like":[{"_id":"d0"}],"min_term_freq":1,"min_doc_freq":1}})");
  ASSERT_EQ(all.size(), 3u);
  const double apple = 2 * (1 + std::log(6.0 / 4)), cherry = 1 + std::log(6.0 / 3), banana = 1 + std::log(6.0 / 5);
  ASSERT_GT(apple, cherry);
  ASSERT_GT(cherry, banana);
  EXPECT_EQ(all, (std::vector<std::string>{"apple", "cherry", "banana"}));
  // Defaults: min_term_freq 2 keeps only apple; min_doc_freq 5 drops it (df 3).
  EXPECT_EQ(Terms(R"({"more_like_this":{"fields":["body"],"like":[{"_id":"d0"}],"min_doc_freq":1}})"),
            std::vector<std::string>{"apple"});
  EXPECT_TRUE(Terms(R"({"more_like_this":{"fields":["body"],"like":[{"_id":"d0"}]}})").empty());
  // max_query_terms keeps the best; max_doc_freq drops common terms; word length.
  EXPECT_EQ(Terms(R"({"more_like_this":{"fields":["body"],"like":[{"_id":"d0"}],"min_term_freq":1,"min_doc_freq":1,
      "max_query_terms":2}})"), (std::vector<std::string>{"apple", "cherry"}));
  EXPECT_EQ(Terms(R"({"more_like_this":{"fields":["body"],"like":[{"_id":"d0"}],"min_term_freq":1,"min_doc_freq":1,
      "max_doc_freq":3}})"), (std::vector<std::string>{"apple", "cherry"}));
  EXPECT_EQ(Terms(R"({"more_like_this":{"fields":["body"],"like":"apple cherry banana","min_term_freq":1,"min_doc_freq":1,
      "max_word_length":5}})"), (std::vector<std::string>{"apple"}));
  // unlike terms are never picked.
  EXPECT_EQ(Terms(R"({"more_like_this":{"fields":["body"],"like":[{"_id":"d0"}],"unlike":"apple","min_term_freq":1,
      "min_doc_freq":1}})"), (std::vector<std::string>{"cherry", "banana"}));
}

TEST_F(MoreLikeThisTest, LikedDocumentIsExcludedUnlessIncludedAndWorksInsideBool) {
  const std::string like = R"("fields":["body"],"like":[{"_id":"d4"}],"min_term_freq":1,"min_doc_freq":1,
      "minimum_should_match":1)";
  auto hits = Hits(R"({"more_like_this":{)" + like + "}}");
  ASSERT_FALSE(hits.empty());
  for (const auto& id : hits) EXPECT_NE(id, "d4");
  auto with_self = Hits(R"({"more_like_this":{)" + like + R"(,"include":true}})");
  ASSERT_FALSE(with_self.empty());
  EXPECT_EQ(with_self[0], "d4");
  auto filtered = Hits(R"({"bool":{"must":[{"more_like_this":{)" + like + R"(}}],"filter":[{"term":{"tag":"odd"}}]}})");
  for (const auto& id : filtered) EXPECT_TRUE(id == "d1" || id == "d3" || id == "d5") << id;
  EXPECT_FALSE(filtered.empty());
  // A missing like document adds no terms: nothing matches.
  EXPECT_TRUE(Hits(R"({"more_like_this":{"fields":["body"],"like":[{"_id":"nope"}],"min_term_freq":1}})").empty());
  // Errors: no like; documents by id without a context.
  EXPECT_FALSE(Parse(R"({"more_like_this":{"fields":["body"]}})").ok());
  search::QueryParser bare(*index_->mapping());
  EXPECT_FALSE(bare.Parse(R"({"more_like_this":{"like":[{"_id":"d0"}]}})").ok());
  EXPECT_TRUE(bare.Parse(R"({"more_like_this":{"like":"apple"}})").ok());
}

}  // namespace
}  // namespace holdfast
