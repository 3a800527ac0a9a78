// Route registration, one function per API area; each adds its routes to the router.
#pragma once

#include <vector>

#include "api/api_context.h"
#include "api/router.h"
#include "projections/projection.h"

namespace switchboard::api {

void AddAdminRoutes(Router& router, ApiContext& api);
void AddCustomerRoutes(Router& router, ApiContext& api);
void AddAppointmentRoutes(Router& router, ApiContext& api);
// /v1/admin/dead-letters; a retry re-applies an event to the projection of its name in `projections`
// (which must outlive the router).
void AddDeadLetterRoutes(Router& router, ApiContext& api, std::vector<projections::Projection*> projections);

// Helpers shared by the route files.
HttpResponse JsonResponse(int status, const nlohmann::json& body);
// 400 naming `field` unless `id` is a UUID.
std::optional<HttpResponse> CheckId(const std::string& id, const std::string& field = "id");

}  // namespace switchboard::api
