// WebhookService: webhook endpoint commands (register, delete) for the API, and the delivery facts
// the dispatcher records (attempted, succeeded, dead-lettered), all through the CommandPipeline on
// the stream "webhook-<id>". Thread-safe.
#pragma once

#include <string>

#include "commands/command_pipeline.h"
#include "commands/tenant_service.h"
#include "domain/webhook.h"

namespace switchboard::commands::webhooks {

class WebhookService {
 public:
  WebhookService(CommandPipeline& pipeline, TenantService& tenants) : pipeline_(pipeline), tenants_(tenants) {}

  // Needs an active tenant.
  Result<CommandOutcome, CommandError> Register(const CommandContext& context, const domain::RegisterWebhook& command);
  Result<CommandOutcome, CommandError> Delete(const CommandContext& context, const std::string& webhook_id);

  // A delivery fact (RecordWebhookDelivery*) about event `causation_event_id`; recorded whatever
  // the tenant's status, because it already happened. The context's idempotency key makes a
  // repeat after a crash a no-op.
  Result<CommandOutcome, CommandError> Record(const CommandContext& context, const std::string& webhook_id,
                                              const domain::WebhookCommand& fact,
                                              const std::string& causation_event_id);

  Result<Loaded<domain::WebhookEndpoint>, CommandError> Load(const std::string& tenant_id,
                                                             const std::string& webhook_id);

 private:
  Result<CommandOutcome, CommandError> Run(const CommandContext& context, const std::string& webhook_id,
                                           const domain::WebhookCommand& command, bool needs_active_tenant,
                                           const std::string& causation_event_id);

  CommandPipeline& pipeline_;
  TenantService& tenants_;
};

std::string WebhookStream(const std::string& webhook_id);

}  // namespace switchboard::commands::webhooks
