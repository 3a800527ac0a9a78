// CRM read queries (see queries.h). A page and its total come from one statement, so both see the
// same snapshot and the total stays right when `offset` runs past the end.
#include "projections/crm/queries.h"

#include <algorithm>
#include <cctype>
#include <utility>

#include "projections/crm/sql_text.h"

namespace switchboard::projections::crm {
namespace {

using nlohmann::json;
using Row = std::vector<SqlParam>;

std::string TenantColumns() {
  return "t.tenant_id, t.name, t.timezone, t.business_hours::text AS business_hours, t.services::text AS services,"
         " t.default_reminder_hours, t.status, " +
         RfcTimeSql("t.created_at") + " AS created_at, " + RfcTimeSql("t.updated_at") + " AS updated_at";
}

std::string CustomerColumns() {
  return "c.customer_id, c.name, c.phone, c.email, c.address, c.zip, array_to_json(c.tags)::text AS tags,"
         " c.sms_opt_out, " +
         RfcTimeSql("c.created_at") + " AS created_at, " + RfcTimeSql("c.updated_at") + " AS updated_at";
}

std::string AppointmentColumns() {
  return "a.appointment_id, a.customer_id, a.service_type, " + RfcTimeSql("a.start_time") + " AS start_time, " +
         RfcTimeSql("a.end_time") +
         " AS end_time, a.status, a.is_emergency, a.estimated_value_cents, a.actual_value_cents,"
         " array_to_json(a.tags)::text AS tags, a.technician, a.address, a.notes, a.cancel_reason, " +
         RfcTimeSql("a.created_at") + " AS created_at, " + RfcTimeSql("a.updated_at") + " AS updated_at";
}

std::string TimelineColumns() {
  return RfcTimeSql("l.at") + " AS at, l.kind, l.ref_id, l.summary::text AS summary";
}

// Stored JSON is ours and valid; parse without exceptions anyway and fall back to `fallback`.
json ParseJson(const SqlParam& cell, json fallback) {
  if (!cell) return fallback;
  json parsed = json::parse(*cell, nullptr, /*allow_exceptions=*/false);
  return parsed.is_discarded() ? fallback : parsed;
}

std::vector<std::string> ParseTags(const SqlParam& cell) {
  std::vector<std::string> tags;
  const json parsed = ParseJson(cell, json::array());
  if (!parsed.is_array()) return tags;
  for (const auto& t : parsed) {
    if (t.is_string()) tags.push_back(t.get<std::string>());
  }
  return tags;
}

// Row parsers read the columns of the *Columns() lists starting at index `at`.
TenantRow ParseTenant(const Row& r, std::size_t at) {
  TenantRow t;
  t.tenant_id = CellText(r[at + 0]);
  t.name = CellText(r[at + 1]);
  t.timezone = CellText(r[at + 2]);
  t.business_hours = ParseJson(r[at + 3], json::object());
  t.services = ParseJson(r[at + 4], json::array());
  t.default_reminder_hours = static_cast<int>(CellInt(r[at + 5]));
  t.status = CellText(r[at + 6]);
  t.created_at = CellText(r[at + 7]);
  t.updated_at = CellText(r[at + 8]);
  return t;
}

CustomerRow ParseCustomer(const Row& r, std::size_t at) {
  CustomerRow c;
  c.customer_id = CellText(r[at + 0]);
  c.name = CellText(r[at + 1]);
  c.phone = CellText(r[at + 2]);
  c.email = CellText(r[at + 3]);
  c.address = CellText(r[at + 4]);
  c.zip = CellText(r[at + 5]);
  c.tags = ParseTags(r[at + 6]);
  c.sms_opt_out = CellBool(r[at + 7]);
  c.created_at = CellText(r[at + 8]);
  c.updated_at = CellText(r[at + 9]);
  return c;
}

AppointmentRow ParseAppointment(const Row& r, std::size_t at) {
  AppointmentRow a;
  a.appointment_id = CellText(r[at + 0]);
  a.customer_id = CellText(r[at + 1]);
  a.service_type = CellText(r[at + 2]);
  a.start_time = CellText(r[at + 3]);
  a.end_time = CellText(r[at + 4]);
  a.status = CellText(r[at + 5]);
  a.is_emergency = CellBool(r[at + 6]);
  a.estimated_value_cents = CellInt(r[at + 7]);
  a.actual_value_cents = CellOptInt(r[at + 8]);
  a.tags = ParseTags(r[at + 9]);
  a.technician = CellText(r[at + 10]);
  a.address = CellText(r[at + 11]);
  a.notes = CellText(r[at + 12]);
  a.cancel_reason = CellText(r[at + 13]);
  a.created_at = CellText(r[at + 14]);
  a.updated_at = CellText(r[at + 15]);
  return a;
}

TimelineEntry ParseTimeline(const Row& r, std::size_t at) {
  TimelineEntry e;
  e.at = CellText(r[at + 0]);
  e.kind = CellText(r[at + 1]);
  e.ref_id = CellText(r[at + 2]);
  e.summary = ParseJson(r[at + 3], json::object());
  return e;
}

// One page of `SELECT columns FROM from_where ORDER BY order_by` plus the count of all matching rows.
// `params` are the $n of from_where; LIMIT/OFFSET take the next two. The single result row of an
// empty page carries the total and NULL columns, told apart by the NULL row number.
template <class T, class Parse>
Result<Page<T>, SqlError> RunPage(SqlConnection& sql, const std::string& columns, const std::string& from_where,
                                  const std::string& order_by, SqlParams params, int limit, int offset,
                                  Parse parse) {
  Page<T> page;
  page.limit = std::clamp(limit, 0, kMaxPageLimit);
  page.offset = std::max(offset, 0);
  const std::string limit_ref = "$" + std::to_string(params.size() + 1);
  const std::string offset_ref = "$" + std::to_string(params.size() + 2);
  params.emplace_back(std::to_string(page.limit));
  params.emplace_back(std::to_string(page.offset));
  const std::string text = "SELECT n.total, p.* FROM (SELECT count(*) AS total FROM " + from_where +
                           ") n LEFT JOIN LATERAL (SELECT " + columns + ", row_number() OVER (ORDER BY " +
                           order_by + ") AS crm_ord FROM " + from_where + " ORDER BY " + order_by + " LIMIT " +
                           limit_ref + " OFFSET " + offset_ref + ") p ON true ORDER BY p.crm_ord";
  auto rows = sql.Exec(text, params);
  if (!rows) return MakeErr(std::move(rows).error());
  for (const auto& r : rows->rows) {
    page.total = CellInt(r.front());
    if (!r.back()) continue;  // empty page: only the total
    page.data.push_back(parse(r, 1));
  }
  return page;
}

template <class T, class Parse>
Result<std::optional<T>, SqlError> RunOne(SqlConnection& sql, const std::string& text, const SqlParams& params,
                                          Parse parse) {
  auto rows = sql.Exec(text, params);
  if (!rows) return MakeErr(std::move(rows).error());
  if (rows->rows.empty()) return std::optional<T>();
  return std::optional<T>(parse(rows->rows.front(), 0));
}

// Backslash is LIKE's default escape character; the pattern travels as a parameter, so no SQL quoting.
std::string EscapeLike(std::string_view q) {
  std::string out;
  out.reserve(q.size() + 2);
  for (char c : q) {
    if (c == '\\' || c == '%' || c == '_') out += '\\';
    out += c;
  }
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string_view CredentialColumn(CredentialKind kind) {
  switch (kind) {
    case CredentialKind::kApiKey: return "api_key_hash";
    case CredentialKind::kWidgetToken: return "widget_token_hash";
    case CredentialKind::kOwnerToken: return "owner_token_hash";
  }
  return "api_key_hash";  // unreachable: the switch is exhaustive
}

constexpr const char* kCustomerOrder = "c.created_at DESC, c.customer_id";
constexpr const char* kAppointmentOrder = "a.start_time, a.appointment_id";

}  // namespace

std::optional<CredentialKind> ParseCredentialKind(std::string_view kind) {
  if (kind == "api_key") return CredentialKind::kApiKey;
  if (kind == "widget_token") return CredentialKind::kWidgetToken;
  if (kind == "owner_token") return CredentialKind::kOwnerToken;
  return std::nullopt;
}

// --- tenants ---

Result<std::optional<TenantRow>, SqlError> TenantByCredential(SqlConnection& sql, std::string_view schema,
                                                              CredentialKind kind, std::string_view hash) {
  auto s = QuotedSchema(schema);
  if (!s) return MakeErr(s.error());
  if (hash.empty()) return std::optional<TenantRow>();  // unset credentials are NULL and match nothing
  return RunOne<TenantRow>(sql,
                           "SELECT " + TenantColumns() + " FROM " + *s + ".tenants t WHERE t." +
                               std::string(CredentialColumn(kind)) + " = $1",
                           {std::string(hash)}, ParseTenant);
}

Result<std::optional<TenantRow>, SqlError> GetTenant(SqlConnection& sql, std::string_view schema,
                                                     std::string_view tenant_id) {
  auto s = QuotedSchema(schema);
  if (!s) return MakeErr(s.error());
  return RunOne<TenantRow>(sql, "SELECT " + TenantColumns() + " FROM " + *s + ".tenants t WHERE t.tenant_id = $1",
                           {std::string(tenant_id)}, ParseTenant);
}

Result<Page<TenantRow>, SqlError> ListTenants(SqlConnection& sql, std::string_view schema, int limit, int offset) {
  auto s = QuotedSchema(schema);
  if (!s) return MakeErr(s.error());
  return RunPage<TenantRow>(sql, TenantColumns(), *s + ".tenants t", "t.created_at, t.tenant_id", {}, limit, offset,
                            ParseTenant);
}

// --- customers ---

Result<Page<CustomerRow>, SqlError> ListCustomers(SqlConnection& sql, std::string_view schema,
                                                  std::string_view tenant_id, int limit, int offset) {
  auto s = QuotedSchema(schema);
  if (!s) return MakeErr(s.error());
  return RunPage<CustomerRow>(sql, CustomerColumns(), *s + ".customers c WHERE c.tenant_id = $1", kCustomerOrder,
                              {std::string(tenant_id)}, limit, offset, ParseCustomer);
}

Result<std::optional<CustomerRow>, SqlError> GetCustomer(SqlConnection& sql, std::string_view schema,
                                                         std::string_view tenant_id, std::string_view customer_id) {
  auto s = QuotedSchema(schema);
  if (!s) return MakeErr(s.error());
  return RunOne<CustomerRow>(
      sql, "SELECT " + CustomerColumns() + " FROM " + *s + ".customers c WHERE c.tenant_id = $1 AND c.customer_id = $2",
      {std::string(tenant_id), std::string(customer_id)}, ParseCustomer);
}

Result<Page<CustomerRow>, SqlError> SearchCustomers(SqlConnection& sql, std::string_view schema,
                                                    std::string_view tenant_id, std::string_view q, int limit,
                                                    int offset) {
  auto s = QuotedSchema(schema);
  if (!s) return MakeErr(s.error());
  const std::string_view term = Trim(q);
  std::string from_where = *s + ".customers c WHERE c.tenant_id = $1";
  SqlParams params{std::string(tenant_id)};
  if (!term.empty()) {
    // ILIKE '%…%' is served by the trigram GIN index on name (and phone), not by a scan of the tenant.
    params.emplace_back("%" + EscapeLike(term) + "%");
    from_where += " AND (c.name ILIKE $2";
    std::string digits;
    for (char c : term) {
      if (c >= '0' && c <= '9') digits += c;
    }
    // Fewer than 3 digits would match nearly every phone number.
    if (digits.size() >= 3) {
      params.emplace_back("%" + digits + "%");
      from_where += " OR c.phone LIKE $3";
    }
    from_where += ")";
  }
  return RunPage<CustomerRow>(sql, CustomerColumns(), from_where, kCustomerOrder, std::move(params), limit, offset,
                              ParseCustomer);
}

// --- appointments and timeline ---

Result<Page<AppointmentRow>, SqlError> ListAppointments(SqlConnection& sql, std::string_view schema,
                                                        std::string_view tenant_id, const AppointmentFilters& filters,
                                                        int limit, int offset) {
  auto s = QuotedSchema(schema);
  if (!s) return MakeErr(s.error());
  std::string from_where = *s + ".appointments a WHERE a.tenant_id = $1";
  SqlParams params{std::string(tenant_id)};
  const auto add = [&](const std::optional<std::string>& value, std::string_view condition_prefix,
                       std::string_view cast) {
    if (!value) return;
    params.emplace_back(*value);
    from_where += " AND " + std::string(condition_prefix) + " $" + std::to_string(params.size()) + std::string(cast);
  };
  add(filters.status, "a.status =", "");
  add(filters.customer_id, "a.customer_id =", "");
  add(filters.from, "a.start_time >=", "::timestamptz");
  add(filters.to, "a.start_time <", "::timestamptz");
  add(filters.technician, "a.technician =", "");
  return RunPage<AppointmentRow>(sql, AppointmentColumns(), from_where, kAppointmentOrder, std::move(params), limit,
                                 offset, ParseAppointment);
}

Result<std::optional<AppointmentRow>, SqlError> GetAppointment(SqlConnection& sql, std::string_view schema,
                                                               std::string_view tenant_id,
                                                               std::string_view appointment_id) {
  auto s = QuotedSchema(schema);
  if (!s) return MakeErr(s.error());
  return RunOne<AppointmentRow>(sql,
                                "SELECT " + AppointmentColumns() + " FROM " + *s +
                                    ".appointments a WHERE a.tenant_id = $1 AND a.appointment_id = $2",
                                {std::string(tenant_id), std::string(appointment_id)}, ParseAppointment);
}

Result<Page<AppointmentRow>, SqlError> CustomerAppointments(SqlConnection& sql, std::string_view schema,
                                                            std::string_view tenant_id, std::string_view customer_id,
                                                            int limit, int offset) {
  AppointmentFilters filters;
  filters.customer_id = std::string(customer_id);
  return ListAppointments(sql, schema, tenant_id, filters, limit, offset);
}

Result<Page<TimelineEntry>, SqlError> CustomerTimeline(SqlConnection& sql, std::string_view schema,
                                                       std::string_view tenant_id, std::string_view customer_id,
                                                       int limit, int offset) {
  auto s = QuotedSchema(schema);
  if (!s) return MakeErr(s.error());
  return RunPage<TimelineEntry>(sql, TimelineColumns(), *s + ".timeline l WHERE l.tenant_id = $1 AND l.customer_id = $2",
                                "l.at DESC, l.partition DESC, l.event_offset DESC",
                                {std::string(tenant_id), std::string(customer_id)}, limit, offset, ParseTimeline);
}

// --- API JSON ---

json ToJson(const TenantRow& row) {
  return json{{"id", row.tenant_id},
              {"name", row.name},
              {"timezone", row.timezone},
              {"business_hours", row.business_hours},
              {"services", row.services},
              {"default_reminder_hours", row.default_reminder_hours},
              {"status", row.status}};
}

json ToJson(const CustomerRow& row) {
  return json{{"id", row.customer_id},   {"name", row.name},       {"phone", row.phone},
              {"email", row.email},      {"address", row.address}, {"zip", row.zip},
              {"tags", row.tags},        {"sms_opt_out", row.sms_opt_out}, {"created_at", row.created_at}};
}

json ToJson(const AppointmentRow& row) {
  return json{{"id", row.appointment_id},
              {"customer_id", row.customer_id},
              {"service_type", row.service_type},
              {"start_time", row.start_time},
              {"end_time", row.end_time},
              {"status", row.status},
              {"is_emergency", row.is_emergency},
              {"estimated_value_cents", row.estimated_value_cents},
              {"actual_value_cents", row.actual_value_cents ? json(*row.actual_value_cents) : json(nullptr)},
              {"tags", row.tags},
              {"technician", row.technician},
              {"address", row.address},
              {"notes", row.notes},
              {"cancel_reason", row.cancel_reason},
              {"created_at", row.created_at}};
}

json ToJson(const TimelineEntry& entry) {
  return json{{"at", entry.at}, {"kind", entry.kind}, {"ref_id", entry.ref_id}, {"summary", entry.summary}};
}

}  // namespace switchboard::projections::crm
