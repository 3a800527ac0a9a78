// TenantService: tenant lifecycle commands (seed 000 admin). Secrets arrive in plaintext, are
// hashed here and only their hashes enter events. Thread-safe.
#pragma once

#include "commands/command_pipeline.h"
#include "domain/tenant.h"

namespace switchboard::commands {

struct NewTenant {
  std::string tenant_id;
  domain::TenantConfig config;
  std::string api_key;  // plaintext, shown to the caller once
  std::string widget_token;
  std::string owner_token;
};

class TenantService {
 public:
  explicit TenantService(CommandPipeline& pipeline) : pipeline_(pipeline) {}

  Result<CommandOutcome, CommandError> Create(const CommandContext& context, const NewTenant& tenant);
  Result<CommandOutcome, CommandError> Configure(const CommandContext& context, const domain::ConfigureTenant& change);
  Result<CommandOutcome, CommandError> RotateApiKey(const CommandContext& context, const std::string& api_key);
  Result<CommandOutcome, CommandError> RotateWidgetToken(const CommandContext& context, const std::string& token);
  Result<CommandOutcome, CommandError> RotateOwnerToken(const CommandContext& context, const std::string& token);
  Result<CommandOutcome, CommandError> Suspend(const CommandContext& context, const std::string& reason);
  Result<CommandOutcome, CommandError> Reactivate(const CommandContext& context);

  // The tenant's current state (status kNone when it does not exist).
  Result<Loaded<domain::Tenant>, CommandError> Load(const std::string& tenant_id);

 private:
  Result<CommandOutcome, CommandError> Execute(const CommandContext& context, const domain::TenantCommand& command);

  CommandPipeline& pipeline_;
};

std::string TenantStream(const std::string& tenant_id);

// Loads the tenant and checks it may act: it exists and is not suspended.
Result<Loaded<domain::Tenant>, CommandError> LoadActiveTenant(TenantService& tenants, const std::string& tenant_id);

}  // namespace switchboard::commands
