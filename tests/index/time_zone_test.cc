// Time zones (index/search/time_zone.h): the ids and offsets Elasticsearch
// takes, offsets and local times around daylight saving changes, the
// rounding of date_histogram buckets in a named zone (23 and 25 hour days,
// month buckets, fixed intervals), date math in a named zone, and named zones
// in date_histogram, date_range and range queries run over segments.
#include "index/search/time_zone.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <string>
#include <vector>

#include "index/mapping/date_parser.h"
#include "index/search/aggregation_collector.h"
#include "index/search/aggregation_format.h"
#include "index/search/aggregation_spec.h"
#include "index/search/date_math.h"
#include "index/search/histogram_keys.h"
#include "index/util/clock.h"
#include "tests/index/search_extras_fixture.h"
#include "tests/index/search_test_util.h"

namespace holdfast::search {
namespace {

constexpr int64_t kMinute = 60'000, kHour = 60 * kMinute, kDay = 24 * kHour;

const mapping::DateFormatList& Formats() {
  static const mapping::DateFormatList formats =
      *mapping::DateFormatList::Parse("strict_date_optional_time||epoch_millis");
  return formats;
}

// An instant written as ISO 8601 with its zone.
int64_t At(std::string_view iso) {
  int64_t ms = 0;
  EXPECT_TRUE(mapping::ParseDate(iso, Formats(), &ms)) << iso;
  return ms;
}

TimeZone Zone(std::string_view id) {
  Result<TimeZone> zone = TimeZone::Parse(id);
  EXPECT_TRUE(zone.ok()) << id << ": " << zone.status().ToString();
  return zone.ok() ? zone.value() : TimeZone();
}

std::string Refusal(std::string_view id) {
  Result<TimeZone> zone = TimeZone::Parse(id);
  EXPECT_FALSE(zone.ok()) << id;
  if (zone.ok()) return "";
  EXPECT_EQ(zone.status().kind(), StatusCode::kInvalidArgument) << id;
  return zone.status().message();
}

TEST(TimeZoneTest, ParsesIdsAndOffsetsAsElasticsearch) {
  EXPECT_FALSE(Zone("Europe/Paris").is_fixed());
  EXPECT_EQ(Zone("Europe/Paris").Id(), "Europe/Paris");
  EXPECT_EQ(Zone("America/New_York").Id(), "America/New_York");
  EXPECT_FALSE(Zone("US/Eastern").is_fixed());  // the database's links are ids too
  for (const char* utc : {"UTC", "Z", "GMT", "UT", "Etc/UTC", "+00:00", "-00"}) {
    EXPECT_TRUE(Zone(utc).is_utc()) << utc;
    EXPECT_EQ(Zone(utc).Id(), "Z") << utc;
  }
  EXPECT_EQ(Zone("+01:00").OffsetAtUtc(0), kHour);
  EXPECT_EQ(Zone("-05:30").OffsetAtUtc(0), -(5 * kHour + 30 * kMinute));
  EXPECT_EQ(Zone("+0530").OffsetAtUtc(0), 5 * kHour + 30 * kMinute);
  EXPECT_EQ(Zone("+02").OffsetAtUtc(0), 2 * kHour);
  EXPECT_EQ(Zone("-8").OffsetAtUtc(0), -8 * kHour);
  EXPECT_EQ(Zone("+18:00").OffsetAtUtc(0), 18 * kHour);
  EXPECT_EQ(Zone("-05:30").Id(), "-05:30");
  EXPECT_EQ(Zone("UTC+01:00").OffsetAtUtc(0), kHour);
  EXPECT_EQ(Zone("GMT-3").OffsetAtUtc(0), -3 * kHour);
  // A zone whose offset never changes is a fixed offset; Elasticsearch's old
  // short ids are the zones they stood for.
  EXPECT_EQ(Zone("Etc/GMT+5").Id(), "-05:00");
  EXPECT_EQ(Zone("EST").Id(), "-05:00");
  EXPECT_EQ(Zone("Eire").Id(), "Europe/London");
}

TEST(TimeZoneTest, RefusesUnknownIdsAndMalformedOffsetsNamingThem) {
  EXPECT_EQ(Refusal("Europe/Atlantis"), "Unknown time-zone ID: Europe/Atlantis");
  EXPECT_EQ(Refusal("europe/paris"), "Unknown time-zone ID: europe/paris");  // ids are case-sensitive
  EXPECT_EQ(Refusal("utc"), "Unknown time-zone ID: utc");
  EXPECT_EQ(Refusal("Europe/Paris "), "Invalid ID for region-based ZoneId, invalid format: Europe/Paris ");
  EXPECT_EQ(Refusal("z"), "Invalid ID for ZoneOffset, invalid format: z");
  EXPECT_EQ(Refusal(""), "Invalid ID for ZoneOffset, invalid format: ");
  EXPECT_EQ(Refusal("+1:00"), "Invalid ID for ZoneOffset, non numeric characters found: +1:00");
  EXPECT_EQ(Refusal("+0100000"), "Invalid ID for ZoneOffset, invalid format: +0100000");
  EXPECT_EQ(Refusal("+19:00"), "Zone offset hours not in valid range: value 19 is not in the range -18 to 18");
  EXPECT_EQ(Refusal("-01:60"), "Zone offset minutes not in valid range: value -60 is not in the range -59 to 59");
  EXPECT_EQ(Refusal("+18:30"), "Zone offset not in valid range: -18:00 to +18:00");
  EXPECT_EQ(Refusal("UTC+25"), "Invalid ID for offset-based ZoneId: UTC+25");
}

TEST(TimeZoneTest, OffsetsAndLocalTimesAroundDaylightSavingChanges) {
  const TimeZone paris = Zone("Europe/Paris");
  // 2020-03-29: 02:00 CET became 03:00 CEST at 01:00Z.
  EXPECT_EQ(paris.OffsetAtUtc(At("2020-03-29T00:59:59.999Z")), kHour);
  EXPECT_EQ(paris.OffsetAtUtc(At("2020-03-29T01:00:00Z")), 2 * kHour);
  const TimeZone::Period summer = paris.PeriodAt(At("2020-06-01T00:00:00Z"));
  EXPECT_EQ(summer.begin_ms, At("2020-03-29T01:00:00Z"));
  EXPECT_EQ(summer.end_ms, At("2020-10-25T01:00:00Z"));
  EXPECT_EQ(summer.offset_ms, 2 * kHour);
  // Local times read as UTC: 02:30 did not happen (later by the gap), 02:30
  // on 2020-10-25 happened twice (the earlier, unless the later is preferred).
  const int64_t gap = At("2020-03-29T02:30:00Z"), overlap = At("2020-10-25T02:30:00Z");
  EXPECT_EQ(paris.LocalToUtc(gap), At("2020-03-29T03:30:00+02:00"));
  EXPECT_EQ(paris.FirstInstantAtOrAfterLocal(gap), At("2020-03-29T03:00:00+02:00"));
  EXPECT_EQ(paris.LocalToUtc(overlap), At("2020-10-25T02:30:00+02:00"));
  EXPECT_EQ(paris.LocalToUtc(overlap, kHour), At("2020-10-25T02:30:00+01:00"));
  EXPECT_EQ(paris.FirstInstantAtOrAfterLocal(overlap), At("2020-10-25T02:30:00+02:00"));
  EXPECT_EQ(paris.UtcToLocal(At("2020-07-14T10:00:00Z")), At("2020-07-14T12:00:00Z"));
}

TEST(TimeZoneTest, ParisDaysAcrossDaylightSavingChangesAre23And25Hours) {
  LocalRounding day(Zone("Europe/Paris"), CalendarUnit::kDay);
  const int64_t march29 = At("2020-03-29T00:00:00+01:00");
  EXPECT_EQ(day.Round(At("2020-03-29T00:30:00+01:00")), march29);
  EXPECT_EQ(day.Round(At("2020-03-29T23:59:59.999+02:00")), march29);
  EXPECT_EQ(day.Next(march29), At("2020-03-30T00:00:00+02:00"));
  EXPECT_EQ(day.Next(march29) - march29, 23 * kHour);
  const int64_t october25 = At("2020-10-25T00:00:00+02:00");
  EXPECT_EQ(day.Round(At("2020-10-25T23:59:59.999+01:00")), october25);
  EXPECT_EQ(day.Next(october25) - october25, 25 * kHour);
  EXPECT_EQ(day.Round(day.Next(october25)), At("2020-10-26T00:00:00+01:00"));
  // Hours go by the wall clock: 03:00 CEST follows 01:00 CET; 02:00 comes twice in October.
  LocalRounding hour(Zone("Europe/Paris"), CalendarUnit::kHour);
  EXPECT_EQ(hour.Next(At("2020-03-29T01:00:00+01:00")), At("2020-03-29T03:00:00+02:00"));
  EXPECT_EQ(hour.Round(At("2020-10-25T02:10:00+01:00")), At("2020-10-25T02:00:00+01:00"));
  EXPECT_EQ(hour.Next(At("2020-10-25T02:00:00+02:00")), At("2020-10-25T02:00:00+01:00"));
  // A fixed 12h interval counts on the wall clock too: 11 hours on the morning of the change.
  LocalRounding twelve(Zone("Europe/Paris"), 12 * kHour);
  const int64_t morning = twelve.Round(At("2016-03-27T09:00:00+02:00"));
  EXPECT_EQ(morning, At("2016-03-27T00:00:00+01:00"));
  EXPECT_EQ(twelve.Next(morning), At("2016-03-27T12:00:00+02:00"));
  EXPECT_EQ(twelve.Next(morning) - morning, 11 * kHour);
}

TEST(TimeZoneTest, NewYorkMonthsStartAtLocalMidnight) {
  LocalRounding month(Zone("America/New_York"), CalendarUnit::kMonth);
  EXPECT_EQ(month.Round(At("2020-03-01T04:59:59Z")), At("2020-02-01T00:00:00-05:00"));
  EXPECT_EQ(month.Round(At("2020-03-01T05:00:00Z")), At("2020-03-01T00:00:00-05:00"));
  EXPECT_EQ(month.Round(At("2020-04-01T03:59:59Z")), At("2020-03-01T00:00:00-05:00"));
  EXPECT_EQ(month.Next(At("2020-03-01T00:00:00-05:00")), At("2020-04-01T00:00:00-04:00"));
  EXPECT_EQ(month.Next(At("2020-10-01T00:00:00-04:00")), At("2020-11-01T00:00:00-04:00"));
  EXPECT_EQ(month.Next(At("2020-11-01T00:00:00-04:00")), At("2020-12-01T00:00:00-05:00"));
  // A fixed offset needs no lookup and gives the arithmetic of before.
  LocalRounding fixed(TimeZone(-5 * kHour), CalendarUnit::kMonth);
  EXPECT_EQ(fixed.Round(At("2020-04-01T03:59:59Z")), At("2020-03-01T00:00:00-05:00"));
  EXPECT_EQ(fixed.Next(At("2020-03-01T00:00:00-05:00")), At("2020-04-01T00:00:00-05:00"));
}

// Around every change of offset from 2005 to 2025 in zones with odd changes
// (30 minute shifts, a skipped day, midnight gaps, Ramadan), for every unit
// and some fixed intervals: each instant rounds into the bucket that holds
// it, buckets follow each other without gaps, and a rounding that saw
// instants in any order (its periods cached) agrees with a fresh one.
TEST(TimeZoneTest, BucketsTileTimeAroundEveryChange) {
  const CalendarUnit units[] = {CalendarUnit::kMinute, CalendarUnit::kHour, CalendarUnit::kDay, CalendarUnit::kWeek,
                                CalendarUnit::kMonth, CalendarUnit::kQuarter, CalendarUnit::kYear};
  const int64_t intervals[] = {90 * kMinute, kHour, 12 * kHour, kDay, 7 * kDay};
  std::vector<LocalRounding> roundings;
  for (const char* id : {"Europe/Paris", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata",
                         "America/Sao_Paulo", "Pacific/Apia", "Africa/Casablanca", "America/St_Johns"}) {
    const TimeZone zone = Zone(id);
    // The changes of offset from 2005 to 2025 (none in Kolkata), and a day without one.
    std::vector<int64_t> changes = {At("2015-06-15T12:34:56Z")};
    for (int64_t t = zone.PeriodAt(At("2005-01-01T00:00:00Z")).end_ms; t < At("2025-01-01T00:00:00Z");
         t = zone.PeriodAt(t).end_ms) {
      changes.push_back(t);
    }
    roundings.clear();
    for (CalendarUnit unit : units) roundings.emplace_back(zone, unit);
    for (int64_t interval : intervals) roundings.emplace_back(zone, interval);
    for (size_t r = 0; r < roundings.size(); ++r) {
      LocalRounding& rounding = roundings[r];
      // About a bucket's width: the walk starts two of them before the change.
      const int64_t widths[] = {30 * kMinute, 3 * kHour, 2 * kDay, 14 * kDay, 62 * kDay, 184 * kDay, 366 * kDay};
      const int64_t width = r < std::size(units) ? widths[r] : intervals[r - std::size(units)];
      for (int64_t change : changes) {
        int64_t key = rounding.Round(change - 2 * width);
        for (int steps = 0; key < change + 2 * width && steps < 200; ++steps) {
          const int64_t next = rounding.Next(key);
          ASSERT_GT(next, key) << id << " rounding " << r << " at " << key;
          EXPECT_EQ(rounding.Round(key), key) << id << " rounding " << r;
          EXPECT_EQ(rounding.Round(next - 1), key) << id << " rounding " << r << " key " << key << " next " << next;
          EXPECT_EQ(rounding.Round(next), next) << id << " rounding " << r;
          key = next;
        }
      }
    }
    // Instants in no order, against a fresh rounding each time.
    uint64_t seed = 42;
    for (int i = 0; i < 2000; ++i) {
      seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
      const int64_t t = At("1990-01-01T00:00:00Z") + static_cast<int64_t>((seed >> 11) % (50ULL * 365 * kDay));
      const size_t r = (seed >> 3) % roundings.size();
      LocalRounding fresh = r < std::size(units) ? LocalRounding(zone, units[r])
                                                 : LocalRounding(zone, intervals[r - std::size(units)]);
      const int64_t key = roundings[r].Round(t);
      ASSERT_EQ(key, fresh.Round(t)) << id << " rounding " << r << " at " << t;
      EXPECT_LE(key, t) << id << " rounding " << r << " at " << t;
    }
  }
}

int64_t Math(std::string_view text, int64_t now, const TimeZone& zone, bool round_up = false) {
  int64_t ms = 0;
  std::string error;
  EXPECT_TRUE(ParseDateMath(text, Formats(), {now, round_up, zone}, &ms, &error)) << text << ": " << error;
  return ms;
}

TEST(TimeZoneTest, DateMathRoundsAndAddsDaysOnTheWallClock) {
  const TimeZone paris = Zone("Europe/Paris");
  const int64_t now = At("2020-03-29T12:00:00Z");  // 14:00 CEST, the day clocks went forward
  EXPECT_EQ(Math("now/d", now, paris), At("2020-03-29T00:00:00+01:00"));
  EXPECT_EQ(Math("now/d", now, paris, true), At("2020-03-30T00:00:00+02:00") - 1);
  EXPECT_EQ(Math("now-1d", now, paris), At("2020-03-28T14:00:00+01:00"));  // 23 hours earlier
  EXPECT_EQ(Math("now-24h", now, paris), now - 24 * kHour);
  EXPECT_EQ(Math("now/M", now, paris), At("2020-03-01T00:00:00+01:00"));
  EXPECT_EQ(Math("now/w", now, paris), At("2020-03-23T00:00:00+01:00"));
  EXPECT_EQ(Math("2020-03-29||+1d", now, paris), At("2020-03-30T00:00:00+02:00"));
  EXPECT_EQ(Math("2020-03-29", now, paris, true), At("2020-03-30T00:00:00+02:00") - 1);
  EXPECT_EQ(Math("2020-03-29T02:30:00", now, paris), At("2020-03-29T03:30:00+02:00"));  // skipped: later by the gap
  EXPECT_EQ(Math("2020-10-25T02:30:00", now, paris), At("2020-10-25T02:30:00+02:00"));  // twice: the earlier
  // Rounding keeps the offset the instant had: the second 02:30 rounds to the second 02:00.
  EXPECT_EQ(Math("now/h", At("2020-10-25T02:30:00+01:00"), paris), At("2020-10-25T02:00:00+01:00"));
}

using testing::Corpus;
using testing::MatchAll;

std::string Aggregate(const std::vector<testing::Doc>& docs, const std::string& aggs) {
  Corpus corpus;
  corpus.AddSplit(docs, 2);
  auto specs = ParseAggregations(aggs, corpus.mapping());
  EXPECT_TRUE(specs.ok()) << specs.status().ToString();
  if (!specs.ok()) return "";
  AggregationCollector collector(&specs.value());
  MatchAll(corpus.Views(), &collector);
  return AggregationsToJson(specs.value(), collector.Finish());
}

TEST(TimeZoneTest, DateHistogramInParisAcrossBothChanges) {
  const std::vector<testing::Doc> docs = {
      {"a", R"({"added":"2020-03-28T23:30:00Z"})"},  // 2020-03-29T00:30+01:00
      {"b", R"({"added":"2020-03-29T21:59:00Z"})"},  // 2020-03-29T23:59+02:00
      {"c", R"({"added":"2020-03-29T22:00:00Z"})"},  // 2020-03-30T00:00+02:00
      {"d", R"({"added":"2020-10-24T22:00:00Z"})"},  // 2020-10-25T00:00+02:00
      {"e", R"({"added":"2020-10-25T22:59:00Z"})"},  // 2020-10-25T23:59+01:00
      {"f", R"({"added":"2020-10-25T23:00:00Z"})"},  // 2020-10-26T00:00+01:00
  };
  EXPECT_EQ(Aggregate(docs, R"({"d":{"date_histogram":{"field":"added","calendar_interval":"day",
                                     "time_zone":"Europe/Paris","min_doc_count":1}}})"),
            R"({"d":{"buckets":[)"
            R"({"key_as_string":"2020-03-29T00:00:00.000+01:00","key":1585436400000,"doc_count":2},)"
            R"({"key_as_string":"2020-03-30T00:00:00.000+02:00","key":1585519200000,"doc_count":1},)"
            R"({"key_as_string":"2020-10-25T00:00:00.000+02:00","key":1603576800000,"doc_count":2},)"
            R"({"key_as_string":"2020-10-26T00:00:00.000+01:00","key":1603666800000,"doc_count":1}]}})");
  // Gaps filled with empty days, each starting at a local midnight.
  const std::string filled = Aggregate(
      docs, R"({"d":{"date_histogram":{"field":"added","calendar_interval":"1d","time_zone":"Europe/Paris"}}})");
  rapidjson::Document d;
  d.Parse(filled.c_str());
  ASSERT_FALSE(d.HasParseError()) << filled;
  const auto& buckets = d["d"]["buckets"];
  ASSERT_EQ(buckets.Size(), 212u) << filled;  // 2020-03-29 through 2020-10-26
  uint64_t total = 0;
  for (const auto& b : buckets.GetArray()) {
    const std::string text = b["key_as_string"].GetString();
    EXPECT_EQ(text.substr(10, 13), "T00:00:00.000") << text;
    EXPECT_EQ(At(text), b["key"].GetInt64()) << text;
    total += b["doc_count"].GetUint64();
  }
  EXPECT_EQ(total, docs.size());
}

TEST(TimeZoneTest, DateHistogramMonthsInNewYork) {
  const std::vector<testing::Doc> docs = {
      {"a", R"({"added":"2020-03-01T04:59:00Z"})"},  // February 29, 23:59 EST
      {"b", R"({"added":"2020-03-01T05:00:00Z"})"},  // March 1, 00:00 EST
      {"c", R"({"added":"2020-04-01T03:59:00Z"})"},  // March 31, 23:59 EDT
      {"d", R"({"added":"2020-04-01T04:00:00Z"})"},  // April 1, 00:00 EDT
  };
  EXPECT_EQ(Aggregate(docs, R"({"m":{"date_histogram":{"field":"added","calendar_interval":"month",
                                     "time_zone":"America/New_York"}}})"),
            R"({"m":{"buckets":[)"
            R"({"key_as_string":"2020-02-01T00:00:00.000-05:00","key":1580533200000,"doc_count":1},)"
            R"({"key_as_string":"2020-03-01T00:00:00.000-05:00","key":1583038800000,"doc_count":2},)"
            R"({"key_as_string":"2020-04-01T00:00:00.000-04:00","key":1585713600000,"doc_count":1}]}})");
}

TEST(TimeZoneTest, DateRangeBoundsInANamedZone) {
  const std::vector<testing::Doc> docs = {
      {"a", R"({"added":"2020-03-28T22:59:00Z"})"},  // March 28, 23:59 CET
      {"b", R"({"added":"2020-03-28T23:00:00Z"})"},  // March 29, 00:00 CET
      {"c", R"({"added":"2020-03-29T21:59:00Z"})"},  // March 29, 23:59 CEST
      {"d", R"({"added":"2020-03-29T22:00:00Z"})"},  // March 30, 00:00 CEST
  };
  EXPECT_EQ(Aggregate(docs, R"({"r":{"date_range":{"field":"added","time_zone":"Europe/Paris",
                                     "ranges":[{"to":"2020-03-29"},{"from":"2020-03-29","to":"2020-03-29||+1d"}]}}})"),
            R"({"r":{"buckets":[{"key":"*-2020-03-29T00:00:00.000+01:00","to":1.5854364E12,)"
            R"("to_as_string":"2020-03-29T00:00:00.000+01:00","doc_count":1},)"
            R"({"key":"2020-03-29T00:00:00.000+01:00-2020-03-30T00:00:00.000+02:00","from":1.5854364E12,)"
            R"("from_as_string":"2020-03-29T00:00:00.000+01:00","to":1.5855192E12,)"
            R"("to_as_string":"2020-03-30T00:00:00.000+02:00","doc_count":2}]}})");
  Corpus corpus;
  const Status refused = ParseAggregations(
      R"({"r":{"date_range":{"field":"added","time_zone":"Mars/Olympus","ranges":[{"to":"now"}]}}})", corpus.mapping())
                             .status();
  EXPECT_EQ(refused.kind(), StatusCode::kInvalidArgument);
  EXPECT_EQ(refused.message(), "Unknown time-zone ID: Mars/Olympus");
}

TEST(TimeZoneTest, RangeQueryReadsDatesAndRoundsNowInTheZone) {
  testing::SearchIndex index(testing::kMapping);
  index.Add("before", R"({"added":"2020-03-28T22:59:59.999Z"})");  // March 28 in Paris
  index.Add("first", R"({"added":"2020-03-28T23:00:00Z"})");       // March 29, 00:00 in Paris
  index.Add("last", R"({"added":"2020-03-29T21:59:59.999Z"})");    // March 29, 23:59:59.999 in Paris
  index.Add("after", R"({"added":"2020-03-29T22:00:00Z"})");       // March 30 in Paris
  index.Flush();
  EXPECT_EQ(index.IdSet(R"({"range":{"added":{"gte":"2020-03-29","lte":"2020-03-29","time_zone":"Europe/Paris"}}})"),
            (testing::Ids{"first", "last"}));
  EXPECT_EQ(index.IdSet(R"({"range":{"added":{"gt":"2020-03-28||/d","lt":"2020-03-30||/d","time_zone":"Europe/Paris"}}})"),
            (testing::Ids{"first", "last"}));
  EXPECT_EQ(index.IdSet(R"({"range":{"added":{"gte":"2020-03-29T02:30:00","time_zone":"Europe/Paris"}}})"),
            (testing::Ids{"after", "last"}));
  EXPECT_FALSE(index.ParseQuery(R"({"range":{"added":{"gte":"now","time_zone":"Europe/Atlantis"}}})").ok());

  // now/d: today's local midnight in Paris (computed as the query is; retried
  // if a Paris midnight passes in between).
  const TimeZone paris = Zone("Europe/Paris");
  LocalRounding day(paris, CalendarUnit::kDay);
  for (int attempt = 0; attempt < 2; ++attempt) {
    const int64_t midnight = day.Round(WallClockMs());
    testing::SearchIndex today(testing::kMapping);
    today.Add("yesterday", R"({"added":)" + std::to_string(midnight - 1) + "}");
    today.Add("today", R"({"added":)" + std::to_string(midnight) + "}");
    today.Flush();
    const testing::Ids ids = today.IdSet(R"({"range":{"added":{"gte":"now/d","time_zone":"Europe/Paris"}}})");
    const testing::Ids before = today.IdSet(R"({"range":{"added":{"lt":"now/d","time_zone":"Europe/Paris"}}})");
    if (day.Round(WallClockMs()) != midnight) continue;
    EXPECT_EQ(ids, testing::Ids{"today"});
    EXPECT_EQ(before, testing::Ids{"yesterday"});
    break;
  }
}

}  // namespace
}  // namespace holdfast::search
