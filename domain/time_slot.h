// TimeSlot: a half-open interval [start, end) of at most 24 hours, end after start.
// Make is the validating constructor; a default TimeSlot (epoch, epoch) only exists as the
// "no slot yet" value of an unbooked appointment.
#pragma once

#include <chrono>

#include "domain/rejection.h"
#include "domain/result.h"
#include "domain/time.h"

namespace switchboard::domain {

struct TimeSlot {
  TimePoint start;
  TimePoint end;

  static constexpr std::chrono::hours kMaxLength{24};

  // kInvalid field "end_time" when end <= start or the slot is longer than kMaxLength.
  static Result<TimeSlot, Rejection> Make(TimePoint start, TimePoint end);
  bool Overlaps(const TimeSlot& other) const { return start < other.end && other.start < end; }

  friend bool operator==(const TimeSlot&, const TimeSlot&) = default;
};

}  // namespace switchboard::domain
