// Liveness, readiness, metrics and the API description.
#include "api/system_routes.h"

#include "api/openapi.h"
#include "api/routes.h"

namespace switchboard::api {

void AddSystemRoutes(Router& router, Metrics& metrics, std::vector<ReadinessCheck> checks) {
  router.Add({"GET", "/healthz", Auth::kNone, "Liveness: the process serves requests", 200, "", "",
              [](const HttpRequest&, const Caller&) { return JsonResponse(200, {{"status", "ok"}}); }});

  router.Add({"GET", "/readyz", Auth::kNone, "Readiness: event log, PostgreSQL and projection lag", 200, "", "",
              [checks = std::move(checks)](const HttpRequest&, const Caller&) {
                nlohmann::json results = nlohmann::json::object();
                bool ready = true;
                for (const auto& check : checks) {
                  const auto failure = check.failure();
                  results[check.name] = failure ? *failure : "ok";
                  ready = ready && !failure;
                }
                return JsonResponse(ready ? 200 : 503,
                                    {{"status", ready ? "ready" : "not_ready"}, {"checks", results}});
              }});

  router.Add({"GET", "/metrics", Auth::kNone, "Prometheus metrics (JSON with Accept: application/json)", 200, "", "",
              [&metrics](const HttpRequest& req, const Caller&) {
                if (req.Header("accept").value_or("").find("application/json") != std::string::npos) {
                  return JsonResponse(200, metrics.Json());
                }
                HttpResponse r;
                r.content_type = "text/plain; version=0.0.4";
                r.body = metrics.PrometheusText();
                return r;
              }});

  router.Add({"GET", "/openapi.json", Auth::kNone, "This API's OpenAPI document", 200, "", "",
              [&router](const HttpRequest&, const Caller&) { return JsonResponse(200, OpenApiDocument(router)); }});
}

}  // namespace switchboard::api
