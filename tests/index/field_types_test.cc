// Tests of the declared field types and the mapping parameters every value
// type takes: integer/short/byte/unsigned_long ranges, float/half_float/
// scaled_float precision, ip, date_nanos, null_value, ignore_malformed,
// copy_to, index, doc_values and store — parsing, documents and GET _mapping.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "index/mapping/document_parser.h"
#include "index/mapping/ip_address.h"
#include "index/mapping/mapping_parser.h"
#include "index/mapping/mapping_serializer.h"

namespace holdfast::mapping {
namespace {

Mapping MustParseMapping(std::string_view json) {
  Result<Mapping> mapping = ParseMapping(json);
  EXPECT_TRUE(mapping.ok()) << mapping.status().ToString();
  return mapping.ok() ? std::move(mapping).value() : Mapping();
}

std::string MappingError(std::string_view json) {
  Result<Mapping> mapping = ParseMapping(json);
  EXPECT_FALSE(mapping.ok()) << json;
  return mapping.ok() ? "" : mapping.status().message();
}

// The values a document gives `path`, or an error message.
struct Parsed {
  Status status;
  std::vector<FieldValue> values;
  std::vector<std::string> texts;  // FieldValue::text copies
};

Parsed Parse(const Mapping& mapping, std::string_view source, std::string_view path,
             MappingUpdate* update = nullptr) {
  Parsed out;
  Result<ParsedDocument> doc = ParseDocument(mapping, "1", source, update);
  if (!doc.ok()) {
    out.status = doc.status();
    return out;
  }
  for (const FieldValue& v : doc->fields()) {
    if (v.path != path) continue;
    out.values.push_back(v);
    out.texts.emplace_back(v.text);
  }
  return out;
}

constexpr std::string_view kNumbers = R"({"properties": {
  "i": {"type": "integer"}, "s": {"type": "short"}, "b": {"type": "byte"},
  "u": {"type": "unsigned_long"}, "f": {"type": "float"}, "h": {"type": "half_float"},
  "sf": {"type": "scaled_float", "scaling_factor": 100}}})";

TEST(FieldTypesTest, IntegerTypesRefuseValuesOutsideTheirRange) {
  Mapping m = MustParseMapping(kNumbers);
  EXPECT_EQ(Parse(m, R"({"i": 2147483647})", "i").values.at(0).long_value, 2147483647);
  EXPECT_EQ(Parse(m, R"({"i": -2147483648})", "i").values.at(0).long_value, -2147483648LL);
  Status e = Parse(m, R"({"i": 2147483648})", "i").status;
  EXPECT_EQ(e.code(), StatusCode::kMapperParsing);
  EXPECT_NE(e.message().find("failed to parse field [i] of type [integer]"), std::string::npos) << e.message();
  EXPECT_FALSE(Parse(m, R"({"s": 32768})", "s").status.ok());
  EXPECT_EQ(Parse(m, R"({"s": -32768})", "s").values.at(0).long_value, -32768);
  EXPECT_FALSE(Parse(m, R"({"b": 128})", "b").status.ok());
  EXPECT_EQ(Parse(m, R"({"b": "-128"})", "b").values.at(0).long_value, -128);  // coerced string
  EXPECT_FALSE(Parse(m, R"({"u": -1})", "u").status.ok());
  EXPECT_EQ(Parse(m, R"({"u": 9223372036854775807})", "u").values.at(0).long_value, INT64_MAX);
}

TEST(FieldTypesTest, FloatingTypesKeepTheirPrecision) {
  Mapping m = MustParseMapping(kNumbers);
  EXPECT_EQ(Parse(m, R"({"f": 1.1})", "f").values.at(0).double_value, static_cast<double>(1.1f));
  EXPECT_FALSE(Parse(m, R"({"f": 1e39})", "f").status.ok());
  EXPECT_EQ(Parse(m, R"({"h": 0.1})", "h").values.at(0).double_value, 0.0999755859375);
  EXPECT_FALSE(Parse(m, R"({"h": 70000})", "h").status.ok());
  EXPECT_DOUBLE_EQ(Parse(m, R"({"sf": 12.3456})", "sf").values.at(0).double_value, 12.35);
  EXPECT_NE(MappingError(R"({"properties": {"p": {"type": "scaled_float"}}})").find("Field [scaling_factor] is required"),
            std::string::npos);
  EXPECT_NE(MappingError(R"({"properties": {"p": {"type": "scaled_float", "scaling_factor": -1}}})")
                .find("[scaling_factor] must be a positive number"),
            std::string::npos);
}

TEST(FieldTypesTest, GetMappingShowsTheDeclaredTypesAndParameters) {
  Mapping m = MustParseMapping(R"({"properties": {
    "i": {"type": "integer", "store": true}, "sf": {"type": "scaled_float", "scaling_factor": 10},
    "addr": {"type": "ip", "null_value": "0.0.0.0", "ignore_malformed": true},
    "n": {"type": "date_nanos"}, "k": {"type": "keyword", "index": false, "doc_values": false,
    "copy_to": ["all", "other"], "null_value": "NULL"}, "l": {"type": "long", "null_value": 0}}})");
  EXPECT_EQ(MappingToJson(m),
            R"({"properties":{)"
            R"("addr":{"type":"ip","ignore_malformed":true,"null_value":"0.0.0.0"},)"
            R"("i":{"type":"integer","store":true},)"
            R"("k":{"type":"keyword","index":false,"doc_values":false,"null_value":"NULL","copy_to":["all","other"]},)"
            R"("l":{"type":"long","null_value":0},)"
            R"("n":{"type":"date_nanos"},)"
            R"("sf":{"type":"scaled_float","scaling_factor":10.0}}})");
  // And it parses back into the same mapping.
  EXPECT_EQ(MappingToJson(MustParseMapping(MappingToJson(m))), MappingToJson(m));
}

TEST(FieldTypesTest, ParametersAreCheckedWhereTheyApply) {
  EXPECT_NE(MappingError(R"({"properties": {"t": {"type": "text", "null_value": "x"}}})")
                .find("unknown parameter [null_value] on mapper [t] of type [text]"),
            std::string::npos);
  EXPECT_NE(MappingError(R"({"properties": {"k": {"type": "keyword", "ignore_malformed": true}}})")
                .find("unknown parameter [ignore_malformed]"),
            std::string::npos);
  EXPECT_NE(MappingError(R"({"properties": {"i": {"type": "integer", "null_value": "abc"}}})")
                .find("Error parsing [null_value] on field [i]"),
            std::string::npos);
  EXPECT_NE(MappingError(R"({"properties": {"i": {"type": "integer", "store": "yes"}}})")
                .find("Failed to parse value for [store]"),
            std::string::npos);
  EXPECT_NE(MappingError(R"({"properties": {"t": {"type": "text", "fields": {"k": {"type": "keyword", "copy_to": "x"}}}}})")
                .find("[copy_to] may not be used to copy from a multi-field"),
            std::string::npos);
}

TEST(FieldTypesTest, DottedNamesInPropertiesAreObjectPaths) {
  Mapping m = MustParseMapping(R"({"properties": {"user.name": {"type": "keyword"}, "user.age": {"type": "short"}}})");
  ASSERT_NE(m.Find("user"), nullptr);
  EXPECT_EQ(m.Find("user")->mapping.type, FieldType::kObject);
  EXPECT_EQ(Parse(m, R"({"user": {"name": "kim", "age": 30}})", "user.name").texts, std::vector<std::string>{"kim"});
  EXPECT_EQ(Parse(m, R"({"user.age": 31})", "user.age").values.at(0).long_value, 31);
}

TEST(FieldTypesTest, RedefiningAFieldKeepsItsDeclaredTypeAndStorage) {
  Mapping m = MustParseMapping(R"({"properties": {"i": {"type": "integer"}, "k": {"type": "keyword"}}})");
  MappingUpdate to_long;
  to_long.fields.emplace_back("i", FieldMapping::Of(FieldType::kLong));
  Result<std::shared_ptr<const Mapping>> merged = m.Merge(to_long);
  ASSERT_FALSE(merged.ok());
  EXPECT_EQ(merged.status().message(), "mapper [i] cannot be changed from type [integer] to [long]");
  MappingUpdate no_doc_values;
  FieldMapping keyword = FieldMapping::Of(FieldType::kKeyword);
  keyword.doc_values = false;
  no_doc_values.fields.emplace_back("k", keyword);
  merged = m.Merge(no_doc_values);
  ASSERT_FALSE(merged.ok());
  EXPECT_NE(merged.status().message().find("Cannot update parameter [doc_values] from [true] to [false]"),
            std::string::npos);
}

TEST(FieldTypesTest, IpValuesAreIndexedAsOrderedTerms) {
  Mapping m = MustParseMapping(R"({"properties": {"ip": {"type": "ip"}}})");
  Parsed v4 = Parse(m, R"({"ip": ["192.168.1.10", "::1", "2001:db8::1"]})", "ip");
  ASSERT_TRUE(v4.status.ok()) << v4.status.ToString();
  ASSERT_EQ(v4.texts.size(), 3u);
  EXPECT_EQ(v4.texts[0], "00000000000000000000ffffc0a8010a");
  EXPECT_EQ(IpTermToText(v4.texts[0]), "192.168.1.10");
  EXPECT_EQ(IpTermToText(v4.texts[1]), "::1");
  EXPECT_EQ(IpTermToText(v4.texts[2]), "2001:db8::1");
  EXPECT_LT(IpTermOf("10.0.0.2"), IpTermOf("10.0.0.10"));  // address order, not text order
  Status e = Parse(m, R"({"ip": "300.1.1.1"})", "ip").status;
  EXPECT_NE(e.message().find("failed to parse field [ip] of type [ip]"), std::string::npos) << e.message();
  EXPECT_FALSE(Parse(m, R"({"ip": 12})", "ip").status.ok());

  std::optional<IpTermRange> block = ParseCidr("10.1.0.0/16");
  ASSERT_TRUE(block);
  EXPECT_EQ(IpTermToText(block->first), "10.1.0.0");
  EXPECT_EQ(IpTermToText(block->last), "10.1.255.255");
  block = ParseCidr("2001:db8::/32");
  ASSERT_TRUE(block);
  EXPECT_EQ(IpTermToText(block->last), "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff");
  EXPECT_FALSE(ParseCidr("10.0.0.0/33"));
  EXPECT_FALSE(ParseCidr("10.0.0.0"));
}

TEST(FieldTypesTest, DateNanosHoldsOnlyItsRange) {
  Mapping m = MustParseMapping(R"({"properties": {"t": {"type": "date_nanos"}}})");
  EXPECT_EQ(Parse(m, R"({"t": "2015-01-01T12:10:30.123456789Z"})", "t").values.at(0).long_value, 1420114230123);
  EXPECT_FALSE(Parse(m, R"({"t": "1969-12-31T23:59:59Z"})", "t").status.ok());
  EXPECT_FALSE(Parse(m, R"({"t": "2262-04-12T00:00:00Z"})", "t").status.ok());
}

TEST(FieldTypesTest, NullValueIsIndexedForAnExplicitNull) {
  Mapping m = MustParseMapping(R"({"properties": {"status": {"type": "keyword", "null_value": "NULL"},
    "count": {"type": "integer", "null_value": -1}, "plain": {"type": "keyword"}}})");
  EXPECT_EQ(Parse(m, R"({"status": null})", "status").texts, std::vector<std::string>{"NULL"});
  EXPECT_EQ(Parse(m, R"({"status": [null, "a"]})", "status").texts, (std::vector<std::string>{"NULL", "a"}));
  EXPECT_EQ(Parse(m, R"({"count": null})", "count").values.at(0).long_value, -1);
  EXPECT_TRUE(Parse(m, R"({"status": []})", "status").values.empty());  // an empty array is not null
  EXPECT_TRUE(Parse(m, R"({"plain": null})", "plain").values.empty());
}

TEST(FieldTypesTest, IgnoreMalformedSkipsTheBadValueAndKeepsTheDocument) {
  Mapping m = MustParseMapping(R"({"properties": {"n": {"type": "integer", "ignore_malformed": true},
    "d": {"type": "date", "ignore_malformed": true}, "k": {"type": "keyword"}}})");
  Parsed p = Parse(m, R"({"n": "not a number", "d": "yesterday", "k": "kept"})", "k");
  ASSERT_TRUE(p.status.ok()) << p.status.ToString();
  EXPECT_EQ(p.texts, std::vector<std::string>{"kept"});
  EXPECT_TRUE(Parse(m, R"({"n": "x"})", "n").values.empty());
  EXPECT_EQ(Parse(m, R"({"n": ["x", 7]})", "n").values.at(0).long_value, 7);
}

TEST(FieldTypesTest, CopyToIndexesTheValueUnderEachTarget) {
  Mapping m = MustParseMapping(R"({"properties": {
    "first": {"type": "text", "copy_to": "full"}, "last": {"type": "text", "copy_to": ["full"]},
    "full": {"type": "text", "fields": {"raw": {"type": "keyword"}}},
    "obj": {"properties": {"x": {"type": "keyword"}}}, "bad": {"type": "keyword", "copy_to": "obj"},
    "dyn": {"type": "keyword", "copy_to": "created_by_copy"}}})");
  Parsed full = Parse(m, R"({"first": "John", "last": "Smith"})", "full");
  ASSERT_TRUE(full.status.ok()) << full.status.ToString();
  EXPECT_EQ(full.texts, (std::vector<std::string>{"John", "Smith"}));
  EXPECT_EQ(Parse(m, R"({"first": "John"})", "full.raw").texts, std::vector<std::string>{"John"});
  EXPECT_NE(Parse(m, R"({"bad": "v"})", "bad").status.message().find("Cannot copy to field [obj] since it is mapped as an object"),
            std::string::npos);
  MappingUpdate update;
  Parsed dyn = Parse(m, R"({"dyn": "v"})", "created_by_copy", &update);
  ASSERT_TRUE(dyn.status.ok()) << dyn.status.ToString();
  EXPECT_EQ(dyn.texts, std::vector<std::string>{"v"});
  ASSERT_FALSE(update.fields.empty());
  EXPECT_EQ(update.fields[0].first, "created_by_copy");
}

TEST(FieldTypesTest, TextWithIndexFalseStaysInSourceOnly) {
  Mapping m = MustParseMapping(R"({"properties": {"t": {"type": "text", "index": false}}})");
  Parsed p = Parse(m, R"({"t": "hello world"})", "t");
  ASSERT_TRUE(p.status.ok());
  EXPECT_TRUE(p.values.empty());
}

}  // namespace
}  // namespace holdfast::mapping
