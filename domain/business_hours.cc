// Business hours checks (see business_hours.h). The only place the domain touches the tz database.
#include "domain/business_hours.h"

#include <cstdio>
#include <exception>

#include <date/tz.h>

namespace switchboard::domain {
namespace {

const date::time_zone* FindZone(const std::string& iana) {
  if (iana.empty() || iana.size() > 64) return nullptr;
  try {
    return date::locate_zone(iana);
  } catch (const std::exception&) {  // date/tz reports an unknown zone by throwing
    return nullptr;
  }
}

}  // namespace

bool IsValidTimezone(const std::string& iana) { return FindZone(iana) != nullptr; }

bool BusinessHours::Contains(const TimeSlot& slot, const std::string& timezone) const {
  using namespace std::chrono;
  const date::time_zone* zone = FindZone(timezone);
  if (zone == nullptr || slot.end <= slot.start) return false;
  const auto local_start = zone->to_local(slot.start);
  const auto local_end = zone->to_local(slot.end);
  const auto local_day = floor<date::days>(local_start);
  // ISO weekday: Monday = 1 … Sunday = 7.
  const unsigned index = date::weekday{local_day}.iso_encoding() - 1;
  const auto& hours = days[index];
  if (!hours) return false;
  // Both ends are measured from the start's local midnight, so an end past that day's
  // closing (including any time on the next day) fails the second comparison.
  const auto start_offset = local_start - local_day;
  const auto end_offset = local_end - local_day;
  return start_offset >= minutes{hours->open_minute} && end_offset <= minutes{hours->close_minute} &&
         end_offset > start_offset;
}

Result<void, Rejection> ValidateBusinessHours(const BusinessHours& hours, std::string_view field) {
  for (std::size_t i = 0; i < hours.days.size(); ++i) {
    const auto& d = hours.days[i];
    if (!d) continue;
    const std::string day(kWeekdayKeys[i]);
    if (d->open_minute < 0 || d->open_minute > 1440 || d->close_minute < 0 || d->close_minute > 1440) {
      return MakeErr(Invalid(std::string(field), day + ": hours must be between 00:00 and 24:00"));
    }
    if (d->open_minute >= d->close_minute) {
      return MakeErr(Invalid(std::string(field), day + ": opening time must be before closing time"));
    }
  }
  return {};
}

std::optional<int> ParseClockMinute(std::string_view s) {
  if (s.size() != 5 || s[2] != ':') return std::nullopt;
  for (std::size_t i : {0, 1, 3, 4}) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
  }
  const int h = (s[0] - '0') * 10 + (s[1] - '0');
  const int m = (s[3] - '0') * 10 + (s[4] - '0');
  if (m > 59 || h > 24 || (h == 24 && m != 0)) return std::nullopt;
  return h * 60 + m;
}

std::string FormatClockMinute(int minute) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d:%02d", minute / 60, minute % 60);
  return buf;
}

std::string Describe(const BusinessHours& hours) {
  static constexpr std::array<std::string_view, 7> kNames = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  std::string out;
  for (std::size_t i = 0; i < hours.days.size(); ++i) {
    if (i > 0) out += ", ";
    out += kNames[i];
    const auto& d = hours.days[i];
    out += d ? " " + FormatClockMinute(d->open_minute) + "-" + FormatClockMinute(d->close_minute) : " closed";
  }
  return out;
}

}  // namespace switchboard::domain
