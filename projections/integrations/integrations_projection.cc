// IntegrationsProjection: DDL, the in-memory fold of a batch into final row images, and one
// jsonb_to_recordset upsert per table (see integrations_projection.h).
#include "projections/integrations/integrations_projection.h"

#include <map>
#include <tuple>

#include <nlohmann/json.hpp>

#include "domain/codec/webhook_codec.h"
#include "projections/crm/sql_text.h"

namespace switchboard::projections::integrations {
namespace {

using commands::RecordedEvent;
using nlohmann::json;

std::string Ddl(const std::string& s) {
  return "CREATE TABLE IF NOT EXISTS " + s +
         ".webhooks ("
         " tenant_id text NOT NULL, webhook_id text NOT NULL, url text NOT NULL, event_types jsonb NOT NULL,"
         " status text NOT NULL, created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL,"
         " version bigint NOT NULL, PRIMARY KEY (tenant_id, webhook_id));"
         "CREATE INDEX IF NOT EXISTS webhooks_by_created ON " + s +
         ".webhooks (tenant_id, status, created_at DESC, webhook_id);"
         "CREATE TABLE IF NOT EXISTS " + s +
         ".webhook_deliveries ("
         " tenant_id text NOT NULL, webhook_id text NOT NULL, event_id text NOT NULL, event_type text NOT NULL,"
         " attempt integer NOT NULL, status text NOT NULL, status_code integer NOT NULL, error text NOT NULL,"
         " next_attempt_at timestamptz, at timestamptz NOT NULL, log_offset bigint NOT NULL, version bigint NOT NULL,"
         " PRIMARY KEY (tenant_id, webhook_id, event_id, attempt));"
         "CREATE INDEX IF NOT EXISTS webhook_deliveries_newest ON " + s +
         ".webhook_deliveries (tenant_id, webhook_id, at DESC, log_offset DESC);";
}

struct WebhookImage {
  std::string tenant_id, webhook_id, url;
  json event_types = json::array();
  std::string status, created_at, updated_at;
  std::int64_t version = 0;
  bool full = false;  // registered in this batch; otherwise only a status change of an existing row
};

struct DeliveryImage {
  std::string tenant_id, webhook_id, event_id, event_type;
  int attempt = 0;
  std::string status;
  int status_code = 0;
  std::string error, next_attempt_at, at;
  std::int64_t offset = 0;
  std::int64_t version = 0;
};

using WebhookKey = std::pair<std::string, std::string>;
using DeliveryKey = std::tuple<std::string, std::string, std::string, int>;

class BatchFold {
 public:
  std::map<WebhookKey, WebhookImage> webhooks;
  std::map<DeliveryKey, DeliveryImage> deliveries;

  void Add(const RecordedEvent& e, const domain::WebhookEvent& event) {
    std::visit([&](const auto& ev) { Fold(e, ev); }, event);
  }

 private:
  void Fold(const RecordedEvent& e, const domain::WebhookRegistered& ev) {
    WebhookImage& w = webhooks[{e.tenant_id, ev.webhook_id}];
    if (w.version >= e.stream_version) return;
    w = WebhookImage{e.tenant_id, ev.webhook_id, ev.url, ev.event_types, "active", e.occurred_at, e.occurred_at,
                     e.stream_version, true};
  }
  void Fold(const RecordedEvent& e, const domain::WebhookDeleted& ev) {
    WebhookImage& w = webhooks[{e.tenant_id, ev.webhook_id}];
    if (w.version >= e.stream_version) return;
    w.tenant_id = e.tenant_id;
    w.webhook_id = ev.webhook_id;
    w.status = "deleted";
    w.updated_at = e.occurred_at;
    w.version = e.stream_version;
  }
  void Fold(const RecordedEvent& e, const domain::WebhookDeliveryAttempted& ev) {
    Put(e, ev.webhook_id, ev.event_id, ev.event_type, ev.attempt, "failed", ev.status_code, ev.error,
        ev.next_attempt_at);
  }
  void Fold(const RecordedEvent& e, const domain::WebhookDeliverySucceeded& ev) {
    Put(e, ev.webhook_id, ev.event_id, ev.event_type, ev.attempt, "succeeded", ev.status_code, "", "");
  }
  void Fold(const RecordedEvent& e, const domain::WebhookDeliveryDeadLettered& ev) {
    // The dead letter follows its last failed attempt: that attempt's row becomes the dead letter.
    Put(e, ev.webhook_id, ev.event_id, ev.event_type, ev.attempts, "dead_lettered", ev.status_code, ev.error, "");
  }

  void Put(const RecordedEvent& e, const std::string& webhook_id, const std::string& event_id,
           const std::string& event_type, int attempt, const char* status, int status_code, const std::string& error,
           const std::string& next_attempt_at) {
    DeliveryImage& d = deliveries[{e.tenant_id, webhook_id, event_id, attempt}];
    if (d.version >= e.stream_version) return;
    d = DeliveryImage{e.tenant_id, webhook_id,  event_id,        event_type, attempt,  status,
                      status_code, error,       next_attempt_at, e.occurred_at, e.offset, e.stream_version};
  }
};

SqlError EventError(const RecordedEvent& e, std::string_view what) {
  // 22000 data_exception: not retryable.
  return SqlError{"integrations: " + e.type + " at partition " + std::to_string(e.partition) + " offset " +
                      std::to_string(e.offset) + ": " + std::string(what),
                  "22000"};
}

// Invalid UTF-8 in a payload string (say a receiver's error text) makes dump() throw. That is the
// event's fault, so it becomes 22021 character_not_in_repertoire, which the engine parks as poison,
// instead of an exception escaping a projection worker.
Result<std::string, SqlError> Dump(const json& rows) {
  try {
    return rows.dump();
  } catch (const json::exception& ex) {
    return MakeErr(SqlError{std::string("integrations: cannot encode row: ") + ex.what(), "22021"});
  }
}

}  // namespace

Result<void, SqlError> IntegrationsProjection::CreateTables(SqlConnection& sql, std::string_view schema) {
  auto s = crm::QuotedSchema(schema);
  if (!s) return MakeErr(s.error());
  return sql.ExecScript(Ddl(*s));
}

Result<void, SqlError> IntegrationsProjection::Apply(SqlConnection& sql, std::string_view schema,
                                                     std::span<const RecordedEvent> batch) {
  auto s = crm::QuotedSchema(schema);
  if (!s) return MakeErr(s.error());

  BatchFold fold;
  for (const auto& e : batch) {
    if (!e.type.starts_with("Webhook")) continue;
    auto decoded = domain::DecodeWebhookEvent(e.type, e.schema_version, e.data);
    if (!decoded) {
      // A Webhook* type this build does not know belongs to a newer writer; skip it like any
      // other family's event. A known type with bad data is a real error.
      if (decoded.error().field == "type") continue;
      return MakeErr(EventError(e, decoded.error().message));
    }
    fold.Add(e, *decoded);
  }

  json full = json::array();
  json status_only = json::array();
  for (const auto& [key, w] : fold.webhooks) {
    if (w.full) {
      full.push_back({{"tenant_id", w.tenant_id}, {"webhook_id", w.webhook_id}, {"url", w.url},
                      {"event_types", w.event_types}, {"status", w.status}, {"created_at", w.created_at},
                      {"updated_at", w.updated_at}, {"version", w.version}});
    } else {
      status_only.push_back({{"tenant_id", w.tenant_id}, {"webhook_id", w.webhook_id}, {"status", w.status},
                             {"updated_at", w.updated_at}, {"version", w.version}});
    }
  }
  if (!full.empty()) {
    auto text = Dump(full);
    if (!text) return MakeErr(text.error());
    auto r = sql.Exec(
        "INSERT INTO " + *s +
            ".webhooks (tenant_id, webhook_id, url, event_types, status, created_at, updated_at, version)"
            " SELECT tenant_id, webhook_id, url, event_types, status, created_at, updated_at, version"
            " FROM jsonb_to_recordset($1::jsonb) AS x(tenant_id text, webhook_id text, url text, event_types jsonb,"
            " status text, created_at timestamptz, updated_at timestamptz, version bigint)"
            " ON CONFLICT (tenant_id, webhook_id) DO UPDATE SET url = excluded.url, event_types = excluded.event_types,"
            " status = excluded.status, created_at = excluded.created_at, updated_at = excluded.updated_at,"
            " version = excluded.version WHERE webhooks.version < excluded.version",
        {*text});
    if (!r) return MakeErr(std::move(r).error());
  }
  if (!status_only.empty()) {
    // A status change of a row registered in an earlier batch; a row that was never registered
    // (impossible through the domain) simply matches nothing.
    auto text = Dump(status_only);
    if (!text) return MakeErr(text.error());
    auto r = sql.Exec("UPDATE " + *s +
                          ".webhooks w SET status = x.status, updated_at = x.updated_at, version = x.version"
                          " FROM jsonb_to_recordset($1::jsonb) AS x(tenant_id text, webhook_id text, status text,"
                          " updated_at timestamptz, version bigint)"
                          " WHERE w.tenant_id = x.tenant_id AND w.webhook_id = x.webhook_id AND w.version < x.version",
                      {*text});
    if (!r) return MakeErr(std::move(r).error());
  }
  if (!fold.deliveries.empty()) {
    json rows = json::array();
    for (const auto& [key, d] : fold.deliveries) {
      rows.push_back({{"tenant_id", d.tenant_id},
                      {"webhook_id", d.webhook_id},
                      {"event_id", d.event_id},
                      {"event_type", d.event_type},
                      {"attempt", d.attempt},
                      {"status", d.status},
                      {"status_code", d.status_code},
                      {"error", d.error},
                      {"next_attempt_at", d.next_attempt_at.empty() ? json(nullptr) : json(d.next_attempt_at)},
                      {"at", d.at},
                      {"log_offset", d.offset},
                      {"version", d.version}});
    }
    auto text = Dump(rows);
    if (!text) return MakeErr(text.error());
    auto r = sql.Exec(
        "INSERT INTO " + *s +
            ".webhook_deliveries (tenant_id, webhook_id, event_id, event_type, attempt, status, status_code, error,"
            " next_attempt_at, at, log_offset, version)"
            " SELECT tenant_id, webhook_id, event_id, event_type, attempt, status, status_code, error, next_attempt_at,"
            " at, log_offset, version FROM jsonb_to_recordset($1::jsonb) AS x(tenant_id text, webhook_id text,"
            " event_id text, event_type text, attempt integer, status text, status_code integer, error text,"
            " next_attempt_at timestamptz, at timestamptz, log_offset bigint, version bigint)"
            " ON CONFLICT (tenant_id, webhook_id, event_id, attempt) DO UPDATE SET event_type = excluded.event_type,"
            " status = excluded.status, status_code = excluded.status_code, error = excluded.error,"
            " next_attempt_at = excluded.next_attempt_at, at = excluded.at, log_offset = excluded.log_offset,"
            " version = excluded.version WHERE webhook_deliveries.version < excluded.version",
        {*text});
    if (!r) return MakeErr(std::move(r).error());
  }
  return {};
}

}  // namespace switchboard::projections::integrations
