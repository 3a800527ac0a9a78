// CustomerService: customer commands, keeping "one customer per phone per tenant" through the
// phone-claim stream appended in the same atomic append. Thread-safe.
#pragma once

#include "commands/tenant_service.h"
#include "domain/customer.h"

namespace switchboard::commands {

class CustomerService {
 public:
  CustomerService(CommandPipeline& pipeline, TenantService& tenants) : pipeline_(pipeline), tenants_(tenants) {}

  Result<CommandOutcome, CommandError> Create(const CommandContext& context, const domain::CreateCustomer& command);
  // Any customer command other than create, on an existing customer.
  Result<CommandOutcome, CommandError> Execute(const CommandContext& context, const std::string& customer_id,
                                               const std::vector<domain::CustomerCommand>& commands);

  Result<Loaded<domain::Customer>, CommandError> Load(const std::string& tenant_id, const std::string& customer_id);

 private:
  Result<CommandOutcome, CommandError> Run(const CommandContext& context, const std::string& customer_id,
                                           const std::vector<domain::CustomerCommand>& commands);

  CommandPipeline& pipeline_;
  TenantService& tenants_;
};

std::string CustomerStream(const std::string& customer_id);

}  // namespace switchboard::commands
