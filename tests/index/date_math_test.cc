// Elasticsearch's date math (index/search/date_math.h) on a fixed `now`:
// additions, calendar roundings in both directions, fixed time zones,
// partial dates rounded up, and the malformed forms refused.
#include "index/search/date_math.h"

#include <gtest/gtest.h>

#include <string>

namespace holdfast::search {
namespace {

constexpr int64_t kNow = 1796292930123;  // 2026-12-03T10:15:30.123Z, a Thursday
constexpr int64_t kHour = 3600000, kDay = 24 * kHour;
constexpr int64_t kDec3 = kNow - (10 * kHour + 15 * 60000 + 30123);  // 2026-12-03T00:00Z

const mapping::DateFormatList& Formats() {
  static const mapping::DateFormatList formats =
      *mapping::DateFormatList::Parse("strict_date_optional_time||epoch_millis");
  return formats;
}

int64_t At(std::string_view text, bool round_up = false, int64_t tz = 0) {
  int64_t ms = 0;
  std::string error;
  EXPECT_TRUE(ParseDateMath(text, Formats(), {kNow, round_up, tz}, &ms, &error)) << text << ": " << error;
  return ms;
}

int64_t Date(std::string_view iso) {
  int64_t ms = 0;
  EXPECT_TRUE(mapping::ParseDate(iso, Formats(), &ms)) << iso;
  return ms;
}

TEST(DateMathTest, AdditionsAndRoundings) {
  EXPECT_EQ(At("now"), kNow);
  EXPECT_EQ(At("now-1d"), kNow - kDay);
  EXPECT_EQ(At("now+90m"), kNow + 90 * 60000);
  EXPECT_EQ(At("now+d"), kNow + kDay);  // no number: one
  EXPECT_EQ(At("now-2w"), kNow - 14 * kDay);
  EXPECT_EQ(At("now/d"), kDec3);
  EXPECT_EQ(At("now/d", /*round_up=*/true), kDec3 + kDay - 1);
  EXPECT_EQ(At("now/h"), kDec3 + 10 * kHour);
  EXPECT_EQ(At("now/w"), kDec3 - 3 * kDay);  // Monday 2026-11-30
  EXPECT_EQ(At("now-1M/M"), Date("2026-11-01T00:00:00Z"));
  EXPECT_EQ(At("now-1M/M", true), Date("2026-11-30T23:59:59.999Z"));
  EXPECT_EQ(At("now/y"), Date("2026-01-01T00:00:00Z"));
  EXPECT_EQ(At("now+1y/y", true), Date("2027-12-31T23:59:59.999Z"));
  EXPECT_EQ(At("2026-01-31||+1M"), Date("2026-02-28T00:00:00Z"));  // the month's last day
  EXPECT_EQ(At("2024-01-31||+1M"), Date("2024-02-29T00:00:00Z"));
  EXPECT_EQ(At("2014-11-18||/M"), Date("2014-11-01T00:00:00Z"));
  EXPECT_EQ(At("2014-11-18T14:00:00Z||-1d/d"), Date("2014-11-17T00:00:00Z"));
}

TEST(DateMathTest, FixedTimeZonesMoveTheBoundaries) {
  const int64_t plus2 = 2 * kHour;
  EXPECT_EQ(At("now/d", false, plus2), kDec3 - plus2);  // local midnight at +02:00
  EXPECT_EQ(At("now/d", false, -11 * kHour), kDec3 - kDay + 11 * kHour);  // still Dec 2 at -11:00
  // A date without a zone is in the time zone; with one, or epoch millis, it is not.
  EXPECT_EQ(At("2026-12-03", false, plus2), kDec3 - plus2);
  EXPECT_EQ(At("2026-12-03T00:00:00Z", false, plus2), kDec3);
  EXPECT_EQ(At("1796292930123", false, plus2), kNow);
}

TEST(DateMathTest, PartialDatesRoundUpToTheirLastMillisecond) {
  EXPECT_EQ(At("2026-12-03"), kDec3);
  EXPECT_EQ(At("2026-12-03", true), kDec3 + kDay - 1);
  EXPECT_EQ(At("2026-12", true), Date("2026-12-31T23:59:59.999Z"));
  EXPECT_EQ(At("2026", true), Date("2026-12-31T23:59:59.999Z"));
  EXPECT_EQ(At("2026-12-03T10:15:30.123Z", true), kNow);  // complete: as given
}

TEST(DateMathTest, MalformedMathIsRefusedWithAReason) {
  for (const char* bad : {"now-1x", "now*2d", "now/", "now/q", "2026-13-01||+1d", "yesterday", "now+99999999999d"}) {
    int64_t ms = 0;
    std::string error;
    EXPECT_FALSE(ParseDateMath(bad, Formats(), {kNow, false, 0}, &ms, &error)) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
}

}  // namespace
}  // namespace holdfast::search
