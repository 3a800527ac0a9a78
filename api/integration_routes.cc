// /v1/integrations/webhooks: register (secret shown once), list, delete, and list deliveries.
// Reads go to the "integrations" read model, whose live schema is looked up per request.
#include "api/integration_routes.h"

#include "api/json_input.h"
#include "api/routes.h"
#include "projections/engine/catalog.h"
#include "projections/integrations/queries.h"

namespace switchboard::api {
namespace {

using commands::CommandContext;
using projections::SqlConnection;
namespace integrations = projections::integrations;

constexpr std::string_view kProjection = "integrations";

HttpResponse DbError(const projections::SqlError& e) {
  return Problem(503, "Service unavailable", "database: " + e.message);
}

// Runs `query` against the live schema of the integrations read model.
template <class Query>
HttpResponse WithIntegrations(SqlConnection& sql, const Query& query) {
  auto schema = projections::LiveSchema(sql, kProjection);
  if (!schema) return DbError(schema.error());
  return query(*schema);
}

}  // namespace

void AddIntegrationRoutes(Router& router, ApiContext& api, commands::webhooks::WebhookService& webhooks) {
  router.Add({"POST", "/v1/integrations/webhooks", Auth::kTenant,
              "Register a webhook endpoint: url, event_types (names or \"*\"), secret (generated when absent; "
              "returned only in this response)",
              201, "WebhookCreate", "WebhookWithSecret", [&api, &webhooks](const HttpRequest& req, const Caller& caller) {
                auto body = ParseJsonObject(req);
                if (!body) return body.error();
                FieldReader in(*body);
                domain::RegisterWebhook command;
                command.webhook_id = api.NewId(req, caller, "webhook");
                command.url = in.RequiredString("url", domain::kMaxWebhookUrlChars);
                auto types = in.StringList("event_types", 100, 100);
                if (!types && !in.Present("event_types")) in.AddError("event_types", "is required");
                command.event_types = types.value_or(std::vector<std::string>{});
                auto secret = in.String("secret", 200);
                if (auto errors = in.Finish(); !errors.empty()) return Unprocessable(std::move(errors));
                // The domain validates url, event_types and secret and names the field in a 422.
                command.secret = secret.value_or(commands::NewSecret("whsec_"));
                return api.Write(
                    req, caller, 201, [&](const CommandContext& ctx) { return webhooks.Register(ctx, command); },
                    [&](SqlConnection& sql, const std::string&, const commands::CommandOutcome& outcome) {
                      return WithIntegrations(sql, [&](const std::string& schema) {
                        auto row = integrations::GetWebhook(sql, schema, caller.tenant_id, outcome.id);
                        if (!row) return DbError(row.error());
                        if (!*row) return NotFound("webhook");
                        auto json = integrations::ToJson(**row);
                        json["secret"] = command.secret;
                        return JsonResponse(200, json);
                      });
                    },
                    {{"secret", command.secret}});
              }});

  router.Add({"GET", "/v1/integrations/webhooks", Auth::kTenant, "List webhook endpoints, newest first", 200, "",
              "WebhookPage", [&api](const HttpRequest& req, const Caller& caller) {
                auto page = ParsePage(req);
                if (!page) return page.error();
                return api.Read(req, [&](SqlConnection& sql, const std::string&) {
                  return WithIntegrations(sql, [&](const std::string& schema) {
                    auto rows = integrations::ListWebhooks(sql, schema, caller.tenant_id, page->limit, page->offset);
                    if (!rows) return DbError(rows.error());
                    return JsonResponse(200, integrations::ToJson(*rows));
                  });
                });
              }});

  router.Add({"DELETE", "/v1/integrations/webhooks/:id", Auth::kTenant,
              "Delete a webhook endpoint; pending deliveries to it are dropped", 204, "", "",
              [&api, &webhooks](const HttpRequest& req, const Caller& caller) {
                const auto& id = req.params.at("id");
                if (auto bad = CheckId(id)) return *bad;
                return api.Write(
                    req, caller, 204, [&](const CommandContext& ctx) { return webhooks.Delete(ctx, id); },
                    [](SqlConnection&, const std::string&, const commands::CommandOutcome&) {
                      HttpResponse none;
                      none.status = 204;
                      return none;
                    });
              }});

  router.Add({"GET", "/v1/integrations/webhooks/:id/deliveries", Auth::kTenant,
              "A webhook's delivery attempts, newest first (failed, succeeded, dead_lettered)", 200, "",
              "WebhookDeliveryPage", [&api](const HttpRequest& req, const Caller& caller) {
                const auto& id = req.params.at("id");
                if (auto bad = CheckId(id)) return *bad;
                auto page = ParsePage(req);
                if (!page) return page.error();
                return api.Read(req, [&](SqlConnection& sql, const std::string&) {
                  return WithIntegrations(sql, [&](const std::string& schema) {
                    auto webhook = integrations::GetWebhook(sql, schema, caller.tenant_id, id);
                    if (!webhook) return DbError(webhook.error());
                    if (!*webhook) return NotFound("webhook");
                    auto rows =
                        integrations::ListDeliveries(sql, schema, caller.tenant_id, id, page->limit, page->offset);
                    if (!rows) return DbError(rows.error());
                    return JsonResponse(200, integrations::ToJson(*rows));
                  });
                });
              }});
}

}  // namespace switchboard::api
