// /v1/crm/appointments: booking, listing, and the lifecycle through PATCH.
#include "api/json_input.h"
#include "api/routes.h"
#include "projections/crm/queries.h"

namespace switchboard::api {
namespace {

using commands::CommandContext;
using projections::SqlConnection;

constexpr std::int64_t kMaxCents = 100'000'000'00;  // one hundred million in any currency unit

HttpResponse DbError(const projections::SqlError& e) { return Problem(503, "Service unavailable", "database: " + e.message); }

HttpResponse RenderAppointment(SqlConnection& sql, const std::string& schema, const std::string& tenant_id,
                               const std::string& id) {
  auto row = projections::crm::GetAppointment(sql, schema, tenant_id, id);
  if (!row) return DbError(row.error());
  if (!*row) return NotFound("appointment");
  return JsonResponse(200, projections::crm::ToJson(**row));
}

const domain::Service* FindService(const domain::Tenant& tenant, const std::string& name) {
  for (const auto& s : tenant.config.services) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

}  // namespace

void AddAppointmentRoutes(Router& router, ApiContext& api) {
  auto& appointments = api.services().appointments;
  auto& tenants = api.services().tenants;

  router.Add({"POST", "/v1/crm/appointments", Auth::kTenant,
              "Book an appointment; end_time and estimated_value_cents default from the business's service", 201,
              "AppointmentCreate", "Appointment",
              [&api, &appointments, &tenants](const HttpRequest& req, const Caller& caller) {
                auto body = ParseJsonObject(req);
                if (!body) return body.error();
                FieldReader in(*body);
                domain::BookAppointment command;
                command.appointment_id = api.NewId(req, caller, "appointment");
                command.customer_id = in.RequiredString("customer_id", 36);
                command.service_type = in.RequiredString("service_type", 100);
                const auto start = in.RequiredTime("start_time");
                const auto end = in.Time("end_time");
                command.address = in.String("address", 500).value_or("");
                const auto value = in.Int("estimated_value_cents", 0, kMaxCents);
                command.is_emergency = in.Bool("is_emergency").value_or(false);
                command.tags = in.StringList("tags", 50, 50).value_or(std::vector<std::string>{});
                command.technician = in.String("technician", 100).value_or("");
                command.notes = in.String("notes", 5000).value_or("");
                if (!command.customer_id.empty() && !commands::IsUuid(command.customer_id)) {
                  in.AddError("customer_id", "is not a UUID");
                }
                if (auto errors = in.Finish(); !errors.empty()) return Unprocessable(std::move(errors));

                auto tenant = tenants.Load(caller.tenant_id);
                if (!tenant) return FromCommandError(tenant.error());
                const domain::Service* service = FindService(tenant->state, command.service_type);
                command.start = *start;
                command.end = end ? *end : *start + std::chrono::minutes(service ? service->duration_minutes : 60);
                command.estimated_value_cents = value ? *value : (service ? service->price_cents : 0);
                return api.Write(
                    req, caller, 201, [&](const CommandContext& ctx) { return appointments.Book(ctx, command); },
                    [&](SqlConnection& sql, const std::string& schema, const commands::CommandOutcome& outcome) {
                      return RenderAppointment(sql, schema, caller.tenant_id, outcome.id);
                    });
              }});

  router.Add({"GET", "/v1/crm/appointments", Auth::kTenant,
              "List appointments by start time; filters: status, customer_id, technician, from, to", 200, "",
              "AppointmentPage", [&api](const HttpRequest& req, const Caller& caller) {
                auto page = ParsePage(req);
                if (!page) return page.error();
                projections::crm::AppointmentFilters filter;
                std::vector<FieldError> errors;
                if (auto it = req.query.find("status"); it != req.query.end()) {
                  static const std::set<std::string> kStatuses = {"scheduled", "confirmed", "completed", "cancelled",
                                                                  "no_show"};
                  if (!kStatuses.count(it->second)) errors.push_back({"status", "is not a known status"});
                  filter.status = it->second;
                }
                if (auto it = req.query.find("customer_id"); it != req.query.end()) {
                  if (!commands::IsUuid(it->second)) errors.push_back({"customer_id", "is not a UUID"});
                  filter.customer_id = it->second;
                }
                if (auto it = req.query.find("technician"); it != req.query.end()) filter.technician = it->second;
                for (const char* bound : {"from", "to"}) {
                  auto it = req.query.find(bound);
                  if (it == req.query.end()) continue;
                  auto t = domain::ParseTime(it->second);
                  if (!t) errors.push_back({bound, "must be an RFC 3339 timestamp"});
                  else (std::string(bound) == "from" ? filter.from : filter.to) = domain::FormatTime(*t);
                }
                if (!errors.empty()) return BadRequest("invalid query parameters", std::move(errors));
                return api.Read(req, [&](SqlConnection& sql, const std::string& schema) {
                  auto rows = projections::crm::ListAppointments(sql, schema, caller.tenant_id, filter, page->limit,
                                                                 page->offset);
                  if (!rows) return DbError(rows.error());
                  return JsonResponse(200, projections::crm::ToJson(*rows));
                });
              }});

  router.Add({"GET", "/v1/crm/appointments/:id", Auth::kTenant, "Get an appointment", 200, "", "Appointment",
              [&api](const HttpRequest& req, const Caller& caller) {
                const auto& id = req.params.at("id");
                if (auto bad = CheckId(id)) return *bad;
                return api.Read(req, [&](SqlConnection& sql, const std::string& schema) {
                  return RenderAppointment(sql, schema, caller.tenant_id, id);
                });
              }});

  router.Add({"PATCH", "/v1/crm/appointments/:id", Auth::kTenant,
              "Change an appointment atomically: status (confirmed, cancelled with cancel_reason, completed with "
              "actual_value_cents, no_show), start_time/end_time (reschedule), technician, tags, notes, "
              "service_type, address, estimated_value_cents, is_emergency",
              200, "AppointmentPatch", "Appointment",
              [&api, &appointments](const HttpRequest& req, const Caller& caller) {
                const auto& id = req.params.at("id");
                if (auto bad = CheckId(id)) return *bad;
                auto body = ParseJsonObject(req);
                if (!body) return body.error();
                FieldReader in(*body);
                const auto status = in.String("status", 20);
                const auto reason = in.String("cancel_reason", 500);
                const auto actual = in.Int("actual_value_cents", 0, kMaxCents);
                const auto start = in.Time("start_time");
                const auto end = in.Time("end_time");
                const auto technician = in.String("technician", 100);
                domain::ChangeAppointmentDetails details;
                details.service_type = in.String("service_type", 100);
                details.address = in.String("address", 500);
                details.notes = in.String("notes", 5000);
                details.estimated_value_cents = in.Int("estimated_value_cents", 0, kMaxCents);
                details.is_emergency = in.Bool("is_emergency");
                details.tags = in.StringList("tags", 50, 50);
                if (status && *status != "confirmed" && *status != "cancelled" && *status != "completed" &&
                    *status != "no_show") {
                  in.AddError("status", "must be one of confirmed, cancelled, completed, no_show");
                }
                if (start.has_value() != end.has_value()) {
                  in.AddError(start ? "end_time" : "start_time", "start_time and end_time are changed together");
                }
                if (reason && status != "cancelled") in.AddError("cancel_reason", "only with status cancelled");
                if (actual && status != "completed") in.AddError("actual_value_cents", "only with status completed");
                if (auto errors = in.Finish(); !errors.empty()) return Unprocessable(std::move(errors));

                // Order matters: details and moves apply before a terminal status.
                std::vector<domain::AppointmentCommand> changes;
                if (details.service_type || details.address || details.notes || details.estimated_value_cents ||
                    details.is_emergency || details.tags) {
                  changes.push_back(details);
                }
                if (start && end) changes.push_back(domain::RescheduleAppointment{*start, *end, {}});
                if (technician) changes.push_back(domain::AssignTechnician{*technician});
                if (status == "confirmed") changes.push_back(domain::ConfirmAppointment{});
                if (status == "cancelled") changes.push_back(domain::CancelAppointment{reason.value_or("")});
                if (status == "completed") changes.push_back(domain::CompleteAppointment{actual});
                if (status == "no_show") changes.push_back(domain::MarkAppointmentNoShow{});
                return api.Write(
                    req, caller, 200,
                    [&](const CommandContext& ctx) -> Result<commands::CommandOutcome, commands::CommandError> {
                      if (changes.empty()) {
                        auto current = appointments.Load(ctx.tenant_id, id);
                        if (!current) return MakeErr(current.error());
                        if (current->state.status == domain::AppointmentStatus::kNone) {
                          return MakeErr(commands::Rejected({domain::Rejection::Code::kNotFound, "", "appointment not found", ""}));
                        }
                        return commands::CommandOutcome{id, 0, -1};
                      }
                      return appointments.Change(ctx, id, changes);
                    },
                    [&](SqlConnection& sql, const std::string& schema, const commands::CommandOutcome&) {
                      return RenderAppointment(sql, schema, caller.tenant_id, id);
                    });
              }});
}

}  // namespace switchboard::api
