// Appointment decider and evolver (rules in appointment.h). One named overload per command and event.
#include "domain/appointment.h"

#include <algorithm>

#include "domain/fold.h"

namespace switchboard::domain {
namespace {

using Events = std::vector<AppointmentEvent>;
using Decision = Result<Events, Rejection>;

// Book and reschedule share the slot rules: valid slot, not in the past, within hours.
Result<TimeSlot, Rejection> CheckSlot(TimePoint start, TimePoint end, const Schedule& schedule, bool is_emergency) {
  auto slot = TimeSlot::Make(start, end);
  if (!slot) return slot;
  if (start < schedule.now) return MakeErr(Invalid("start_time", "start_time must not be in the past"));
  if (!is_emergency && !schedule.hours.Contains(*slot, schedule.timezone)) {
    return MakeErr(Invalid("start_time", "the appointment must lie within business hours (" +
                                             Describe(schedule.hours) + ", " + schedule.timezone + ")"));
  }
  return slot;
}

Result<std::int64_t, Rejection> CheckMoney(std::string_view field, std::int64_t cents) {
  if (cents < 0) return MakeErr(Invalid(std::string(field), std::string(field) + " must not be negative"));
  return cents;
}

// The editable details, validated and normalized together (book and change-details).
struct Details {
  std::string service_type, address;
  std::int64_t estimated_value_cents = 0;
  bool is_emergency = false;
  std::vector<std::string> tags;
  std::string notes;
  friend bool operator==(const Details&, const Details&) = default;
};

Result<Details, Rejection> NormalizeDetails(const Details& in) {
  auto service_type = ValidateText("service_type", in.service_type, 1, 100);
  if (!service_type) return MakeErr(std::move(service_type).error());
  auto address = ValidateText("address", in.address, 0, 500, Lines::kMulti);
  if (!address) return MakeErr(std::move(address).error());
  auto value = CheckMoney("estimated_value_cents", in.estimated_value_cents);
  if (!value) return MakeErr(std::move(value).error());
  auto tags = NormalizeTags(in.tags);
  if (!tags) return MakeErr(std::move(tags).error());
  auto notes = ValidateText("notes", in.notes, 0, 5000, Lines::kMulti);
  if (!notes) return MakeErr(std::move(notes).error());
  return Details{std::move(*service_type), std::move(*address), *value, in.is_emergency, std::move(*tags),
                 std::move(*notes)};
}

// Not found, or final: the checks every command but Book starts with.
Decision RequireOpen(const Appointment& a) {
  if (a.status == AppointmentStatus::kNone) return MakeErr(NotFound("appointment not found"));
  if (IsFinal(a.status)) {
    return MakeErr(IllegalTransition("the appointment is " + std::string(ToString(a.status)) + " and cannot change"));
  }
  return Events{};
}

Decision DecideOn(const Appointment& a, const BookAppointment& c) {
  if (a.status != AppointmentStatus::kNone) {
    return MakeErr(AlreadyExists("appointment_id", "an appointment with this id already exists", a.id));
  }
  if (auto r = ValidateId("appointment_id", c.appointment_id); !r) return MakeErr(r.error());
  if (auto r = ValidateId("customer_id", c.customer_id); !r) return MakeErr(r.error());
  auto details = NormalizeDetails(
      Details{c.service_type, c.address, c.estimated_value_cents, c.is_emergency, c.tags, c.notes});
  if (!details) return MakeErr(std::move(details).error());
  auto slot = CheckSlot(c.start, c.end, c.schedule, c.is_emergency);
  if (!slot) return MakeErr(std::move(slot).error());
  auto technician = ValidateText("technician", c.technician, 0, 100);
  if (!technician) return MakeErr(std::move(technician).error());
  auto& d = *details;
  return Events{AppointmentBooked{c.appointment_id, c.customer_id, std::move(d.service_type), *slot,
                                  std::move(d.address), d.estimated_value_cents, d.is_emergency, std::move(d.tags),
                                  std::move(*technician), std::move(d.notes)}};
}

Decision DecideOn(const Appointment& a, const RescheduleAppointment& c) {
  if (auto r = RequireOpen(a); !r) return r;
  auto slot = CheckSlot(c.start, c.end, c.schedule, a.is_emergency);
  if (!slot) return MakeErr(std::move(slot).error());
  if (*slot == a.slot) return Events{};
  return Events{AppointmentRescheduled{a.id, *slot}};
}

Decision DecideOn(const Appointment& a, const ConfirmAppointment&) {
  if (auto r = RequireOpen(a); !r) return r;
  if (a.status == AppointmentStatus::kConfirmed) return Events{};
  return Events{AppointmentConfirmed{a.id}};
}

Decision DecideOn(const Appointment& a, const CancelAppointment& c) {
  if (auto r = RequireOpen(a); !r) return r;
  auto reason = ValidateText("reason", c.reason, 0, 500, Lines::kMulti);
  if (!reason) return MakeErr(std::move(reason).error());
  return Events{AppointmentCancelled{a.id, std::move(*reason)}};
}

Decision DecideOn(const Appointment& a, const CompleteAppointment& c) {
  if (auto r = RequireOpen(a); !r) return r;
  auto value = CheckMoney("actual_value_cents", c.actual_value_cents.value_or(a.estimated_value_cents));
  if (!value) return MakeErr(std::move(value).error());
  return Events{AppointmentCompleted{a.id, *value}};
}

Decision DecideOn(const Appointment& a, const MarkAppointmentNoShow& c) {
  if (auto r = RequireOpen(a); !r) return r;
  if (c.now < a.slot.start) {
    return MakeErr(IllegalTransition("an appointment can be marked no-show only after its start time"));
  }
  return Events{AppointmentMarkedNoShow{a.id}};
}

Decision DecideOn(const Appointment& a, const AssignTechnician& c) {
  if (auto r = RequireOpen(a); !r) return r;
  auto technician = ValidateText("technician", c.technician, 0, 100);
  if (!technician) return MakeErr(std::move(technician).error());
  if (*technician == a.technician) return Events{};
  return Events{AppointmentTechnicianAssigned{a.id, std::move(*technician)}};
}

Decision DecideOn(const Appointment& a, const ChangeAppointmentDetails& c) {
  if (auto r = RequireOpen(a); !r) return r;
  const Details current{a.service_type, a.address, a.estimated_value_cents, a.is_emergency, a.tags, a.notes};
  Details next = current;
  if (c.service_type) next.service_type = *c.service_type;
  if (c.address) next.address = *c.address;
  if (c.notes) next.notes = *c.notes;
  if (c.estimated_value_cents) next.estimated_value_cents = *c.estimated_value_cents;
  if (c.is_emergency) next.is_emergency = *c.is_emergency;
  if (c.tags) next.tags = *c.tags;
  auto details = NormalizeDetails(next);
  if (!details) return MakeErr(std::move(details).error());
  if (*details == current) return Events{};
  auto& d = *details;
  return Events{AppointmentDetailsChanged{a.id, std::move(d.service_type), std::move(d.address),
                                          d.estimated_value_cents, d.is_emergency, std::move(d.tags),
                                          std::move(d.notes)}};
}

Appointment Apply(Appointment a, const AppointmentBooked& e) {
  a.id = e.appointment_id;
  a.customer_id = e.customer_id;
  a.service_type = e.service_type;
  a.slot = e.slot;
  a.address = e.address;
  a.estimated_value_cents = e.estimated_value_cents;
  a.is_emergency = e.is_emergency;
  a.tags = e.tags;
  a.technician = e.technician;
  a.notes = e.notes;
  a.status = AppointmentStatus::kScheduled;
  return a;
}
Appointment Apply(Appointment a, const AppointmentRescheduled& e) {
  a.slot = e.slot;
  return a;
}
Appointment Apply(Appointment a, const AppointmentConfirmed&) {
  a.status = AppointmentStatus::kConfirmed;
  return a;
}
Appointment Apply(Appointment a, const AppointmentCancelled& e) {
  a.status = AppointmentStatus::kCancelled;
  a.cancel_reason = e.reason;
  return a;
}
Appointment Apply(Appointment a, const AppointmentCompleted& e) {
  a.status = AppointmentStatus::kCompleted;
  a.actual_value_cents = e.actual_value_cents;
  return a;
}
Appointment Apply(Appointment a, const AppointmentMarkedNoShow&) {
  a.status = AppointmentStatus::kNoShow;
  return a;
}
Appointment Apply(Appointment a, const AppointmentTechnicianAssigned& e) {
  a.technician = e.technician;
  return a;
}
Appointment Apply(Appointment a, const AppointmentDetailsChanged& e) {
  a.service_type = e.service_type;
  a.address = e.address;
  a.estimated_value_cents = e.estimated_value_cents;
  a.is_emergency = e.is_emergency;
  a.tags = e.tags;
  a.notes = e.notes;
  return a;
}

}  // namespace

std::string_view ToString(AppointmentStatus status) {
  switch (status) {
    case AppointmentStatus::kNone: return "none";
    case AppointmentStatus::kScheduled: return "scheduled";
    case AppointmentStatus::kConfirmed: return "confirmed";
    case AppointmentStatus::kCompleted: return "completed";
    case AppointmentStatus::kCancelled: return "cancelled";
    case AppointmentStatus::kNoShow: return "no_show";
  }
  return "none";
}

std::optional<AppointmentStatus> AppointmentStatusFromString(std::string_view s) {
  for (auto st : {AppointmentStatus::kNone, AppointmentStatus::kScheduled, AppointmentStatus::kConfirmed,
                  AppointmentStatus::kCompleted, AppointmentStatus::kCancelled, AppointmentStatus::kNoShow}) {
    if (ToString(st) == s) return st;
  }
  return std::nullopt;
}

bool IsFinal(AppointmentStatus status) {
  return status == AppointmentStatus::kCompleted || status == AppointmentStatus::kCancelled ||
         status == AppointmentStatus::kNoShow;
}

Result<std::vector<AppointmentEvent>, Rejection> Decide(const Appointment& state, const AppointmentCommand& command) {
  return std::visit([&](const auto& c) { return DecideOn(state, c); }, command);
}

Appointment Evolve(Appointment state, const AppointmentEvent& event) {
  return std::visit([&](const auto& e) { return Apply(std::move(state), e); }, event);
}

Appointment Fold(const std::vector<AppointmentEvent>& events) { return FoldEvents(Appointment{}, events); }

}  // namespace switchboard::domain
