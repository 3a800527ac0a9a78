// /v1/admin/businesses: tenant creation, configuration, suspension and credential rotation.
#include "api/json_input.h"
#include "api/routes.h"
#include "domain/codec/tenant_codec.h"
#include "domain/codec/values_json.h"
#include "projections/crm/queries.h"

namespace switchboard::api {
namespace {

using commands::CommandContext;

// Reads the configurable fields of a business; `creating` makes name required.
domain::ConfigureTenant ReadConfig(FieldReader& in, bool creating) {
  domain::ConfigureTenant change;
  change.name = creating ? std::optional(in.RequiredString("name", 200)) : in.String("name", 200);
  change.timezone = in.String("timezone", 64);
  if (const auto* hours = in.Raw("business_hours")) {
    auto parsed = domain::BusinessHoursFromJson(*hours, "business_hours");
    if (parsed) change.business_hours = *parsed;
    else in.AddError(parsed.error().field, parsed.error().message);
  }
  if (const auto* services = in.Raw("services")) {
    auto parsed = domain::ServicesFromJson(*services, "services");
    if (parsed) change.services = *parsed;
    else in.AddError(parsed.error().field, parsed.error().message);
  }
  if (auto hours = in.Int("default_reminder_hours", 0, 168)) change.default_reminder_hours = static_cast<int>(*hours);
  return change;
}

domain::TenantConfig DefaultsWith(const domain::ConfigureTenant& change) {
  domain::TenantConfig config;
  config.name = change.name.value_or("");
  if (change.timezone) config.timezone = *change.timezone;
  if (change.business_hours) config.business_hours = *change.business_hours;
  if (change.services) config.services = *change.services;
  if (change.default_reminder_hours) config.default_reminder_hours = *change.default_reminder_hours;
  return config;
}

CommandContext ForTenant(CommandContext context, const std::string& tenant_id) {
  context.tenant_id = tenant_id;
  return context;
}

Render RenderBusiness(nlohmann::json secrets) {
  return [secrets = std::move(secrets)](projections::SqlConnection& sql, const std::string& schema,
                                        const commands::CommandOutcome& outcome) {
    auto row = projections::crm::GetTenant(sql, schema, outcome.id);
    if (!row) return Problem(503, "Service unavailable", "database: " + row.error().message);
    if (!*row) return NotFound("business");
    auto body = projections::crm::ToJson(**row);
    for (const auto& [k, v] : secrets.items()) body[k] = v;
    return JsonResponse(200, body);
  };
}

}  // namespace

void AddAdminRoutes(Router& router, ApiContext& api) {
  auto& tenants = api.services().tenants;

  router.Add({"POST", "/v1/admin/businesses", Auth::kAdmin,
              "Create a business (tenant); returns its API key, widget token and owner token once", 201,
              "BusinessCreate", "BusinessWithSecrets", [&api, &tenants](const HttpRequest& req, const Caller& caller) {
                auto body = ParseJsonObject(req);
                if (!body) return body.error();
                FieldReader in(*body);
                const auto change = ReadConfig(in, true);
                if (auto errors = in.Finish(); !errors.empty()) return Unprocessable(std::move(errors));
                const std::string id = api.NewId(req, caller, "tenant");
                commands::NewTenant tenant{id, DefaultsWith(change), commands::NewSecret("sk_"),
                                           commands::NewSecret("wt_"), commands::NewSecret("ot_")};
                const nlohmann::json secrets = {{"api_key", tenant.api_key},
                                                {"widget_token", tenant.widget_token},
                                                {"owner_token", tenant.owner_token}};
                return api.Write(
                    req, caller, 201,
                    [&](const CommandContext& ctx) { return tenants.Create(ForTenant(ctx, id), tenant); },
                    RenderBusiness(secrets), secrets);
              }});

  router.Add({"GET", "/v1/admin/businesses", Auth::kAdmin, "List businesses", 200, "", "BusinessPage",
              [&api](const HttpRequest& req, const Caller&) {
                auto page = ParsePage(req);
                if (!page) return page.error();
                return api.Read(req, [&](projections::SqlConnection& sql, const std::string& schema) {
                  auto rows = projections::crm::ListTenants(sql, schema, page->limit, page->offset);
                  if (!rows) return Problem(503, "Service unavailable", "database: " + rows.error().message);
                  return JsonResponse(200, projections::crm::ToJson(*rows));
                });
              }});

  router.Add({"GET", "/v1/admin/businesses/:id", Auth::kAdmin, "Get a business", 200, "", "Business",
              [&api](const HttpRequest& req, const Caller&) {
                const auto& id = req.params.at("id");
                if (auto bad = CheckId(id)) return *bad;
                return api.Read(req, [&](projections::SqlConnection& sql, const std::string& schema) {
                  auto row = projections::crm::GetTenant(sql, schema, id);
                  if (!row) return Problem(503, "Service unavailable", "database: " + row.error().message);
                  if (!*row) return NotFound("business");
                  return JsonResponse(200, projections::crm::ToJson(**row));
                });
              }});

  router.Add({"PATCH", "/v1/admin/businesses/:id", Auth::kAdmin,
              "Configure a business (name, timezone, business_hours, services, default_reminder_hours) or "
              "suspend/reactivate it with status",
              200, "BusinessPatch", "Business", [&api, &tenants](const HttpRequest& req, const Caller& caller) {
                const auto& id = req.params.at("id");
                if (auto bad = CheckId(id)) return *bad;
                auto body = ParseJsonObject(req);
                if (!body) return body.error();
                FieldReader in(*body);
                const auto change = ReadConfig(in, false);
                const auto status = in.String("status", 20);
                const auto reason = in.String("suspend_reason", 500);
                if (status && *status != "active" && *status != "suspended") {
                  in.AddError("status", "must be active or suspended");
                }
                if (auto errors = in.Finish(); !errors.empty()) return Unprocessable(std::move(errors));
                const bool configures = change.name || change.timezone || change.business_hours || change.services ||
                                        change.default_reminder_hours;
                return api.Write(
                    req, caller, 200,
                    [&](const CommandContext& ctx) -> Result<commands::CommandOutcome, commands::CommandError> {
                      const auto c = ForTenant(ctx, id);
                      commands::CommandOutcome last;
                      last.id = id;
                      // Reactivate first so a configuration in the same request is allowed.
                      if (status == "active") {
                        auto loaded = tenants.Load(id);
                        if (!loaded) return MakeErr(loaded.error());
                        if (loaded->state.status == domain::TenantStatus::kSuspended) {
                          auto r = tenants.Reactivate(c);
                          if (!r) return r;
                          last = *r;
                        }
                      }
                      if (configures) {
                        auto r = tenants.Configure(c, change);
                        if (!r) return r;
                        if (r->changed()) last = *r;
                      }
                      if (status == "suspended") {
                        auto loaded = tenants.Load(id);
                        if (!loaded) return MakeErr(loaded.error());
                        if (loaded->state.status == domain::TenantStatus::kNone) {
                          return MakeErr(commands::Rejected({domain::Rejection::Code::kNotFound, "", "business not found", ""}));
                        }
                        if (loaded->state.status == domain::TenantStatus::kActive) {
                          auto r = tenants.Suspend(c, reason.value_or(""));
                          if (!r) return r;
                          last = *r;
                        }
                      }
                      if (!configures && !status) {
                        auto loaded = tenants.Load(id);
                        if (!loaded) return MakeErr(loaded.error());
                        if (loaded->state.status == domain::TenantStatus::kNone) {
                          return MakeErr(commands::Rejected({domain::Rejection::Code::kNotFound, "", "business not found", ""}));
                        }
                      }
                      return last;
                    },
                    RenderBusiness(nlohmann::json::object()));
              }});

  struct Rotation {
    const char* path;
    const char* summary;
    const char* field;
    const char* prefix;
    Result<commands::CommandOutcome, commands::CommandError> (commands::TenantService::*rotate)(
        const CommandContext&, const std::string&);
  };
  static const Rotation kRotations[] = {
      {"/v1/admin/businesses/:id/rotate-key", "Rotate the business's API key; the old key stops working", "api_key",
       "sk_", &commands::TenantService::RotateApiKey},
      {"/v1/admin/businesses/:id/rotate-widget-token", "Rotate the business's web-chat widget token", "widget_token",
       "wt_", &commands::TenantService::RotateWidgetToken},
      {"/v1/admin/businesses/:id/rotate-owner-token", "Rotate the business's owner dashboard token", "owner_token",
       "ot_", &commands::TenantService::RotateOwnerToken},
  };
  for (const auto& rotation : kRotations) {
    router.Add({"POST", rotation.path, Auth::kAdmin, rotation.summary, 200, "", "BusinessWithSecrets",
                [&api, &tenants, &rotation](const HttpRequest& req, const Caller& caller) {
                  const auto& id = req.params.at("id");
                  if (auto bad = CheckId(id)) return *bad;
                  const std::string secret = commands::NewSecret(rotation.prefix);
                  return api.Write(
                      req, caller, 200,
                      [&](const CommandContext& ctx) { return (tenants.*rotation.rotate)(ForTenant(ctx, id), secret); },
                      RenderBusiness({{rotation.field, secret}}), {{rotation.field, secret}});
                }});
  }
}

}  // namespace switchboard::api
