// Route table -> OpenAPI; component schemas describe the JSON shapes of api/ and projections/crm.
#include "api/openapi.h"

namespace switchboard::api {
namespace {

nlohmann::json Str() { return {{"type", "string"}}; }
nlohmann::json Int() { return {{"type", "integer"}}; }
nlohmann::json Bool() { return {{"type", "boolean"}}; }
nlohmann::json Time() { return {{"type", "string"}, {"format", "date-time"}}; }
nlohmann::json Strings() { return {{"type", "array"}, {"items", Str()}}; }
nlohmann::json Ref(const std::string& name) { return {{"$ref", "#/components/schemas/" + name}}; }
nlohmann::json Object(nlohmann::json properties, std::vector<std::string> required = {}) {
  nlohmann::json o = {{"type", "object"}, {"properties", std::move(properties)}, {"additionalProperties", false}};
  if (!required.empty()) o["required"] = required;
  return o;
}
nlohmann::json PageOf(const std::string& item) {
  return Object({{"data", {{"type", "array"}, {"items", Ref(item)}}}, {"total", Int()}, {"limit", Int()},
                 {"offset", Int()}});
}

nlohmann::json Schemas() {
  const nlohmann::json hours = {
      {"type", "object"},
      {"description", "keys mon..sun; a day is {open, close} as HH:MM in the business timezone, or null when closed"}};
  const nlohmann::json services = {
      {"type", "array"},
      {"items", Object({{"name", Str()}, {"price_cents", Int()}, {"duration_minutes", Int()}}, {"name"})}};
  nlohmann::json config = {{"name", Str()},           {"timezone", Str()},
                           {"business_hours", hours}, {"services", services},
                           {"default_reminder_hours", Int()}};
  nlohmann::json business = config;
  business["id"] = Str();
  business["status"] = {{"type", "string"}, {"enum", {"active", "suspended"}}};
  nlohmann::json with_secrets = business;
  with_secrets["api_key"] = Str();
  with_secrets["widget_token"] = Str();
  with_secrets["owner_token"] = Str();
  nlohmann::json patch = config;
  patch["status"] = {{"type", "string"}, {"enum", {"active", "suspended"}}};
  patch["suspend_reason"] = Str();

  nlohmann::json customer_fields = {{"name", Str()},  {"phone", Str()}, {"email", Str()},
                                    {"address", Str()}, {"zip", Str()},   {"tags", Strings()}};
  nlohmann::json customer = customer_fields;
  customer["id"] = Str();
  customer["sms_opt_out"] = Bool();
  customer["created_at"] = Time();
  nlohmann::json customer_patch = customer_fields;
  customer_patch["sms_opt_out"] = Bool();

  nlohmann::json appointment_fields = {{"service_type", Str()}, {"start_time", Time()},   {"end_time", Time()},
                                       {"address", Str()},      {"estimated_value_cents", Int()},
                                       {"is_emergency", Bool()}, {"tags", Strings()},     {"technician", Str()},
                                       {"notes", Str()}};
  nlohmann::json appointment_create = appointment_fields;
  appointment_create["customer_id"] = Str();
  nlohmann::json appointment = appointment_create;
  appointment["id"] = Str();
  appointment["status"] = {{"type", "string"}, {"enum", {"scheduled", "confirmed", "completed", "cancelled", "no_show"}}};
  appointment["actual_value_cents"] = {{"type", {"integer", "null"}}};
  appointment["cancel_reason"] = Str();
  appointment["created_at"] = Time();
  nlohmann::json appointment_patch = appointment_fields;
  appointment_patch["status"] = {{"type", "string"}, {"enum", {"confirmed", "cancelled", "completed", "no_show"}}};
  appointment_patch["cancel_reason"] = Str();
  appointment_patch["actual_value_cents"] = Int();

  // Outbound webhooks (api/integration_routes.cc): the secret appears only in the creation response.
  const nlohmann::json event_types = {{"type", "array"}, {"items", Str()},
                                      {"description", "event type names of domain/EVENTS.md, or [\"*\"] for all"}};
  nlohmann::json webhook_create = {{"url", Str()}, {"event_types", event_types}, {"secret", Str()}};
  nlohmann::json webhook = {{"id", Str()}, {"url", Str()}, {"event_types", event_types},
                            {"status", {{"type", "string"}, {"enum", {"active", "deleted"}}}},
                            {"created_at", Time()}};
  nlohmann::json webhook_with_secret = webhook;
  webhook_with_secret["secret"] = Str();
  nlohmann::json webhook_delivery = {
      {"webhook_id", Str()},  {"event_id", Str()},   {"event_type", Str()},
      {"attempt", Int()},     {"status", {{"type", "string"}, {"enum", {"failed", "succeeded", "dead_lettered"}}}},
      {"status_code", Int()}, {"error", Str()},      {"next_attempt_at", {{"type", {"string", "null"}}, {"format", "date-time"}}},
      {"at", Time()}};

  // Events parked by projections (api/dead_letter_routes.cc); envelope is the log's stored form.
  nlohmann::json dead_letter = {{"id", Str()},        {"projection", Str()}, {"partition", Int()},
                                {"event_offset", Int()}, {"event_id", Str()},  {"tenant_id", Str()},
                                {"stream", Str()},    {"type", Str()},       {"envelope", {{"type", {"object", "null"}}}},
                                {"error", Str()},     {"sqlstate", Str()},   {"attempts", Int()},
                                {"parked_at", Time()}, {"last_attempt_at", Time()}};
  nlohmann::json dead_letter_retry = dead_letter;
  dead_letter_retry["outcome"] = {{"type", "string"}, {"enum", {"applied"}}};

  return {
      {"BusinessCreate", Object(config, {"name"})},
      {"BusinessPatch", Object(patch)},
      {"Business", Object(business)},
      {"BusinessWithSecrets", Object(with_secrets)},
      {"BusinessPage", PageOf("Business")},
      {"CustomerCreate", Object(customer_fields, {"name"})},
      {"CustomerPatch", Object(customer_patch)},
      {"Customer", Object(customer)},
      {"CustomerPage", PageOf("Customer")},
      {"AppointmentCreate", Object(appointment_create, {"customer_id", "service_type", "start_time"})},
      {"AppointmentPatch", Object(appointment_patch)},
      {"Appointment", Object(appointment)},
      {"AppointmentPage", PageOf("Appointment")},
      {"TimelineEntry", Object({{"at", Time()}, {"kind", Str()}, {"ref_id", Str()}, {"summary", {{"type", "object"}}}})},
      {"TimelinePage", PageOf("TimelineEntry")},
      {"WebhookCreate", Object(webhook_create, {"url", "event_types"})},
      {"Webhook", Object(webhook)},
      {"WebhookWithSecret", Object(webhook_with_secret)},
      {"WebhookPage", PageOf("Webhook")},
      {"WebhookDelivery", Object(webhook_delivery)},
      {"WebhookDeliveryPage", PageOf("WebhookDelivery")},
      {"DeadLetter", Object(dead_letter)},
      {"DeadLetterRetry", Object(dead_letter_retry)},
      {"DeadLetterPage", PageOf("DeadLetter")},
      {"Problem", Object({{"type", Str()},
                          {"title", Str()},
                          {"status", Int()},
                          {"detail", Str()},
                          {"errors", {{"type", "array"},
                                      {"items", Object({{"field", Str()}, {"message", Str()}})}}}})},
  };
}

std::string OpenApiPath(const std::string& pattern, nlohmann::json& parameters) {
  std::string out;
  std::size_t i = 0;
  while (i < pattern.size()) {
    if (pattern[i] == ':') {
      auto end = pattern.find('/', i);
      if (end == std::string::npos) end = pattern.size();
      const std::string name = pattern.substr(i + 1, end - i - 1);
      out += "{" + name + "}";
      parameters.push_back({{"name", name}, {"in", "path"}, {"required", true}, {"schema", Str()}});
      i = end;
    } else {
      out += pattern[i++];
    }
  }
  return out;
}

}  // namespace

nlohmann::json OpenApiDocument(const Router& router) {
  nlohmann::json doc = {
      {"openapi", "3.1.0"},
      {"info",
       {{"title", "Switchboard API"},
        {"version", "1.0.0"},
        {"description", "Event-sourced backend of AI front desks: tenants, CRM customers and appointments."}}},
      {"components",
       {{"schemas", Schemas()},
        {"securitySchemes",
         {{"AdminKey", {{"type", "apiKey"}, {"in", "header"}, {"name", "X-Admin-API-Key"}}},
          {"ApiKey", {{"type", "apiKey"}, {"in", "header"}, {"name", "X-API-Key"}}},
          {"OwnerToken", {{"type", "apiKey"}, {"in", "header"}, {"name", "X-Owner-Token"}}}}}}},
      {"paths", nlohmann::json::object()},
  };
  const nlohmann::json problem = {{"application/problem+json", {{"schema", Ref("Problem")}}}};
  for (const auto& route : router.routes()) {
    nlohmann::json parameters = nlohmann::json::array();
    const std::string path = OpenApiPath(route.pattern, parameters);
    std::string method = route.method;
    for (auto& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    nlohmann::json op = {{"summary", route.summary}, {"operationId", method + path}};
    if (route.response_schema.size() > 4 && route.response_schema.ends_with("Page")) {
      parameters.push_back({{"name", "limit"}, {"in", "query"}, {"schema", {{"type", "integer"}, {"minimum", 1}, {"maximum", 200}, {"default", 50}}}});
      parameters.push_back({{"name", "offset"}, {"in", "query"}, {"schema", {{"type", "integer"}, {"minimum", 0}, {"default", 0}}}});
    }
    if (route.method == "POST" || route.method == "PATCH") {
      parameters.push_back({{"name", "Idempotency-Key"}, {"in", "header"}, {"schema", Str()},
                            {"description", "a retried request with the same key returns the first response"}});
    }
    if (route.method == "GET" && route.auth == Auth::kTenant) {
      parameters.push_back({{"name", "X-Consistency-Token"}, {"in", "header"}, {"schema", Str()},
                            {"description", "partition:offset from a write's response; the read waits for it"}});
    }
    if (!parameters.empty()) op["parameters"] = parameters;
    if (!route.request_schema.empty()) {
      op["requestBody"] = {{"required", true},
                           {"content", {{"application/json", {{"schema", Ref(route.request_schema)}}}}}};
    }
    nlohmann::json success = {{"description", "success"}};
    if (!route.response_schema.empty()) {
      success["content"] = {{"application/json", {{"schema", Ref(route.response_schema)}}}};
    }
    op["responses"] = {{std::to_string(route.success_status), success},
                       {"4XX", {{"description", "client error"}, {"content", problem}}},
                       {"5XX", {{"description", "server error"}, {"content", problem}}}};
    if (route.auth == Auth::kAdmin) op["security"] = {{{"AdminKey", nlohmann::json::array()}}};
    if (route.auth == Auth::kTenant) {
      op["security"] = {{{"ApiKey", nlohmann::json::array()}}, {{"OwnerToken", nlohmann::json::array()}}};
    }
    doc["paths"][path][method] = op;
  }
  return doc;
}

}  // namespace switchboard::api
