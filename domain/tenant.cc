// Tenant decider and evolver (rules in tenant.h). One named overload per command and per event.
#include "domain/tenant.h"

#include "domain/fold.h"

namespace switchboard::domain {
namespace {

using Events = std::vector<TenantEvent>;
using Decision = Result<Events, Rejection>;

Result<void, Rejection> ValidateHash(std::string_view field, const std::string& hash) {
  bool ok = hash.size() == 64;
  for (char c : hash) ok = ok && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
  if (!ok) return MakeErr(Invalid(std::string(field), std::string(field) + " must be a lowercase hex SHA-256"));
  return {};
}

Decision RequireExisting(const Tenant& t) {
  if (t.status == TenantStatus::kNone) return MakeErr(NotFound("tenant not found"));
  return Events{};
}

Decision DecideOn(const Tenant& t, const CreateTenant& c) {
  if (t.status != TenantStatus::kNone) {
    return MakeErr(AlreadyExists("tenant_id", "a tenant with this id already exists", t.id));
  }
  if (auto r = ValidateId("tenant_id", c.tenant_id); !r) return MakeErr(r.error());
  auto config = NormalizeTenantConfig(c.config);
  if (!config) return MakeErr(std::move(config).error());
  for (auto [field, hash] : {std::pair<std::string_view, const std::string*>{"api_key_hash", &c.api_key_hash},
                             {"widget_token_hash", &c.widget_token_hash},
                             {"owner_token_hash", &c.owner_token_hash}}) {
    if (auto r = ValidateHash(field, *hash); !r) return MakeErr(r.error());
  }
  return Events{TenantCreated{c.tenant_id, std::move(*config), c.api_key_hash, c.widget_token_hash,
                              c.owner_token_hash}};
}

Decision DecideOn(const Tenant& t, const ConfigureTenant& c) {
  if (auto r = RequireExisting(t); !r) return r;
  if (t.status == TenantStatus::kSuspended) return MakeErr(Suspended("a suspended tenant cannot be configured"));
  TenantConfig next = t.config;
  if (c.name) next.name = *c.name;
  if (c.timezone) next.timezone = *c.timezone;
  if (c.business_hours) next.business_hours = *c.business_hours;
  if (c.services) next.services = *c.services;
  if (c.default_reminder_hours) next.default_reminder_hours = *c.default_reminder_hours;
  auto config = NormalizeTenantConfig(next);
  if (!config) return MakeErr(std::move(config).error());
  if (*config == t.config) return Events{};
  return Events{TenantConfigured{std::move(*config)}};
}

// The three rotations share one shape: validate the new hash, no event if it is the same.
template <class Event>
Decision Rotate(const Tenant& t, std::string_view field, const std::string& current, const std::string& next) {
  if (auto r = RequireExisting(t); !r) return r;
  if (auto r = ValidateHash(field, next); !r) return MakeErr(r.error());
  if (next == current) return Events{};
  return Events{Event{next}};
}

Decision DecideOn(const Tenant& t, const RotateTenantApiKey& c) {
  return Rotate<TenantApiKeyRotated>(t, "api_key_hash", t.api_key_hash, c.api_key_hash);
}
Decision DecideOn(const Tenant& t, const RotateTenantWidgetToken& c) {
  return Rotate<TenantWidgetTokenRotated>(t, "widget_token_hash", t.widget_token_hash, c.widget_token_hash);
}
Decision DecideOn(const Tenant& t, const RotateTenantOwnerToken& c) {
  return Rotate<TenantOwnerTokenRotated>(t, "owner_token_hash", t.owner_token_hash, c.owner_token_hash);
}

Decision DecideOn(const Tenant& t, const SuspendTenant& c) {
  if (auto r = RequireExisting(t); !r) return r;
  if (t.status == TenantStatus::kSuspended) return MakeErr(IllegalTransition("the tenant is already suspended"));
  auto reason = ValidateText("reason", c.reason, 0, 500, Lines::kMulti);
  if (!reason) return MakeErr(std::move(reason).error());
  return Events{TenantSuspended{std::move(*reason)}};
}

Decision DecideOn(const Tenant& t, const ReactivateTenant&) {
  if (auto r = RequireExisting(t); !r) return r;
  if (t.status == TenantStatus::kActive) return MakeErr(IllegalTransition("the tenant is already active"));
  return Events{TenantReactivated{}};
}

Tenant Apply(Tenant t, const TenantCreated& e) {
  t.id = e.tenant_id;
  t.status = TenantStatus::kActive;
  t.config = e.config;
  t.api_key_hash = e.api_key_hash;
  t.widget_token_hash = e.widget_token_hash;
  t.owner_token_hash = e.owner_token_hash;
  return t;
}
Tenant Apply(Tenant t, const TenantConfigured& e) {
  t.config = e.config;
  return t;
}
Tenant Apply(Tenant t, const TenantApiKeyRotated& e) {
  t.api_key_hash = e.api_key_hash;
  return t;
}
Tenant Apply(Tenant t, const TenantWidgetTokenRotated& e) {
  t.widget_token_hash = e.widget_token_hash;
  return t;
}
Tenant Apply(Tenant t, const TenantOwnerTokenRotated& e) {
  t.owner_token_hash = e.owner_token_hash;
  return t;
}
Tenant Apply(Tenant t, const TenantSuspended&) {
  t.status = TenantStatus::kSuspended;
  return t;
}
Tenant Apply(Tenant t, const TenantReactivated&) {
  t.status = TenantStatus::kActive;
  return t;
}

}  // namespace

std::string_view ToString(TenantStatus status) {
  switch (status) {
    case TenantStatus::kNone: return "none";
    case TenantStatus::kActive: return "active";
    case TenantStatus::kSuspended: return "suspended";
  }
  return "none";
}

std::optional<TenantStatus> TenantStatusFromString(std::string_view s) {
  for (auto st : {TenantStatus::kNone, TenantStatus::kActive, TenantStatus::kSuspended}) {
    if (ToString(st) == s) return st;
  }
  return std::nullopt;
}

Result<TenantConfig, Rejection> NormalizeTenantConfig(const TenantConfig& config) {
  auto name = ValidateText("name", config.name, 1, 200);
  if (!name) return MakeErr(std::move(name).error());
  if (!IsValidTimezone(config.timezone)) {
    return MakeErr(Invalid("timezone", "timezone must be an IANA time zone such as America/New_York"));
  }
  if (auto r = ValidateBusinessHours(config.business_hours); !r) return MakeErr(r.error());
  auto services = NormalizeServices(config.services);
  if (!services) return MakeErr(std::move(services).error());
  if (config.default_reminder_hours < 0 || config.default_reminder_hours > 168) {
    return MakeErr(Invalid("default_reminder_hours", "default_reminder_hours must be between 0 and 168"));
  }
  return TenantConfig{std::move(*name), config.timezone, config.business_hours, std::move(*services),
                      config.default_reminder_hours};
}

Result<std::vector<TenantEvent>, Rejection> Decide(const Tenant& state, const TenantCommand& command) {
  return std::visit([&](const auto& c) { return DecideOn(state, c); }, command);
}

Tenant Evolve(Tenant state, const TenantEvent& event) {
  return std::visit([&](const auto& e) { return Apply(std::move(state), e); }, event);
}

Tenant Fold(const std::vector<TenantEvent>& events) { return FoldEvents(Tenant{}, events); }

}  // namespace switchboard::domain
