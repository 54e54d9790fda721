// Tests of index/mapping/document_parser: JSON documents → typed field values,
// dynamic mapping, strict/false modes, refusals and limits.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "index/mapping/document_parser.h"
#include "index/mapping/mapping_parser.h"
#include "index/mapping/mapping_serializer.h"

namespace holdfast::mapping {
namespace {

Mapping MustParseMapping(std::string_view json) {
  Result<Mapping> mapping = ParseMapping(json);
  EXPECT_TRUE(mapping.ok()) << mapping.status().ToString();
  return mapping.ok() ? std::move(mapping).value() : Mapping();
}

// Parses and requires success.
ParsedDocument MustParse(const Mapping& mapping, std::string_view source,
                         MappingUpdate* update = nullptr) {
  Result<ParsedDocument> doc = ParseDocument(mapping, "1", source, update);
  EXPECT_TRUE(doc.ok()) << doc.status().ToString();
  return doc.ok() ? std::move(doc).value() : ParsedDocument();
}

Status MustFail(const Mapping& mapping, std::string_view source, MappingUpdate* update = nullptr) {
  Result<ParsedDocument> doc = ParseDocument(mapping, "1", source, update);
  EXPECT_FALSE(doc.ok()) << source;
  return doc.status();
}

std::vector<const FieldValue*> ValuesOf(const ParsedDocument& doc, std::string_view path) {
  std::vector<const FieldValue*> out;
  for (const FieldValue& v : doc.fields()) {
    if (v.path == path) out.push_back(&v);
  }
  return out;
}

const FieldMapping* UpdateField(const MappingUpdate& update, std::string_view path) {
  for (const auto& [p, f] : update.fields) {
    if (p == path) return &f;
  }
  return nullptr;
}

constexpr std::string_view kProductMapping = R"({"properties": {
  "title": {"type": "text", "analyzer": "english",
            "fields": {"raw": {"type": "keyword", "ignore_above": 15}}},
  "sku": {"type": "keyword", "ignore_above": 5},
  "price": {"type": "long"},
  "strict_price": {"type": "long", "coerce": false},
  "rating": {"type": "float"},
  "in_stock": {"type": "boolean"},
  "released": {"type": "date"},
  "seller": {"properties": {"name": {"type": "keyword"}}}
}})";

TEST(DocumentParserTest, ProducesTypedValuesAndKeepsSource) {
  Mapping mapping = MustParseMapping(kProductMapping);
  std::string source = R"({"title": "Red \"Shoes\"", "sku": "AB1", "price": 1299,
      "rating": 4.5, "in_stock": true, "released": "2015-01-01T00:00:01.5Z",
      "seller": {"name": "acme"}})";
  MappingUpdate update;
  ParsedDocument doc = MustParse(mapping, source, &update);
  EXPECT_TRUE(update.empty());
  EXPECT_EQ(doc.source(), source);
  EXPECT_EQ(doc.id(), "1");

  auto title = ValuesOf(doc, "title");
  ASSERT_EQ(title.size(), 1u);
  EXPECT_EQ(title[0]->type, FieldType::kText);
  EXPECT_EQ(title[0]->analyzer, Analyzer::kEnglish);
  EXPECT_EQ(title[0]->text, "Red \"Shoes\"");  // unescaped
  auto raw = ValuesOf(doc, "title.raw");
  ASSERT_EQ(raw.size(), 1u);
  EXPECT_EQ(raw[0]->type, FieldType::kKeyword);
  EXPECT_EQ(raw[0]->text, "Red \"Shoes\"");
  EXPECT_EQ(ValuesOf(doc, "sku")[0]->text, "AB1");
  EXPECT_EQ(ValuesOf(doc, "price")[0]->long_value, 1299);
  EXPECT_DOUBLE_EQ(ValuesOf(doc, "rating")[0]->double_value, 4.5);
  EXPECT_TRUE(ValuesOf(doc, "in_stock")[0]->bool_value);
  EXPECT_EQ(ValuesOf(doc, "released")[0]->type, FieldType::kDate);
  EXPECT_EQ(ValuesOf(doc, "released")[0]->long_value, 1420070401500);
  EXPECT_EQ(ValuesOf(doc, "seller.name")[0]->text, "acme");
}

TEST(DocumentParserTest, ViewsSurviveMoveAndParserReuse) {
  Mapping mapping = MustParseMapping(kProductMapping);
  DocumentParser parser;
  Result<ParsedDocument> first = parser.Parse(mapping, "a", R"({"title": "first \u00e9"})", nullptr);
  ASSERT_TRUE(first.ok());
  ParsedDocument moved = std::move(first).value();
  Result<ParsedDocument> second = parser.Parse(mapping, "b", R"({"title": "second"})", nullptr);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(ValuesOf(moved, "title")[0]->text, "first \xc3\xa9");
  EXPECT_EQ(ValuesOf(second.value(), "title")[0]->text, "second");

  ParsedDocument reused;
  ASSERT_TRUE(parser.Parse(mapping, "c", R"({"price": 1})", &reused, nullptr).ok());
  ASSERT_TRUE(parser.Parse(mapping, "d", R"({"price": 2, "sku": "x"})", &reused, nullptr).ok());
  EXPECT_EQ(reused.id(), "d");
  ASSERT_EQ(reused.fields().size(), 2u);
  EXPECT_EQ(ValuesOf(reused, "price")[0]->long_value, 2);
}

TEST(DocumentParserTest, ArraysAreMultiValued) {
  Mapping mapping = MustParseMapping(kProductMapping);
  ParsedDocument doc = MustParse(mapping, R"({"price": [1, null, [2, 3]],
      "seller": [{"name": "a"}, {"name": "b"}], "title": ["x", "y"]})");
  auto prices = ValuesOf(doc, "price");
  ASSERT_EQ(prices.size(), 3u);
  EXPECT_EQ(prices[2]->long_value, 3);
  ASSERT_EQ(ValuesOf(doc, "seller.name").size(), 2u);
  EXPECT_EQ(ValuesOf(doc, "seller.name")[1]->text, "b");
  EXPECT_EQ(ValuesOf(doc, "title").size(), 2u);
  EXPECT_EQ(ValuesOf(doc, "title.raw").size(), 2u);
}

TEST(DocumentParserTest, KeywordIgnoreAboveDropsValueButKeepsDocument) {
  Mapping mapping = MustParseMapping(kProductMapping);
  ParsedDocument doc = MustParse(mapping, R"({"sku": ["ABCDE", "ABCDEF", "ÄÖÜßé"],
      "title": "a rather long title"})");
  auto skus = ValuesOf(doc, "sku");
  ASSERT_EQ(skus.size(), 2u);  // 5 characters are fine, 6 are not
  EXPECT_EQ(skus[0]->text, "ABCDE");
  EXPECT_EQ(skus[1]->text, "ÄÖÜßé");  // 5 characters, 10 bytes: counted in characters
  EXPECT_EQ(ValuesOf(doc, "title").size(), 1u);
  EXPECT_TRUE(ValuesOf(doc, "title.raw").empty());
  EXPECT_NE(doc.source().find("ABCDEF"), std::string_view::npos);
}

TEST(DocumentParserTest, CoercesNumericStringsLikeElasticsearch) {
  Mapping mapping = MustParseMapping(kProductMapping);
  ParsedDocument doc = MustParse(mapping, R"({"price": ["12", "12.9", 7.99, "-3.5"],
      "rating": "4.25", "in_stock": "false", "sku": 123, "title": true})");
  auto prices = ValuesOf(doc, "price");
  ASSERT_EQ(prices.size(), 4u);
  EXPECT_EQ(prices[0]->long_value, 12);
  EXPECT_EQ(prices[1]->long_value, 12);  // truncated toward zero
  EXPECT_EQ(prices[2]->long_value, 7);
  EXPECT_EQ(prices[3]->long_value, -3);
  EXPECT_DOUBLE_EQ(ValuesOf(doc, "rating")[0]->double_value, 4.25);
  EXPECT_FALSE(ValuesOf(doc, "in_stock")[0]->bool_value);
  EXPECT_EQ(ValuesOf(doc, "sku")[0]->text, "123");  // numbers as written
  EXPECT_EQ(ValuesOf(doc, "title")[0]->text, "true");

  Status e = MustFail(mapping, R"({"strict_price": "12"})");
  EXPECT_EQ(e.kind(), StatusCode::kMapperParsing);
  e = MustFail(mapping, R"({"strict_price": 12.5})");
  EXPECT_EQ(e.kind(), StatusCode::kMapperParsing);
  EXPECT_EQ(ValuesOf(MustParse(mapping, R"({"strict_price": 12})"), "strict_price")[0]->long_value,
            12);
}

TEST(DocumentParserTest, RefusesValuesThatDoNotFit) {
  Mapping mapping = MustParseMapping(kProductMapping);
  Status e = MustFail(mapping, R"({"sku": "ok", "price": "abc"})");
  EXPECT_EQ(e.kind(), StatusCode::kMapperParsing);
  EXPECT_EQ(e.message(),
            "failed to parse field [price] of type [long] in document with id '1'. "
            "Preview of field's value: 'abc'");
  e = MustFail(mapping, R"({"released": "2015-02-30"})");
  EXPECT_EQ(e.message(),
            "failed to parse field [released] of type [date] in document with id '1'. "
            "Preview of field's value: '2015-02-30'");
  e = MustFail(mapping, R"({"released": "2015-01-01T25:00"})");
  EXPECT_EQ(e.kind(), StatusCode::kMapperParsing);
  e = MustFail(mapping, R"({"price": {"a": 1}})");
  EXPECT_EQ(e.message(),
            "failed to parse field [price] of type [long] in document with id '1'. "
            "Preview of field's value: '{\"a\": 1}'");
  e = MustFail(mapping, R"({"seller": "acme"})");
  EXPECT_EQ(e.message(),
            "object mapping for [seller] tried to parse field [seller] as object, but found a "
            "concrete value");
  e = MustFail(mapping, R"({"price": 9223372036854775808})");
  EXPECT_EQ(e.kind(), StatusCode::kMapperParsing);
  e = MustFail(mapping, R"({"price": 1e300})");
  EXPECT_EQ(e.kind(), StatusCode::kMapperParsing);
  e = MustFail(mapping, R"({"in_stock": "yes"})");
  EXPECT_EQ(e.kind(), StatusCode::kMapperParsing);
  e = MustFail(mapping, R"({"in_stock": 1})");
  EXPECT_EQ(e.kind(), StatusCode::kMapperParsing);
  e = MustFail(mapping, R"({"rating": "NaN"})");
  EXPECT_EQ(e.kind(), StatusCode::kMapperParsing);
  e = MustFail(mapping, R"({"_id": "2"})");
  EXPECT_NE(e.message().find("metadata field"), std::string::npos);
  e = MustFail(mapping, R"({"title.raw": "direct"})");
  EXPECT_EQ(e.kind(), StatusCode::kMapperParsing);
}

TEST(DocumentParserTest, DynamicMappingOfEveryJsonKind) {
  Mapping mapping;  // empty, dynamic: true
  MappingUpdate update;
  ParsedDocument doc = MustParse(mapping, R"({
      "name": "Widget", "count": 3, "ratio": 0.5, "on": false,
      "when": "2015-01-01", "slash": "2015/01/01 12:00:00", "nothing": null, "empty": [],
      "tags": [null, "a", "b"], "user": {"address": {"city": "Oslo"}}, "meta": {},
      "big": 18446744073709551615})", &update);

  auto type_of = [&](std::string_view path) {
    const FieldMapping* f = UpdateField(update, path);
    EXPECT_NE(f, nullptr) << path;
    return f ? f->type : FieldType::kObject;
  };
  EXPECT_EQ(type_of("name"), FieldType::kText);
  EXPECT_EQ(UpdateField(update, "name")->multi_fields.at(0).mapping.ignore_above, 256);
  EXPECT_EQ(type_of("count"), FieldType::kLong);
  EXPECT_EQ(type_of("ratio"), FieldType::kDouble);
  EXPECT_EQ(type_of("on"), FieldType::kBoolean);
  EXPECT_EQ(type_of("when"), FieldType::kDate);
  EXPECT_EQ(type_of("slash"), FieldType::kDate);
  EXPECT_EQ(type_of("tags"), FieldType::kText);
  EXPECT_EQ(type_of("user"), FieldType::kObject);
  EXPECT_EQ(type_of("user.address"), FieldType::kObject);
  EXPECT_EQ(type_of("user.address.city"), FieldType::kText);
  EXPECT_EQ(type_of("meta"), FieldType::kObject);
  EXPECT_EQ(type_of("big"), FieldType::kDouble);
  EXPECT_EQ(UpdateField(update, "nothing"), nullptr);  // null → no field
  EXPECT_EQ(UpdateField(update, "empty"), nullptr);
  // Parents come before children.
  EXPECT_EQ(update.fields[0].first, "name");

  // The values were produced with the detected types, multi-fields included.
  EXPECT_EQ(ValuesOf(doc, "name.keyword")[0]->text, "Widget");
  EXPECT_EQ(ValuesOf(doc, "when")[0]->long_value, 1420070400000);
  EXPECT_EQ(ValuesOf(doc, "slash")[0]->long_value, 1420113600000);
  EXPECT_EQ(ValuesOf(doc, "tags").size(), 2u);
  EXPECT_EQ(ValuesOf(doc, "user.address.city")[0]->text, "Oslo");

  // Merged, the next document with the same fields adds nothing.
  Result<std::shared_ptr<const Mapping>> merged = mapping.Merge(update);
  ASSERT_TRUE(merged.ok()) << merged.status().ToString();
  MappingUpdate second;
  MustParse(*merged.value(), R"({"name": "x", "user": {"address": {"city": "y"}}})", &second);
  EXPECT_TRUE(second.empty());
  EXPECT_EQ(merged.value()->Find("user.address.city.keyword")->mapping.type, FieldType::kKeyword);
}

TEST(DocumentParserTest, DetectionSwitchesAndDottedKeys) {
  Mapping mapping = MustParseMapping(R"({"date_detection": false, "numeric_detection": true})");
  MappingUpdate update;
  ParsedDocument doc = MustParse(mapping, R"({"d": "2015-01-01", "n": "42", "f": "1.5",
                                              "a.b": 7})", &update);
  EXPECT_EQ(UpdateField(update, "d")->type, FieldType::kText);
  EXPECT_EQ(UpdateField(update, "n")->type, FieldType::kLong);
  EXPECT_EQ(UpdateField(update, "f")->type, FieldType::kDouble);
  EXPECT_EQ(ValuesOf(doc, "n")[0]->long_value, 42);
  // {"a.b": 7} is {"a": {"b": 7}}.
  EXPECT_EQ(UpdateField(update, "a")->type, FieldType::kObject);
  EXPECT_EQ(UpdateField(update, "a.b")->type, FieldType::kLong);
  EXPECT_EQ(ValuesOf(doc, "a.b")[0]->long_value, 7);
}

TEST(DocumentParserTest, ArrayElementsMustFitTheFirstElementsType) {
  Mapping mapping;
  MappingUpdate update;
  Status e = MustFail(mapping, R"({"mixed": [1, "x"]})", &update);
  EXPECT_EQ(e.kind(), StatusCode::kMapperParsing);
  EXPECT_NE(e.message().find("[mixed] of type [long]"), std::string::npos);
  EXPECT_TRUE(update.empty());  // nothing half-produced
  MappingUpdate ok;
  ParsedDocument doc = MustParse(mapping, R"({"nums": [1, "2", 3.7]})", &ok);
  EXPECT_EQ(UpdateField(ok, "nums")->type, FieldType::kLong);
  EXPECT_EQ(ValuesOf(doc, "nums")[2]->long_value, 3);
}

TEST(DocumentParserTest, StrictRefusesUnseenFields) {
  Mapping mapping = MustParseMapping(R"({"dynamic": "strict", "properties": {
      "a": {"type": "long"}, "obj": {"properties": {"x": {"type": "long"}}}}})");
  MappingUpdate update;
  Status e = MustFail(mapping, R"({"a": 1, "foo": 2})", &update);
  EXPECT_EQ(e.kind(), StatusCode::kStrictDynamicMapping);
  EXPECT_EQ(e.message(),
            "mapping set to strict, dynamic introduction of [foo] within [_doc] is not allowed");
  e = MustFail(mapping, R"({"obj": {"x": 1, "y": 2}})", &update);
  EXPECT_EQ(e.message(),
            "mapping set to strict, dynamic introduction of [y] within [obj] is not allowed");
  e = MustFail(mapping, R"({"foo": null, "bar": {}})", &update);  // null is fine, {} is not
  EXPECT_EQ(e.message(),
            "mapping set to strict, dynamic introduction of [bar] within [_doc] is not allowed");
  EXPECT_TRUE(update.empty());
  EXPECT_EQ(ValuesOf(MustParse(mapping, R"({"a": 5})", &update), "a").size(), 1u);
}

TEST(DocumentParserTest, DynamicFalseKeepsUnmappedFieldsOnlyInSource) {
  Mapping mapping = MustParseMapping(R"({"dynamic": false, "properties": {
      "a": {"type": "long"},
      "open": {"dynamic": true, "properties": {}}}})");
  MappingUpdate update;
  std::string source = R"({"a": 1, "extra": "kept", "nested": {"deep": [1, {"x": "y"}]},
                           "open": {"n": 5}})";
  ParsedDocument doc = MustParse(mapping, source, &update);
  EXPECT_EQ(doc.source(), source);
  EXPECT_TRUE(ValuesOf(doc, "extra").empty());
  EXPECT_TRUE(ValuesOf(doc, "nested.deep").empty());
  EXPECT_EQ(ValuesOf(doc, "a").size(), 1u);
  // An object may turn dynamic mapping back on for its own fields.
  ASSERT_EQ(update.fields.size(), 1u);
  EXPECT_EQ(update.fields[0].first, "open.n");
  // Unmapped values are still validated.
  Status e = MustFail(mapping, R"({"extra": [1, tru]})");
  EXPECT_EQ(e.kind(), StatusCode::kMapperParsing);
}

TEST(DocumentParserTest, RefusedDocumentLeavesMappingAndUpdateUntouched) {
  auto mapping = std::make_shared<const Mapping>(MustParseMapping(kProductMapping));
  std::string before = MappingToJson(*mapping);
  MappingUpdate update;
  Status e = MustFail(*mapping, R"({"new_a": "x", "new_b": {"c": 1}, "price": "abc"})",
                            &update);
  EXPECT_EQ(e.kind(), StatusCode::kMapperParsing);
  EXPECT_TRUE(update.empty());
  EXPECT_EQ(MappingToJson(*mapping), before);

  // A type conflict at merge time (two documents racing) is refused the same way.
  MappingUpdate first, second;
  MustParse(Mapping(), R"({"x": 1})", &first);
  MustParse(Mapping(), R"({"x": "text"})", &second);
  auto merged = Mapping().Merge(first);
  ASSERT_TRUE(merged.ok());
  e = merged.value()->Merge(second).status();
  EXPECT_EQ(e.kind(), StatusCode::kInvalidArgument);
  EXPECT_EQ(e.message(), "mapper [x] cannot be changed from type [long] to [text]");
  EXPECT_EQ(merged.value()->Find("x")->mapping.type, FieldType::kLong);
}

TEST(DocumentParserTest, NullUpdateMeansNoDynamicFields) {
  Mapping mapping;
  ParsedDocument doc = MustParse(mapping, R"({"a": 1, "b": "x"})", nullptr);
  EXPECT_TRUE(doc.fields().empty());
}

TEST(DocumentParserTest, MalformedInputGetsClearErrors) {
  Mapping mapping;
  const std::string bad[] = {
      "",
      "{",
      R"({"a": })",
      R"({"a": 1,})",
      R"({"a" 1})",
      R"({"a": tru})",
      R"({"a": "unterminated})",
      R"({"a": 01})",
      R"({"a": "bad \x escape"})",
      R"({"a": 1} {"b": 2})",
      R"({"a": 1} x)",
      "[1, 2]",
      "42",
      std::string("{\"a\": \"\xff\xfe\"}"),        // invalid UTF-8
      std::string("{\"a\": \"\xc3\x28\"}"),        // invalid UTF-8 continuation
      std::string("{\"\xe2\x82\": 1}"),            // truncated sequence in a key
  };
  for (const std::string& source : bad) {
    MappingUpdate update;
    Result<ParsedDocument> doc = ParseDocument(mapping, "1", source, &update);
    ASSERT_FALSE(doc.ok()) << "accepted: " << source;
    Status e = doc.status();
    EXPECT_EQ(e.kind(), StatusCode::kMapperParsing) << source;
    EXPECT_NE(e.message().find("failed to parse"), std::string::npos) << e.message();
    EXPECT_TRUE(update.empty()) << source;
  }
}

TEST(DocumentParserTest, DepthLimit) {
  Mapping mapping;
  auto nested = [](int levels) {
    std::string s;
    for (int i = 0; i < levels; ++i) s += "{\"o\": ";
    s += "1";
    for (int i = 0; i < levels; ++i) s += "}";
    return s;
  };
  MappingUpdate update;
  MustParse(mapping, nested(20), &update);  // 19 objects + a leaf at depth 20
  std::string leaf = "o";
  for (int i = 1; i < 20; ++i) leaf += ".o";
  ASSERT_NE(UpdateField(update, leaf), nullptr);
  EXPECT_EQ(UpdateField(update, leaf)->type, FieldType::kLong);
  Status e = MustFail(mapping, nested(21), &update);
  EXPECT_NE(e.message().find("Limit of mapping depth [20] has been exceeded"), std::string::npos);
  // Deep arrays hit the nesting guard instead of the stack.
  std::string arrays = "{\"a\": " + std::string(5000, '[') + std::string(5000, ']') + "}";
  e = MustFail(mapping, arrays);
  EXPECT_EQ(e.kind(), StatusCode::kMapperParsing);
}

TEST(DocumentParserTest, TotalFieldsLimit) {
  MappingOptions options;
  options.limits.total_fields_limit = 10;
  Mapping mapping(options);
  std::string source = "{";
  for (int i = 0; i < 6; ++i) source += (i ? ",\"f" : "\"f") + std::to_string(i) + "\": 1";
  source += "}";
  MappingUpdate update;
  MustParse(mapping, source, &update);  // 6 long fields fit
  EXPECT_EQ(update.fields.size(), 6u);
  MappingUpdate too_many;
  Status e = MustFail(mapping, R"({"a": "x", "b": "y", "c": "z", "d": "w", "e": "v", "f": "u"})",
                            &too_many);  // each text field is 2 entries
  EXPECT_EQ(e.kind(), StatusCode::kInvalidArgument);
  EXPECT_EQ(e.message(), "Limit of total fields [10] has been exceeded while adding new fields [12]");
  EXPECT_TRUE(too_many.empty());
}

}  // namespace
}  // namespace holdfast::mapping
