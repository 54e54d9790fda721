// The query DSL parser: the Elasticsearch error types and reasons for bad
// input, and the forms it accepts.
#include <gtest/gtest.h>

#include "index/mapping/mapping_error.h"
#include "tests/index/search_test_util.h"

namespace holdfast::search {
namespace {

class QueryDslTest : public ::testing::Test {
 protected:
  QueryDslTest()
      : index_(R"({"properties":{"title":{"type":"text"},"tags":{"type":"keyword"},
          "stock":{"type":"long"},"price":{"type":"double"},"sale":{"type":"boolean"},"added":{"type":"date"}}})") {}

  // The (type, reason) of the error `dsl` produces; fails the test when it parses.
  mapping::MappingError ErrorOf(const std::string& dsl) {
    auto q = index_.ParseQuery(dsl);
    EXPECT_FALSE(q.ok()) << dsl << " parsed as " << (q.ok() ? q.value()->ToString() : "");
    if (q.ok()) return {};
    EXPECT_EQ(q.status().code(), StatusCode::kInvalidArgument);
    return mapping::ToMappingError(q.status());
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
  EXPECT_EQ(e.type, "parsing_exception");
  EXPECT_EQ(e.reason, "unknown query [foo]");
  e = ErrorOf(R"({"bool":{"must":[{"match":{"title":"x"}},{"nope":{}}]}})");
  EXPECT_EQ(e.type, "parsing_exception");
  EXPECT_EQ(e.reason, "unknown query [nope]");
}

TEST_F(QueryDslTest, MalformedJson) {
  for (const char* bad : {R"({"match":{"title":"x"})", R"({"match":{"title":"x"}}})", R"({"match":)", "",
                          R"({"term":{"tags":"x",}})", R"(["match"])", R"({"match":{"title":"x"}} 12)"}) {
    EXPECT_EQ(ErrorOf(bad).type, "parsing_exception") << bad;
  }
}

TEST_F(QueryDslTest, MalformedStructure) {
  auto e = ErrorOf(R"({"match":{"title":"x"},"term":{"tags":"y"}})");
  EXPECT_EQ(e.type, "parsing_exception");
  EXPECT_EQ(e.reason, "[match] malformed query, expected [END_OBJECT] but found [FIELD_NAME]");
  EXPECT_EQ(ErrorOf(R"({"term":{"tags":"a","title":"b"}})").type, "parsing_exception");
  EXPECT_EQ(ErrorOf(R"({"bool":{"must":"x"}})").type, "parsing_exception");
  EXPECT_EQ(ErrorOf(R"({"bool":{"shuld":[]}})").reason, "[bool] query does not support [shuld]");
  EXPECT_EQ(ErrorOf(R"({"match":{"title":{"qery":"x"}}})").type, "parsing_exception");
  EXPECT_EQ(ErrorOf(R"({"match":"x"})").type, "parsing_exception");
  EXPECT_EQ(ErrorOf(R"({"terms":{"tags":"x"}})").type, "parsing_exception");
  EXPECT_EQ(ErrorOf(R"({})").type, "parsing_exception");
  EXPECT_EQ(ErrorOf(R"({"match":{"title":["x"]}})").type, "parsing_exception");
  EXPECT_EQ(ErrorOf(R"({"constant_score":{"boost":2}})").type, "parsing_exception");
}

TEST_F(QueryDslTest, WrongValueTypes) {
  auto e = ErrorOf(R"({"term":{"stock":"abc"}})");
  EXPECT_EQ(e.type, "query_shard_exception");
  EXPECT_EQ(e.reason, "failed to create query: For input string: \"abc\"");
  EXPECT_EQ(ErrorOf(R"({"term":{"price":"1.2.3"}})").type, "query_shard_exception");
  EXPECT_EQ(ErrorOf(R"({"term":{"sale":"yes"}})").type, "query_shard_exception");
  EXPECT_EQ(ErrorOf(R"({"range":{"added":{"gte":"yesterday"}}})").type, "query_shard_exception");
  EXPECT_EQ(ErrorOf(R"({"prefix":{"stock":"1"}})").type, "query_shard_exception");
  EXPECT_EQ(ErrorOf(R"({"match":{"title":{"query":"x","operator":"xor"}}})").type, "illegal_argument_exception");
  EXPECT_EQ(ErrorOf(R"({"fuzzy":{"title":{"value":"x","fuzziness":3}}})").type, "illegal_argument_exception");
  EXPECT_EQ(ErrorOf(R"({"match":{"title":{"query":"x","minimum_should_match":"lots"}}})").type,
            "illegal_argument_exception");
  EXPECT_EQ(ErrorOf(R"({"function_score":{"field_value_factor":{"field":"stock","modifier":"cube"}}})").type,
            "illegal_argument_exception");
  EXPECT_EQ(ErrorOf(R"({"match":{"title":{"query":"x","boost":"high"}}})").type, "parsing_exception");
}

TEST_F(QueryDslTest, TooDeep) {
  auto nested = [](int levels) {
    std::string q = R"({"term":{"tags":"x"}})";
    for (int i = 0; i < levels; ++i) q = R"({"bool":{"must":[)" + q + "]}}";
    return q;
  };
  EXPECT_FALSE(Parsed(nested(kMaxQueryDepth - 1)).empty());
  auto e = ErrorOf(nested(kMaxQueryDepth + 5));
  EXPECT_EQ(e.type, "parsing_exception");
  EXPECT_NE(e.reason.find("nested too deeply"), std::string::npos);
  EXPECT_EQ(ErrorOf(nested(1000)).type, "parsing_exception");
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
