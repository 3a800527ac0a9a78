// TechnicianCalendar aggregate (streams "technician-<key>-<YYYY-MM-DD>", one per UTC day):
// no two appointments of a technician overlap. A slot that crosses UTC midnight is reserved in
// every day stream it touches; since two overlapping slots always share a day, checking each
// day's reservations is enough. The command handler appends to all those streams atomically.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "domain/values.h"

namespace switchboard::domain {

// Technician name trimmed, ASCII-lowercased, spaces as '_': "Bob Smith" -> "bob_smith".
std::string TechnicianKey(std::string_view name);
// "technician-<key>-<YYYY-MM-DD>" for every UTC day the half-open slot touches, in day order.
std::vector<std::string> TechnicianCalendarStreams(std::string_view technician, const TimeSlot& slot);

struct TechnicianCalendar {
  std::map<std::string, TimeSlot> reservations;  // by appointment id
  friend bool operator==(const TechnicianCalendar&, const TechnicianCalendar&) = default;
};

struct ReserveTechnicianSlot {
  std::string technician, appointment_id;
  TimeSlot slot;
};
struct ReleaseTechnicianSlot {
  std::string technician, appointment_id;
};
using TechnicianCalendarCommand = std::variant<ReserveTechnicianSlot, ReleaseTechnicianSlot>;

// Reserving again for an appointment that already holds a slot replaces that slot: Evolve of
// TechnicianSlotReserved overwrites the appointment's entry, so no Released event precedes it.
struct TechnicianSlotReserved {
  static constexpr std::string_view kType = "TechnicianSlotReserved";
  std::string technician, appointment_id;
  TimeSlot slot;  // start_time, end_time
  friend bool operator==(const TechnicianSlotReserved&, const TechnicianSlotReserved&) = default;
};
struct TechnicianSlotReleased {
  static constexpr std::string_view kType = "TechnicianSlotReleased";
  std::string technician, appointment_id;
  friend bool operator==(const TechnicianSlotReleased&, const TechnicianSlotReleased&) = default;
};
using TechnicianCalendarEvent = std::variant<TechnicianSlotReserved, TechnicianSlotReleased>;

// Reserve: technician 1..100 ("technician"), appointment id ("appointment_id"), a valid slot
// ("end_time"); overlapping another appointment's slot: kConflict, field "technician",
// existing_id = that appointment. The same slot again: no event. Release of an appointment
// without a reservation: no event.
Result<std::vector<TechnicianCalendarEvent>, Rejection> Decide(const TechnicianCalendar& state,
                                                               const TechnicianCalendarCommand& command);
TechnicianCalendar Evolve(TechnicianCalendar state, const TechnicianCalendarEvent& event);
TechnicianCalendar Fold(const std::vector<TechnicianCalendarEvent>& events);

}  // namespace switchboard::domain
