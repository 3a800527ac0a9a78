// CRM read queries against a real PostgreSQL filled through CrmProjection: ordering, pagination
// totals, search (name substring, phone digits, literal wildcards), filters, tenant isolation and the
// exact API JSON shapes.
#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "crm_test_support.h"
#include "projections/crm/queries.h"

namespace switchboard::projections::crm::testing {
namespace {

constexpr const char* kSchema = "crm_v1";

template <class T>
std::vector<std::string> Ids(const Page<T>& page) {
  std::vector<std::string> ids;
  for (const auto& row : page.data) {
    if constexpr (std::is_same_v<T, CustomerRow>) ids.push_back(row.customer_id);
    else if constexpr (std::is_same_v<T, AppointmentRow>) ids.push_back(row.appointment_id);
    else if constexpr (std::is_same_v<T, TenantRow>) ids.push_back(row.tenant_id);
    else ids.push_back(row.kind + ":" + row.ref_id);
  }
  return ids;
}

std::set<std::string> Keys(const nlohmann::json& j) {
  std::set<std::string> keys;
  for (const auto& [k, v] : j.items()) keys.insert(k);
  return keys;
}

bool IsRfc3339Millis(const std::string& s) {
  static const std::regex re(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$)");
  return std::regex_match(s, re);
}

// Tenant A: 7 customers (created in order c1..c7, so newest first is c7..c1), 5 appointments.
// Tenant B: customers whose names/phones would match A's searches, and an id (b1) and appointment
// id (bx) A must never see; B also reuses A's customer id "c1".
class CrmQueriesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(db.AddSchema(kSchema));
    Events e = {
        ev.TenantCreated("t_a", "Acme HVAC", "api_a", "wid_a", "own_a"),
        ev.TenantCreated("t_b", "Bolt Plumbing", "api_b", "wid_b", "own_b"),
        ev.CustomerCreated("t_a", "c1", "Alice Smith", "+15550100001", {"vip"}),
        ev.CustomerCreated("t_a", "c2", "Bob Smithers", "+15550100002"),
        ev.CustomerCreated("t_a", "c3", "Carol 100% Real", "+15550100003"),
        ev.CustomerCreated("t_a", "c4", "Dan_Under", "+15550100004"),
        ev.CustomerCreated("t_a", "c5", "Back\\slash Co", "+15550100005"),
        ev.CustomerCreated("t_a", "c6", "Eve SMITHSON", ""),
        ev.CustomerCreated("t_a", "c7", "Frank", "+14045550123"),
        ev.CustomerCreated("t_b", "b1", "Bea Smith", "+15550100001"),
        ev.CustomerCreated("t_b", "c1", "Ben Smith", "+15550100002"),
        ev.AppointmentBooked("t_a", "a3", "c1", "2026-03-12T09:00:00.000Z", "2026-03-12T10:00:00.000Z", "Kim"),
        ev.AppointmentBooked("t_a", "a1", "c1", "2026-03-10T09:00:00.000Z", "2026-03-10T10:00:00.000Z", "Sam Lee"),
        ev.AppointmentBooked("t_a", "a2", "c2", "2026-03-11T09:00:00.000Z", "2026-03-11T10:00:00.000Z", "Sam Lee"),
        ev.AppointmentBooked("t_a", "a4", "c1", "2026-03-13T09:00:00.000Z", "2026-03-13T10:00:00.000Z", "Sam Lee"),
        ev.AppointmentBooked("t_a", "a5", "c3", "2026-03-14T09:00:00.000Z", "2026-03-14T10:00:00.000Z", ""),
        ev.AppointmentBooked("t_b", "bx", "c1", "2026-03-10T11:00:00.000Z", "2026-03-10T12:00:00.000Z", "Sam Lee"),
        ev.AppointmentCompleted("t_a", "a1", 17500),
        ev.AppointmentCancelled("t_a", "a3", "rain"),
        ev.AppointmentConfirmed("t_a", "a4"),
        ev.CustomerOptedOut("t_a", "c1"),
    };
    ASSERT_NO_FATAL_FAILURE(db.ApplyInBatches(kSchema, e, 5));
  }

  SqlConnection& sql() { return db.sql(); }

  CrmDb db;
  CrmEvents ev;
};

// --- tenants ---

TEST_F(CrmQueriesTest, TenantByEachCredentialKind) {
  struct Case {
    CredentialKind kind;
    const char* hash;
    const char* tenant;
  };
  for (const Case& c : {Case{CredentialKind::kApiKey, "api_a", "t_a"}, Case{CredentialKind::kWidgetToken, "wid_b", "t_b"},
                        Case{CredentialKind::kOwnerToken, "own_a", "t_a"}}) {
    auto t = TenantByCredential(sql(), kSchema, c.kind, c.hash);
    ASSERT_TRUE(t) << t.error().message;
    ASSERT_TRUE(t->has_value()) << c.hash;
    EXPECT_EQ((*t)->tenant_id, c.tenant);
  }
  // A hash is only valid for its own kind, and "" never matches.
  auto wrong_kind = TenantByCredential(sql(), kSchema, CredentialKind::kApiKey, "own_a");
  ASSERT_TRUE(wrong_kind);
  EXPECT_FALSE(wrong_kind->has_value());
  auto empty = TenantByCredential(sql(), kSchema, CredentialKind::kWidgetToken, "");
  ASSERT_TRUE(empty);
  EXPECT_FALSE(empty->has_value());

  EXPECT_EQ(ParseCredentialKind("api_key"), CredentialKind::kApiKey);
  EXPECT_EQ(ParseCredentialKind("widget_token"), CredentialKind::kWidgetToken);
  EXPECT_EQ(ParseCredentialKind("owner_token"), CredentialKind::kOwnerToken);
  EXPECT_FALSE(ParseCredentialKind("admin").has_value());
}

TEST_F(CrmQueriesTest, RotatedCredentialStopsMatchingAndSuspensionShows) {
  const Events rotate = {ev.TenantApiKeyRotated("t_a", "api_a2"), ev.TenantSuspended("t_a")};
  ASSERT_TRUE(db.Apply(kSchema, rotate));
  auto old_key = TenantByCredential(sql(), kSchema, CredentialKind::kApiKey, "api_a");
  ASSERT_TRUE(old_key);
  EXPECT_FALSE(old_key->has_value());
  auto new_key = TenantByCredential(sql(), kSchema, CredentialKind::kApiKey, "api_a2");
  ASSERT_TRUE(new_key);
  ASSERT_TRUE(new_key->has_value());
  EXPECT_EQ((*new_key)->status, "suspended");
}

TEST_F(CrmQueriesTest, GetAndListTenants) {
  auto a = GetTenant(sql(), kSchema, "t_a");
  ASSERT_TRUE(a);
  ASSERT_TRUE(a->has_value());
  EXPECT_EQ((*a)->name, "Acme HVAC");
  EXPECT_EQ((*a)->timezone, "America/Chicago");
  EXPECT_EQ((*a)->default_reminder_hours, 24);
  EXPECT_EQ((*a)->status, "active");
  EXPECT_EQ((*a)->business_hours["tue"]["close"], "17:00");
  EXPECT_EQ((*a)->services[0]["price_cents"], 15000);

  auto none = GetTenant(sql(), kSchema, "t_zzz");
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());

  auto all = ListTenants(sql(), kSchema, 1, 0);
  ASSERT_TRUE(all) << all.error().message;
  EXPECT_EQ(all->total, 2);
  EXPECT_EQ(Ids(*all), std::vector<std::string>{"t_a"});  // oldest first
  auto second = ListTenants(sql(), kSchema, 1, 1);
  ASSERT_TRUE(second);
  EXPECT_EQ(Ids(*second), std::vector<std::string>{"t_b"});
}

// --- customers ---

TEST_F(CrmQueriesTest, ListCustomersNewestFirstWithTotals) {
  auto p1 = ListCustomers(sql(), kSchema, "t_a", 3, 0);
  ASSERT_TRUE(p1) << p1.error().message;
  EXPECT_EQ(Ids(*p1), (std::vector<std::string>{"c7", "c6", "c5"}));
  EXPECT_EQ(p1->total, 7);
  EXPECT_EQ(p1->limit, 3);
  EXPECT_EQ(p1->offset, 0);

  auto p3 = ListCustomers(sql(), kSchema, "t_a", 3, 6);
  ASSERT_TRUE(p3);
  EXPECT_EQ(Ids(*p3), std::vector<std::string>{"c1"});
  EXPECT_EQ(p3->total, 7);

  // Past the end: no rows, but the total is still right.
  auto past = ListCustomers(sql(), kSchema, "t_a", 3, 50);
  ASSERT_TRUE(past);
  EXPECT_TRUE(past->data.empty());
  EXPECT_EQ(past->total, 7);
  EXPECT_EQ(past->offset, 50);

  // Clamping: limit to [0, 200], offset to >= 0.
  auto clamped = ListCustomers(sql(), kSchema, "t_a", 5000, -4);
  ASSERT_TRUE(clamped);
  EXPECT_EQ(clamped->limit, kMaxPageLimit);
  EXPECT_EQ(clamped->offset, 0);
  EXPECT_EQ(clamped->data.size(), 7u);

  auto b = ListCustomers(sql(), kSchema, "t_b", 50, 0);
  ASSERT_TRUE(b);
  EXPECT_EQ(Ids(*b), (std::vector<std::string>{"c1", "b1"}));
  EXPECT_EQ(b->total, 2);

  auto nobody = ListCustomers(sql(), kSchema, "t_nobody", 50, 0);
  ASSERT_TRUE(nobody);
  EXPECT_TRUE(nobody->data.empty());
  EXPECT_EQ(nobody->total, 0);
}

TEST_F(CrmQueriesTest, GetCustomerIsTenantScoped) {
  auto mine = GetCustomer(sql(), kSchema, "t_a", "c1");
  ASSERT_TRUE(mine) << mine.error().message;
  ASSERT_TRUE(mine->has_value());
  EXPECT_EQ((*mine)->name, "Alice Smith");
  EXPECT_TRUE((*mine)->sms_opt_out);
  EXPECT_EQ((*mine)->tags, std::vector<std::string>{"vip"});

  auto theirs = GetCustomer(sql(), kSchema, "t_a", "b1");  // exists, but in tenant B
  ASSERT_TRUE(theirs);
  EXPECT_FALSE(theirs->has_value());

  auto same_id = GetCustomer(sql(), kSchema, "t_b", "c1");  // B's own c1, not A's
  ASSERT_TRUE(same_id);
  ASSERT_TRUE(same_id->has_value());
  EXPECT_EQ((*same_id)->name, "Ben Smith");
}

TEST_F(CrmQueriesTest, SearchByNameSubstringIgnoresCase) {
  auto smith = SearchCustomers(sql(), kSchema, "t_a", "  smith ", 50, 0);
  ASSERT_TRUE(smith) << smith.error().message;
  EXPECT_EQ(Ids(*smith), (std::vector<std::string>{"c6", "c2", "c1"}));  // never B's Bea/Ben Smith
  EXPECT_EQ(smith->total, 3);

  auto paged = SearchCustomers(sql(), kSchema, "t_a", "SMITH", 2, 2);
  ASSERT_TRUE(paged);
  EXPECT_EQ(Ids(*paged), std::vector<std::string>{"c1"});
  EXPECT_EQ(paged->total, 3);

  auto b = SearchCustomers(sql(), kSchema, "t_b", "smith", 50, 0);
  ASSERT_TRUE(b);
  EXPECT_EQ(Ids(*b), (std::vector<std::string>{"c1", "b1"}));

  auto none = SearchCustomers(sql(), kSchema, "t_a", "zebra", 50, 0);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->data.empty());
  EXPECT_EQ(none->total, 0);
}

TEST_F(CrmQueriesTest, SearchByPhoneDigits) {
  auto formatted = SearchCustomers(sql(), kSchema, "t_a", "(555) 010-0003", 50, 0);
  ASSERT_TRUE(formatted) << formatted.error().message;
  EXPECT_EQ(Ids(*formatted), std::vector<std::string>{"c3"});

  auto partial = SearchCustomers(sql(), kSchema, "t_a", "0123", 50, 0);  // tail of +14045550123
  ASSERT_TRUE(partial);
  EXPECT_EQ(Ids(*partial), std::vector<std::string>{"c7"});

  auto prefix = SearchCustomers(sql(), kSchema, "t_a", "555-0100", 50, 0);
  ASSERT_TRUE(prefix);
  EXPECT_EQ(prefix->total, 5);  // c1..c5; c6 has no phone, c7 is another exchange
  EXPECT_EQ(Ids(*prefix), (std::vector<std::string>{"c5", "c4", "c3", "c2", "c1"}));

  // Two digits are too few to search phones (and no name contains "55").
  auto short_digits = SearchCustomers(sql(), kSchema, "t_a", "55", 50, 0);
  ASSERT_TRUE(short_digits);
  EXPECT_EQ(short_digits->total, 0);

  // B's customer shares c1's phone but never shows up for A.
  auto shared = SearchCustomers(sql(), kSchema, "t_a", "+15550100001", 50, 0);
  ASSERT_TRUE(shared);
  EXPECT_EQ(Ids(*shared), std::vector<std::string>{"c1"});
}

TEST_F(CrmQueriesTest, SearchTreatsLikeWildcardsLiterally) {
  auto percent = SearchCustomers(sql(), kSchema, "t_a", "%", 50, 0);
  ASSERT_TRUE(percent) << percent.error().message;
  EXPECT_EQ(Ids(*percent), std::vector<std::string>{"c3"});  // unescaped, '%%%' would match all 7

  auto underscore = SearchCustomers(sql(), kSchema, "t_a", "_", 50, 0);
  ASSERT_TRUE(underscore);
  EXPECT_EQ(Ids(*underscore), std::vector<std::string>{"c4"});

  auto backslash = SearchCustomers(sql(), kSchema, "t_a", "k\\s", 50, 0);
  ASSERT_TRUE(backslash);
  EXPECT_EQ(Ids(*backslash), std::vector<std::string>{"c5"});

  auto mixed = SearchCustomers(sql(), kSchema, "t_a", "100%", 50, 0);  // digits "100" match phones too
  ASSERT_TRUE(mixed);
  EXPECT_EQ(mixed->total, 5);
  auto injection = SearchCustomers(sql(), kSchema, "t_a", "'; DROP TABLE crm_v1.customers; --", 50, 0);
  ASSERT_TRUE(injection) << injection.error().message;
  EXPECT_EQ(injection->total, 0);
  auto still_there = ListCustomers(sql(), kSchema, "t_a", 1, 0);
  ASSERT_TRUE(still_there);
  EXPECT_EQ(still_there->total, 7);
}

TEST_F(CrmQueriesTest, BlankSearchMatchesEveryCustomerOfTheTenant) {
  auto blank = SearchCustomers(sql(), kSchema, "t_a", "   ", 2, 0);
  ASSERT_TRUE(blank);
  EXPECT_EQ(blank->total, 7);
  EXPECT_EQ(Ids(*blank), (std::vector<std::string>{"c7", "c6"}));
}

// --- appointments ---

TEST_F(CrmQueriesTest, ListAppointmentsByStartTimeWithFilters) {
  auto all = ListAppointments(sql(), kSchema, "t_a", {}, 50, 0);
  ASSERT_TRUE(all) << all.error().message;
  EXPECT_EQ(Ids(*all), (std::vector<std::string>{"a1", "a2", "a3", "a4", "a5"}));
  EXPECT_EQ(all->total, 5);

  AppointmentFilters status;
  status.status = "cancelled";
  auto cancelled = ListAppointments(sql(), kSchema, "t_a", status, 50, 0);
  ASSERT_TRUE(cancelled);
  EXPECT_EQ(Ids(*cancelled), std::vector<std::string>{"a3"});

  AppointmentFilters customer;
  customer.customer_id = "c1";
  auto of_c1 = ListAppointments(sql(), kSchema, "t_a", customer, 2, 0);
  ASSERT_TRUE(of_c1);
  EXPECT_EQ(Ids(*of_c1), (std::vector<std::string>{"a1", "a3"}));
  EXPECT_EQ(of_c1->total, 3);

  AppointmentFilters window;  // from inclusive, to exclusive
  window.from = "2026-03-11T09:00:00Z";
  window.to = "2026-03-13T09:00:00.000Z";
  auto in_window = ListAppointments(sql(), kSchema, "t_a", window, 50, 0);
  ASSERT_TRUE(in_window);
  EXPECT_EQ(Ids(*in_window), (std::vector<std::string>{"a2", "a3"}));

  AppointmentFilters tech;
  tech.technician = "Sam Lee";
  tech.from = "2026-03-10T12:00:00-05:00";  // any RFC 3339 offset: 17:00Z
  auto sam = ListAppointments(sql(), kSchema, "t_a", tech, 50, 0);
  ASSERT_TRUE(sam);
  EXPECT_EQ(Ids(*sam), (std::vector<std::string>{"a2", "a4"}));  // never B's bx

  AppointmentFilters everything;
  everything.status = "confirmed";
  everything.customer_id = "c1";
  everything.technician = "Sam Lee";
  everything.from = "2026-03-01T00:00:00Z";
  everything.to = "2026-04-01T00:00:00Z";
  auto combined = ListAppointments(sql(), kSchema, "t_a", everything, 50, 0);
  ASSERT_TRUE(combined);
  EXPECT_EQ(Ids(*combined), std::vector<std::string>{"a4"});

  AppointmentFilters bad_time;
  bad_time.from = "not a time";
  auto bad = ListAppointments(sql(), kSchema, "t_a", bad_time, 50, 0);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().sqlstate.substr(0, 2), "22");
}

TEST_F(CrmQueriesTest, GetAppointmentAndCustomerAppointmentsAreTenantScoped) {
  auto a1 = GetAppointment(sql(), kSchema, "t_a", "a1");
  ASSERT_TRUE(a1) << a1.error().message;
  ASSERT_TRUE(a1->has_value());
  EXPECT_EQ((*a1)->status, "completed");
  EXPECT_EQ((*a1)->actual_value_cents, 17500);
  EXPECT_EQ((*a1)->start_time, "2026-03-10T09:00:00.000Z");

  auto theirs = GetAppointment(sql(), kSchema, "t_a", "bx");
  ASSERT_TRUE(theirs);
  EXPECT_FALSE(theirs->has_value());

  // Both tenants have a customer "c1": each sees only its own appointments.
  auto a_c1 = CustomerAppointments(sql(), kSchema, "t_a", "c1", 50, 0);
  ASSERT_TRUE(a_c1);
  EXPECT_EQ(Ids(*a_c1), (std::vector<std::string>{"a1", "a3", "a4"}));
  auto b_c1 = CustomerAppointments(sql(), kSchema, "t_b", "c1", 50, 0);
  ASSERT_TRUE(b_c1);
  EXPECT_EQ(Ids(*b_c1), std::vector<std::string>{"bx"});
  auto unknown = CustomerAppointments(sql(), kSchema, "t_a", "c404", 50, 0);
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->total, 0);
}

TEST_F(CrmQueriesTest, CustomerTimelineNewestFirstAndPaged) {
  auto t = CustomerTimeline(sql(), kSchema, "t_a", "c1", 50, 0);
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(Ids(*t), (std::vector<std::string>{"customer_opted_out:c1", "appointment_confirmed:a4",
                                               "appointment_cancelled:a3", "appointment_completed:a1",
                                               "appointment_booked:a4", "appointment_booked:a1",
                                               "appointment_booked:a3", "customer_created:c1"}));
  EXPECT_EQ(t->total, 8);
  for (std::size_t i = 1; i < t->data.size(); ++i) EXPECT_GE(t->data[i - 1].at, t->data[i].at);

  auto page = CustomerTimeline(sql(), kSchema, "t_a", "c1", 3, 3);
  ASSERT_TRUE(page);
  EXPECT_EQ(Ids(*page), (std::vector<std::string>{"appointment_completed:a1", "appointment_booked:a4",
                                                  "appointment_booked:a1"}));
  EXPECT_EQ(page->total, 8);
  EXPECT_EQ(page->data[0].summary["actual_value_cents"], 17500);

  auto b = CustomerTimeline(sql(), kSchema, "t_b", "c1", 50, 0);
  ASSERT_TRUE(b);
  EXPECT_EQ(Ids(*b), (std::vector<std::string>{"appointment_booked:bx", "customer_created:c1"}));
}

// --- JSON shapes ---

TEST_F(CrmQueriesTest, JsonUsesExactlyTheApiFieldNames) {
  auto tenant = GetTenant(sql(), kSchema, "t_a");
  ASSERT_TRUE(tenant && tenant->has_value());
  const auto tj = ToJson(**tenant);
  EXPECT_EQ(Keys(tj), (std::set<std::string>{"id", "name", "timezone", "business_hours", "services",
                                             "default_reminder_hours", "status"}));
  EXPECT_EQ(tj["id"], "t_a");
  EXPECT_EQ(tj.dump().find("api_a"), std::string::npos);  // no credential material

  auto customer = GetCustomer(sql(), kSchema, "t_a", "c1");
  ASSERT_TRUE(customer && customer->has_value());
  const auto cj = ToJson(**customer);
  EXPECT_EQ(Keys(cj), (std::set<std::string>{"id", "name", "phone", "email", "address", "zip", "tags", "sms_opt_out",
                                             "created_at"}));
  EXPECT_EQ(cj["id"], "c1");
  EXPECT_EQ(cj["tags"], nlohmann::json::array({"vip"}));
  EXPECT_EQ(cj["sms_opt_out"], true);
  EXPECT_EQ(cj["created_at"], CrmEvents::TimeAt(2));
  EXPECT_TRUE(IsRfc3339Millis(cj["created_at"].get<std::string>())) << cj["created_at"];

  const std::set<std::string> appointment_keys = {
      "id",   "customer_id", "service_type", "start_time", "end_time", "status",        "is_emergency", "estimated_value_cents",
      "actual_value_cents", "tags", "technician", "address", "notes", "cancel_reason", "created_at"};
  auto done = GetAppointment(sql(), kSchema, "t_a", "a1");
  ASSERT_TRUE(done && done->has_value());
  const auto dj = ToJson(**done);
  EXPECT_EQ(Keys(dj), appointment_keys);
  EXPECT_EQ(dj["actual_value_cents"], 17500);
  EXPECT_EQ(dj["cancel_reason"], "");
  EXPECT_EQ(dj["estimated_value_cents"], 15000);
  EXPECT_EQ(dj["is_emergency"], false);
  EXPECT_EQ(dj["start_time"], "2026-03-10T09:00:00.000Z");
  EXPECT_EQ(dj["end_time"], "2026-03-10T10:00:00.000Z");

  auto open = GetAppointment(sql(), kSchema, "t_a", "a3");
  ASSERT_TRUE(open && open->has_value());
  const auto oj = ToJson(**open);
  EXPECT_EQ(Keys(oj), appointment_keys);
  EXPECT_TRUE(oj["actual_value_cents"].is_null());
  EXPECT_EQ(oj["cancel_reason"], "rain");

  auto timeline = CustomerTimeline(sql(), kSchema, "t_a", "c1", 1, 0);
  ASSERT_TRUE(timeline && !timeline->data.empty());
  const auto ej = ToJson(timeline->data.front());
  EXPECT_EQ(Keys(ej), (std::set<std::string>{"at", "kind", "ref_id", "summary"}));
  EXPECT_TRUE(IsRfc3339Millis(ej["at"].get<std::string>())) << ej["at"];
  EXPECT_EQ(ej["summary"]["channel"], "sms");

  auto page = ListCustomers(sql(), kSchema, "t_a", 2, 1);
  ASSERT_TRUE(page);
  const auto pj = ToJson(*page);
  EXPECT_EQ(Keys(pj), (std::set<std::string>{"data", "total", "limit", "offset"}));
  EXPECT_EQ(pj["total"], 7);
  EXPECT_EQ(pj["limit"], 2);
  EXPECT_EQ(pj["offset"], 1);
  ASSERT_EQ(pj["data"].size(), 2u);
  EXPECT_EQ(pj["data"][0]["id"], "c6");

  auto empty = ListCustomers(sql(), kSchema, "t_nobody", 2, 0);
  ASSERT_TRUE(empty);
  EXPECT_TRUE(ToJson(*empty)["data"].is_array());
}

TEST_F(CrmQueriesTest, EveryQueryRejectsAnUnsafeSchemaName) {
  const std::string bad = "crm_v1; DROP TABLE x";
  EXPECT_FALSE(TenantByCredential(sql(), bad, CredentialKind::kApiKey, "api_a"));
  EXPECT_FALSE(GetTenant(sql(), bad, "t_a"));
  EXPECT_FALSE(ListTenants(sql(), bad, 10, 0));
  EXPECT_FALSE(ListCustomers(sql(), bad, "t_a", 10, 0));
  EXPECT_FALSE(GetCustomer(sql(), bad, "t_a", "c1"));
  EXPECT_FALSE(SearchCustomers(sql(), bad, "t_a", "x", 10, 0));
  EXPECT_FALSE(ListAppointments(sql(), bad, "t_a", {}, 10, 0));
  EXPECT_FALSE(GetAppointment(sql(), bad, "t_a", "a1"));
  EXPECT_FALSE(CustomerAppointments(sql(), bad, "t_a", "c1", 10, 0));
  auto timeline = CustomerTimeline(sql(), bad, "t_a", "c1", 10, 0);
  ASSERT_FALSE(timeline);
  EXPECT_EQ(timeline.error().sqlstate, "42602");
}

}  // namespace
}  // namespace switchboard::projections::crm::testing
