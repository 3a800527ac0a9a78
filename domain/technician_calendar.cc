// TechnicianCalendar decider and evolver, and stream naming (rules in technician_calendar.h).
#include "domain/technician_calendar.h"

#include <date/date.h>

#include "domain/fold.h"

namespace switchboard::domain {
namespace {

using Events = std::vector<TechnicianCalendarEvent>;
using Decision = Result<Events, Rejection>;

Decision DecideOn(const TechnicianCalendar& s, const ReserveTechnicianSlot& c) {
  auto technician = ValidateText("technician", c.technician, 1, 100);
  if (!technician) return MakeErr(std::move(technician).error());
  if (auto r = ValidateId("appointment_id", c.appointment_id); !r) return MakeErr(r.error());
  auto slot = TimeSlot::Make(c.slot.start, c.slot.end);
  if (!slot) return MakeErr(std::move(slot).error());
  for (const auto& [appointment_id, reserved] : s.reservations) {
    if (appointment_id != c.appointment_id && reserved.Overlaps(*slot)) {
      return MakeErr(Conflict("technician",
                              *technician + " is already booked from " + FormatTime(reserved.start) + " to " +
                                  FormatTime(reserved.end) + " for appointment " + appointment_id,
                              appointment_id));
    }
  }
  if (auto it = s.reservations.find(c.appointment_id); it != s.reservations.end() && it->second == *slot) {
    return Events{};
  }
  return Events{TechnicianSlotReserved{std::move(*technician), c.appointment_id, *slot}};
}

Decision DecideOn(const TechnicianCalendar& s, const ReleaseTechnicianSlot& c) {
  if (!s.reservations.contains(c.appointment_id)) return Events{};
  return Events{TechnicianSlotReleased{Trim(c.technician), c.appointment_id}};
}

TechnicianCalendar Apply(TechnicianCalendar s, const TechnicianSlotReserved& e) {
  s.reservations[e.appointment_id] = e.slot;
  return s;
}
TechnicianCalendar Apply(TechnicianCalendar s, const TechnicianSlotReleased& e) {
  s.reservations.erase(e.appointment_id);
  return s;
}

}  // namespace

std::string TechnicianKey(std::string_view name) {
  std::string key = Trim(name);
  for (char& c : key) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c == ' ') c = '_';
  }
  return key;
}

std::vector<std::string> TechnicianCalendarStreams(std::string_view technician, const TimeSlot& slot) {
  using namespace std::chrono;
  std::vector<std::string> streams;
  if (slot.end <= slot.start) return streams;
  const std::string prefix = "technician-" + TechnicianKey(technician) + "-";
  const auto first = floor<date::days>(slot.start);
  const auto last = floor<date::days>(slot.end - milliseconds{1});  // half-open: end at midnight stays out
  for (auto day = first; day <= last; day += date::days{1}) {
    streams.push_back(prefix + date::format("%F", day));
  }
  return streams;
}

Result<std::vector<TechnicianCalendarEvent>, Rejection> Decide(const TechnicianCalendar& state,
                                                               const TechnicianCalendarCommand& command) {
  return std::visit([&](const auto& c) { return DecideOn(state, c); }, command);
}

TechnicianCalendar Evolve(TechnicianCalendar state, const TechnicianCalendarEvent& event) {
  return std::visit([&](const auto& e) { return Apply(std::move(state), e); }, event);
}

TechnicianCalendar Fold(const std::vector<TechnicianCalendarEvent>& events) {
  return FoldEvents(TechnicianCalendar{}, events);
}

}  // namespace switchboard::domain
