// JSON forms of business hours, services and tenant configuration (see values_json.h).
#include "domain/codec/values_json.h"

#include "domain/codec/json_reader.h"

namespace switchboard::domain {

nlohmann::json ToJson(const BusinessHours& hours) {
  nlohmann::json out = nlohmann::json::object();
  for (std::size_t i = 0; i < hours.days.size(); ++i) {
    const auto& d = hours.days[i];
    out[std::string(kWeekdayKeys[i])] =
        d ? nlohmann::json{{"open", FormatClockMinute(d->open_minute)}, {"close", FormatClockMinute(d->close_minute)}}
          : nlohmann::json(nullptr);
  }
  return out;
}

nlohmann::json ToJson(const Service& s) {
  return {{"name", s.name}, {"price_cents", s.price_cents}, {"duration_minutes", s.duration_minutes}};
}

nlohmann::json ToJson(const std::vector<Service>& services) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& s : services) out.push_back(ToJson(s));
  return out;
}

nlohmann::json ToJson(const TenantConfig& c) {
  return {{"name", c.name},
          {"timezone", c.timezone},
          {"business_hours", ToJson(c.business_hours)},
          {"services", ToJson(c.services)},
          {"default_reminder_hours", c.default_reminder_hours}};
}

Result<BusinessHours, Rejection> BusinessHoursShapeFromJson(const nlohmann::json& json, std::string_view field) {
  const std::string f(field);
  if (!json.is_object()) return MakeErr(Invalid(f, f + " must be an object with keys mon..sun"));
  BusinessHours hours;
  for (const auto& [key, value] : json.items()) {
    std::size_t index = kWeekdayKeys.size();
    for (std::size_t i = 0; i < kWeekdayKeys.size(); ++i) {
      if (kWeekdayKeys[i] == key) index = i;
    }
    if (index == kWeekdayKeys.size()) return MakeErr(Invalid(f, "unknown day \"" + key + "\"; use mon..sun"));
    if (value.is_null()) continue;
    const auto bad = [&] {
      return MakeErr(Invalid(f, key + " must be null or {\"open\": \"HH:MM\", \"close\": \"HH:MM\"}"));
    };
    if (!value.is_object() || value.size() != 2) return bad();
    auto open = value.find("open");
    auto close = value.find("close");
    if (open == value.end() || close == value.end() || !open->is_string() || !close->is_string()) return bad();
    auto open_minute = ParseClockMinute(open->get_ref<const std::string&>());
    auto close_minute = ParseClockMinute(close->get_ref<const std::string&>());
    if (!open_minute || !close_minute) return bad();
    hours.days[index] = DayHours{*open_minute, *close_minute};
  }
  return hours;
}

Result<BusinessHours, Rejection> BusinessHoursFromJson(const nlohmann::json& json, std::string_view field) {
  auto hours = BusinessHoursShapeFromJson(json, field);
  if (!hours) return hours;
  if (auto r = ValidateBusinessHours(*hours, field); !r) return MakeErr(r.error());
  return hours;
}

Result<std::vector<Service>, Rejection> ServicesShapeFromJson(const nlohmann::json& json, std::string_view field) {
  const std::string f(field);
  if (!json.is_array()) return MakeErr(Invalid(f, f + " must be an array"));
  std::vector<Service> services;
  for (const auto& item : json) {
    const auto bad = [&] {
      return MakeErr(Invalid(f, "each service must be {\"name\": string, \"price_cents\": integer, "
                                "\"duration_minutes\": integer}"));
    };
    if (!item.is_object()) return bad();
    Service s;
    auto name = item.find("name");
    if (name == item.end() || !name->is_string()) return bad();
    s.name = name->get<std::string>();
    if (auto price = item.find("price_cents"); price != item.end()) {
      auto v = AsInt64(*price);
      if (!v) return bad();
      s.price_cents = *v;
    }
    if (auto duration = item.find("duration_minutes"); duration != item.end()) {
      auto v = AsInt64(*duration);
      if (!v || *v < 0 || *v > 1'000'000) return bad();
      s.duration_minutes = static_cast<int>(*v);
    }
    services.push_back(std::move(s));
  }
  return services;
}

Result<std::vector<Service>, Rejection> ServicesFromJson(const nlohmann::json& json, std::string_view field) {
  auto services = ServicesShapeFromJson(json, field);
  if (!services) return services;
  return NormalizeServices(*services, field);
}

Result<TenantConfig, Rejection> TenantConfigShapeFromJson(const nlohmann::json& json) {
  JsonReader r(json, "config");
  TenantConfig c;
  c.name = r.String("name");
  c.timezone = r.String("timezone");
  const nlohmann::json* hours = r.Raw("business_hours");
  const nlohmann::json* services = r.Raw("services");
  c.default_reminder_hours = r.Int("default_reminder_hours");
  if (!r.ok()) return MakeErr(r.error());
  auto h = BusinessHoursShapeFromJson(*hours);
  if (!h) return MakeErr(std::move(h).error());
  c.business_hours = *h;
  auto s = ServicesShapeFromJson(*services);
  if (!s) return MakeErr(std::move(s).error());
  c.services = std::move(*s);
  return c;
}

Result<TenantConfig, Rejection> TenantConfigFromJson(const nlohmann::json& json) {
  auto config = TenantConfigShapeFromJson(json);
  if (!config) return config;
  return NormalizeTenantConfig(*config);
}

}  // namespace switchboard::domain
