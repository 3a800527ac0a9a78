// Specification of the domain value types: RFC 3339 times, E.164 phone numbers, time slots,
// business hours across timezones and DST, services and text rules.
#include <gtest/gtest.h>

#include "domain/values.h"

namespace switchboard::domain {
namespace {

using namespace std::chrono;
using Code = Rejection::Code;

TimePoint T(std::string_view s) {
  auto t = ParseTime(s);
  EXPECT_TRUE(t.has_value()) << s;
  return t.value_or(TimePoint{});
}

// ---- time ----

TEST(ParseTime, AcceptsUtcWithAndWithoutFraction) {
  EXPECT_EQ(FormatTime(T("2026-11-24T15:04:05Z")), "2026-11-24T15:04:05.000Z");
  EXPECT_EQ(FormatTime(T("2026-11-24T15:04:05.123Z")), "2026-11-24T15:04:05.123Z");
  EXPECT_EQ(FormatTime(T("2026-11-24T15:04:05.1Z")), "2026-11-24T15:04:05.100Z");
  EXPECT_EQ(FormatTime(T("2026-11-24t15:04:05z")), "2026-11-24T15:04:05.000Z");
}

TEST(ParseTime, TruncatesFractionsBeyondMilliseconds) {
  EXPECT_EQ(FormatTime(T("2026-11-24T15:04:05.123999999Z")), "2026-11-24T15:04:05.123Z");
}

TEST(ParseTime, AppliesOffsets) {
  EXPECT_EQ(T("2026-11-24T10:04:05-05:00"), T("2026-11-24T15:04:05Z"));
  EXPECT_EQ(T("2026-11-24T20:34:05.5+05:30"), T("2026-11-24T15:04:05.5Z"));
  EXPECT_EQ(T("2026-01-01T00:30:00+01:00"), T("2025-12-31T23:30:00Z"));
}

TEST(ParseTime, RejectsGarbage) {
  for (std::string_view bad :
       {"", "garbage", "2026-11-24", "2026-11-24T15:04:05", "2026-11-24T15:04Z", "2026-1-24T15:04:05Z",
        "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z", "2026-11-24T24:00:00Z", "2026-11-24T15:60:00Z",
        "2026-11-24T15:04:60Z", "2026-11-24T15:04:05.Z", "2026-11-24T15:04:05.1234567890Z",
        "2026-11-24T15:04:05+0500", "2026-11-24T15:04:05+24:00", "2026-11-24T15:04:05Zjunk",
        "2026-11-24X15:04:05Z", " 2026-11-24T15:04:05Z", "+2026-11-24T15:04:05Z"}) {
    EXPECT_FALSE(ParseTime(bad).has_value()) << bad;
  }
}

TEST(ParseTime, AcceptsLeapDayOnlyInLeapYears) {
  EXPECT_TRUE(ParseTime("2028-02-29T00:00:00Z").has_value());
  EXPECT_FALSE(ParseTime("2026-02-29T00:00:00Z").has_value());
}

TEST(FormatTime, RoundTripsThroughParse) {
  for (std::int64_t ms : {0LL, 1LL, 999LL, 86'399'999LL, 1'795'000'000'123LL, -1LL, -86'400'001LL}) {
    const TimePoint t{milliseconds{ms}};
    EXPECT_EQ(ParseTime(FormatTime(t)), t) << ms << " " << FormatTime(t);
  }
  EXPECT_EQ(FormatTime(TimePoint{}), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatTime(TimePoint{milliseconds{-1}}), "1969-12-31T23:59:59.999Z");
}

// ---- phone numbers ----

struct PhoneCase {
  std::string_view raw;
  std::string_view e164;  // "" = rejected
};

TEST(PhoneNumber, ParsesTheAcceptedShapesToE164) {
  const PhoneCase cases[] = {
      {"+15551234567", "+15551234567"},
      {"(555) 123-4567", "+15551234567"},
      {"555-123-4567", "+15551234567"},
      {"555.123.4567", "+15551234567"},
      {"5551234567", "+15551234567"},
      {"1 555 123 4567", "+15551234567"},
      {"1-555-123-4567", "+15551234567"},
      {"15551234567", "+15551234567"},
      {"+1 (555) 123-4567", "+15551234567"},
      {"  +1 555 123 4567  ", "+15551234567"},
      {"+44 20 7946 0958", "+442079460958"},
      {"+33 1 23 45 67 89", "+33123456789"},
      {"+49 30 1234567", "+49301234567"},
      {"+86 138 0013 8000", "+8613800138000"},
      {"+3912345678", "+3912345678"},  // 10 digits after +
  };
  for (const auto& c : cases) {
    auto p = PhoneNumber::Parse(c.raw);
    ASSERT_TRUE(p.ok()) << c.raw << ": " << p.error().message;
    EXPECT_EQ(p->e164(), c.e164) << c.raw;
  }
}

TEST(PhoneNumber, RejectsEverythingElseNamingTheField) {
  for (std::string_view bad : {
           "",                      // empty
           "   ",                   // blank
           "555-1234",              // too short
           "55512345678",           // 11 digits not starting with 1
           "123456789012",          // 12 digits without +
           "+0441234567",           // + then 0
           "+1234567",              // 7 digits after +
           "+1234567890123456",     // 16 digits after +
           "555-CALL-NOW",          // letters
           "555 123 4567 ext 2",    // letters
           "+1-055-123-4567",       // area code starts with 0
           "155-123-4567",          // area code starts with 1
           "(055) 123-4567",        // area code starts with 0
           "555-023-4567",          // exchange starts with 0
           "555+123+4567",          // + in the middle
           "555_123_4567",          // unknown separator
           "++15551234567",         // double +
           "+12345678",             // +1 demands 10 national digits
           "+1555123456",           // +1 with 9 national digits
       }) {
    auto p = PhoneNumber::Parse(bad, "to");
    ASSERT_FALSE(p.ok()) << bad << " -> " << p->e164();
    EXPECT_EQ(p.error().code, Code::kInvalid) << bad;
    EXPECT_EQ(p.error().field, "to") << bad;
  }
}

TEST(PhoneNumber, DefaultFieldIsPhone) {
  auto p = PhoneNumber::Parse("nope");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().field, "phone");
}

TEST(PhoneNumber, EqualityComparesNormalizedForms) {
  EXPECT_EQ(PhoneNumber::Parse("(555) 123-4567").value(), PhoneNumber::Parse("+15551234567").value());
  EXPECT_FALSE(PhoneNumber::Parse("555-123-4567").value() == PhoneNumber::Parse("555-123-4568").value());
}

// ---- time slots ----

TEST(TimeSlot, RequiresEndAfterStart) {
  const auto t = T("2026-11-24T15:00:00Z");
  auto same = TimeSlot::Make(t, t);
  ASSERT_FALSE(same.ok());
  EXPECT_EQ(same.error().code, Code::kInvalid);
  EXPECT_EQ(same.error().field, "end_time");
  auto before = TimeSlot::Make(t, t - minutes{1});
  ASSERT_FALSE(before.ok());
  EXPECT_EQ(before.error().field, "end_time");
  EXPECT_TRUE(TimeSlot::Make(t, t + milliseconds{1}).ok());
}

TEST(TimeSlot, LastsAtMostADay) {
  const auto t = T("2026-11-24T15:00:00Z");
  EXPECT_TRUE(TimeSlot::Make(t, t + hours{24}).ok());
  auto longer = TimeSlot::Make(t, t + hours{24} + milliseconds{1});
  ASSERT_FALSE(longer.ok());
  EXPECT_EQ(longer.error().field, "end_time");
}

TEST(TimeSlot, OverlapIsHalfOpen) {
  const auto t = T("2026-11-24T10:00:00Z");
  const TimeSlot a{t, t + hours{1}};
  EXPECT_TRUE(a.Overlaps(TimeSlot{t + minutes{30}, t + hours{2}}));
  EXPECT_TRUE(a.Overlaps(TimeSlot{t - hours{1}, t + milliseconds{1}}));
  EXPECT_TRUE(a.Overlaps(TimeSlot{t + minutes{10}, t + minutes{20}}));  // inside
  EXPECT_TRUE(TimeSlot({t + minutes{10}, t + minutes{20}}).Overlaps(a));
  EXPECT_TRUE(a.Overlaps(a));
  EXPECT_FALSE(a.Overlaps(TimeSlot{t + hours{1}, t + hours{2}}));  // touching at the end
  EXPECT_FALSE(a.Overlaps(TimeSlot{t - hours{1}, t}));             // touching at the start
}

// ---- business hours ----

BusinessHours NineToFiveWeekdays() {
  BusinessHours h;
  for (int d = 0; d < 5; ++d) h.days[d] = DayHours{9 * 60, 17 * 60};
  return h;
}

TimeSlot Slot(std::string_view start, std::string_view end) { return TimeSlot{T(start), T(end)}; }

TEST(BusinessHours, ContainsSlotsWithinOneOpenDayInUtc) {
  const auto h = NineToFiveWeekdays();
  EXPECT_TRUE(h.Contains(Slot("2026-11-24T09:00:00Z", "2026-11-24T10:00:00Z"), "UTC"));    // Tue at opening
  EXPECT_TRUE(h.Contains(Slot("2026-11-24T16:00:00Z", "2026-11-24T17:00:00Z"), "UTC"));    // ends at closing
  EXPECT_FALSE(h.Contains(Slot("2026-11-24T08:59:00Z", "2026-11-24T10:00:00Z"), "UTC"));   // starts early
  EXPECT_FALSE(h.Contains(Slot("2026-11-24T16:30:00Z", "2026-11-24T17:00:01Z"), "UTC"));   // ends late
  EXPECT_FALSE(h.Contains(Slot("2026-11-28T10:00:00Z", "2026-11-28T11:00:00Z"), "UTC"));   // Saturday closed
  EXPECT_FALSE(h.Contains(Slot("2026-11-24T10:00:00Z", "2026-11-25T10:00:00Z"), "UTC"));   // spans two days
}

TEST(BusinessHours, UsesTheTenantsTimezone) {
  const auto h = NineToFiveWeekdays();
  // 14:00Z is 09:00 in New York (EST, UTC-5) on Tuesday 2026-11-24.
  EXPECT_TRUE(h.Contains(Slot("2026-11-24T14:00:00Z", "2026-11-24T15:00:00Z"), "America/New_York"));
  EXPECT_FALSE(h.Contains(Slot("2026-11-24T13:00:00Z", "2026-11-24T14:00:00Z"), "America/New_York"));
  // 21:30Z-22:00Z is 16:30-17:00 local: inside; 22:00Z-22:30Z is after closing.
  EXPECT_TRUE(h.Contains(Slot("2026-11-24T21:30:00Z", "2026-11-24T22:00:00Z"), "America/New_York"));
  EXPECT_FALSE(h.Contains(Slot("2026-11-24T22:00:00Z", "2026-11-24T22:30:00Z"), "America/New_York"));
  // Monday 2026-11-23 10:00 in Tokyo is Monday 01:00Z; Sunday 23:00Z is Monday 08:00 in Tokyo.
  EXPECT_TRUE(h.Contains(Slot("2026-11-23T01:00:00Z", "2026-11-23T02:00:00Z"), "Asia/Tokyo"));
  EXPECT_FALSE(h.Contains(Slot("2026-11-22T23:00:00Z", "2026-11-23T00:00:00Z"), "Asia/Tokyo"));
}

TEST(BusinessHours, FollowsDaylightSavingTime) {
  const auto h = NineToFiveWeekdays();
  // Summer: New York is UTC-4, so 09:00 local is 13:00Z.
  EXPECT_TRUE(h.Contains(Slot("2026-07-14T13:00:00Z", "2026-07-14T14:00:00Z"), "America/New_York"));
  EXPECT_FALSE(h.Contains(Slot("2026-07-14T12:30:00Z", "2026-07-14T13:30:00Z"), "America/New_York"));
  // The Monday after DST starts (2026-03-08) is already UTC-4.
  EXPECT_TRUE(h.Contains(Slot("2026-03-09T13:00:00Z", "2026-03-09T14:00:00Z"), "America/New_York"));
  // The Friday before (2026-03-06) is still UTC-5: 13:00Z is 08:00 local.
  EXPECT_FALSE(h.Contains(Slot("2026-03-06T13:00:00Z", "2026-03-06T14:00:00Z"), "America/New_York"));
  EXPECT_TRUE(h.Contains(Slot("2026-03-06T14:00:00Z", "2026-03-06T15:00:00Z"), "America/New_York"));
}

TEST(BusinessHours, SlotAcrossTheDstSwitchUsesLocalWallClock) {
  BusinessHours h;
  h.days[6] = DayHours{0, 4 * 60};  // Sunday 00:00-04:00
  // 2026-03-08 (Sunday) 01:00 EST = 06:00Z; 03:30 EDT = 07:30Z: wall clock 01:00-03:30, inside.
  EXPECT_TRUE(h.Contains(Slot("2026-03-08T06:00:00Z", "2026-03-08T07:30:00Z"), "America/New_York"));
  // 04:30 EDT = 08:30Z: ends after closing although only 2.5 real hours passed.
  EXPECT_FALSE(h.Contains(Slot("2026-03-08T06:00:00Z", "2026-03-08T08:30:00Z"), "America/New_York"));
}

TEST(BusinessHours, CloseAtMidnightAllowsSlotsEndingAtMidnight) {
  BusinessHours h;
  h.days[1] = DayHours{20 * 60, 1440};  // Tuesday 20:00-24:00
  EXPECT_TRUE(h.Contains(Slot("2026-11-24T23:00:00Z", "2026-11-25T00:00:00Z"), "UTC"));
  EXPECT_FALSE(h.Contains(Slot("2026-11-24T23:00:00Z", "2026-11-25T00:00:01Z"), "UTC"));
}

TEST(BusinessHours, UnknownTimezoneContainsNothing) {
  const auto h = NineToFiveWeekdays();
  EXPECT_FALSE(h.Contains(Slot("2026-11-24T10:00:00Z", "2026-11-24T11:00:00Z"), "Mars/Olympus_Mons"));
  EXPECT_FALSE(h.Contains(Slot("2026-11-24T10:00:00Z", "2026-11-24T11:00:00Z"), ""));
}

TEST(BusinessHours, ValidationNamesTheField) {
  BusinessHours h;
  EXPECT_TRUE(ValidateBusinessHours(h).ok());  // all closed is valid
  h.days[2] = DayHours{600, 600};
  auto r = ValidateBusinessHours(h);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "business_hours");
  h.days[2] = DayHours{600, 1441};
  EXPECT_FALSE(ValidateBusinessHours(h).ok());
  h.days[2] = DayHours{-1, 600};
  EXPECT_FALSE(ValidateBusinessHours(h).ok());
  h.days[2] = DayHours{0, 1440};
  EXPECT_TRUE(ValidateBusinessHours(h).ok());
}

TEST(BusinessHours, ClockMinutes) {
  EXPECT_EQ(ParseClockMinute("08:00"), 480);
  EXPECT_EQ(ParseClockMinute("24:00"), 1440);
  EXPECT_EQ(ParseClockMinute("00:00"), 0);
  EXPECT_EQ(ParseClockMinute("23:59"), 1439);
  for (std::string_view bad : {"8:00", "24:01", "25:00", "12:60", "12-00", "1200", "ab:cd", ""}) {
    EXPECT_FALSE(ParseClockMinute(bad).has_value()) << bad;
  }
  EXPECT_EQ(FormatClockMinute(1440), "24:00");
  EXPECT_EQ(FormatClockMinute(545), "09:05");
}

TEST(BusinessHours, DescribeNamesEveryDay) {
  EXPECT_EQ(Describe(NineToFiveWeekdays()),
            "Mon 09:00-17:00, Tue 09:00-17:00, Wed 09:00-17:00, Thu 09:00-17:00, Fri 09:00-17:00, Sat closed, "
            "Sun closed");
}

TEST(Timezone, RecognizesIanaNames) {
  EXPECT_TRUE(IsValidTimezone("UTC"));
  EXPECT_TRUE(IsValidTimezone("America/New_York"));
  EXPECT_TRUE(IsValidTimezone("Europe/London"));
  EXPECT_FALSE(IsValidTimezone(""));
  EXPECT_FALSE(IsValidTimezone("America/Springfield"));
  EXPECT_FALSE(IsValidTimezone("../../etc/passwd"));
  EXPECT_FALSE(IsValidTimezone("EST5EDT junk"));
}

// ---- services ----

TEST(Services, NormalizesAndValidates) {
  auto ok = NormalizeServices({{"  AC repair ", 15000, 90}, {"Tune-up", 0, 5}});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->at(0).name, "AC repair");

  const std::vector<std::vector<Service>> bad = {
      {{"", 100, 60}},
      {{"   ", 100, 60}},
      {{"A", -1, 60}},
      {{"A", 1, 4}},
      {{"A", 1, 1441}},
      {{"Repair", 1, 60}, {"repair", 2, 60}},  // duplicate ignoring case
      {{std::string(101, 'x'), 1, 60}},
  };
  for (const auto& services : bad) {
    auto r = NormalizeServices(services, "services");
    ASSERT_FALSE(r.ok()) << services.front().name;
    EXPECT_EQ(r.error().code, Code::kInvalid);
    EXPECT_EQ(r.error().field, "services");
  }
}

// ---- text ----

TEST(Text, TrimsAndCountsCodePoints) {
  EXPECT_EQ(Trim("  a b \t\n"), "a b");
  EXPECT_EQ(CodePointCount("héllo"), 5u);
  auto r = ValidateText("name", std::string(200, 'x') + "é", 1, 200);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "name");
  EXPECT_TRUE(ValidateText("name", std::string(199, 'x') + "é", 1, 200).ok());
}

TEST(Text, RejectsInvalidUtf8AndControlCharacters) {
  EXPECT_FALSE(ValidateText("name", "bad \xff byte", 0, 10'000).ok());
  EXPECT_FALSE(ValidateText("name", "\xc3", 0, 10'000).ok());              // truncated
  EXPECT_FALSE(ValidateText("name", "\xc0\xaf", 0, 10'000).ok());          // overlong
  EXPECT_FALSE(ValidateText("name", "\xed\xa0\x80", 0, 10'000).ok());      // surrogate
  EXPECT_FALSE(ValidateText("name", "a\x01z", 0, 10'000).ok());
  EXPECT_FALSE(ValidateText("name", "line\nbreak", 0, 10'000).ok());
  EXPECT_TRUE(ValidateText("notes", "line\nbreak", 0, 10'000, Lines::kMulti).ok());
  EXPECT_TRUE(ValidateText("name", "日本語 🎉", 0, 10'000).ok());
}

TEST(Text, TagsAreSortedUniqueAndBounded) {
  auto tags = NormalizeTags({"vip", " lead ", "vip"});
  ASSERT_TRUE(tags.ok());
  EXPECT_EQ(*tags, (std::vector<std::string>{"lead", "vip"}));
  EXPECT_EQ(NormalizeTags({""}).error().field, "tags");
  EXPECT_EQ(NormalizeTags({std::string(51, 't')}).error().field, "tags");
  std::vector<std::string> many;
  for (int i = 0; i < 51; ++i) many.push_back("t" + std::to_string(i));
  EXPECT_EQ(NormalizeTags(many).error().field, "tags");
  many.pop_back();
  EXPECT_TRUE(NormalizeTags(many).ok());
}

TEST(Text, IdsAreRestrictedToStreamSafeCharacters) {
  EXPECT_TRUE(ValidateId("customer_id", "0f8fad5b-d9cb-469f-a165-70867728950e").ok());
  EXPECT_EQ(ValidateId("customer_id", "").error().field, "customer_id");
  EXPECT_FALSE(ValidateId("customer_id", "a/b").ok());
  EXPECT_FALSE(ValidateId("customer_id", std::string(101, 'a')).ok());
}

}  // namespace
}  // namespace switchboard::domain
