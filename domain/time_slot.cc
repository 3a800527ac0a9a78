// TimeSlot validation (see time_slot.h).
#include "domain/time_slot.h"

namespace switchboard::domain {

Result<TimeSlot, Rejection> TimeSlot::Make(TimePoint start, TimePoint end) {
  if (end <= start) return MakeErr(Invalid("end_time", "end_time must be after start_time"));
  if (end - start > kMaxLength) return MakeErr(Invalid("end_time", "a time slot lasts at most 24 hours"));
  return TimeSlot{start, end};
}

}  // namespace switchboard::domain
