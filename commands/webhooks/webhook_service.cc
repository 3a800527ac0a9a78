// Webhook commands over the pipeline (see webhook_service.h).
#include "commands/webhooks/webhook_service.h"

#include "domain/codec/webhook_codec.h"

namespace switchboard::commands::webhooks {

std::string WebhookStream(const std::string& webhook_id) { return "webhook-" + webhook_id; }

Result<Loaded<domain::WebhookEndpoint>, CommandError> WebhookService::Load(const std::string& tenant_id,
                                                                          const std::string& webhook_id) {
  return pipeline_.Load<domain::WebhookEndpoint>(tenant_id, WebhookStream(webhook_id), domain::DecodeWebhookEvent,
                                                 domain::WebhookEndpointFromSnapshot);
}

Result<CommandOutcome, CommandError> WebhookService::Register(const CommandContext& context,
                                                             const domain::RegisterWebhook& command) {
  return Run(context, command.webhook_id, command, true, "");
}

Result<CommandOutcome, CommandError> WebhookService::Delete(const CommandContext& context,
                                                           const std::string& webhook_id) {
  return Run(context, webhook_id, domain::DeleteWebhook{}, true, "");
}

Result<CommandOutcome, CommandError> WebhookService::Record(const CommandContext& context,
                                                           const std::string& webhook_id,
                                                           const domain::WebhookCommand& fact,
                                                           const std::string& causation_event_id) {
  return Run(context, webhook_id, fact, false, causation_event_id);
}

Result<CommandOutcome, CommandError> WebhookService::Run(const CommandContext& context, const std::string& webhook_id,
                                                        const domain::WebhookCommand& command,
                                                        bool needs_active_tenant,
                                                        const std::string& causation_event_id) {
  return pipeline_.Run(context, WebhookStream(webhook_id), [&]() -> Result<Plan, CommandError> {
    if (needs_active_tenant) {
      if (auto tenant = LoadActiveTenant(tenants_, context.tenant_id); !tenant) return MakeErr(tenant.error());
    }
    auto loaded = Load(context.tenant_id, webhook_id);
    if (!loaded) return MakeErr(loaded.error());
    auto events = domain::Decide(loaded->state, command);
    if (!events) return MakeErr(Rejected(events.error()));

    PlannedStream stream;
    stream.append.stream = WebhookStream(webhook_id);
    stream.append.expected = ExpectedVersion::Exact(loaded->version);
    domain::WebhookEndpoint after = loaded->state;
    for (const auto& e : *events) {
      auto encoded = domain::Encode(e);
      NewEvent envelope = pipeline_.Envelope(context, encoded.type, encoded.schema_version, encoded.data);
      envelope.causation_id = causation_event_id;
      stream.append.events.push_back(std::move(envelope));
      after = domain::Evolve(std::move(after), e);
    }
    // Delivery facts make this stream long-lived; snapshots keep its load short.
    const auto new_version = loaded->version + static_cast<std::int64_t>(stream.append.events.size());
    if (CommandPipeline::SnapshotDue(loaded->snapshot_version, new_version)) stream.snapshot = domain::ToSnapshot(after);
    return Plan{webhook_id, {std::move(stream)}};
  });
}

}  // namespace switchboard::commands::webhooks
