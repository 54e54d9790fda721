// Tests of index/mapping/: mapping definitions (parse, serialize, merge),
// date formats and dynamic type detection.
#include <gtest/gtest.h>

#include <string>

#include "index/mapping/date_parser.h"
#include "index/mapping/dynamic_mapping.h"
#include "index/mapping/mapping.h"
#include "index/mapping/mapping_error.h"
#include "index/mapping/mapping_parser.h"
#include "index/mapping/mapping_serializer.h"

namespace holdfast::mapping {
namespace {

Status ErrorOf(const Status& status) {
  EXPECT_FALSE(status.ok());
  return status;
}

Mapping MustParse(std::string_view json) {
  Result<Mapping> mapping = ParseMapping(json);
  EXPECT_TRUE(mapping.ok()) << mapping.status().ToString();
  return mapping.ok() ? std::move(mapping).value() : Mapping();
}

constexpr std::string_view kEveryType = R"({
  "dynamic": "strict",
  "properties": {
    "title": {"type": "text", "analyzer": "english",
              "fields": {"keyword": {"type": "keyword", "ignore_above": 256}}},
    "body": {"type": "text"},
    "sku": {"type": "keyword"},
    "stock": {"type": "integer"},
    "price": {"type": "scaled_float", "scaling_factor": 100, "coerce": false},
    "active": {"type": "boolean"},
    "created": {"type": "date", "format": "yyyy/MM/dd||epoch_millis"},
    "user": {"dynamic": false, "properties": {
      "name": {"type": "keyword"},
      "address": {"properties": {"city": {"type": "text", "analyzer": "simple"}}}}}
  }
})";

TEST(MappingParserTest, ParsesEveryTypeIntoFlatPaths) {
  Mapping m = MustParse(kEveryType);
  EXPECT_EQ(m.dynamic(), DynamicMode::kStrict);
  ASSERT_NE(m.Find("title"), nullptr);
  EXPECT_EQ(m.Find("title")->mapping.type, FieldType::kText);
  EXPECT_EQ(m.Find("title")->mapping.analyzer, Analyzer::kEnglish);
  ASSERT_NE(m.Find("title.keyword"), nullptr);
  EXPECT_TRUE(m.Find("title.keyword")->is_multi_field);
  EXPECT_EQ(m.Find("title.keyword")->mapping.ignore_above, 256);
  EXPECT_EQ(m.Find("stock")->mapping.type, FieldType::kLong);     // integer is stored as a long
  EXPECT_EQ(m.Find("stock")->mapping.number_type, NumberType::kInteger);
  EXPECT_EQ(m.Find("price")->mapping.type, FieldType::kDouble);   // scaled_float → double
  EXPECT_EQ(m.Find("price")->mapping.scaling_factor, 100);
  EXPECT_FALSE(m.Find("price")->mapping.coerce);
  EXPECT_EQ(m.Find("created")->mapping.date_formats.ToString(), "yyyy/MM/dd||epoch_millis");
  EXPECT_EQ(m.Find("user")->mapping.type, FieldType::kObject);
  EXPECT_EQ(m.Find("user")->mapping.dynamic, DynamicMode::kFalse);
  EXPECT_EQ(m.Find("user.address.city")->mapping.analyzer, Analyzer::kSimple);
  EXPECT_EQ(m.Find("user.address")->mapping.type, FieldType::kObject);
  EXPECT_EQ(m.Find("missing"), nullptr);
  // 8 top-level + title.keyword + user.name, user.address, user.address.city
  EXPECT_EQ(m.total_fields(), 12u);
}

TEST(MappingSerializerTest, RoundTripsThroughJson) {
  Mapping m = MustParse(kEveryType);
  std::string json = MappingToJson(m);
  EXPECT_EQ(json,
            R"({"dynamic":"strict","properties":{)"
            R"("active":{"type":"boolean"},)"
            R"("body":{"type":"text"},)"
            R"("created":{"type":"date","format":"yyyy/MM/dd||epoch_millis"},)"
            R"("price":{"type":"scaled_float","coerce":false,"scaling_factor":100.0},)"
            R"("sku":{"type":"keyword"},)"
            R"("stock":{"type":"integer"},)"
            R"("title":{"type":"text","analyzer":"english","fields":{"keyword":{"type":"keyword","ignore_above":256}}},)"
            R"("user":{"dynamic":false,"properties":{)"
            R"("address":{"properties":{"city":{"type":"text","analyzer":"simple"}}},)"
            R"("name":{"type":"keyword"}}}}})");
  Mapping again = MustParse(json);
  EXPECT_EQ(MappingToJson(again), json);
  EXPECT_EQ(again.total_fields(), m.total_fields());
}

TEST(MappingSerializerTest, OptionsAndEmptyObjects) {
  Mapping m = MustParse(R"({"date_detection": false, "numeric_detection": true,
                             "properties": {"meta": {"type": "object"}, "a.b": {"type": "long"}}})");
  EXPECT_FALSE(m.date_detection());
  EXPECT_TRUE(m.numeric_detection());
  // Dotted property names are expanded into objects, like Elasticsearch.
  EXPECT_EQ(MappingToJson(m),
            R"({"date_detection":false,"numeric_detection":true,"properties":{)"
            R"("a":{"properties":{"b":{"type":"long"}}},"meta":{"type":"object"}}})");
}

TEST(MappingParserTest, RefusesUnknownTypeParameterAndAnalyzer) {
  Status e = ErrorOf(ParseMapping(R"({"properties": {"bar": {"type": "foo"}}})").status());
  EXPECT_EQ(e.kind(), StatusCode::kMapperParsing);
  EXPECT_EQ(e.message(), "No handler for type [foo] declared on field [bar]");

  e = ErrorOf(ParseMapping(R"({"properties": {"n": {"type": "long", "analyzer": "english"}}})")
                  .status());
  EXPECT_EQ(e.kind(), StatusCode::kMapperParsing);
  EXPECT_EQ(e.message(), "unknown parameter [analyzer] on mapper [n] of type [long]");

  e = ErrorOf(ParseMapping(R"({"properties": {"t": {"type": "text", "analyzer": "klingon"}}})")
                  .status());
  EXPECT_EQ(e.kind(), StatusCode::kMapperParsing);
  EXPECT_NE(e.message().find("analyzer [klingon] has not been configured"), std::string::npos);

  e = ErrorOf(ParseMapping(R"({"properties": {"d": {"type": "date", "format": "dd.MM.qqq"}}})")
                  .status());
  EXPECT_EQ(e.kind(), StatusCode::kMapperParsing);
  EXPECT_NE(e.message().find("Invalid format: [dd.MM.qqq]"), std::string::npos);

  e = ErrorOf(ParseMapping(R"({"properties": {}, "_size": {"enabled": true}})").status());
  EXPECT_EQ(e.message(), "Root mapping definition has unsupported parameters:  [_size]");

  e = ErrorOf(ParseMapping(R"({"properties": {"k": {"type": "keyword", "ignore_above": -1}}})")
                  .status());
  EXPECT_EQ(e.kind(), StatusCode::kMapperParsing);

  e = ErrorOf(ParseMapping(R"({"properties": {"t": {"type": "text",
      "fields": {"o": {"type": "object"}}}}})").status());
  EXPECT_NE(e.message().find("cannot be used in multi field"), std::string::npos);

  e = ErrorOf(ParseMapping(R"({"properties": )").status());
  EXPECT_EQ(e.kind(), StatusCode::kMapperParsing);
  EXPECT_NE(e.message().find("Failed to parse mapping"), std::string::npos);

  e = ErrorOf(ParseMapping(R"({"dynamic": "sometimes"})").status());
  EXPECT_EQ(e.kind(), StatusCode::kMapperParsing);
}

// Elasticsearch 6's typed form, which 7 reads with include_type_name and
// legacy templates still carry: the type's body is the mapping.
TEST(MappingParserTest, ReadsAMappingNestedUnderItsType) {
  for (const char* json : {R"({"_doc": {"dynamic": "strict", "properties": {"k": {"type": "keyword"}}}})",
                           R"({"tweet": {"dynamic": "strict", "properties": {"k": {"type": "keyword"}}}})"}) {
    Mapping m = MustParse(json);
    EXPECT_EQ(m.dynamic(), DynamicMode::kStrict) << json;
    ASSERT_NE(m.Find("k"), nullptr) << json;
    EXPECT_EQ(m.Find("k")->mapping.type, FieldType::kKeyword);
  }
  // A lone root parameter is not a type, and a type's body must be an object.
  EXPECT_EQ(MustParse(R"({"properties": {"k": {"type": "long"}}})").Find("k")->mapping.type,
            FieldType::kLong);
  EXPECT_EQ(ErrorOf(ParseMapping(R"({"_meta": {"properties": {}}})").status()).message(),
            "Root mapping definition has unsupported parameters:  [_meta]");
  EXPECT_EQ(ErrorOf(ParseMapping(R"({"_doc": 5})").status()).message(),
            "Root mapping definition has unsupported parameters:  [_doc]");
}

TEST(MappingMergeTest, AddsNewFieldsCopyOnWrite) {
  auto base = std::make_shared<const Mapping>(MustParse(R"({"properties": {"a": {"type": "long"}}})"));
  MappingUpdate update;
  update.fields.emplace_back("user", FieldMapping::Of(FieldType::kObject));
  update.fields.emplace_back("user.name", DynamicTextField());
  update.fields.emplace_back("a", FieldMapping::Of(FieldType::kLong));  // same type: no change
  Result<std::shared_ptr<const Mapping>> merged = base->Merge(update);
  ASSERT_TRUE(merged.ok()) << merged.status().ToString();
  EXPECT_EQ(base->total_fields(), 1u);  // the original is untouched
  EXPECT_EQ(base->Find("user.name"), nullptr);
  const Mapping& next = *merged.value();
  EXPECT_EQ(next.total_fields(), 4u);  // a, user, user.name, user.name.keyword
  EXPECT_EQ(next.Find("user.name.keyword")->mapping.type, FieldType::kKeyword);
}

TEST(MappingMergeTest, RefusesTypeChangeWithElasticsearchMessage) {
  Mapping base = MustParse(R"({"properties": {"x": {"type": "long"},
                                              "t": {"type": "text"}}})");
  MappingUpdate update;
  update.fields.emplace_back("x", DynamicTextField());
  Status e = ErrorOf(base.Merge(update).status());
  EXPECT_EQ(e.kind(), StatusCode::kInvalidArgument);
  EXPECT_EQ(e.message(), "mapper [x] cannot be changed from type [long] to [text]");

  MappingUpdate analyzer;
  FieldMapping english = FieldMapping::Of(FieldType::kText);
  english.analyzer = Analyzer::kEnglish;
  analyzer.fields.emplace_back("t", english);
  e = ErrorOf(base.Merge(analyzer).status());
  EXPECT_EQ(e.message(), "Cannot update parameter [analyzer] from [standard] to [english]");

  MappingUpdate under_leaf;
  under_leaf.fields.emplace_back("x.y", FieldMapping::Of(FieldType::kLong));
  e = ErrorOf(base.Merge(under_leaf).status());
  EXPECT_EQ(e.kind(), StatusCode::kInvalidArgument);
  EXPECT_NE(e.message().find("must be of type object but found [long]"), std::string::npos);
}

TEST(MappingMergeTest, EnforcesTotalFieldsAndDepthLimits) {
  MappingOptions options;
  options.limits.total_fields_limit = 3;
  options.limits.depth_limit = 2;
  Mapping base(options);
  MappingUpdate update;
  update.fields.emplace_back("a", FieldMapping::Of(FieldType::kLong));
  update.fields.emplace_back("b", DynamicTextField());  // b + b.keyword
  update.fields.emplace_back("c", FieldMapping::Of(FieldType::kLong));
  Status e = ErrorOf(base.Merge(update).status());
  EXPECT_EQ(e.kind(), StatusCode::kInvalidArgument);
  EXPECT_EQ(e.message(), "Limit of total fields [3] has been exceeded while adding new fields [4]");

  MappingUpdate deep;
  deep.fields.emplace_back("a.b.c", FieldMapping::Of(FieldType::kLong));
  e = ErrorOf(base.Merge(deep).status());
  EXPECT_NE(e.message().find("Limit of mapping depth [2]"), std::string::npos);
}

TEST(MappingErrorTest, KindAndReasonStaySeparate) {
  Status e = MapperParsingError("a: b");
  EXPECT_EQ(e.kind(), StatusCode::kMapperParsing);
  EXPECT_EQ(e.message(), "a: b");
  e = IllegalArgumentError("mapper_parsing_exception: not a type");
  EXPECT_EQ(e.kind(), StatusCode::kInvalidArgument);  // text never decides the kind
  EXPECT_EQ(e.message(), "mapper_parsing_exception: not a type");
}

// ---- dates ----

int64_t MustParseDate(std::string_view text, std::string_view formats = "strict_date_optional_time||epoch_millis") {
  std::optional<DateFormatList> list = DateFormatList::Parse(formats);
  EXPECT_TRUE(list.has_value());
  int64_t millis = -1;
  EXPECT_TRUE(ParseDate(text, *list, &millis)) << text;
  return millis;
}

bool Refused(std::string_view text, std::string_view formats = "strict_date_optional_time||epoch_millis") {
  int64_t millis = 0;
  return !ParseDate(text, *DateFormatList::Parse(formats), &millis);
}

TEST(DateParserTest, IsoFormsToExactEpochMillis) {
  EXPECT_EQ(MustParseDate("2015-01-01"), 1420070400000);
  EXPECT_EQ(MustParseDate("2015"), 1420070400000);
  EXPECT_EQ(MustParseDate("2015-02"), 1422748800000);
  EXPECT_EQ(MustParseDate("2015-01-01T12:10:30Z"), 1420114230000);
  EXPECT_EQ(MustParseDate("2015-01-01T12:10:30"), 1420114230000);  // no zone = UTC
  EXPECT_EQ(MustParseDate("2015-01-01T12:10"), 1420114200000);
  EXPECT_EQ(MustParseDate("2015-01-01T12"), 1420113600000);
  EXPECT_EQ(MustParseDate("2015-01-01T12:10:30.123+01:00"), 1420110630123);
  EXPECT_EQ(MustParseDate("2015-01-01T12:10:30.123-0530"), 1420134030123);
  EXPECT_EQ(MustParseDate("2015-01-01T12:10:30+02"), 1420107030000);
  EXPECT_EQ(MustParseDate("2015-01-01T12:10:30.5Z"), 1420114230500);
  EXPECT_EQ(MustParseDate("2015-01-01T12:10:30.123456789Z"), 1420114230123);  // truncated
  EXPECT_EQ(MustParseDate("1969-12-31T23:59:59Z"), -1000);
  EXPECT_EQ(MustParseDate("2016-02-29"), 1456704000000);  // leap day
  EXPECT_EQ(MustParseDate("2000-01-01T00:00:00+14:00", "date_optional_time"), 946634400000);
}

TEST(DateParserTest, EpochAndSlashFormats) {
  EXPECT_EQ(MustParseDate("1420070400001"), 1420070400001);
  EXPECT_EQ(MustParseDate("-1000"), -1000);
  EXPECT_EQ(MustParseDate("1420070400001.9"), 1420070400001);
  EXPECT_EQ(MustParseDate("1420070400", "epoch_second"), 1420070400000);
  EXPECT_EQ(MustParseDate("1420070400.5", "epoch_second"), 1420070400500);
  EXPECT_EQ(MustParseDate("2015/01/01 12:10:30", "yyyy/MM/dd HH:mm:ss||yyyy/MM/dd"), 1420114230000);
  EXPECT_EQ(MustParseDate("2015/01/01", "yyyy/MM/dd HH:mm:ss||yyyy/MM/dd"), 1420070400000);
}

TEST(DateParserTest, RefusesInvalidDates) {
  EXPECT_TRUE(Refused("2015-02-30"));
  EXPECT_TRUE(Refused("2015-02-29"));  // not a leap year
  EXPECT_TRUE(Refused("2015-13-01"));
  EXPECT_TRUE(Refused("2015-00-10"));
  EXPECT_TRUE(Refused("2015-01-01T25:00"));
  EXPECT_TRUE(Refused("2015-01-01T24:00:00"));
  EXPECT_TRUE(Refused("2015-01-01T12:60"));
  EXPECT_TRUE(Refused("2015-01-01T12:10:61Z"));
  EXPECT_TRUE(Refused("2015-01-01T12:10:30+19:00"));
  EXPECT_TRUE(Refused("2015-01-01T12:10:30.Z"));
  EXPECT_TRUE(Refused("2015-01-01 12:10:30"));  // space is not ISO's separator
  EXPECT_TRUE(Refused("15-01-01"));
  EXPECT_TRUE(Refused("2015-1-1"));
  EXPECT_TRUE(Refused("2015-01-01T"));
  EXPECT_TRUE(Refused("2015-01-01Z"));
  EXPECT_TRUE(Refused("yesterday"));
  EXPECT_TRUE(Refused(""));
  EXPECT_TRUE(Refused("12e3"));
  EXPECT_TRUE(Refused("99999999999999999999999"));
  EXPECT_TRUE(Refused("2015/02/30", "yyyy/MM/dd"));
  EXPECT_TRUE(Refused("1420070400001", "strict_date_optional_time"));  // no epoch format
}

// ---- dynamic detection ----

JsonScalar String(std::string_view text) {
  JsonScalar s;
  s.kind = JsonScalar::Kind::kString;
  s.text = text;
  return s;
}

TEST(DynamicMappingTest, StringsFollowElasticsearchRules) {
  FieldMapping date = DetectDynamicField(String("2015-01-01T12:10:30Z"), true, false);
  EXPECT_EQ(date.type, FieldType::kDate);
  EXPECT_EQ(date.date_formats.ToString(), "strict_date_optional_time||epoch_millis");
  FieldMapping slash = DetectDynamicField(String("2015/01/01 12:10:30"), true, false);
  EXPECT_EQ(slash.type, FieldType::kDate);
  EXPECT_EQ(slash.date_formats.ToString(), "yyyy/MM/dd HH:mm:ss||yyyy/MM/dd||epoch_millis");
  EXPECT_EQ(DetectDynamicField(String("2015/01/01"), true, false).type, FieldType::kDate);

  // date_detection off → text with the keyword multi-field.
  FieldMapping text = DetectDynamicField(String("2015-01-01"), false, false);
  EXPECT_EQ(text.type, FieldType::kText);
  ASSERT_EQ(text.multi_fields.size(), 1u);
  EXPECT_EQ(text.multi_fields[0].name, "keyword");
  EXPECT_EQ(text.multi_fields[0].mapping.type, FieldType::kKeyword);
  EXPECT_EQ(text.multi_fields[0].mapping.ignore_above, 256);
  // Not dates: bare years, invalid days.
  EXPECT_EQ(DetectDynamicField(String("2015"), true, false).type, FieldType::kText);
  EXPECT_EQ(DetectDynamicField(String("2015-02-30"), true, false).type, FieldType::kText);

  // numeric_detection.
  EXPECT_EQ(DetectDynamicField(String("42"), true, false).type, FieldType::kText);
  EXPECT_EQ(DetectDynamicField(String("42"), true, true).type, FieldType::kLong);
  EXPECT_EQ(DetectDynamicField(String("4.5"), true, true).type, FieldType::kDouble);
  EXPECT_EQ(DetectDynamicField(String("4.5x"), true, true).type, FieldType::kText);
  EXPECT_EQ(DetectDynamicField(String("nan"), true, true).type, FieldType::kText);
}

TEST(DynamicMappingTest, NumbersAndBooleans) {
  JsonScalar n;
  n.kind = JsonScalar::Kind::kSignedInteger;
  EXPECT_EQ(DetectDynamicField(n, true, false).type, FieldType::kLong);
  n.kind = JsonScalar::Kind::kFloat;
  EXPECT_EQ(DetectDynamicField(n, true, false).type, FieldType::kDouble);
  n.kind = JsonScalar::Kind::kUnsignedInteger;
  EXPECT_EQ(DetectDynamicField(n, true, false).type, FieldType::kDouble);
  n.kind = JsonScalar::Kind::kBool;
  EXPECT_EQ(DetectDynamicField(n, true, false).type, FieldType::kBoolean);
}

}  // namespace
}  // namespace holdfast::mapping
