// /v1/integrations/webhooks: outbound webhook endpoints of the authenticated tenant and their
// delivery attempts. Registered by the composition root next to the other route areas.
#pragma once

#include "api/api_context.h"
#include "api/router.h"
#include "commands/webhooks/webhook_service.h"

namespace switchboard::api {

// `webhooks` must outlive the router.
void AddIntegrationRoutes(Router& router, ApiContext& api, commands::webhooks::WebhookService& webhooks);

}  // namespace switchboard::api
