// Appointment aggregate (stream "appointment-<id>"): a booked visit and its lifecycle
//   scheduled -> confirmed -> completed;  scheduled|confirmed -> cancelled | no_show | completed;
// completed, cancelled and no_show are final. Pure Decide/Evolve; `now`, the tenant's timezone and
// business hours arrive inside the command (Schedule). The technician's calendar is a separate
// aggregate (technician_calendar.h) that the command handler updates in the same append.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "domain/values.h"

namespace switchboard::domain {

enum class AppointmentStatus { kNone, kScheduled, kConfirmed, kCompleted, kCancelled, kNoShow };
// "none", "scheduled", "confirmed", "completed", "cancelled", "no_show"
std::string_view ToString(AppointmentStatus status);
std::optional<AppointmentStatus> AppointmentStatusFromString(std::string_view s);
bool IsFinal(AppointmentStatus status);

struct Appointment {
  std::string id, customer_id, service_type;
  TimeSlot slot;
  std::string address;
  std::int64_t estimated_value_cents = 0;
  std::optional<std::int64_t> actual_value_cents;
  bool is_emergency = false;
  std::vector<std::string> tags;  // sorted, unique
  std::string technician, notes, cancel_reason;
  AppointmentStatus status = AppointmentStatus::kNone;
  friend bool operator==(const Appointment&, const Appointment&) = default;
};

// The context the command handler supplies from the clock and the tenant's configuration.
struct Schedule {
  TimePoint now;
  std::string timezone;
  BusinessHours hours;
};

struct BookAppointment {
  std::string appointment_id, customer_id, service_type;
  TimePoint start, end;
  std::string address;
  std::int64_t estimated_value_cents = 0;
  bool is_emergency = false;  // emergencies may be booked outside business hours
  std::vector<std::string> tags;
  std::string technician, notes;
  Schedule schedule;
};
// Keeps the status (a confirmed appointment stays confirmed after a reschedule).
struct RescheduleAppointment {
  TimePoint start, end;
  Schedule schedule;
};
struct ConfirmAppointment {};
struct CancelAppointment { std::string reason; };
struct CompleteAppointment { std::optional<std::int64_t> actual_value_cents; };  // defaults to the estimate
struct MarkAppointmentNoShow { TimePoint now; };
struct AssignTechnician { std::string technician; };  // "" unassigns
// Only present fields change. Not re-checked against business hours (no Schedule here).
struct ChangeAppointmentDetails {
  std::optional<std::string> service_type, address, notes;
  std::optional<std::int64_t> estimated_value_cents;
  std::optional<bool> is_emergency;
  std::optional<std::vector<std::string>> tags;
};

using AppointmentCommand =
    std::variant<BookAppointment, RescheduleAppointment, ConfirmAppointment, CancelAppointment, CompleteAppointment,
                 MarkAppointmentNoShow, AssignTechnician, ChangeAppointmentDetails>;

// Events (data per domain/EVENTS.md).
struct AppointmentBooked {
  static constexpr std::string_view kType = "AppointmentBooked";
  std::string appointment_id, customer_id, service_type;
  TimeSlot slot;  // start_time, end_time
  std::string address;
  std::int64_t estimated_value_cents = 0;
  bool is_emergency = false;
  std::vector<std::string> tags;
  std::string technician, notes;
  friend bool operator==(const AppointmentBooked&, const AppointmentBooked&) = default;
};
struct AppointmentRescheduled {
  static constexpr std::string_view kType = "AppointmentRescheduled";
  std::string appointment_id;
  TimeSlot slot;
  friend bool operator==(const AppointmentRescheduled&, const AppointmentRescheduled&) = default;
};
struct AppointmentConfirmed {
  static constexpr std::string_view kType = "AppointmentConfirmed";
  std::string appointment_id;
  friend bool operator==(const AppointmentConfirmed&, const AppointmentConfirmed&) = default;
};
struct AppointmentCancelled {
  static constexpr std::string_view kType = "AppointmentCancelled";
  std::string appointment_id, reason;
  friend bool operator==(const AppointmentCancelled&, const AppointmentCancelled&) = default;
};
struct AppointmentCompleted {
  static constexpr std::string_view kType = "AppointmentCompleted";
  std::string appointment_id;
  std::int64_t actual_value_cents = 0;
  friend bool operator==(const AppointmentCompleted&, const AppointmentCompleted&) = default;
};
struct AppointmentMarkedNoShow {
  static constexpr std::string_view kType = "AppointmentMarkedNoShow";
  std::string appointment_id;
  friend bool operator==(const AppointmentMarkedNoShow&, const AppointmentMarkedNoShow&) = default;
};
struct AppointmentTechnicianAssigned {
  static constexpr std::string_view kType = "AppointmentTechnicianAssigned";
  std::string appointment_id, technician;
  friend bool operator==(const AppointmentTechnicianAssigned&, const AppointmentTechnicianAssigned&) = default;
};
struct AppointmentDetailsChanged {  // all fields, after the change
  static constexpr std::string_view kType = "AppointmentDetailsChanged";
  std::string appointment_id, service_type, address;
  std::int64_t estimated_value_cents = 0;
  bool is_emergency = false;
  std::vector<std::string> tags;
  std::string notes;
  friend bool operator==(const AppointmentDetailsChanged&, const AppointmentDetailsChanged&) = default;
};

using AppointmentEvent =
    std::variant<AppointmentBooked, AppointmentRescheduled, AppointmentConfirmed, AppointmentCancelled,
                 AppointmentCompleted, AppointmentMarkedNoShow, AppointmentTechnicianAssigned,
                 AppointmentDetailsChanged>;

// Rules: end after start and at most 24h ("end_time"); start not before schedule.now and inside
// business hours unless an emergency ("start_time"; book and reschedule); customer_id an id
// ("customer_id"); service_type 1..100 ("service_type"); address <= 500 ("address"); notes
// <= 5000 ("notes"); technician <= 100 ("technician"); estimated/actual value >= 0
// ("estimated_value_cents"/"actual_value_cents"); tags as for customers ("tags").
// Book on an existing appointment: kAlreadyExists; the rest on a missing one: kNotFound; anything
// on a final one: kIllegalTransition ("status"); no-show before the slot starts:
// kIllegalTransition. Reschedule to the same slot, confirm when confirmed, and changes that change
// nothing yield no event.
Result<std::vector<AppointmentEvent>, Rejection> Decide(const Appointment& state, const AppointmentCommand& command);
Appointment Evolve(Appointment state, const AppointmentEvent& event);
Appointment Fold(const std::vector<AppointmentEvent>& events);

}  // namespace switchboard::domain
