// AppointmentService: booking and the appointment lifecycle. A technician's calendar streams
// are appended in the same atomic append as the appointment, so two bookings can never overlap
// for one technician; the tenant stream's version guards the business hours used. Thread-safe.
#pragma once

#include "commands/customer_service.h"
#include "domain/appointment.h"

namespace switchboard::commands {

class AppointmentService {
 public:
  AppointmentService(CommandPipeline& pipeline, TenantService& tenants, CustomerService& customers)
      : pipeline_(pipeline), tenants_(tenants), customers_(customers) {}

  // The command's schedule (now, timezone, business hours) is filled in here from the tenant.
  Result<CommandOutcome, CommandError> Book(const CommandContext& context, domain::BookAppointment command);
  // Applies several changes to one appointment atomically (PATCH); schedules are filled in here.
  Result<CommandOutcome, CommandError> Change(const CommandContext& context, const std::string& appointment_id,
                                              std::vector<domain::AppointmentCommand> commands);

  Result<Loaded<domain::Appointment>, CommandError> Load(const std::string& tenant_id,
                                                         const std::string& appointment_id);

 private:
  Result<CommandOutcome, CommandError> Run(const CommandContext& context, const std::string& appointment_id,
                                           std::vector<domain::AppointmentCommand> commands);

  CommandPipeline& pipeline_;
  TenantService& tenants_;
  CustomerService& customers_;
};

std::string AppointmentStream(const std::string& appointment_id);

}  // namespace switchboard::commands
