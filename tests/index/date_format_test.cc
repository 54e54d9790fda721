// Tests of date formats (index/mapping/date_parser.h, date_pattern.h,
// date_builtin_formats.h): Elasticsearch's named formats, Java-style
// patterns, "||" lists, refusals and FormatDate; and `fields` output of a
// date field in its mapping's format (server/coordinator/hit_fields.cc).
#include <gtest/gtest.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <limits>
#include <string>

#include "index/mapping/date_parser.h"
#include "index/mapping/mapping_parser.h"
#include "server/coordinator/hit_fields.h"

namespace holdfast::mapping {
namespace {

// Epoch millis of an ISO date (the default format, itself tested against
// exact numbers in mapping_test.cc).
int64_t Iso(std::string_view iso) {
  int64_t millis = 0;
  EXPECT_TRUE(ParseDate(iso, DateFormatList::Default(), &millis)) << iso;
  return millis;
}

// `text` read with `formats`; -1 (and a failure) when it is refused.
int64_t Read(std::string_view text, std::string_view formats) {
  std::optional<DateFormatList> list = DateFormatList::Parse(formats);
  EXPECT_TRUE(list.has_value()) << formats;
  if (!list) return -1;
  int64_t millis = -1;
  EXPECT_TRUE(ParseDate(text, *list, &millis)) << text << " with " << formats;
  return millis;
}

bool Refuses(std::string_view text, std::string_view formats) {
  std::optional<DateFormatList> list = DateFormatList::Parse(formats);
  EXPECT_TRUE(list.has_value()) << formats;
  int64_t millis = 0;
  return list && !ParseDate(text, *list, &millis);
}

std::string Write(std::string_view iso, std::string_view formats) {
  std::optional<DateFormatList> list = DateFormatList::Parse(formats);
  EXPECT_TRUE(list.has_value()) << formats;
  return list ? FormatDate(Iso(iso), *list) : "";
}

TEST(DateFormatTest, BasicFormatsHaveNoSeparators) {
  EXPECT_EQ(Read("20150101", "basic_date"), Iso("2015-01-01"));
  EXPECT_EQ(Read("20150101T121030.123Z", "basic_date_time"), Iso("2015-01-01T12:10:30.123Z"));
  EXPECT_EQ(Read("20150101T121030.1+0100", "basic_date_time"), Iso("2015-01-01T12:10:30.1+01:00"));
  EXPECT_EQ(Read("20150101T121030-05:30", "basic_date_time_no_millis"), Iso("2015-01-01T12:10:30-05:30"));
  EXPECT_EQ(Read("2015032", "basic_ordinal_date"), Iso("2015-02-01"));
  EXPECT_EQ(Read("2016366", "basic_ordinal_date"), Iso("2016-12-31"));
  EXPECT_EQ(Read("2015032T121030.000Z", "basic_ordinal_date_time"), Iso("2015-02-01T12:10:30Z"));
  EXPECT_EQ(Read("2015032T121030Z", "basic_ordinal_date_time_no_millis"), Iso("2015-02-01T12:10:30Z"));
  EXPECT_EQ(Read("121030.123Z", "basic_time"), Iso("1970-01-01T12:10:30.123Z"));
  EXPECT_EQ(Read("121030+01:00", "basic_time_no_millis"), Iso("1970-01-01T11:10:30Z"));
  EXPECT_EQ(Read("T121030.123Z", "basic_t_time"), Iso("1970-01-01T12:10:30.123Z"));
  EXPECT_EQ(Read("T121030Z", "basic_t_time_no_millis"), Iso("1970-01-01T12:10:30Z"));
  EXPECT_TRUE(Refuses("2015-01-01", "basic_date"));
  EXPECT_TRUE(Refuses("2015011", "basic_date"));
  EXPECT_TRUE(Refuses("2015366", "basic_ordinal_date"));  // 2015 has 365 days
  EXPECT_TRUE(Refuses("20150101T121030.123", "basic_date_time"));  // the zone is required
  EXPECT_TRUE(Refuses("121030Z", "basic_time"));  // and the fraction
  EXPECT_FALSE(DateFormatList::Parse("strict_basic_date"));  // no strict_ companion
}

TEST(DateFormatTest, DateAndDateTimeFamilies) {
  EXPECT_EQ(Read("2015-01-05", "strict_date"), Iso("2015-01-05"));
  EXPECT_EQ(Read("2015-1-5", "date"), Iso("2015-01-05"));  // non-strict: shorter numbers
  EXPECT_EQ(Read("2015", "date"), Iso("2015-01-01"));
  EXPECT_EQ(Read("2015-01-01T12", "strict_date_hour"), Iso("2015-01-01T12:00Z"));
  EXPECT_EQ(Read("2015-01-01T12:10", "date_hour_minute"), Iso("2015-01-01T12:10Z"));
  EXPECT_EQ(Read("2015-01-01T12:10:30", "strict_date_hour_minute_second"), Iso("2015-01-01T12:10:30Z"));
  EXPECT_EQ(Read("2015-01-01T12:10:30.123456", "date_hour_minute_second_fraction"), Iso("2015-01-01T12:10:30.123Z"));
  EXPECT_EQ(Read("2015-01-01T12:10:30.123", "strict_date_hour_minute_second_millis"), Iso("2015-01-01T12:10:30.123Z"));
  EXPECT_EQ(Read("2015-01-01T12:10:30.123Z", "strict_date_time"), Iso("2015-01-01T12:10:30.123Z"));
  EXPECT_EQ(Read("2015-01-01T12:10:30+01:00", "strict_date_time"), Iso("2015-01-01T12:10:30+01:00"));
  EXPECT_EQ(Read("2015-1-1T2:10Z", "date_time"), Iso("2015-01-01T02:10Z"));
  EXPECT_EQ(Read("2015-01-01T12:10:30-0530", "strict_date_time_no_millis"), Iso("2015-01-01T12:10:30-05:30"));
  EXPECT_EQ(Read("2015-01-01T12:10:30", "date_time_no_millis"), Iso("2015-01-01T12:10:30Z"));
  EXPECT_EQ(Read("2015-1-5T9:05", "date_optional_time"), Iso("2015-01-05T09:05Z"));
  EXPECT_EQ(Read("2015-01-01T12:10:30.5Z", "strict_date_optional_time_nanos"), Iso("2015-01-01T12:10:30.5Z"));
  EXPECT_TRUE(Refuses("2015-1-5", "strict_date"));
  EXPECT_TRUE(Refuses("2015", "strict_date"));
  EXPECT_TRUE(Refuses("2015-01-05T10:00", "strict_date"));
  EXPECT_TRUE(Refuses("2015-01-01T12:10:30.123", "strict_date_time"));  // the zone is required
  EXPECT_TRUE(Refuses("2015-01-01T12:10:30", "strict_date_time_no_millis"));
  EXPECT_TRUE(Refuses("2015-01-01T24", "date_hour"));
  EXPECT_TRUE(Refuses("2015-1-5T9:05", "strict_date_optional_time"));
}

TEST(DateFormatTest, TimeFormatsFallOnTheEpochDay) {
  EXPECT_EQ(Read("12", "hour"), Iso("1970-01-01T12:00Z"));
  EXPECT_EQ(Read("7", "hour"), Iso("1970-01-01T07:00Z"));
  EXPECT_EQ(Read("12:10", "strict_hour_minute"), Iso("1970-01-01T12:10Z"));
  EXPECT_EQ(Read("12:10:30", "hour_minute_second"), Iso("1970-01-01T12:10:30Z"));
  EXPECT_EQ(Read("12:10:30.1", "hour_minute_second_fraction"), Iso("1970-01-01T12:10:30.100Z"));
  EXPECT_EQ(Read("12:10:30.123", "strict_hour_minute_second_millis"), Iso("1970-01-01T12:10:30.123Z"));
  EXPECT_EQ(Read("12:10:30.123Z", "strict_time"), Iso("1970-01-01T12:10:30.123Z"));
  EXPECT_EQ(Read("12:10:30+01:00", "time_no_millis"), Iso("1970-01-01T11:10:30Z"));
  EXPECT_EQ(Read("T12:10:30.123Z", "t_time"), Iso("1970-01-01T12:10:30.123Z"));
  EXPECT_EQ(Read("T12:10:30Z", "strict_t_time_no_millis"), Iso("1970-01-01T12:10:30Z"));
  EXPECT_TRUE(Refuses("7", "strict_hour"));
  EXPECT_TRUE(Refuses("25:00", "hour_minute"));
  EXPECT_TRUE(Refuses("12:60", "hour_minute"));
  EXPECT_TRUE(Refuses("12:10:30", "time"));
}

TEST(DateFormatTest, OrdinalDates) {
  EXPECT_EQ(Read("2015-032", "strict_ordinal_date"), Iso("2015-02-01"));
  EXPECT_EQ(Read("2015-32", "ordinal_date"), Iso("2015-02-01"));
  EXPECT_EQ(Read("2015-032T12:10:30.123Z", "ordinal_date_time"), Iso("2015-02-01T12:10:30.123Z"));
  EXPECT_EQ(Read("2015-032T12:10:30Z", "strict_ordinal_date_time_no_millis"), Iso("2015-02-01T12:10:30Z"));
  EXPECT_TRUE(Refuses("2015-32", "strict_ordinal_date"));
  EXPECT_TRUE(Refuses("2015-366", "ordinal_date"));
  EXPECT_TRUE(Refuses("2015-000", "ordinal_date"));
}

TEST(DateFormatTest, IsoWeekDates) {
  // ISO week 1 of 2015 begins on Monday 2014-12-29; 2015 has 53 weeks.
  EXPECT_EQ(Read("2015-W01-1", "week_date"), Iso("2014-12-29"));
  EXPECT_EQ(Read("2015-W53-7", "strict_week_date"), Iso("2016-01-03"));
  EXPECT_EQ(Read("2015", "weekyear"), Iso("2014-12-29"));
  EXPECT_EQ(Read("2015-W02", "strict_weekyear_week"), Iso("2015-01-05"));
  EXPECT_EQ(Read("2015-W01-4", "weekyear_week_day"), Iso("2015-01-01"));
  EXPECT_EQ(Read("2015W011", "basic_week_date"), Iso("2014-12-29"));
  EXPECT_EQ(Read("2015W011T121030.000Z", "strict_basic_week_date_time"), Iso("2014-12-29T12:10:30Z"));
  EXPECT_EQ(Read("2015W011T121030Z", "basic_week_date_time_no_millis"), Iso("2014-12-29T12:10:30Z"));
  EXPECT_EQ(Read("2015-W01-1T12:10:30.000Z", "week_date_time"), Iso("2014-12-29T12:10:30Z"));
  EXPECT_EQ(Read("2015-W01-1T12:10:30Z", "strict_week_date_time_no_millis"), Iso("2014-12-29T12:10:30Z"));
  EXPECT_TRUE(Refuses("2014-W53-1", "week_date"));  // 2014 has 52 weeks
  EXPECT_TRUE(Refuses("2015-W01-8", "week_date"));
  EXPECT_TRUE(Refuses("2015-W1-1", "strict_week_date"));
}

TEST(DateFormatTest, YearAndMonthFormats) {
  EXPECT_EQ(Read("2015", "strict_year"), Iso("2015-01-01"));
  EXPECT_EQ(Read("2015-02", "strict_year_month"), Iso("2015-02-01"));
  EXPECT_EQ(Read("2015-2", "year_month"), Iso("2015-02-01"));
  EXPECT_EQ(Read("2015-02-28", "strict_year_month_day"), Iso("2015-02-28"));
  EXPECT_TRUE(Refuses("2015-2", "strict_year_month"));
  EXPECT_TRUE(Refuses("2015-02-29", "year_month_day"));
  EXPECT_TRUE(Refuses("15", "strict_year"));
}

TEST(DateFormatTest, JavaPatterns) {
  EXPECT_EQ(Read("2015-01-01 12:10:30", "yyyy-MM-dd HH:mm:ss"), Iso("2015-01-01T12:10:30Z"));
  EXPECT_EQ(Read("01/02/2015", "dd/MM/yyyy"), Iso("2015-02-01"));
  EXPECT_EQ(Read("1/2/2015", "d/M/yyyy"), Iso("2015-02-01"));
  EXPECT_EQ(Read("20150101T121030.123+0100", "yyyyMMdd'T'HHmmss.SSSZ"), Iso("2015-01-01T12:10:30.123+01:00"));
  EXPECT_EQ(Read("20150101T121030.123Z", "yyyyMMdd'T'HHmmss.SSSXXX"), Iso("2015-01-01T12:10:30.123Z"));
  EXPECT_EQ(Read("Jan 5, 2015", "MMM d, yyyy"), Iso("2015-01-05"));
  EXPECT_EQ(Read("sep 30, 2015", "MMM d, yyyy"), Iso("2015-09-30"));  // names in any case
  EXPECT_EQ(Read("Thursday, September 3, 2015", "EEEE, MMMM d, yyyy"), Iso("2015-09-03"));
  EXPECT_EQ(Read("Thu, 01 Jan 2015 12:10:30 +0000", "EEE, dd MMM yyyy HH:mm:ss Z"), Iso("2015-01-01T12:10:30Z"));
  EXPECT_EQ(Read("2015-01-01 12:30 AM", "yyyy-MM-dd hh:mm a"), Iso("2015-01-01T00:30Z"));
  EXPECT_EQ(Read("2015-01-01 01:30 PM", "yyyy-MM-dd hh:mm a"), Iso("2015-01-01T13:30Z"));
  EXPECT_EQ(Read("15-01-05", "yy-MM-dd"), Iso("2015-01-05"));
  EXPECT_EQ(Read("2015-032", "uuuu-DDD"), Iso("2015-02-01"));
  EXPECT_EQ(Read("2015:01:01 12:10:30.123456789", "yyyy:MM:dd HH:mm:ss.SSSSSSSSS"), Iso("2015-01-01T12:10:30.123Z"));
  EXPECT_EQ(Read("20150105", "yMMdd"), Iso("2015-01-05"));  // y leaves MMdd their digits
  EXPECT_EQ(Read("2015'01 at 5", "yyyy''MM 'at' d"), Iso("2015-01-05"));
  EXPECT_EQ(Read("2015-W02-1", "YYYY-'W'ww-e"), Iso("2015-01-05"));
  EXPECT_EQ(Read("12:10", "HH:mm"), Iso("1970-01-01T12:10Z"));        // no date: the epoch day
  EXPECT_EQ(Read("2015-02", "yyyy-MM"), Iso("2015-02-01"));           // no day: the 1st
  EXPECT_EQ(Read("02-01", "MM-dd"), Iso("1970-02-01"));               // no year: 1970
  EXPECT_TRUE(Refuses("2015-1-1 12:10:30", "yyyy-MM-dd HH:mm:ss"));  // MM is two digits
  EXPECT_TRUE(Refuses("2015-01-01 12:10", "yyyy-MM-dd HH:mm:ss"));
  EXPECT_TRUE(Refuses("2015-01-01 12:10:30 ", "yyyy-MM-dd HH:mm:ss"));
  EXPECT_TRUE(Refuses("Foo 5, 2015", "MMM d, yyyy"));
  EXPECT_TRUE(Refuses("2015:01:01 12:10:30.12", "yyyy:MM:dd HH:mm:ss.SSS"));  // SSS is three digits
}

TEST(DateFormatTest, PatternsValidateEveryField) {
  EXPECT_TRUE(Refuses("2015-02-30", "yyyy-MM-dd"));
  EXPECT_TRUE(Refuses("2015-13-01", "yyyy-MM-dd"));
  EXPECT_TRUE(Refuses("31/04/2015", "dd/MM/yyyy"));
  EXPECT_TRUE(Refuses("2015-01-01 25:00", "yyyy-MM-dd HH:mm"));
  EXPECT_TRUE(Refuses("2015-01-01 23:60", "yyyy-MM-dd HH:mm"));
  EXPECT_TRUE(Refuses("13:00 PM", "hh:mm a"));
  EXPECT_TRUE(Refuses("00:10 AM", "hh:mm a"));
  EXPECT_TRUE(Refuses("2015-01-01 12:00 +19:00", "yyyy-MM-dd HH:mm Z"));
  EXPECT_TRUE(Refuses("2015-366", "yyyy-DDD"));
  EXPECT_TRUE(Refuses("2015 2016", "yyyy yyyy"));  // one field, two values
  EXPECT_EQ(Read("2015 2015", "yyyy yyyy"), Iso("2015-01-01"));
}

TEST(DateFormatTest, OptionalSections) {
  const std::string_view either = "[yyyy-MM-dd][yyyy/MM/dd]";
  EXPECT_EQ(Read("2015-01-05", either), Iso("2015-01-05"));
  EXPECT_EQ(Read("2015/01/05", either), Iso("2015-01-05"));
  EXPECT_TRUE(Refuses("2015.01.05", either));
  EXPECT_TRUE(Refuses("", either));
  const std::string_view nested = "yyyy-MM-dd[ HH:mm[:ss[.SSS]]][Z]";
  EXPECT_EQ(Read("2015-01-05", nested), Iso("2015-01-05"));
  EXPECT_EQ(Read("2015-01-05 10:20", nested), Iso("2015-01-05T10:20Z"));
  EXPECT_EQ(Read("2015-01-05 10:20:30", nested), Iso("2015-01-05T10:20:30Z"));
  EXPECT_EQ(Read("2015-01-05 10:20:30.400+01:00", nested), Iso("2015-01-05T10:20:30.400+01:00"));
  EXPECT_TRUE(Refuses("2015-01-05 10", nested));  // a section matches whole or not at all
  EXPECT_TRUE(Refuses("2015-01-05 10:20:", nested));
}

TEST(DateFormatTest, ListsAreTriedInOrderAndKeptAsWritten) {
  EXPECT_EQ(Read("01/02/2015", "dd/MM/yyyy||yyyy"), Iso("2015-02-01"));
  EXPECT_EQ(Read("2015", "dd/MM/yyyy||yyyy"), Iso("2015-01-01"));
  EXPECT_EQ(Read("2015-01-01T12:10:30.000Z", "strict_date_time||epoch_millis"), Iso("2015-01-01T12:10:30Z"));
  EXPECT_EQ(Read("1420114230000", "strict_date_time||epoch_millis"), Iso("2015-01-01T12:10:30Z"));
  EXPECT_EQ(Read("1420114230", "basic_date||epoch_second"), Iso("2015-01-01T12:10:30Z"));
  EXPECT_EQ(Read("20150101", "basic_date||epoch_second"), Iso("2015-01-01"));  // the first match wins
  const std::string_view many = "basic_date||date||year||hour_minute||MMM d||epoch_second||epoch_millis";
  std::optional<DateFormatList> list = DateFormatList::Parse(many);
  ASSERT_TRUE(list.has_value());
  EXPECT_EQ(list->size(), 7u);
  EXPECT_EQ(list->ToString(), many);
  EXPECT_EQ(DateFormatList::Parse("yyyy-MM-dd HH:mm||epoch_second")->ToString(), "yyyy-MM-dd HH:mm||epoch_second");
  EXPECT_EQ(*DateFormatList::Parse("strict_date_optional_time||epoch_millis"), DateFormatList::Default());
  EXPECT_FALSE(*DateFormatList::Parse("date_optional_time||epoch_millis") == DateFormatList::Default());
  DateFormatList copy = *list;  // copies share the compiled formats
  EXPECT_EQ(copy, *list);
  EXPECT_EQ(&copy[0], &(*list)[0]);
}

TEST(DateFormatTest, RefusesUnknownNamesAndInvalidPatterns) {
  for (std::string_view spec :
       {"", "||", "date||", "||date", "no_such_format", "strict_no_such", "strict_basic_date", "yyyy-MM-ddd",
        "yyyy'", "'unterminated", "yyyy]", "yyyy#", "{yyyy}", "yyyy-MM-dd VV", "yyyy-MM-dd z", "MMMMM",
        "qqq", "HHH", "ss.SSSSSSSSSS", "G yyyy", "aa", "EEEEE", "ZZZZ", "YY", "yyyyyyyyyy",
        "[[[[[[[[[[[[[[[[[yyyy]]]]]]]]]]]]]]]]]"}) {
    EXPECT_FALSE(DateFormatList::Parse(spec).has_value()) << spec;
  }
  // The mapping refuses them with mapper_parsing_exception.
  Result<Mapping> m = ParseMapping(R"({"properties": {"d": {"type": "date", "format": "yyyy-MM-dd||nope"}}})");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().kind(), StatusCode::kMapperParsing);
  EXPECT_NE(m.status().message().find("Invalid format: [yyyy-MM-dd||nope]"), std::string::npos);
  // Accepted ones keep the text given.
  m = ParseMapping(R"({"properties": {"d": {"type": "date", "format": "dd/MM/yyyy||yyyy"}}})");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m.value().Find("d")->mapping.date_formats.ToString(), "dd/MM/yyyy||yyyy");
}

TEST(DateFormatTest, FormatDateWritesTheFirstFormat) {
  const std::string_view t = "2015-01-01T12:10:30.123Z";
  EXPECT_EQ(FormatDate(Iso(t), DateFormatList::Default()), "2015-01-01T12:10:30.123Z");
  EXPECT_EQ(Write(t, "date_optional_time"), "2015-01-01T12:10:30.123Z");
  EXPECT_EQ(Write(t, "epoch_millis||strict_date"), "1420114230123");
  EXPECT_EQ(Write(t, "epoch_second"), "1420114230.123");
  EXPECT_EQ(Write("2015-01-01T12:10:30Z", "epoch_second"), "1420114230");
  EXPECT_EQ(Write("2015-01-01T12:10:30.5Z", "epoch_second"), "1420114230.5");
  EXPECT_EQ(Write("1969-12-31T23:59:58.5Z", "epoch_second"), "-1.5");
  EXPECT_EQ(Write(t, "strict_date||epoch_millis"), "2015-01-01");
  EXPECT_EQ(Write(t, "date"), "2015-01-01");
  EXPECT_EQ(Write(t, "basic_date_time"), "20150101T121030.123Z");
  EXPECT_EQ(Write(t, "basic_ordinal_date"), "2015001");
  EXPECT_EQ(Write(t, "strict_date_time"), "2015-01-01T12:10:30.123Z");
  EXPECT_EQ(Write(t, "date_time_no_millis"), "2015-01-01T12:10:30Z");
  EXPECT_EQ(Write(t, "hour_minute"), "12:10");
  EXPECT_EQ(Write(t, "t_time"), "T12:10:30.123Z");
  EXPECT_EQ(Write(t, "week_date"), "2015-W01-4");
  EXPECT_EQ(Write("2016-01-03T00:00:00Z", "basic_week_date"), "2015W537");
  EXPECT_EQ(Write(t, "ordinal_date_time"), "2015-001T12:10:30.123Z");
  EXPECT_EQ(Write(t, "year_month"), "2015-01");
  EXPECT_EQ(Write(t, "dd/MM/yyyy HH:mm"), "01/01/2015 12:10");
  EXPECT_EQ(Write(t, "MMM d, yyyy"), "Jan 1, 2015");
  EXPECT_EQ(Write(t, "EEEE, MMMM d"), "Thursday, January 1");
  EXPECT_EQ(Write(t, "EEE hh:mm a"), "Thu 12:10 PM");
  EXPECT_EQ(Write(t, "yyyyMMdd'T'HHmmss.SSSZ"), "20150101T121030.123+0000");
  EXPECT_EQ(Write(t, "yy-M-d H:m:s.S XXX xxx x"), "15-1-1 12:10:30.1 Z +00:00 +00");
  EXPECT_EQ(Write(t, "D 'o''clock' DDD"), "1 o'clock 001");
  EXPECT_EQ(Write(t, "yyyy-MM-dd[ HH:mm]"), "2015-01-01 12:10");  // optional parts are written
  EXPECT_EQ(Write("0900-06-01T00:00:00Z", "yyyy-MM-dd"), "0900-06-01");
  EXPECT_EQ(Write("1969-12-31T23:59:59.999Z", "strict_date_optional_time"), "1969-12-31T23:59:59.999Z");
  // Beyond the years a calendar date can hold: the number.
  const int64_t far = std::numeric_limits<int64_t>::max();
  EXPECT_EQ(FormatDate(far, *DateFormatList::Parse("yyyy-MM-dd")), std::to_string(far));
}

TEST(DateFormatTest, WrittenDatesReadBack) {
  const int64_t millis = Iso("2015-03-07T08:09:10.011Z");
  for (std::string_view spec :
       {"strict_date_optional_time", "epoch_millis", "epoch_second", "basic_date_time", "strict_date_time",
        "strict_week_date_time", "basic_ordinal_date_time", "date_hour_minute_second_millis",
        "yyyy-MM-dd HH:mm:ss.SSS", "EEE, dd MMM yyyy hh:mm:ss.SSS a xxx", "[yyyy-MM-dd'T'HH:mm:ss.SSS]"}) {
    const DateFormatList list = *DateFormatList::Parse(spec);
    const std::string text = FormatDate(millis, list);
    int64_t read = 0;
    EXPECT_TRUE(ParseDate(text, list, &read)) << spec << ": " << text;
    EXPECT_EQ(read, millis) << spec << ": " << text;
  }
}

// A date field's `fields` values, without a request `format`: the field's
// first format; with one, the request's.
std::string HitFields(const Mapping& mapping, std::string_view requests_json, std::string_view source) {
  std::vector<FieldRequest> requests;
  EXPECT_TRUE(ParseFieldRequests(requests_json, "fields", &requests).ok()) << requests_json;
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  WriteHitFields(requests, mapping, source, &w);
  w.EndObject();
  return buffer.GetString();
}

TEST(DateFormatTest, HitFieldsUseTheMappingFormat) {
  Result<Mapping> m = ParseMapping(R"({"properties": {
      "a": {"type": "date", "format": "dd/MM/yyyy||epoch_millis"},
      "b": {"type": "date", "format": "epoch_second"},
      "c": {"type": "date"}}})");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  const std::string_view source = R"({"a": ["05/01/2015", 1420070400000], "b": 1420070400, "c": "2015-01-05"})";
  EXPECT_EQ(HitFields(m.value(), R"(["a", "b", "c"])", source),
            R"({"fields":{"a":["05/01/2015","01/01/2015"],"b":["1420070400"],"c":["2015-01-05T00:00:00.000Z"]}})");
  EXPECT_EQ(HitFields(m.value(), R"([{"field": "a", "format": "epoch_millis"}, {"field": "b", "format": "yyyy"}])",
                      source),
            R"({"fields":{"a":["1420416000000","1420070400000"],"b":["2015"]}})");
}

}  // namespace
}  // namespace holdfast::mapping
