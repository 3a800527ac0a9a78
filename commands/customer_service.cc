// Customer commands; a phone change releases the old claim and takes the new one atomically.
#include "commands/customer_service.h"

#include "domain/codec/customer_codec.h"
#include "domain/codec/phone_claim_codec.h"
#include "domain/phone_claim.h"

namespace switchboard::commands {
namespace {

std::string PhoneStream(const std::string& e164) { return "customer-phone-" + e164; }

}  // namespace

std::string CustomerStream(const std::string& customer_id) { return "customer-" + customer_id; }

Result<Loaded<domain::Customer>, CommandError> CustomerService::Load(const std::string& tenant_id,
                                                                    const std::string& customer_id) {
  return pipeline_.Load<domain::Customer>(tenant_id, CustomerStream(customer_id), domain::DecodeCustomerEvent,
                                          domain::CustomerFromSnapshot);
}

Result<CommandOutcome, CommandError> CustomerService::Create(const CommandContext& context,
                                                            const domain::CreateCustomer& command) {
  return Run(context, command.customer_id, {command});
}

Result<CommandOutcome, CommandError> CustomerService::Execute(const CommandContext& context,
                                                             const std::string& customer_id,
                                                             const std::vector<domain::CustomerCommand>& commands) {
  return Run(context, customer_id, commands);
}

Result<CommandOutcome, CommandError> CustomerService::Run(const CommandContext& context,
                                                         const std::string& customer_id,
                                                         const std::vector<domain::CustomerCommand>& commands) {
  return pipeline_.Run(context, CustomerStream(customer_id), [&]() -> Result<Plan, CommandError> {
    if (auto tenant = LoadActiveTenant(tenants_, context.tenant_id); !tenant) return MakeErr(tenant.error());
    auto loaded = Load(context.tenant_id, customer_id);
    if (!loaded) return MakeErr(loaded.error());

    PlannedStream customer;
    customer.append.stream = CustomerStream(customer_id);
    customer.append.expected = ExpectedVersion::Exact(loaded->version);
    domain::Customer after = loaded->state;
    for (const auto& command : commands) {
      auto events = domain::Decide(after, command);
      if (!events) return MakeErr(Rejected(events.error()));
      for (const auto& e : *events) {
        auto encoded = domain::Encode(e);
        customer.append.events.push_back(
            pipeline_.Envelope(context, encoded.type, encoded.schema_version, encoded.data));
        after = domain::Evolve(std::move(after), e);
      }
    }
    const auto new_version = loaded->version + static_cast<std::int64_t>(customer.append.events.size());
    if (CommandPipeline::SnapshotDue(loaded->snapshot_version, new_version)) {
      customer.snapshot = domain::ToSnapshot(after);
    }

    Plan plan{customer_id, {std::move(customer)}};
    if (after.phone == loaded->state.phone) return plan;

    // The phone changed: release the old claim, take the new one, in the same append.
    auto claim_change = [&](const std::string& phone, const domain::PhoneClaimCommand& command) -> Result<void, CommandError> {
      auto claim = pipeline_.Load<domain::PhoneClaim>(context.tenant_id, PhoneStream(phone),
                                                      domain::DecodePhoneClaimEvent, domain::PhoneClaimFromSnapshot);
      if (!claim) return MakeErr(claim.error());
      auto events = domain::Decide(claim->state, command);
      if (!events) return MakeErr(Rejected(events.error()));
      PlannedStream planned;
      planned.append.stream = PhoneStream(phone);
      planned.append.expected = ExpectedVersion::Exact(claim->version);
      for (const auto& e : *events) {
        auto encoded = domain::Encode(e);
        planned.append.events.push_back(pipeline_.Envelope(context, encoded.type, encoded.schema_version, encoded.data));
      }
      plan.streams.push_back(std::move(planned));
      return {};
    };
    if (!loaded->state.phone.empty()) {
      auto r = claim_change(loaded->state.phone, domain::ReleasePhone{loaded->state.phone, customer_id});
      if (!r) return MakeErr(r.error());
    }
    if (!after.phone.empty()) {
      auto r = claim_change(after.phone, domain::ClaimPhone{after.phone, customer_id});
      if (!r) return MakeErr(r.error());
    }
    return plan;
  });
}

}  // namespace switchboard::commands
