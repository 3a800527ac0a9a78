// Tenant commands through the pipeline.
#include "commands/tenant_service.h"

#include "domain/codec/tenant_codec.h"

namespace switchboard::commands {

std::string TenantStream(const std::string& tenant_id) { return "tenant-" + tenant_id; }

Result<Loaded<domain::Tenant>, CommandError> TenantService::Load(const std::string& tenant_id) {
  return pipeline_.Load<domain::Tenant>(tenant_id, TenantStream(tenant_id), domain::DecodeTenantEvent,
                                        domain::TenantFromSnapshot);
}

Result<CommandOutcome, CommandError> TenantService::Execute(const CommandContext& context,
                                                           const domain::TenantCommand& command) {
  return pipeline_.Run(context, TenantStream(context.tenant_id), [&]() -> Result<Plan, CommandError> {
    auto loaded = Load(context.tenant_id);
    if (!loaded) return MakeErr(loaded.error());
    auto events = domain::Decide(loaded->state, command);
    if (!events) return MakeErr(Rejected(events.error()));
    PlannedStream planned;
    planned.append.stream = TenantStream(context.tenant_id);
    planned.append.expected = ExpectedVersion::Exact(loaded->version);
    domain::Tenant after = loaded->state;
    for (const auto& e : *events) {
      auto encoded = domain::Encode(e);
      planned.append.events.push_back(pipeline_.Envelope(context, encoded.type, encoded.schema_version, encoded.data));
      after = domain::Evolve(std::move(after), e);
    }
    const auto new_version = loaded->version + static_cast<std::int64_t>(events->size());
    if (CommandPipeline::SnapshotDue(loaded->snapshot_version, new_version)) {
      planned.snapshot = domain::ToSnapshot(after);
    }
    return Plan{context.tenant_id, {std::move(planned)}};
  });
}

Result<CommandOutcome, CommandError> TenantService::Create(const CommandContext& context, const NewTenant& tenant) {
  domain::CreateTenant command{tenant.tenant_id, tenant.config, Sha256Hex(tenant.api_key),
                               Sha256Hex(tenant.widget_token), Sha256Hex(tenant.owner_token)};
  return Execute(context, command);
}

Result<CommandOutcome, CommandError> TenantService::Configure(const CommandContext& context,
                                                             const domain::ConfigureTenant& change) {
  return Execute(context, change);
}

Result<CommandOutcome, CommandError> TenantService::RotateApiKey(const CommandContext& context,
                                                                const std::string& api_key) {
  return Execute(context, domain::RotateTenantApiKey{Sha256Hex(api_key)});
}

Result<CommandOutcome, CommandError> TenantService::RotateWidgetToken(const CommandContext& context,
                                                                     const std::string& token) {
  return Execute(context, domain::RotateTenantWidgetToken{Sha256Hex(token)});
}

Result<CommandOutcome, CommandError> TenantService::RotateOwnerToken(const CommandContext& context,
                                                                    const std::string& token) {
  return Execute(context, domain::RotateTenantOwnerToken{Sha256Hex(token)});
}

Result<CommandOutcome, CommandError> TenantService::Suspend(const CommandContext& context, const std::string& reason) {
  return Execute(context, domain::SuspendTenant{reason});
}

Result<CommandOutcome, CommandError> TenantService::Reactivate(const CommandContext& context) {
  return Execute(context, domain::ReactivateTenant{});
}

Result<Loaded<domain::Tenant>, CommandError> LoadActiveTenant(TenantService& tenants, const std::string& tenant_id) {
  auto loaded = tenants.Load(tenant_id);
  if (!loaded) return MakeErr(loaded.error());
  using Code = domain::Rejection::Code;
  if (loaded->state.status == domain::TenantStatus::kNone) {
    return MakeErr(Rejected({Code::kNotFound, "tenant_id", "tenant not found", ""}));
  }
  if (loaded->state.status == domain::TenantStatus::kSuspended) {
    return MakeErr(Rejected({Code::kSuspended, "", "the tenant is suspended", ""}));
  }
  return loaded;
}

}  // namespace switchboard::commands
