// JSON forms of the configuration value types (domain/EVENTS.md): business hours
// {"mon": {"open": "08:00", "close": "17:00"}, …, "sun": null}, services
// [{"name", "price_cents", "duration_minutes"}] and a whole TenantConfig. Shared by the event
// codecs and the HTTP layer. The *FromJson functions check types AND domain rules, never throw,
// and name `field` in every rejection; the *ShapeFromJson ones check types only (for stored events,
// which must stay readable even if a rule is tightened later).
#pragma once

#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/tenant.h"
#include "domain/values.h"

namespace switchboard::domain {

nlohmann::json ToJson(const BusinessHours& hours);
nlohmann::json ToJson(const Service& service);
nlohmann::json ToJson(const std::vector<Service>& services);
nlohmann::json ToJson(const TenantConfig& config);  // {name, timezone, business_hours, services, default_reminder_hours}

// An object with keys among mon..sun (a missing or null day is closed); each open day is
// {"open": "HH:MM", "close": "HH:MM"} with "24:00" allowed as a close.
Result<BusinessHours, Rejection> BusinessHoursFromJson(const nlohmann::json& json,
                                                       std::string_view field = "business_hours");
// An array of {"name": string, "price_cents": integer (default 0), "duration_minutes": integer (default 60)}.
Result<std::vector<Service>, Rejection> ServicesFromJson(const nlohmann::json& json,
                                                         std::string_view field = "services");
// All five keys; validated with NormalizeTenantConfig (fields "name", "timezone", …).
Result<TenantConfig, Rejection> TenantConfigFromJson(const nlohmann::json& json);

Result<BusinessHours, Rejection> BusinessHoursShapeFromJson(const nlohmann::json& json,
                                                            std::string_view field = "business_hours");
Result<std::vector<Service>, Rejection> ServicesShapeFromJson(const nlohmann::json& json,
                                                              std::string_view field = "services");
Result<TenantConfig, Rejection> TenantConfigShapeFromJson(const nlohmann::json& json);

}  // namespace switchboard::domain
