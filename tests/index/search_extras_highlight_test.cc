// Highlighting: fragments, tags, stemming, CJK, accents, UTF-8 safety, and
// the `highlight` clause parser.
#include <gtest/gtest.h>

#include "index/analysis/analyzer.h"
#include "index/analysis/utf8.h"
#include "index/search/highlight_spec.h"
#include "index/search/highlighter.h"
#include "tests/index/search_extras_fixture.h"

namespace holdfast::search {
namespace {

using Fragments = std::vector<std::string>;

Fragments Highlight(std::string_view analyzer_name, std::string_view text, const std::vector<std::string>& terms,
                    HighlightOptions options = {}) {
  auto analyzer = analysis::MakeAnalyzer(analyzer_name);
  EXPECT_TRUE(analyzer.ok()) << analyzer.status().ToString();
  auto fragments = HighlightText(text, *analyzer.value(), terms, options);
  EXPECT_TRUE(fragments.ok()) << fragments.status().ToString();
  return fragments.ok() ? fragments.value() : Fragments{};
}

TEST(HighlighterTest, StemmedQueryTermHighlightsInflectedForms) {
  EXPECT_EQ(Highlight("english", "The runner was running fast. Runs are fun, he ran.", {"run"}),
            (Fragments{"The runner was <em>running</em> fast. <em>Runs</em> are fun, he ran."}));
}

TEST(HighlighterTest, NoMatchGivesNoFragment) {
  EXPECT_TRUE(Highlight("english", "Nothing to see here", {"run"}).empty());
  EXPECT_TRUE(Highlight("english", "", {"run"}).empty());
}

TEST(HighlighterTest, FragmentsAreCutAtTokenBoundariesNearFragmentSize) {
  HighlightOptions options;
  options.fragment_size = 20;
  const std::string text = "An apple a day. Keeps the doctor away, they say; apples everywhere!";
  EXPECT_EQ(Highlight("english", text, {"appl"}, options),
            (Fragments{"An <em>apple</em> a day.", "<em>apples</em> everywhere!"}));
  // Every fragment stays within fragment_size, tags and trailing punctuation aside.
  for (const std::string& f : Highlight("english", text, {"appl", "doctor"}, options)) {
    std::string plain = f;
    for (const char* tag : {"<em>", "</em>"}) {
      for (size_t at; (at = plain.find(tag)) != std::string::npos;) plain.erase(at, std::string(tag).size());
    }
    EXPECT_LE(plain.size(), 21u) << f;
  }
}

TEST(HighlighterTest, BestFragmentsByDistinctTermsThenMatchesReturnedInTextOrder) {
  HighlightOptions options;
  options.fragment_size = 24;
  options.number_of_fragments = 2;
  const std::string text = "fox fox fox jumped high. a quiet lazy dog slept. the brown fox met the dog.";
  // Passages: [fox fox fox jumped high.] [a quiet lazy dog slept.] [the brown fox met the] [dog.]
  EXPECT_EQ(Highlight("standard", text, {"fox", "met"}, options),
            (Fragments{"<em>fox</em> <em>fox</em> <em>fox</em> jumped high.", "the brown <em>fox</em> <em>met</em> the"}));
  options.order_by_score = true;
  EXPECT_EQ(Highlight("standard", text, {"fox", "met"}, options),
            (Fragments{"the brown <em>fox</em> <em>met</em> the", "<em>fox</em> <em>fox</em> <em>fox</em> jumped high."}));
  options.number_of_fragments = 1;
  EXPECT_EQ(Highlight("standard", text, {"fox", "met"}, options),
            (Fragments{"the brown <em>fox</em> <em>met</em> the"}));
  options.order_by_score = false;
  // Equal scores: the earliest passage wins.
  EXPECT_EQ(Highlight("standard", text, {"dog"}, options), (Fragments{"a quiet lazy <em>dog</em> slept."}));
  options.number_of_fragments = 5;
  EXPECT_EQ(Highlight("standard", text, {"dog", "slept"}, options),
            (Fragments{"a quiet lazy <em>dog</em> <em>slept</em>.", "<em>dog</em>."}));
}

TEST(HighlighterTest, ZeroFragmentsHighlightsTheWholeField) {
  HighlightOptions options;
  options.number_of_fragments = 0;
  options.fragment_size = 5;
  EXPECT_EQ(Highlight("english", "  «Running» far, running fast… ", {"run"}, options),
            (Fragments{"  «<em>Running</em>» far, <em>running</em> fast… "}));
}

TEST(HighlighterTest, CustomTags) {
  HighlightOptions options;
  options.pre_tag = "<b class=\"hit\">";
  options.post_tag = "</b>";
  EXPECT_EQ(Highlight("standard", "Quick brown fox", {"quick", "fox"}, options),
            (Fragments{"<b class=\"hit\">Quick</b> brown <b class=\"hit\">fox</b>"}));
}

TEST(HighlighterTest, CjkAndAccents) {
  EXPECT_EQ(Highlight("standard", "我爱北京天安门", {"北京"}), (Fragments{"我爱<em>北京</em>天安门"}));
  EXPECT_EQ(Highlight("standard", "Crème brûlée at the Café", {"café", "brûlée"}),
            (Fragments{"Crème <em>brûlée</em> at the <em>Café</em>"}));
  EXPECT_EQ(Highlight("english_asciifolding", "Crème brûlée at the Café", {"cafe"}),
            (Fragments{"Crème brûlée at the <em>Café</em>"}));
}

TEST(HighlighterTest, OutputIsValidUtf8EvenForIllFormedInput) {
  HighlightOptions options;
  options.fragment_size = 7;
  const std::string text = "日本語のテキスト 東京 \xff\xfe 東京タワー ok 東京";
  Fragments fragments = Highlight("standard", text, {"東京"}, options);
  ASSERT_FALSE(fragments.empty());
  for (const std::string& f : fragments) {
    EXPECT_TRUE(analysis::IsValidUtf8(f)) << f;
    EXPECT_NE(f.find("<em>東京</em>"), std::string::npos) << f;
  }
  options.number_of_fragments = 0;
  fragments = Highlight("standard", text, {"東京"}, options);
  ASSERT_EQ(fragments.size(), 1u);
  EXPECT_TRUE(analysis::IsValidUtf8(fragments[0]));
  EXPECT_NE(fragments[0].find("\xEF\xBF\xBD"), std::string::npos);  // U+FFFD
}

TEST(HighlighterTest, ValuesOfAMultiValuedFieldAreHighlightedSeparately) {
  auto analyzer = analysis::MakeAnalyzer("standard");
  ASSERT_TRUE(analyzer.ok());
  auto fragments = HighlightValues({"red apple", "green pear", "red pear"}, *analyzer.value(), {"red"}, {});
  ASSERT_TRUE(fragments.ok());
  EXPECT_EQ(fragments.value(), (Fragments{"<em>red</em> apple", "<em>red</em> pear"}));
}

TEST(HighlightSpecTest, FieldOptionsOverrideTopLevelOptions) {
  auto spec = ParseHighlightSpec(R"({"fields": {"title": {}, "body": {"fragment_size": 50, "pre_tags": ["<i>"]}},
                                     "pre_tags": ["<b>"], "post_tags": ["</b>"], "number_of_fragments": 0})");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  ASSERT_EQ(spec->fields.size(), 2u);
  EXPECT_EQ(spec->fields[0].first, "title");
  EXPECT_EQ(spec->fields[0].second.pre_tag, "<b>");
  EXPECT_EQ(spec->fields[0].second.post_tag, "</b>");
  EXPECT_EQ(spec->fields[0].second.fragment_size, 100u);
  EXPECT_EQ(spec->fields[0].second.number_of_fragments, 0u);
  EXPECT_EQ(spec->fields[1].first, "body");
  EXPECT_EQ(spec->fields[1].second.pre_tag, "<i>");
  EXPECT_EQ(spec->fields[1].second.fragment_size, 50u);
  EXPECT_FALSE(spec->fields[1].second.order_by_score);
}

TEST(HighlightSpecTest, DefaultsAndErrors) {
  auto spec = ParseHighlightSpec(R"({"order": "score", "fields": [{"title": {"number_of_fragments": 2}}]})");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->fields[0].second.pre_tag, "<em>");
  EXPECT_EQ(spec->fields[0].second.number_of_fragments, 2u);
  EXPECT_TRUE(spec->fields[0].second.order_by_score);
  using testing::ErrorKind;
  EXPECT_EQ(ErrorKind(ParseHighlightSpec(R"({"fields": {"t": {"colour": 1}}})").status()), StatusCode::kParse);
  EXPECT_EQ(ErrorKind(ParseHighlightSpec(R"({"flavour": 1, "fields": {}})").status()), StatusCode::kParse);
  EXPECT_EQ(ErrorKind(ParseHighlightSpec(R"({"pre_tags": "<b>", "fields": {}})").status()), StatusCode::kParse);
  EXPECT_EQ(ErrorKind(ParseHighlightSpec(R"({"fields": {"t": {"fragment_size": -1}}})").status()), StatusCode::kParse);
  EXPECT_EQ(ErrorKind(ParseHighlightSpec(R"({"pre_tags": ["<b>"]})").status()), StatusCode::kParse);
  EXPECT_EQ(ErrorKind(ParseHighlightSpec(R"({"fields": )").status()), StatusCode::kParse);
}

}  // namespace
}  // namespace holdfast::search
