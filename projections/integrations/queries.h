// Read queries over the integrations read model (tables of IntegrationsProjection) and their API
// JSON shapes. Every query filters by the `tenant_id` argument — the authenticated tenant, never one
// named in a request — and uses $n parameters. Stateless; safe from any thread with its own connection.
//
//   auto page = integrations::ListWebhooks(*lease, schema, tenant, limit, offset);
//   if (!page) return DbError(page.error());
//   return JsonResponse(200, integrations::ToJson(*page));   // {"data", "total", "limit", "offset"}
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/result.h"
#include "projections/sql.h"

namespace switchboard::projections::integrations {

inline constexpr int kMaxPageLimit = 200;

struct WebhookRow {
  std::string webhook_id;
  std::string url;
  std::vector<std::string> event_types;
  std::string status;  // active | deleted
  std::string created_at;
};

struct DeliveryRow {
  std::string webhook_id;
  std::string event_id;
  std::string event_type;
  int attempt = 0;
  std::string status;  // failed | succeeded | dead_lettered
  int status_code = 0;
  std::string error;
  std::string next_attempt_at;  // "" when none
  std::string at;
};

template <class T>
struct Page {
  std::vector<T> data;
  std::int64_t total = 0;
  int limit = 0;
  int offset = 0;
};

// Active webhooks, newest first (created_at desc, then webhook_id).
Result<Page<WebhookRow>, SqlError> ListWebhooks(SqlConnection& sql, std::string_view schema,
                                                std::string_view tenant_id, int limit, int offset);
// Any status (deliveries of a deleted webhook stay listable).
Result<std::optional<WebhookRow>, SqlError> GetWebhook(SqlConnection& sql, std::string_view schema,
                                                       std::string_view tenant_id, std::string_view webhook_id);
// A webhook's delivery attempts, newest first (at desc, then log position desc).
Result<Page<DeliveryRow>, SqlError> ListDeliveries(SqlConnection& sql, std::string_view schema,
                                                   std::string_view tenant_id, std::string_view webhook_id,
                                                   int limit, int offset);

// {id, url, event_types, status, created_at} — never the secret.
nlohmann::json ToJson(const WebhookRow& row);
// {webhook_id, event_id, event_type, attempt, status, status_code, error, next_attempt_at (null if none), at}
nlohmann::json ToJson(const DeliveryRow& row);

template <class T>
nlohmann::json ToJson(const Page<T>& page) {
  nlohmann::json data = nlohmann::json::array();
  for (const auto& row : page.data) data.push_back(ToJson(row));
  return nlohmann::json{{"data", std::move(data)}, {"total", page.total}, {"limit", page.limit}, {"offset", page.offset}};
}

}  // namespace switchboard::projections::integrations
