// Operational routes: /healthz, /readyz, /metrics and /openapi.json.
#pragma once

#include <functional>

#include "api/metrics.h"
#include "api/router.h"

namespace switchboard::api {

struct ReadinessCheck {
  std::string name;
  std::function<std::optional<std::string>()> failure;  // nullopt when healthy, else why not
};

// Adds the routes; /openapi.json reflects every route added to `router` before or after.
void AddSystemRoutes(Router& router, Metrics& metrics, std::vector<ReadinessCheck> checks);

}  // namespace switchboard::api
