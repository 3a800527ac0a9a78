// Read queries over the CRM read model (tables of CrmProjection) and their API JSON shapes.
// Every tenant-scoped query filters by the `tenant_id` argument — the authenticated tenant, never one
// named in a request — and uses $n parameters. Stateless; safe from any thread with its own connection.
//
// Usage (an HTTP handler, after authentication resolved `tenant`):
//   auto page = crm::ListCustomers(*lease, "crm_v1", tenant, limit, offset);
//   if (!page) return Problem(500, page.error().message);
//   return Json(200, crm::ToJson(*page));   // {"data": [...], "total", "limit", "offset"}
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/result.h"
#include "projections/sql.h"

namespace switchboard::projections::crm {

// Lists return at most this many rows whatever `limit` asks (DESIGN.md §5).
inline constexpr int kMaxPageLimit = 200;

// Times below are RFC 3339 UTC with milliseconds, e.g. "2026-11-24T15:04:05.123Z".
struct TenantRow {
  std::string tenant_id;
  std::string name;
  std::string timezone;
  nlohmann::json business_hours;  // {"mon": {"open","close"} | null, …}
  nlohmann::json services;        // [{"name","price_cents","duration_minutes"}]
  int default_reminder_hours = 0;
  std::string status;  // active | suspended
  std::string created_at;
  std::string updated_at;
};

struct CustomerRow {
  std::string customer_id;
  std::string name;
  std::string phone;  // E.164 or ""
  std::string email;
  std::string address;
  std::string zip;
  std::vector<std::string> tags;
  bool sms_opt_out = false;
  std::string created_at;
  std::string updated_at;
};

struct AppointmentRow {
  std::string appointment_id;
  std::string customer_id;
  std::string service_type;
  std::string start_time;
  std::string end_time;
  std::string status;  // scheduled | confirmed | completed | cancelled | no_show
  bool is_emergency = false;
  std::int64_t estimated_value_cents = 0;
  std::optional<std::int64_t> actual_value_cents;  // set once completed
  std::vector<std::string> tags;
  std::string technician;
  std::string address;
  std::string notes;
  std::string cancel_reason;  // "" unless cancelled
  std::string created_at;
  std::string updated_at;
};

struct TimelineEntry {
  std::string at;
  std::string kind;    // appointment_booked | appointment_rescheduled | appointment_confirmed |
                       // appointment_cancelled | appointment_completed | appointment_no_show |
                       // customer_created | customer_opted_out | customer_opted_in
  std::string ref_id;  // appointment_id for appointment_*, customer_id for customer_*
  nlohmann::json summary;
};

template <class T>
struct Page {
  std::vector<T> data;
  std::int64_t total = 0;  // rows matching the filters, regardless of limit/offset
  int limit = 0;           // the limit applied (after clamping to [0, kMaxPageLimit])
  int offset = 0;          // the offset applied (negative becomes 0)
};

enum class CredentialKind { kApiKey, kWidgetToken, kOwnerToken };

// "api_key" | "widget_token" | "owner_token"; nullopt otherwise.
std::optional<CredentialKind> ParseCredentialKind(std::string_view kind);

// Unset fields do not filter. `from`/`to` are RFC 3339 instants bounding start_time as
// from <= start_time < to; the caller validates them (a malformed one fails with sqlstate 22007/22008).
struct AppointmentFilters {
  std::optional<std::string> status;
  std::optional<std::string> customer_id;
  std::optional<std::string> from;
  std::optional<std::string> to;
  std::optional<std::string> technician;  // exact match
};

// --- tenants (credential lookup and operator views; not tenant-scoped by design) ---

// The tenant whose current credential of `kind` hashes to `hash` (lowercase hex SHA-256), whatever
// its status: the caller refuses suspended tenants. A rotated-away hash finds nothing.
Result<std::optional<TenantRow>, SqlError> TenantByCredential(SqlConnection& sql, std::string_view schema,
                                                              CredentialKind kind, std::string_view hash);
Result<std::optional<TenantRow>, SqlError> GetTenant(SqlConnection& sql, std::string_view schema,
                                                     std::string_view tenant_id);
// Operators only (X-Admin-API-Key): every tenant, oldest first.
Result<Page<TenantRow>, SqlError> ListTenants(SqlConnection& sql, std::string_view schema, int limit, int offset);

// --- customers ---

// Newest first (created_at desc, then customer_id).
Result<Page<CustomerRow>, SqlError> ListCustomers(SqlConnection& sql, std::string_view schema,
                                                  std::string_view tenant_id, int limit, int offset);
Result<std::optional<CustomerRow>, SqlError> GetCustomer(SqlConnection& sql, std::string_view schema,
                                                         std::string_view tenant_id, std::string_view customer_id);
// Case-insensitive substring of the name, or — when `q` holds at least 3 digits — the digits of `q`
// as a substring of the phone ("(555) 12" finds +15551234567). LIKE wildcards in `q` match literally.
// An empty (or blank) `q` matches every customer. Same order as ListCustomers.
Result<Page<CustomerRow>, SqlError> SearchCustomers(SqlConnection& sql, std::string_view schema,
                                                    std::string_view tenant_id, std::string_view q, int limit,
                                                    int offset);

// --- appointments and timeline ---

// By start_time, then appointment_id.
Result<Page<AppointmentRow>, SqlError> ListAppointments(SqlConnection& sql, std::string_view schema,
                                                        std::string_view tenant_id, const AppointmentFilters& filters,
                                                        int limit, int offset);
Result<std::optional<AppointmentRow>, SqlError> GetAppointment(SqlConnection& sql, std::string_view schema,
                                                               std::string_view tenant_id,
                                                               std::string_view appointment_id);
// ListAppointments filtered by customer. An unknown customer gives an empty page (check GetCustomer for 404).
Result<Page<AppointmentRow>, SqlError> CustomerAppointments(SqlConnection& sql, std::string_view schema,
                                                            std::string_view tenant_id, std::string_view customer_id,
                                                            int limit, int offset);
// Newest first (at desc, then log position desc).
Result<Page<TimelineEntry>, SqlError> CustomerTimeline(SqlConnection& sql, std::string_view schema,
                                                       std::string_view tenant_id, std::string_view customer_id,
                                                       int limit, int offset);

// --- API JSON (exact field names of the HTTP API) ---

// A business: {id, name, timezone, business_hours, services, default_reminder_hours, status}; no hashes.
nlohmann::json ToJson(const TenantRow& row);
// {id, name, phone, email, address, zip, tags, sms_opt_out, created_at}
nlohmann::json ToJson(const CustomerRow& row);
// {id, customer_id, service_type, start_time, end_time, status, is_emergency, estimated_value_cents,
//  actual_value_cents (null if none), tags, technician, address, notes, cancel_reason, created_at}
nlohmann::json ToJson(const AppointmentRow& row);
// {at, kind, ref_id, summary}
nlohmann::json ToJson(const TimelineEntry& entry);

// {"data": [...], "total", "limit", "offset"} (DESIGN.md §5).
template <class T>
nlohmann::json ToJson(const Page<T>& page) {
  nlohmann::json data = nlohmann::json::array();
  for (const auto& row : page.data) data.push_back(ToJson(row));
  return nlohmann::json{{"data", std::move(data)}, {"total", page.total}, {"limit", page.limit}, {"offset", page.offset}};
}

}  // namespace switchboard::projections::crm
