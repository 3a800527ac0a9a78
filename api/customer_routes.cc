// /v1/crm/customers: create, read, update, search, and a customer's appointments and timeline.
#include <algorithm>
#include <set>

#include "api/json_input.h"
#include "api/routes.h"
#include "projections/crm/queries.h"

namespace switchboard::api {
namespace {

using commands::CommandContext;
using projections::SqlConnection;

HttpResponse DbError(const projections::SqlError& e) { return Problem(503, "Service unavailable", "database: " + e.message); }

HttpResponse RenderCustomer(SqlConnection& sql, const std::string& schema, const std::string& tenant_id,
                            const std::string& id) {
  auto row = projections::crm::GetCustomer(sql, schema, tenant_id, id);
  if (!row) return DbError(row.error());
  if (!*row) return NotFound("customer");
  return JsonResponse(200, projections::crm::ToJson(**row));
}

}  // namespace

void AddCustomerRoutes(Router& router, ApiContext& api) {
  auto& customers = api.services().customers;

  router.Add({"POST", "/v1/crm/customers", Auth::kTenant, "Create a customer (phone unique per business)", 201,
              "CustomerCreate", "Customer", [&api, &customers](const HttpRequest& req, const Caller& caller) {
                auto body = ParseJsonObject(req);
                if (!body) return body.error();
                FieldReader in(*body);
                domain::CreateCustomer command;
                command.customer_id = api.NewId(req, caller, "customer");
                command.name = in.RequiredString("name", 200);
                command.phone = in.String("phone", 40).value_or("");
                command.email = in.String("email", 254).value_or("");
                command.address = in.String("address", 500).value_or("");
                command.zip = in.String("zip", 20).value_or("");
                command.tags = in.StringList("tags", 50, 50).value_or(std::vector<std::string>{});
                if (auto errors = in.Finish(); !errors.empty()) return Unprocessable(std::move(errors));
                return api.Write(
                    req, caller, 201, [&](const CommandContext& ctx) { return customers.Create(ctx, command); },
                    [&](SqlConnection& sql, const std::string& schema, const commands::CommandOutcome& outcome) {
                      return RenderCustomer(sql, schema, caller.tenant_id, outcome.id);
                    });
              }});

  router.Add({"GET", "/v1/crm/customers", Auth::kTenant, "List customers, newest first", 200, "", "CustomerPage",
              [&api](const HttpRequest& req, const Caller& caller) {
                auto page = ParsePage(req);
                if (!page) return page.error();
                return api.Read(req, [&](SqlConnection& sql, const std::string& schema) {
                  auto rows = projections::crm::ListCustomers(sql, schema, caller.tenant_id, page->limit, page->offset);
                  if (!rows) return DbError(rows.error());
                  return JsonResponse(200, projections::crm::ToJson(*rows));
                });
              }});

  router.Add({"GET", "/v1/crm/customers/search", Auth::kTenant,
              "Search customers by name or phone substring (?q=)", 200, "", "CustomerPage",
              [&api](const HttpRequest& req, const Caller& caller) {
                auto page = ParsePage(req);
                if (!page) return page.error();
                auto q = req.query.find("q");
                if (q == req.query.end() || q->second.empty() || q->second.size() > 100) {
                  return BadRequest("q must be 1 to 100 characters", {{"q", "is required (1..100 characters)"}});
                }
                return api.Read(req, [&](SqlConnection& sql, const std::string& schema) {
                  auto rows = projections::crm::SearchCustomers(sql, schema, caller.tenant_id, q->second, page->limit,
                                                                page->offset);
                  if (!rows) return DbError(rows.error());
                  return JsonResponse(200, projections::crm::ToJson(*rows));
                });
              }});

  router.Add({"GET", "/v1/crm/customers/:id", Auth::kTenant, "Get a customer", 200, "", "Customer",
              [&api](const HttpRequest& req, const Caller& caller) {
                const auto& id = req.params.at("id");
                if (auto bad = CheckId(id)) return *bad;
                return api.Read(req, [&](SqlConnection& sql, const std::string& schema) {
                  return RenderCustomer(sql, schema, caller.tenant_id, id);
                });
              }});

  router.Add({"PATCH", "/v1/crm/customers/:id", Auth::kTenant,
              "Update a customer: name, phone, email, address, zip, tags (the whole set), sms_opt_out", 200,
              "CustomerPatch", "Customer", [&api, &customers](const HttpRequest& req, const Caller& caller) {
                const auto& id = req.params.at("id");
                if (auto bad = CheckId(id)) return *bad;
                auto body = ParseJsonObject(req);
                if (!body) return body.error();
                FieldReader in(*body);
                domain::UpdateCustomer update;
                update.name = in.String("name", 200);
                update.phone = in.String("phone", 40);
                update.email = in.String("email", 254);
                update.address = in.String("address", 500);
                update.zip = in.String("zip", 20);
                const auto tags = in.StringList("tags", 50, 50);
                const auto opt_out = in.Bool("sms_opt_out");
                if (auto errors = in.Finish(); !errors.empty()) return Unprocessable(std::move(errors));
                return api.Write(
                    req, caller, 200,
                    [&](const CommandContext& ctx) -> Result<commands::CommandOutcome, commands::CommandError> {
                      std::vector<domain::CustomerCommand> commands;
                      if (update.name || update.phone || update.email || update.address || update.zip) {
                        commands.push_back(update);
                      }
                      if (tags) {
                        // The request states the whole tag set; tag and untag the difference.
                        auto current = customers.Load(ctx.tenant_id, id);
                        if (!current) return MakeErr(current.error());
                        const std::set<std::string> wanted(tags->begin(), tags->end());
                        const std::set<std::string> have(current->state.tags.begin(), current->state.tags.end());
                        for (const auto& t : wanted) {
                          if (!have.count(t)) commands.push_back(domain::TagCustomer{t});
                        }
                        for (const auto& t : have) {
                          if (!wanted.count(t)) commands.push_back(domain::UntagCustomer{t});
                        }
                      }
                      if (opt_out) {
                        if (*opt_out) commands.push_back(domain::OptOutCustomerSms{});
                        else commands.push_back(domain::OptInCustomerSms{});
                      }
                      if (commands.empty()) {
                        auto current = customers.Load(ctx.tenant_id, id);
                        if (!current) return MakeErr(current.error());
                        if (!current->state.exists) {
                          return MakeErr(commands::Rejected({domain::Rejection::Code::kNotFound, "", "customer not found", ""}));
                        }
                        return commands::CommandOutcome{id, 0, -1};
                      }
                      return customers.Execute(ctx, id, commands);
                    },
                    [&](SqlConnection& sql, const std::string& schema, const commands::CommandOutcome&) {
                      return RenderCustomer(sql, schema, caller.tenant_id, id);
                    });
              }});

  router.Add({"GET", "/v1/crm/customers/:id/appointments", Auth::kTenant, "A customer's appointments", 200, "",
              "AppointmentPage", [&api](const HttpRequest& req, const Caller& caller) {
                const auto& id = req.params.at("id");
                if (auto bad = CheckId(id)) return *bad;
                auto page = ParsePage(req);
                if (!page) return page.error();
                return api.Read(req, [&](SqlConnection& sql, const std::string& schema) {
                  auto customer = projections::crm::GetCustomer(sql, schema, caller.tenant_id, id);
                  if (!customer) return DbError(customer.error());
                  if (!*customer) return NotFound("customer");
                  auto rows = projections::crm::CustomerAppointments(sql, schema, caller.tenant_id, id, page->limit,
                                                                     page->offset);
                  if (!rows) return DbError(rows.error());
                  return JsonResponse(200, projections::crm::ToJson(*rows));
                });
              }});

  router.Add({"GET", "/v1/crm/customers/:id/timeline", Auth::kTenant,
              "A customer's timeline: appointments (and later conversations), newest first", 200, "", "TimelinePage",
              [&api](const HttpRequest& req, const Caller& caller) {
                const auto& id = req.params.at("id");
                if (auto bad = CheckId(id)) return *bad;
                auto page = ParsePage(req);
                if (!page) return page.error();
                return api.Read(req, [&](SqlConnection& sql, const std::string& schema) {
                  auto customer = projections::crm::GetCustomer(sql, schema, caller.tenant_id, id);
                  if (!customer) return DbError(customer.error());
                  if (!*customer) return NotFound("customer");
                  auto rows = projections::crm::CustomerTimeline(sql, schema, caller.tenant_id, id, page->limit,
                                                                 page->offset);
                  if (!rows) return DbError(rows.error());
                  return JsonResponse(200, projections::crm::ToJson(*rows));
                });
              }});
}

}  // namespace switchboard::api
