// Opening hours of a business, per weekday in the business's IANA timezone, and the checks that
// use them. Contains() resolves local time through the OS tz database (date/tz), so DST is honoured.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "domain/rejection.h"
#include "domain/result.h"
#include "domain/time_slot.h"

namespace switchboard::domain {

struct DayHours {
  int open_minute = 0;    // minutes since local midnight, 0..1439
  int close_minute = 0;   // 1..1440 (1440 = midnight at the end of the day), > open_minute
  friend bool operator==(const DayHours&, const DayHours&) = default;
};

struct BusinessHours {
  std::array<std::optional<DayHours>, 7> days;  // [0]=Monday … [6]=Sunday; nullopt = closed

  // True when the whole slot lies within one day's open hours in the given IANA timezone: the
  // local start is on an open day at or after opening, and the end is at or before that same
  // day's closing. False for an unknown timezone.
  bool Contains(const TimeSlot& slot, const std::string& timezone) const;

  friend bool operator==(const BusinessHours&, const BusinessHours&) = default;
};

inline constexpr std::array<std::string_view, 7> kWeekdayKeys = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

bool IsValidTimezone(const std::string& iana);

// open < close, both within 0..1440; the rejection names `field`.
Result<void, Rejection> ValidateBusinessHours(const BusinessHours& hours, std::string_view field = "business_hours");

// "08:00" <-> 480; "24:00" is 1440. nullopt for anything else.
std::optional<int> ParseClockMinute(std::string_view hh_mm);
std::string FormatClockMinute(int minute);

// "Mon 08:00-17:00, Tue 08:00-17:00, …, Sun closed": for messages.
std::string Describe(const BusinessHours& hours);

}  // namespace switchboard::domain
