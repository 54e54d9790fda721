// The query DSL parser: the Elasticsearch error types and reasons for bad
// input, and the forms it accepts.
#include <gtest/gtest.h>

#include "tests/index/search_test_util.h"

namespace holdfast::search {
namespace {

class QueryDslTest : public ::testing::Test {
 protected:
  QueryDslTest()
      : index_(R"({"properties":{"title":{"type":"text"},"tags":{"type":"keyword"},
          "stock":{"type":"long"},"price":{"type":"double"},"sale":{"type":"boolean"},"added":{"type":"date"}}})") {}

  // The error `dsl` produces (kind and reason); fails the test when it parses.
  Status ErrorOf(const std::string& dsl) {
    auto q = index_.ParseQuery(dsl);
    EXPECT_FALSE(q.ok()) << dsl << " parsed as " << (q.ok() ? q.value()->ToString() : "");
    if (q.ok()) return {};
    return q.status();
  }

  std::string Parsed(const std::string& dsl) {
    auto q = index_.ParseQuery(dsl);
    EXPECT_TRUE(q.ok()) << dsl << ": " << q.status().ToString();
    return q.ok() ? q.value()->ToString() : "";
  }

  testing::SearchIndex index_;
};

TEST_F(QueryDslTest, UnknownQuery) {
  auto e = ErrorOf(R"({"foo":{"title":"x"}})");
  EXPECT_EQ(e.kind(), StatusCode::kParse);
  EXPECT_EQ(e.message(), "unknown query [foo]");
  e = ErrorOf(R"({"bool":{"must":[{"match":{"title":"x"}},{"nope":{}}]}})");
  EXPECT_EQ(e.kind(), StatusCode::kParse);
  EXPECT_EQ(e.message(), "unknown query [nope]");
}

TEST_F(QueryDslTest, MalformedJson) {
  for (const char* bad : {R"({"match":{"title":"x"})", R"({"match":{"title":"x"}}})", R"({"match":)", "",
                          R"({"term":{"tags":"x",}})", R"(["match"])", R"({"match":{"title":"x"}} 12)"}) {
    EXPECT_EQ(ErrorOf(bad).kind(), StatusCode::kParse) << bad;
  }
}

TEST_F(QueryDslTest, MalformedStructure) {
  auto e = ErrorOf(R"({"match":{"title":"x"},"term":{"tags":"y"}})");
  EXPECT_EQ(e.kind(), StatusCode::kParse);
  EXPECT_EQ(e.message(), "[match] malformed query, expected [END_OBJECT] but found [FIELD_NAME]");
  EXPECT_EQ(ErrorOf(R"({"term":{"tags":"a","title":"b"}})").kind(), StatusCode::kParse);
  EXPECT_EQ(ErrorOf(R"({"bool":{"must":"x"}})").kind(), StatusCode::kParse);
  EXPECT_EQ(ErrorOf(R"({"bool":{"shuld":[]}})").message(), "[bool] query does not support [shuld]");
  EXPECT_EQ(ErrorOf(R"({"match":{"title":{"qery":"x"}}})").kind(), StatusCode::kParse);
  EXPECT_EQ(ErrorOf(R"({"match":"x"})").kind(), StatusCode::kParse);
  EXPECT_EQ(ErrorOf(R"({"terms":{"tags":"x"}})").kind(), StatusCode::kParse);
  EXPECT_EQ(ErrorOf(R"({})").kind(), StatusCode::kParse);
  EXPECT_EQ(ErrorOf(R"({"match":{"title":["x"]}})").kind(), StatusCode::kParse);
  EXPECT_EQ(ErrorOf(R"({"constant_score":{"boost":2}})").kind(), StatusCode::kParse);
}

TEST_F(QueryDslTest, WrongValueTypes) {
  auto e = ErrorOf(R"({"term":{"stock":"abc"}})");
  EXPECT_EQ(e.kind(), StatusCode::kQueryShard);
  EXPECT_EQ(e.message(), "failed to create query: For input string: \"abc\"");
  EXPECT_EQ(ErrorOf(R"({"term":{"price":"1.2.3"}})").kind(), StatusCode::kQueryShard);
  EXPECT_EQ(ErrorOf(R"({"term":{"sale":"yes"}})").kind(), StatusCode::kQueryShard);
  EXPECT_EQ(ErrorOf(R"({"range":{"added":{"gte":"yesterday"}}})").kind(), StatusCode::kQueryShard);
  EXPECT_EQ(ErrorOf(R"({"prefix":{"stock":"1"}})").kind(), StatusCode::kQueryShard);
  EXPECT_EQ(ErrorOf(R"({"match":{"title":{"query":"x","operator":"xor"}}})").kind(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorOf(R"({"fuzzy":{"title":{"value":"x","fuzziness":3}}})").kind(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorOf(R"({"match":{"title":{"query":"x","minimum_should_match":"lots"}}})").kind(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorOf(R"({"function_score":{"field_value_factor":{"field":"stock","modifier":"cube"}}})").kind(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorOf(R"({"match":{"title":{"query":"x","boost":"high"}}})").kind(), StatusCode::kParse);
}

TEST_F(QueryDslTest, TooDeep) {
  auto nested = [](int levels) {
    std::string q = R"({"term":{"tags":"x"}})";
    for (int i = 0; i < levels; ++i) q = R"({"bool":{"must":[)" + q + "]}}";
    return q;
  };
  EXPECT_FALSE(Parsed(nested(kMaxQueryDepth - 1)).empty());
  auto e = ErrorOf(nested(kMaxQueryDepth + 5));
  EXPECT_EQ(e.kind(), StatusCode::kParse);
  EXPECT_NE(e.message().find("nested too deeply"), std::string::npos);
  EXPECT_EQ(ErrorOf(nested(1000)).kind(), StatusCode::kParse);
}

TEST_F(QueryDslTest, ShortAndLongForms) {
  EXPECT_EQ(Parsed(R"({"term":{"tags":"x"}})"), "tags:x");
  EXPECT_EQ(Parsed(R"({"term":{"tags":{"value":"x"}}})"), "tags:x");
  EXPECT_EQ(Parsed(R"({"match":{"title":"Foo"}})"), "title:foo");
  EXPECT_EQ(Parsed(R"({"match":{"title":{"query":"Foo"}}})"), "title:foo");
  EXPECT_EQ(Parsed(R"({"match":{"title":{"query":"a b","operator":"AND"}}})"), "bool( +title:a +title:b )");
  EXPECT_EQ(Parsed(R"({"match":{"title":{"query":"a b c","minimum_should_match":"2"}}})"),
            "bool( title:a title:b title:c )~2");
  EXPECT_EQ(Parsed(R"({"match_phrase":{"title":{"query":"a b","slop":2}}})"), "title:\"a b\"~2");
  EXPECT_EQ(Parsed(R"({"term":{"nope":"x"}})"), "match_none");
  EXPECT_EQ(Parsed(R"({"prefix":{"tags":"ab"}})"), "tags:ab*");
  EXPECT_EQ(Parsed(R"({"fuzzy":{"title":"abcdef"}})"), "title:abcdef~2");
  EXPECT_EQ(Parsed(R"({"fuzzy":{"title":{"value":"abcd","fuzziness":"AUTO"}}})"), "title:abcd~1");
  EXPECT_EQ(Parsed(R"({"range":{"tags":{"gte":"a","lt":"c"}}})"), "tags:[a TO c}");
  EXPECT_EQ(Parsed(R"({"range":{"stock":{"gt":1,"lte":5}}})"), "stock:[2 TO 5]");
  EXPECT_EQ(Parsed(R"({"bool":{"should":{"term":{"tags":"a"}},"must_not":[{"term":{"tags":"b"}}]}})"),
            "bool( tags:a -tags:b )");
}

}  // namespace
}  // namespace holdfast::search
