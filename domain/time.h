// TimePoint: an instant in UTC with millisecond precision, the only time type of the domain.
// ParseTime accepts RFC 3339 (Z or ±hh:mm offset, optional fraction); FormatTime always
// writes UTC with milliseconds ("2026-11-24T15:04:05.123Z"), so format∘parse is lossless.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace switchboard::domain {

using TimePoint = std::chrono::sys_time<std::chrono::milliseconds>;

// nullopt for anything that is not an RFC 3339 date-time with year 0000..9999. Fractions beyond
// milliseconds are truncated (toward the past). Leap seconds (":60") are rejected.
std::optional<TimePoint> ParseTime(std::string_view rfc3339);
std::string FormatTime(TimePoint t);

}  // namespace switchboard::domain
