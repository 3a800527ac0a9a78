// Appointment commands; technician calendar reservations follow the appointment's slot,
// technician and status, computed as a diff between the state before and after.
#include "commands/appointment_service.h"

#include <map>
#include <set>

#include "domain/codec/appointment_codec.h"
#include "domain/codec/technician_calendar_codec.h"
#include "domain/technician_calendar.h"

namespace switchboard::commands {
namespace {

// Slots an appointment holds on its technician's calendar: none once cancelled or a no-show.
bool HoldsSlot(const domain::Appointment& a) {
  return !a.technician.empty() && a.status != domain::AppointmentStatus::kNone &&
         a.status != domain::AppointmentStatus::kCancelled && a.status != domain::AppointmentStatus::kNoShow;
}

void FillSchedule(domain::AppointmentCommand& command, const domain::Schedule& schedule) {
  if (auto* book = std::get_if<domain::BookAppointment>(&command)) book->schedule = schedule;
  if (auto* move = std::get_if<domain::RescheduleAppointment>(&command)) move->schedule = schedule;
  if (auto* no_show = std::get_if<domain::MarkAppointmentNoShow>(&command)) no_show->now = schedule.now;
}

}  // namespace

std::string AppointmentStream(const std::string& appointment_id) { return "appointment-" + appointment_id; }

Result<Loaded<domain::Appointment>, CommandError> AppointmentService::Load(const std::string& tenant_id,
                                                                          const std::string& appointment_id) {
  return pipeline_.Load<domain::Appointment>(tenant_id, AppointmentStream(appointment_id),
                                             domain::DecodeAppointmentEvent, domain::AppointmentFromSnapshot);
}

Result<CommandOutcome, CommandError> AppointmentService::Book(const CommandContext& context,
                                                             domain::BookAppointment command) {
  const std::string id = command.appointment_id;
  return Run(context, id, {std::move(command)});
}

Result<CommandOutcome, CommandError> AppointmentService::Change(const CommandContext& context,
                                                               const std::string& appointment_id,
                                                               std::vector<domain::AppointmentCommand> commands) {
  return Run(context, appointment_id, std::move(commands));
}

Result<CommandOutcome, CommandError> AppointmentService::Run(const CommandContext& context,
                                                            const std::string& appointment_id,
                                                            std::vector<domain::AppointmentCommand> commands) {
  using Code = domain::Rejection::Code;
  return pipeline_.Run(context, AppointmentStream(appointment_id), [&]() -> Result<Plan, CommandError> {
    auto tenant = LoadActiveTenant(tenants_, context.tenant_id);
    if (!tenant) return MakeErr(tenant.error());
    const domain::Schedule schedule{pipeline_.Now(), tenant->state.config.timezone,
                                    tenant->state.config.business_hours};

    auto loaded = Load(context.tenant_id, appointment_id);
    if (!loaded) return MakeErr(loaded.error());
    if (const auto* book = std::get_if<domain::BookAppointment>(&commands.front())) {
      auto customer = customers_.Load(context.tenant_id, book->customer_id);
      if (!customer) return MakeErr(customer.error());
      if (!customer->state.exists) {
        return MakeErr(Rejected({Code::kInvalid, "customer_id", "no customer with this id", ""}));
      }
    }

    PlannedStream appointment;
    appointment.append.stream = AppointmentStream(appointment_id);
    appointment.append.expected = ExpectedVersion::Exact(loaded->version);
    domain::Appointment after = loaded->state;
    for (auto command : commands) {
      FillSchedule(command, schedule);
      auto events = domain::Decide(after, command);
      if (!events) return MakeErr(Rejected(events.error()));
      for (const auto& e : *events) {
        auto encoded = domain::Encode(e);
        appointment.append.events.push_back(
            pipeline_.Envelope(context, encoded.type, encoded.schema_version, encoded.data));
        after = domain::Evolve(std::move(after), e);
      }
    }
    const auto new_version = loaded->version + static_cast<std::int64_t>(appointment.append.events.size());
    if (CommandPipeline::SnapshotDue(loaded->snapshot_version, new_version)) {
      appointment.snapshot = domain::ToSnapshot(after);
    }
    Plan plan{appointment_id, {std::move(appointment)}};
    // Business hours were read from the tenant: a concurrent reconfiguration must retry us.
    plan.streams.push_back(PlannedStream{
        StreamAppend{TenantStream(context.tenant_id), ExpectedVersion::Exact(tenant->version), {}}, std::nullopt});

    const domain::Appointment& before = loaded->state;
    const bool held = HoldsSlot(before);
    const bool holds = HoldsSlot(after);
    const bool moved = before.technician != after.technician || before.slot.start != after.slot.start ||
                       before.slot.end != after.slot.end;
    if (held == holds && (!holds || !moved)) return plan;

    // Per calendar stream: release the old reservation and/or take the new one.
    struct CalendarChange {
      std::optional<std::string> release_technician;
      std::optional<std::pair<std::string, domain::TimeSlot>> reserve;
    };
    std::map<std::string, CalendarChange> changes;
    if (held) {
      for (const auto& stream : domain::TechnicianCalendarStreams(before.technician, before.slot)) {
        changes[stream].release_technician = before.technician;
      }
    }
    if (holds) {
      for (const auto& stream : domain::TechnicianCalendarStreams(after.technician, after.slot)) {
        changes[stream].reserve = std::pair{after.technician, after.slot};
      }
    }
    for (const auto& [stream, change] : changes) {
      auto calendar = pipeline_.Load<domain::TechnicianCalendar>(context.tenant_id, stream,
                                                                 domain::DecodeTechnicianCalendarEvent,
                                                                 domain::TechnicianCalendarFromSnapshot);
      if (!calendar) return MakeErr(calendar.error());
      PlannedStream planned;
      planned.append.stream = stream;
      planned.append.expected = ExpectedVersion::Exact(calendar->version);
      domain::TechnicianCalendar state = calendar->state;
      std::vector<domain::TechnicianCalendarCommand> calendar_commands;
      if (change.release_technician) {
        calendar_commands.push_back(domain::ReleaseTechnicianSlot{*change.release_technician, appointment_id});
      }
      if (change.reserve) {
        calendar_commands.push_back(
            domain::ReserveTechnicianSlot{change.reserve->first, appointment_id, change.reserve->second});
      }
      for (const auto& command : calendar_commands) {
        auto events = domain::Decide(state, command);
        if (!events) return MakeErr(Rejected(events.error()));
        for (const auto& e : *events) {
          auto encoded = domain::Encode(e);
          planned.append.events.push_back(
              pipeline_.Envelope(context, encoded.type, encoded.schema_version, encoded.data));
          state = domain::Evolve(std::move(state), e);
        }
      }
      const auto calendar_version = calendar->version + static_cast<std::int64_t>(planned.append.events.size());
      if (CommandPipeline::SnapshotDue(calendar->snapshot_version, calendar_version)) {
        planned.snapshot = domain::ToSnapshot(state);
      }
      plan.streams.push_back(std::move(planned));
    }
    return plan;
  });
}

}  // namespace switchboard::commands
