// Tenant aggregate (stream "tenant-<id>"): a business using Switchboard, its configuration and
// the hashes of its credentials. Decide validates a command against the state and returns the
// events to append (possibly none) or a Rejection; Evolve applies one event. Both are pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "domain/values.h"

namespace switchboard::domain {

struct TenantConfig {
  std::string name;
  std::string timezone = "UTC";
  BusinessHours business_hours;
  std::vector<Service> services;
  int default_reminder_hours = 24;
  friend bool operator==(const TenantConfig&, const TenantConfig&) = default;
};

enum class TenantStatus { kNone, kActive, kSuspended };
std::string_view ToString(TenantStatus status);  // "none", "active", "suspended"
std::optional<TenantStatus> TenantStatusFromString(std::string_view s);

struct Tenant {
  std::string id;
  TenantStatus status = TenantStatus::kNone;
  TenantConfig config;
  std::string api_key_hash, widget_token_hash, owner_token_hash;
  friend bool operator==(const Tenant&, const Tenant&) = default;
};

// Commands. Hashes are lowercase hex SHA-256 (64 characters); secrets never reach the domain.
struct CreateTenant {
  std::string tenant_id;
  TenantConfig config;
  std::string api_key_hash, widget_token_hash, owner_token_hash;
};
// Only the fields present change; the rest of the configuration stays.
struct ConfigureTenant {
  std::optional<std::string> name, timezone;
  std::optional<BusinessHours> business_hours;
  std::optional<std::vector<Service>> services;
  std::optional<int> default_reminder_hours;
};
struct RotateTenantApiKey { std::string api_key_hash; };
struct RotateTenantWidgetToken { std::string widget_token_hash; };
struct RotateTenantOwnerToken { std::string owner_token_hash; };
struct SuspendTenant { std::string reason; };
struct ReactivateTenant {};

using TenantCommand = std::variant<CreateTenant, ConfigureTenant, RotateTenantApiKey, RotateTenantWidgetToken,
                                   RotateTenantOwnerToken, SuspendTenant, ReactivateTenant>;

// Events (data per domain/EVENTS.md; kType is the envelope's "type").
struct TenantCreated {
  static constexpr std::string_view kType = "TenantCreated";
  std::string tenant_id;
  TenantConfig config;
  std::string api_key_hash, widget_token_hash, owner_token_hash;
  friend bool operator==(const TenantCreated&, const TenantCreated&) = default;
};
struct TenantConfigured {  // the whole configuration after the change
  static constexpr std::string_view kType = "TenantConfigured";
  TenantConfig config;
  friend bool operator==(const TenantConfigured&, const TenantConfigured&) = default;
};
struct TenantApiKeyRotated {
  static constexpr std::string_view kType = "TenantApiKeyRotated";
  std::string api_key_hash;
  friend bool operator==(const TenantApiKeyRotated&, const TenantApiKeyRotated&) = default;
};
struct TenantWidgetTokenRotated {
  static constexpr std::string_view kType = "TenantWidgetTokenRotated";
  std::string widget_token_hash;
  friend bool operator==(const TenantWidgetTokenRotated&, const TenantWidgetTokenRotated&) = default;
};
struct TenantOwnerTokenRotated {
  static constexpr std::string_view kType = "TenantOwnerTokenRotated";
  std::string owner_token_hash;
  friend bool operator==(const TenantOwnerTokenRotated&, const TenantOwnerTokenRotated&) = default;
};
struct TenantSuspended {
  static constexpr std::string_view kType = "TenantSuspended";
  std::string reason;
  friend bool operator==(const TenantSuspended&, const TenantSuspended&) = default;
};
struct TenantReactivated {
  static constexpr std::string_view kType = "TenantReactivated";
  friend bool operator==(const TenantReactivated&, const TenantReactivated&) = default;
};

using TenantEvent = std::variant<TenantCreated, TenantConfigured, TenantApiKeyRotated, TenantWidgetTokenRotated,
                                 TenantOwnerTokenRotated, TenantSuspended, TenantReactivated>;

// Validation of a whole configuration: name 1..200 after trim ("name"), IANA timezone
// ("timezone"), business hours ("business_hours"), services ("services"), reminder hours
// 0..168 ("default_reminder_hours"). Returns the normalized (trimmed) configuration.
Result<TenantConfig, Rejection> NormalizeTenantConfig(const TenantConfig& config);

// Create on an existing tenant: kAlreadyExists. Anything else on a missing tenant: kNotFound.
// Suspended tenants reject Configure (kSuspended) but accept Rotate* and Reactivate. Suspend on a
// suspended / Reactivate on an active tenant: kIllegalTransition. A Configure or Rotate that
// changes nothing yields no event.
Result<std::vector<TenantEvent>, Rejection> Decide(const Tenant& state, const TenantCommand& command);
Tenant Evolve(Tenant state, const TenantEvent& event);
Tenant Fold(const std::vector<TenantEvent>& events);

}  // namespace switchboard::domain
