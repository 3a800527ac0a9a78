// Integrations read queries (see queries.h). A page and its total come from one statement.
#include "projections/integrations/queries.h"

#include <algorithm>

#include "projections/crm/sql_text.h"

namespace switchboard::projections::integrations {
namespace {

using crm::CellInt;
using crm::CellText;
using crm::RfcTimeSql;
using nlohmann::json;
using Row = std::vector<SqlParam>;

std::string WebhookColumns() {
  return "w.webhook_id, w.url, w.event_types::text AS event_types, w.status, " + RfcTimeSql("w.created_at") +
         " AS created_at";
}

std::string DeliveryColumns() {
  return "d.webhook_id, d.event_id, d.event_type, d.attempt, d.status, d.status_code, d.error, "
         "CASE WHEN d.next_attempt_at IS NULL THEN '' ELSE " +
         RfcTimeSql("d.next_attempt_at") + " END AS next_attempt_at, " + RfcTimeSql("d.at") + " AS at";
}

WebhookRow ParseWebhook(const Row& r, std::size_t at) {
  WebhookRow w;
  w.webhook_id = CellText(r[at + 0]);
  w.url = CellText(r[at + 1]);
  const json types = json::parse(CellText(r[at + 2]), nullptr, false);
  if (types.is_array()) {
    for (const auto& t : types) {
      if (t.is_string()) w.event_types.push_back(t.get<std::string>());
    }
  }
  w.status = CellText(r[at + 3]);
  w.created_at = CellText(r[at + 4]);
  return w;
}

DeliveryRow ParseDelivery(const Row& r, std::size_t at) {
  DeliveryRow d;
  d.webhook_id = CellText(r[at + 0]);
  d.event_id = CellText(r[at + 1]);
  d.event_type = CellText(r[at + 2]);
  d.attempt = static_cast<int>(CellInt(r[at + 3]));
  d.status = CellText(r[at + 4]);
  d.status_code = static_cast<int>(CellInt(r[at + 5]));
  d.error = CellText(r[at + 6]);
  d.next_attempt_at = CellText(r[at + 7]);
  d.at = CellText(r[at + 8]);
  return d;
}

// SELECT columns FROM from_where ORDER BY order_by, one page, plus the count of all matching rows.
// The single row of an empty page carries only the total (NULL row number).
template <class T, class Parse>
Result<Page<T>, SqlError> RunPage(SqlConnection& sql, const std::string& columns, const std::string& from_where,
                                  const std::string& order_by, SqlParams params, int limit, int offset, Parse parse) {
  Page<T> page;
  page.limit = std::clamp(limit, 0, kMaxPageLimit);
  page.offset = std::max(offset, 0);
  const std::string limit_ref = "$" + std::to_string(params.size() + 1);
  const std::string offset_ref = "$" + std::to_string(params.size() + 2);
  params.emplace_back(std::to_string(page.limit));
  params.emplace_back(std::to_string(page.offset));
  const std::string text = "SELECT n.total, p.* FROM (SELECT count(*) AS total FROM " + from_where +
                           ") n LEFT JOIN LATERAL (SELECT " + columns + ", row_number() OVER (ORDER BY " + order_by +
                           ") AS page_ord FROM " + from_where + " ORDER BY " + order_by + " LIMIT " + limit_ref +
                           " OFFSET " + offset_ref + ") p ON true ORDER BY p.page_ord";
  auto rows = sql.Exec(text, params);
  if (!rows) return MakeErr(std::move(rows).error());
  for (const auto& r : rows->rows) {
    page.total = CellInt(r.front());
    if (!r.back()) continue;
    page.data.push_back(parse(r, 1));
  }
  return page;
}

}  // namespace

Result<Page<WebhookRow>, SqlError> ListWebhooks(SqlConnection& sql, std::string_view schema,
                                                std::string_view tenant_id, int limit, int offset) {
  auto s = crm::QuotedSchema(schema);
  if (!s) return MakeErr(s.error());
  return RunPage<WebhookRow>(sql, WebhookColumns(),
                             *s + ".webhooks w WHERE w.tenant_id = $1 AND w.status = 'active'",
                             "w.created_at DESC, w.webhook_id", {std::string(tenant_id)}, limit, offset,
                             ParseWebhook);
}

Result<std::optional<WebhookRow>, SqlError> GetWebhook(SqlConnection& sql, std::string_view schema,
                                                       std::string_view tenant_id, std::string_view webhook_id) {
  auto s = crm::QuotedSchema(schema);
  if (!s) return MakeErr(s.error());
  auto rows = sql.Exec("SELECT " + WebhookColumns() + " FROM " + *s +
                           ".webhooks w WHERE w.tenant_id = $1 AND w.webhook_id = $2",
                       {std::string(tenant_id), std::string(webhook_id)});
  if (!rows) return MakeErr(std::move(rows).error());
  if (rows->rows.empty()) return std::optional<WebhookRow>();
  return std::optional<WebhookRow>(ParseWebhook(rows->rows.front(), 0));
}

Result<Page<DeliveryRow>, SqlError> ListDeliveries(SqlConnection& sql, std::string_view schema,
                                                   std::string_view tenant_id, std::string_view webhook_id,
                                                   int limit, int offset) {
  auto s = crm::QuotedSchema(schema);
  if (!s) return MakeErr(s.error());
  return RunPage<DeliveryRow>(sql, DeliveryColumns(),
                              *s + ".webhook_deliveries d WHERE d.tenant_id = $1 AND d.webhook_id = $2",
                              "d.at DESC, d.log_offset DESC", {std::string(tenant_id), std::string(webhook_id)},
                              limit, offset, ParseDelivery);
}

json ToJson(const WebhookRow& row) {
  return {{"id", row.webhook_id},
          {"url", row.url},
          {"event_types", row.event_types},
          {"status", row.status},
          {"created_at", row.created_at}};
}

json ToJson(const DeliveryRow& row) {
  return {{"webhook_id", row.webhook_id},
          {"event_id", row.event_id},
          {"event_type", row.event_type},
          {"attempt", row.attempt},
          {"status", row.status},
          {"status_code", row.status_code},
          {"error", row.error},
          {"next_attempt_at", row.next_attempt_at.empty() ? json(nullptr) : json(row.next_attempt_at)},
          {"at", row.at}};
}

}  // namespace switchboard::projections::integrations
