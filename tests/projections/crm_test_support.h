// Scaffolding shared by the CRM projection/query suites: a fresh database holding CRM schemas
// (CrmDb) and a builder of RecordedEvents shaped exactly as domain/EVENTS.md (CrmEvents), which
// assigns offsets, per-stream versions and occurred_at (T0 + offset seconds) like the log would.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/postgres/pg_pool.h"
#include "commands/recorded_event.h"
#include "projections/crm/crm_projection.h"
#include "support/test_database.h"

namespace switchboard::projections::crm::testing {

using commands::RecordedEvent;
using nlohmann::json;
using Events = std::vector<RecordedEvent>;

// A fresh database with pg_trgm (normally created by the core migrations) and CRM tables in each
// requested schema. Apply wraps the projection call in a transaction, as the engine does.
class CrmDb {
 public:
  CrmDb() {
    auto pool = adapters::PgPool::Open(db_.conninfo(), 1);
    if (!pool) throw std::runtime_error("PgPool::Open: " + pool.error().message);
    pool_ = std::move(pool).value();
    auto lease = pool_->Acquire();
    if (!lease) throw std::runtime_error("Acquire: " + lease.error().message);
    lease_ = std::move(lease).value();
    auto ext = sql().ExecScript("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public");
    if (!ext) throw std::runtime_error("pg_trgm: " + ext.error().message);
  }

  SqlConnection& sql() { return **lease_; }

  // Creates `schema` and the CRM tables in it.
  void AddSchema(const std::string& schema) {
    auto created = sql().ExecScript("CREATE SCHEMA IF NOT EXISTS " + schema);
    ASSERT_TRUE(created) << created.error().message;
    auto tables = projection.CreateTables(sql(), schema);
    ASSERT_TRUE(tables) << tables.error().message;
  }

  // BEGIN; Apply; COMMIT — or ROLLBACK and the projection's error.
  Result<void, SqlError> Apply(const std::string& schema, std::span<const RecordedEvent> batch) {
    if (auto b = sql().ExecScript("BEGIN"); !b) return b;
    auto applied = projection.Apply(sql(), schema, batch);
    if (!applied) {
      (void)sql().ExecScript("ROLLBACK");
      return applied;
    }
    return sql().ExecScript("COMMIT");
  }

  // Applies `events` in consecutive batches of `batch_size`, failing the test on any error.
  void ApplyInBatches(const std::string& schema, const Events& events, std::size_t batch_size) {
    for (std::size_t at = 0; at < events.size(); at += batch_size) {
      const auto n = std::min(batch_size, events.size() - at);
      auto r = Apply(schema, std::span<const RecordedEvent>(events).subspan(at, n));
      ASSERT_TRUE(r) << r.error().message;
    }
  }

  // Every row of `schema.table` as JSON text, in key order: equal dumps mean equal tables.
  std::vector<std::string> Dump(const std::string& schema, const std::string& table) {
    std::vector<std::string> out;
    auto rows = sql().Exec("SELECT row_to_json(x)::text FROM " + schema + "." + table + " x ORDER BY 1");
    EXPECT_TRUE(rows) << rows.error().message;
    if (!rows) return out;
    for (const auto& r : rows->rows) out.push_back(r.at(0).value_or("NULL"));
    return out;
  }

  std::int64_t Count(const std::string& schema, const std::string& table) { return Dump(schema, table).size(); }

  // One column of one row (text), or nullopt (NULL / no row).
  SqlParam Scalar(const std::string& sql_text, const SqlParams& params = {}) {
    auto rows = sql().Exec(sql_text, params);
    EXPECT_TRUE(rows) << rows.error().message;
    if (!rows || rows->rows.empty()) return std::nullopt;
    return rows->rows.front().at(0);
  }

  CrmProjection projection;

 private:
  switchboard::testing::TestDatabase db_;
  std::unique_ptr<adapters::PgPool> pool_;
  std::unique_ptr<SqlLease> lease_;
};

// Builds events like the log records them: offsets count up from 0 in one partition, each
// (tenant, stream) gets versions 1, 2, …, and occurred_at is T0 + offset seconds, so later
// events are later in time. Data fields follow domain/EVENTS.md exactly.
class CrmEvents {
 public:
  explicit CrmEvents(int partition = 0) : partition_(partition) {}

  RecordedEvent Make(const std::string& tenant, const std::string& stream, const std::string& type, json data) {
    RecordedEvent e;
    e.event_id = "00000000-0000-4000-8000-" + Pad(next_offset_, 12);
    e.type = type;
    e.tenant_id = tenant;
    e.stream = stream;
    e.stream_version = ++versions_[tenant + "/" + stream];
    e.partition = partition_;
    e.offset = next_offset_++;
    e.occurred_at = TimeAt(e.offset);
    e.recorded_at = e.occurred_at;
    e.actor = {"system", "test"};
    e.data = std::move(data);
    return e;
  }

  // 2026-03-02T08:00:00.000Z + `seconds`, RFC 3339 with milliseconds.
  static std::string TimeAt(std::int64_t seconds) {
    const std::int64_t h = 8 + seconds / 3600, m = (seconds / 60) % 60, s = seconds % 60;
    return "2026-03-" + Pad(2 + h / 24, 2) + "T" + Pad(h % 24, 2) + ":" + Pad(m, 2) + ":" + Pad(s, 2) + ".000Z";
  }

  // --- tenant ---
  RecordedEvent TenantCreated(const std::string& t, const std::string& name, const std::string& api_hash,
                              const std::string& widget_hash = "", const std::string& owner_hash = "") {
    return Make(t, "tenant-" + t, "TenantCreated",
                {{"tenant_id", t},
                 {"name", name},
                 {"timezone", "America/Chicago"},
                 {"business_hours", Hours("08:00", "17:00")},
                 {"services", json::array({{{"name", "AC repair"}, {"price_cents", 15000}, {"duration_minutes", 90}}})},
                 {"default_reminder_hours", 24},
                 {"api_key_hash", api_hash},
                 {"widget_token_hash", widget_hash},
                 {"owner_token_hash", owner_hash}});
  }
  RecordedEvent TenantConfigured(const std::string& t, const std::string& name, const std::string& tz,
                                 int reminder_hours) {
    return Make(t, "tenant-" + t, "TenantConfigured",
                {{"name", name},
                 {"timezone", tz},
                 {"business_hours", Hours("07:30", "18:00")},
                 {"services", json::array({{{"name", "Furnace tune-up"}, {"price_cents", 9900}, {"duration_minutes", 60}}})},
                 {"default_reminder_hours", reminder_hours}});
  }
  RecordedEvent TenantApiKeyRotated(const std::string& t, const std::string& h) {
    return Make(t, "tenant-" + t, "TenantApiKeyRotated", {{"api_key_hash", h}});
  }
  RecordedEvent TenantWidgetTokenRotated(const std::string& t, const std::string& h) {
    return Make(t, "tenant-" + t, "TenantWidgetTokenRotated", {{"widget_token_hash", h}});
  }
  RecordedEvent TenantOwnerTokenRotated(const std::string& t, const std::string& h) {
    return Make(t, "tenant-" + t, "TenantOwnerTokenRotated", {{"owner_token_hash", h}});
  }
  RecordedEvent TenantSuspended(const std::string& t) {
    return Make(t, "tenant-" + t, "TenantSuspended", {{"reason", "unpaid"}});
  }
  RecordedEvent TenantReactivated(const std::string& t) {
    return Make(t, "tenant-" + t, "TenantReactivated", json::object());
  }

  // --- customer ---
  RecordedEvent CustomerCreated(const std::string& t, const std::string& id, const std::string& name,
                                const std::string& phone, std::vector<std::string> tags = {}) {
    return Make(t, "customer-" + id, "CustomerCreated",
                {{"customer_id", id},
                 {"name", name},
                 {"phone", phone},
                 {"email", ""},
                 {"address", "1 Main St"},
                 {"zip", "60601"},
                 {"tags", tags}});
  }
  RecordedEvent CustomerUpdated(const std::string& t, const std::string& id, const std::string& name,
                                const std::string& phone, const std::string& email) {
    return Make(t, "customer-" + id, "CustomerUpdated",
                {{"customer_id", id},
                 {"name", name},
                 {"phone", phone},
                 {"email", email},
                 {"address", "2 Oak Ave"},
                 {"zip", "60602"}});
  }
  RecordedEvent CustomerTagged(const std::string& t, const std::string& id, const std::string& tag) {
    return Make(t, "customer-" + id, "CustomerTagged", {{"customer_id", id}, {"tag", tag}});
  }
  RecordedEvent CustomerUntagged(const std::string& t, const std::string& id, const std::string& tag) {
    return Make(t, "customer-" + id, "CustomerUntagged", {{"customer_id", id}, {"tag", tag}});
  }
  RecordedEvent CustomerOptedOut(const std::string& t, const std::string& id) {
    return Make(t, "customer-" + id, "CustomerOptedOut", {{"customer_id", id}, {"channel", "sms"}});
  }
  RecordedEvent CustomerOptedIn(const std::string& t, const std::string& id) {
    return Make(t, "customer-" + id, "CustomerOptedIn", {{"customer_id", id}, {"channel", "sms"}});
  }
  RecordedEvent CustomerPhoneClaimed(const std::string& t, const std::string& id, const std::string& phone) {
    return Make(t, "customer-phone-" + phone, "CustomerPhoneClaimed", {{"phone", phone}, {"customer_id", id}});
  }
  RecordedEvent CustomerPhoneReleased(const std::string& t, const std::string& id, const std::string& phone) {
    return Make(t, "customer-phone-" + phone, "CustomerPhoneReleased", {{"phone", phone}, {"customer_id", id}});
  }

  // --- appointment ---
  RecordedEvent AppointmentBooked(const std::string& t, const std::string& id, const std::string& customer,
                                  const std::string& start, const std::string& end,
                                  const std::string& technician = "Sam Lee", std::int64_t value = 15000) {
    return Make(t, "appointment-" + id, "AppointmentBooked",
                {{"appointment_id", id},
                 {"customer_id", customer},
                 {"service_type", "AC repair"},
                 {"start_time", start},
                 {"end_time", end},
                 {"address", "1 Main St"},
                 {"estimated_value_cents", value},
                 {"is_emergency", false},
                 {"tags", json::array({"warranty"})},
                 {"technician", technician},
                 {"notes", "side gate"}});
  }
  RecordedEvent AppointmentRescheduled(const std::string& t, const std::string& id, const std::string& start,
                                       const std::string& end) {
    return Make(t, "appointment-" + id, "AppointmentRescheduled",
                {{"appointment_id", id}, {"start_time", start}, {"end_time", end}});
  }
  RecordedEvent AppointmentConfirmed(const std::string& t, const std::string& id) {
    return Make(t, "appointment-" + id, "AppointmentConfirmed", {{"appointment_id", id}});
  }
  RecordedEvent AppointmentCancelled(const std::string& t, const std::string& id, const std::string& reason) {
    return Make(t, "appointment-" + id, "AppointmentCancelled", {{"appointment_id", id}, {"reason", reason}});
  }
  RecordedEvent AppointmentCompleted(const std::string& t, const std::string& id, std::int64_t actual) {
    return Make(t, "appointment-" + id, "AppointmentCompleted", {{"appointment_id", id}, {"actual_value_cents", actual}});
  }
  RecordedEvent AppointmentMarkedNoShow(const std::string& t, const std::string& id) {
    return Make(t, "appointment-" + id, "AppointmentMarkedNoShow", {{"appointment_id", id}});
  }
  RecordedEvent AppointmentTechnicianAssigned(const std::string& t, const std::string& id, const std::string& tech) {
    return Make(t, "appointment-" + id, "AppointmentTechnicianAssigned", {{"appointment_id", id}, {"technician", tech}});
  }
  RecordedEvent AppointmentDetailsChanged(const std::string& t, const std::string& id, const std::string& service,
                                          std::int64_t value, bool emergency) {
    return Make(t, "appointment-" + id, "AppointmentDetailsChanged",
                {{"appointment_id", id},
                 {"service_type", service},
                 {"address", "9 Elm Rd"},
                 {"estimated_value_cents", value},
                 {"is_emergency", emergency},
                 {"tags", json::array({"urgent", "repeat"})},
                 {"notes", "dog in yard"}});
  }
  RecordedEvent TechnicianSlotReserved(const std::string& t, const std::string& id, const std::string& start,
                                       const std::string& end) {
    return Make(t, "technician-sam_lee-2026-03-10", "TechnicianSlotReserved",
                {{"technician", "Sam Lee"}, {"appointment_id", id}, {"start_time", start}, {"end_time", end}});
  }
  RecordedEvent TechnicianSlotReleased(const std::string& t, const std::string& id) {
    return Make(t, "technician-sam_lee-2026-03-10", "TechnicianSlotReleased",
                {{"technician", "Sam Lee"}, {"appointment_id", id}});
  }

 private:
  static json Hours(const std::string& open, const std::string& close) {
    json h = json::object();
    for (const char* d : {"mon", "tue", "wed", "thu", "fri"}) h[d] = {{"open", open}, {"close", close}};
    h["sat"] = nullptr;
    h["sun"] = nullptr;
    return h;
  }
  static std::string Pad(std::int64_t v, int width) {
    std::string s = std::to_string(v);
    return std::string(static_cast<std::size_t>(std::max(0, width - static_cast<int>(s.size()))), '0') + s;
  }

  int partition_;
  std::int64_t next_offset_ = 0;
  std::map<std::string, std::int64_t> versions_;
};

}  // namespace switchboard::projections::crm::testing
