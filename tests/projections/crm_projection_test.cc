// CrmProjection against a real PostgreSQL: events of domain/EVENTS.md folded into the CRM tables,
// the same end state however the events are batched, idempotent re-application, skipped types.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "crm_test_support.h"
#include "projections/crm/queries.h"

namespace switchboard::projections::crm::testing {
namespace {

constexpr const char* kSchema = "crm_v1";

class CrmProjectionTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(db.AddSchema(kSchema)); }

  std::string Col(const std::string& sql_text, const SqlParams& params = {}) {
    return db.Scalar(sql_text, params).value_or("<NULL>");
  }

  CrmDb db;
  CrmEvents ev;
};

// A realistic mixed history of two tenants (customer ids deliberately shared across tenants).
Events TwoTenantHistory(CrmEvents& ev) {
  Events out;
  out.push_back(ev.TenantCreated("t_a", "Acme HVAC", "aaa1", "aaw1", "aao1"));
  out.push_back(ev.TenantCreated("t_b", "Bolt Plumbing", "bbb1"));
  out.push_back(ev.CustomerCreated("t_a", "c1", "Alice Smith", "+15550100001", {"new"}));
  out.push_back(ev.CustomerPhoneClaimed("t_a", "c1", "+15550100001"));
  out.push_back(ev.CustomerCreated("t_b", "c1", "Zed Other", "+15550200001"));
  out.push_back(ev.CustomerTagged("t_a", "c1", "vip"));
  out.push_back(ev.CustomerUpdated("t_a", "c1", "Alice Smith-Jones", "+15550100009", "alice@example.com"));
  out.push_back(ev.AppointmentBooked("t_a", "a1", "c1", "2026-03-10T14:00:00.000Z", "2026-03-10T15:30:00.000Z"));
  out.push_back(ev.TechnicianSlotReserved("t_a", "a1", "2026-03-10T14:00:00.000Z", "2026-03-10T15:30:00.000Z"));
  out.push_back(ev.TenantApiKeyRotated("t_a", "aaa2"));
  out.push_back(ev.CustomerUntagged("t_a", "c1", "new"));
  out.push_back(ev.CustomerOptedOut("t_a", "c1"));
  out.push_back(ev.AppointmentRescheduled("t_a", "a1", "2026-03-11T09:00:00.000Z", "2026-03-11T10:30:00.000Z"));
  out.push_back(ev.AppointmentBooked("t_b", "a1", "c1", "2026-03-12T09:00:00.000Z", "2026-03-12T10:00:00.000Z", "Kim"));
  out.push_back(ev.AppointmentConfirmed("t_a", "a1"));
  out.push_back(ev.CustomerTagged("t_a", "c1", "gold"));
  out.push_back(ev.AppointmentCompleted("t_a", "a1", 18250));
  out.push_back(ev.TenantConfigured("t_b", "Bolt Plumbing & Gas", "America/Denver", 48));
  out.push_back(ev.AppointmentCancelled("t_b", "a1", "customer found another company"));
  out.push_back(ev.CustomerOptedIn("t_a", "c1"));
  out.push_back(ev.CustomerOptedOut("t_a", "c1"));
  return out;
}

const std::vector<std::string> kTables = {"tenants", "customers", "appointments", "timeline"};

TEST_F(CrmProjectionTest, NameIsCrm) { EXPECT_EQ(db.projection.Name(), "crm"); }

TEST_F(CrmProjectionTest, CreateTablesIsIdempotent) {
  auto again = db.projection.CreateTables(db.sql(), kSchema);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(Col("SELECT count(*) FROM pg_tables WHERE schemaname = 'crm_v1'"), "4");
  // Every table's key starts with tenant_id (DESIGN.md §4).
  auto keys = db.sql().Exec(
      "SELECT c.relname, a.attname FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid"
      " JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_attribute a ON a.attrelid = c.oid"
      " AND a.attnum = i.indkey[0] WHERE n.nspname = 'crm_v1' AND i.indisprimary ORDER BY 1");
  ASSERT_TRUE(keys) << keys.error().message;
  ASSERT_EQ(keys->rows.size(), 4u);
  for (const auto& r : keys->rows) EXPECT_EQ(r.at(1).value_or(""), "tenant_id") << r.at(0).value_or("");
}

TEST_F(CrmProjectionTest, RejectsSchemaNamesOutsideTheSafeAlphabet) {
  for (const char* bad : {"", "Crm", "crm-v1", "crm\"; DROP TABLE x; --", "crm v1", "crm.v1"}) {
    auto created = db.projection.CreateTables(db.sql(), bad);
    ASSERT_FALSE(created) << bad;
    EXPECT_EQ(created.error().sqlstate, "42602") << bad;
    const Events batch = {ev.CustomerCreated("t_a", "c1", "A", "")};
    auto applied = db.projection.Apply(db.sql(), bad, batch);
    ASSERT_FALSE(applied) << bad;
    EXPECT_EQ(applied.error().sqlstate, "42602") << bad;
  }
  EXPECT_EQ(db.Count(kSchema, "customers"), 0);
}

TEST_F(CrmProjectionTest, TenantEventsFoldIntoOneRow) {
  const Events batch = {ev.TenantCreated("t_a", "Acme HVAC", "h_api1", "h_w1", "h_o1"),
                        ev.TenantConfigured("t_a", "Acme Heating", "America/New_York", 12),
                        ev.TenantApiKeyRotated("t_a", "h_api2"),
                        ev.TenantWidgetTokenRotated("t_a", "h_w2"),
                        ev.TenantOwnerTokenRotated("t_a", "h_o2"),
                        ev.TenantSuspended("t_a")};
  ASSERT_TRUE(db.Apply(kSchema, batch));
  const std::string row_sql =
      "SELECT concat_ws('|', name, timezone, default_reminder_hours, status, api_key_hash, widget_token_hash,"
      " owner_token_hash, services->0->>'name', business_hours->'mon'->>'open', business_hours->>'sat',"
      " stream_version) FROM crm_v1.tenants WHERE tenant_id = 't_a'";
  // concat_ws renders booleans as t/f and skips the NULL business_hours->>'sat' (a closed day is JSON null).
  EXPECT_EQ(Col(row_sql), "Acme Heating|America/New_York|12|suspended|h_api2|h_w2|h_o2|Furnace tune-up|07:30|6");
  EXPECT_EQ(Col("SELECT business_hours->'sat' = 'null'::jsonb FROM crm_v1.tenants"), "t");
  EXPECT_EQ(Col("SELECT created_at < updated_at FROM crm_v1.tenants"), "t");

  const Events later = {ev.TenantReactivated("t_a")};
  ASSERT_TRUE(db.Apply(kSchema, later));
  EXPECT_EQ(Col("SELECT status || stream_version FROM crm_v1.tenants WHERE tenant_id = 't_a'"), "active7");
}

TEST_F(CrmProjectionTest, UnsetCredentialHashesAreNullSoTenantsDoNotCollide) {
  const Events batch = {ev.TenantCreated("t_a", "A", "h_a"), ev.TenantCreated("t_b", "B", "h_b")};
  auto r = db.Apply(kSchema, batch);  // both have widget/owner hash "": a unique index on "" would fail
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(Col("SELECT count(*) FROM crm_v1.tenants WHERE widget_token_hash IS NULL AND owner_token_hash IS NULL"),
            "2");
}

TEST_F(CrmProjectionTest, CustomerFoldsAllItsEvents) {
  const Events batch = {ev.CustomerCreated("t_a", "c1", "Alice", "+15550100001", {"new", "lead", "new"}),
                        ev.CustomerTagged("t_a", "c1", "vip"),
                        ev.CustomerTagged("t_a", "c1", "vip"),
                        ev.CustomerUntagged("t_a", "c1", "lead"),
                        ev.CustomerUpdated("t_a", "c1", "Alice Smith", "+15550100002", "a@example.com"),
                        ev.CustomerOptedOut("t_a", "c1")};
  ASSERT_TRUE(db.Apply(kSchema, batch));
  EXPECT_EQ(Col("SELECT concat_ws('|', name, phone, email, address, zip, array_to_string(tags, ','), sms_opt_out,"
                " stream_version) FROM crm_v1.customers WHERE tenant_id = 't_a' AND customer_id = 'c1'"),
            "Alice Smith|+15550100002|a@example.com|2 Oak Ave|60602|new,vip|t|6");
  EXPECT_EQ(Col("SELECT to_char(created_at AT TIME ZONE 'UTC', 'HH24:MI:SS') || ' ' ||"
                " to_char(updated_at AT TIME ZONE 'UTC', 'HH24:MI:SS') FROM crm_v1.customers"),
            "08:00:00 08:00:05");

  const Events opt_in = {ev.CustomerOptedIn("t_a", "c1")};
  ASSERT_TRUE(db.Apply(kSchema, opt_in));
  EXPECT_EQ(Col("SELECT sms_opt_out::text FROM crm_v1.customers"), "false");
}

TEST_F(CrmProjectionTest, AppointmentStatusTransitions) {
  Events setup = {ev.CustomerCreated("t_a", "c1", "Alice", "+15550100001")};
  for (const char* id : {"a_confirm", "a_cancel", "a_done", "a_noshow"}) {
    setup.push_back(ev.AppointmentBooked("t_a", id, "c1", "2026-03-10T14:00:00.000Z", "2026-03-10T15:00:00.000Z"));
  }
  ASSERT_TRUE(db.Apply(kSchema, setup));
  const std::string status_sql =
      "SELECT string_agg(appointment_id || '=' || status, ',' ORDER BY appointment_id) FROM crm_v1.appointments";
  EXPECT_EQ(Col(status_sql), "a_cancel=scheduled,a_confirm=scheduled,a_done=scheduled,a_noshow=scheduled");
  EXPECT_EQ(Col("SELECT count(*) FROM crm_v1.appointments WHERE actual_value_cents IS NULL AND cancel_reason = ''"),
            "4");

  const Events changes = {ev.AppointmentConfirmed("t_a", "a_confirm"),
                          ev.AppointmentCancelled("t_a", "a_cancel", "went with a competitor"),
                          ev.AppointmentConfirmed("t_a", "a_done"),
                          ev.AppointmentCompleted("t_a", "a_done", 21000),
                          ev.AppointmentMarkedNoShow("t_a", "a_noshow")};
  ASSERT_TRUE(db.Apply(kSchema, changes));
  EXPECT_EQ(Col(status_sql), "a_cancel=cancelled,a_confirm=confirmed,a_done=completed,a_noshow=no_show");
  EXPECT_EQ(Col("SELECT cancel_reason FROM crm_v1.appointments WHERE appointment_id = 'a_cancel'"),
            "went with a competitor");
  EXPECT_EQ(Col("SELECT actual_value_cents FROM crm_v1.appointments WHERE appointment_id = 'a_done'"), "21000");
  EXPECT_EQ(Col("SELECT count(*) FROM crm_v1.appointments WHERE actual_value_cents IS NULL"), "3");
}

TEST_F(CrmProjectionTest, RescheduleTechnicianAndDetailsChanges) {
  Events batch = {ev.CustomerCreated("t_a", "c1", "Alice", "+15550100001"),
                  ev.AppointmentBooked("t_a", "a1", "c1", "2026-03-10T14:00:00.000Z", "2026-03-10T15:00:00.000Z")};
  ASSERT_TRUE(db.Apply(kSchema, batch));
  const Events changes = {ev.AppointmentRescheduled("t_a", "a1", "2026-03-12T16:15:00.000Z", "2026-03-12T17:45:00.000Z"),
                          ev.AppointmentTechnicianAssigned("t_a", "a1", "Dana Cruz"),
                          ev.AppointmentDetailsChanged("t_a", "a1", "Furnace repair", 32000, true)};
  ASSERT_TRUE(db.Apply(kSchema, changes));
  EXPECT_EQ(Col("SELECT concat_ws('|', to_char(start_time AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'),"
                " to_char(end_time AT TIME ZONE 'UTC', 'HH24:MI'), status, technician, service_type, address,"
                " estimated_value_cents, is_emergency, array_to_string(tags, ','), notes, customer_id)"
                " FROM crm_v1.appointments"),
            "2026-03-12 16:15|17:45|scheduled|Dana Cruz|Furnace repair|9 Elm Rd|32000|t|urgent,repeat|dog in yard|c1");

  const Events unassign = {ev.AppointmentTechnicianAssigned("t_a", "a1", "")};
  ASSERT_TRUE(db.Apply(kSchema, unassign));
  EXPECT_EQ(Col("SELECT '[' || technician || ']' FROM crm_v1.appointments"), "[]");
}

TEST_F(CrmProjectionTest, OneBatchAndAnySplitGiveTheSameTables) {
  const Events history = TwoTenantHistory(ev);
  for (const char* s : {"crm_v2", "crm_v3", "crm_v4"}) ASSERT_NO_FATAL_FAILURE(db.AddSchema(s));
  ASSERT_NO_FATAL_FAILURE(db.ApplyInBatches("crm_v1", history, history.size()));  // one batch
  ASSERT_NO_FATAL_FAILURE(db.ApplyInBatches("crm_v2", history, 1));               // one event per batch
  ASSERT_NO_FATAL_FAILURE(db.ApplyInBatches("crm_v3", history, 3));
  ASSERT_NO_FATAL_FAILURE(db.ApplyInBatches("crm_v4", history, 8));

  // The end state is the expected one, not merely the same everywhere.
  EXPECT_EQ(Col("SELECT concat_ws('|', name, phone, email, array_to_string(tags, ','), sms_opt_out)"
                " FROM crm_v1.customers WHERE tenant_id = 't_a' AND customer_id = 'c1'"),
            "Alice Smith-Jones|+15550100009|alice@example.com|vip,gold|t");
  EXPECT_EQ(Col("SELECT name FROM crm_v1.customers WHERE tenant_id = 't_b' AND customer_id = 'c1'"), "Zed Other");
  EXPECT_EQ(Col("SELECT status || ':' || actual_value_cents FROM crm_v1.appointments WHERE tenant_id = 't_a'"),
            "completed:18250");
  EXPECT_EQ(Col("SELECT status || ':' || cancel_reason FROM crm_v1.appointments WHERE tenant_id = 't_b'"),
            "cancelled:customer found another company");
  EXPECT_EQ(Col("SELECT api_key_hash FROM crm_v1.tenants WHERE tenant_id = 't_a'"), "aaa2");
  EXPECT_EQ(Col("SELECT name || '|' || default_reminder_hours FROM crm_v1.tenants WHERE tenant_id = 't_b'"),
            "Bolt Plumbing & Gas|48");
  EXPECT_EQ(db.Count("crm_v1", "timeline"), 11);

  for (const auto& table : kTables) {
    const auto one_batch = db.Dump("crm_v1", table);
    ASSERT_FALSE(one_batch.empty()) << table;
    for (const char* s : {"crm_v2", "crm_v3", "crm_v4"}) EXPECT_EQ(db.Dump(s, table), one_batch) << s << "." << table;
  }
}

TEST_F(CrmProjectionTest, TimelineRecordsCustomerFacingEventsInOrder) {
  const Events history = TwoTenantHistory(ev);
  ASSERT_TRUE(db.Apply(kSchema, history));
  EXPECT_EQ(Col("SELECT string_agg(kind || '@' || event_offset, ',' ORDER BY at, event_offset) FROM crm_v1.timeline"
                " WHERE tenant_id = 't_a' AND customer_id = 'c1'"),
            "customer_created@2,appointment_booked@7,customer_opted_out@11,appointment_rescheduled@12,"
            "appointment_confirmed@14,appointment_completed@16,customer_opted_in@19,customer_opted_out@20");
  EXPECT_EQ(Col("SELECT string_agg(kind, ',' ORDER BY at) FROM crm_v1.timeline WHERE tenant_id = 't_b'"),
            "customer_created,appointment_booked,appointment_cancelled");
  // Rescheduling records where it moved from; completion its value; ref_id names the appointment.
  EXPECT_EQ(Col("SELECT concat_ws('|', ref_id, summary->>'previous_start_time', summary->>'start_time')"
                " FROM crm_v1.timeline WHERE kind = 'appointment_rescheduled'"),
            "a1|2026-03-10T14:00:00.000Z|2026-03-11T09:00:00.000Z");
  EXPECT_EQ(Col("SELECT summary->>'actual_value_cents' FROM crm_v1.timeline WHERE kind = 'appointment_completed'"),
            "18250");
  EXPECT_EQ(Col("SELECT summary->>'reason' FROM crm_v1.timeline WHERE kind = 'appointment_cancelled'"),
            "customer found another company");
  EXPECT_EQ(Col("SELECT to_char(at AT TIME ZONE 'UTC', 'HH24:MI:SS') FROM crm_v1.timeline WHERE event_offset = 16"),
            "08:00:16");
}

TEST_F(CrmProjectionTest, ReapplyingBatchesChangesNothing) {
  const Events b1 = {ev.TenantCreated("t_a", "A", "h1"), ev.CustomerCreated("t_a", "c1", "Alice", "+15550100001"),
                     ev.CustomerTagged("t_a", "c1", "vip"),
                     ev.AppointmentBooked("t_a", "a1", "c1", "2026-03-10T14:00:00.000Z", "2026-03-10T15:00:00.000Z")};
  const Events b2 = {ev.CustomerUntagged("t_a", "c1", "vip"), ev.AppointmentConfirmed("t_a", "a1"),
                     ev.TenantApiKeyRotated("t_a", "h2")};
  const Events b3 = {ev.CustomerTagged("t_a", "c1", "gold"), ev.AppointmentCancelled("t_a", "a1", "sick"),
                     ev.CustomerOptedOut("t_a", "c1")};
  for (const Events* b : {&b1, &b2, &b3}) ASSERT_TRUE(db.Apply(kSchema, *b));
  std::vector<std::vector<std::string>> before;
  for (const auto& table : kTables) before.push_back(db.Dump(kSchema, table));
  ASSERT_EQ(before[3].size(), 5u);  // created, booked, confirmed, cancelled, opted_out

  // Re-delivery in order, then old batches after newer ones, ending with the oldest: unguarded, b2
  // would re-confirm the appointment and b1 would restore key h1, re-add "vip" and re-open it.
  for (const Events* b : {&b1, &b2, &b3, &b2, &b1}) {
    auto r = db.Apply(kSchema, *b);
    ASSERT_TRUE(r) << r.error().message;
  }
  for (std::size_t i = 0; i < kTables.size(); ++i) EXPECT_EQ(db.Dump(kSchema, kTables[i]), before[i]) << kTables[i];
  EXPECT_EQ(Col("SELECT array_to_string(tags, ',') || '|' || sms_opt_out FROM crm_v1.customers"), "gold|true");
  EXPECT_EQ(Col("SELECT status FROM crm_v1.appointments"), "cancelled");
  EXPECT_EQ(Col("SELECT api_key_hash FROM crm_v1.tenants"), "h2");
}

TEST_F(CrmProjectionTest, DuplicateEventsInsideOneBatchApplyOnce) {
  const auto created = ev.CustomerCreated("t_a", "c1", "Alice", "+15550100001");
  const auto tagged = ev.CustomerTagged("t_a", "c1", "vip");
  const auto untagged = ev.CustomerUntagged("t_a", "c1", "vip");
  const Events batch = {created, tagged, untagged, tagged, created};
  ASSERT_TRUE(db.Apply(kSchema, batch));
  EXPECT_EQ(Col("SELECT '[' || array_to_string(tags, ',') || ']' || stream_version FROM crm_v1.customers"), "[]3");
  EXPECT_EQ(db.Count(kSchema, "timeline"), 1);
}

TEST_F(CrmProjectionTest, SkipsEventsWithoutCrmEffect) {
  const Events batch = {ev.TechnicianSlotReserved("t_a", "a1", "2026-03-10T14:00:00.000Z", "2026-03-10T15:00:00.000Z"),
                        ev.TechnicianSlotReleased("t_a", "a1"),
                        ev.CustomerPhoneClaimed("t_a", "c1", "+15550100001"),
                        ev.CustomerPhoneReleased("t_a", "c1", "+15550100001"),
                        ev.Make("t_a", "call-x", "CallStarted", {{"call_id", "x"}})};
  auto r = db.Apply(kSchema, batch);
  ASSERT_TRUE(r) << r.error().message;
  for (const auto& table : kTables) EXPECT_EQ(db.Count(kSchema, table), 0) << table;

  // Mixed with real CRM events, they change nothing either.
  const Events mixed = {ev.CustomerCreated("t_a", "c1", "Alice", "+15550100001"),
                        ev.CustomerPhoneClaimed("t_a", "c1", "+15550100009"),
                        ev.Make("t_a", "call-y", "CallStarted", {{"customer_id", "c1"}})};
  ASSERT_TRUE(db.Apply(kSchema, mixed));
  EXPECT_EQ(Col("SELECT phone || stream_version FROM crm_v1.customers"), "+155501000011");
  EXPECT_EQ(db.Count(kSchema, "timeline"), 1);
}

TEST_F(CrmProjectionTest, UpdateOfAnEntityNeverCreatedFailsNamingTheEvent) {
  const Events ok = {ev.CustomerCreated("t_a", "c1", "Alice", "")};
  ASSERT_TRUE(db.Apply(kSchema, ok));
  // t_b never created c1: tenant scoping means t_a's row must not satisfy it.
  const Events orphan = {ev.CustomerCreated("t_a", "c2", "Bob", ""), ev.CustomerTagged("t_b", "c1", "vip")};
  auto r = db.Apply(kSchema, orphan);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().sqlstate, "22000");
  EXPECT_NE(r.error().message.find("CustomerTagged at partition 0 offset 2"), std::string::npos) << r.error().message;
  EXPECT_EQ(db.Count(kSchema, "customers"), 1);  // the whole batch rolled back, c2 included

  const Events orphan_appt = {ev.AppointmentConfirmed("t_a", "nope")};
  auto r2 = db.Apply(kSchema, orphan_appt);
  ASSERT_FALSE(r2);
  EXPECT_NE(r2.error().message.find("AppointmentConfirmed"), std::string::npos) << r2.error().message;
}

TEST_F(CrmProjectionTest, MalformedEventDataFailsNamingTheEvent) {
  auto no_id = ev.CustomerCreated("t_a", "c1", "Alice", "");
  no_id.data.erase("customer_id");
  const Events b1 = {no_id};
  auto r1 = db.Apply(kSchema, b1);
  ASSERT_FALSE(r1);
  EXPECT_EQ(r1.error().sqlstate, "22000");
  EXPECT_NE(r1.error().message.find("CustomerCreated at partition 0 offset 0"), std::string::npos) << r1.error().message;

  const Events setup = {ev.CustomerCreated("t_a", "c1", "Alice", ""),
                        ev.AppointmentBooked("t_a", "a1", "c1", "2026-03-10T14:00:00.000Z", "2026-03-10T15:00:00.000Z")};
  ASSERT_TRUE(db.Apply(kSchema, setup));
  auto bad_value = ev.AppointmentCompleted("t_a", "a1", 0);
  bad_value.data["actual_value_cents"] = "lots";
  const Events b2 = {bad_value};
  auto r2 = db.Apply(kSchema, b2);
  ASSERT_FALSE(r2);
  EXPECT_NE(r2.error().message.find("AppointmentCompleted"), std::string::npos) << r2.error().message;
  EXPECT_EQ(Col("SELECT status FROM crm_v1.appointments"), "scheduled");
}

TEST_F(CrmProjectionTest, TextWithCopySpecialCharactersRoundTrips) {
  const std::string name = "Tab\there\\back\nnew\rline \"q\" 'a' é 日本";
  const Events batch = {ev.CustomerCreated("t_a", "c1", name, "", {"a,b", "{x}", "q\"t"})};
  auto r = db.Apply(kSchema, batch);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(Col("SELECT name FROM crm_v1.customers"), name);
  EXPECT_EQ(Col("SELECT array_to_json(tags)::text FROM crm_v1.customers"), R"(["a,b","{x}","q\"t"])");
}

TEST_F(CrmProjectionTest, WorksOutsideAnExplicitTransactionAndAcrossCalls) {
  // Staging tables are session temp tables emptied per call, so autocommit use and repeated calls on
  // one connection both work (the engine always wraps Apply in a transaction; be safe anyway).
  const Events b1 = {ev.CustomerCreated("t_a", "c1", "Alice", "")};
  const Events b2 = {ev.CustomerCreated("t_a", "c2", "Bob", "")};
  auto r1 = db.projection.Apply(db.sql(), kSchema, b1);
  ASSERT_TRUE(r1) << r1.error().message;
  auto r2 = db.projection.Apply(db.sql(), kSchema, b2);
  ASSERT_TRUE(r2) << r2.error().message;
  EXPECT_EQ(Col("SELECT string_agg(customer_id, ',' ORDER BY customer_id) FROM crm_v1.customers"), "c1,c2");
  EXPECT_EQ(db.Count(kSchema, "timeline"), 2);
}

TEST_F(CrmProjectionTest, EmptyBatchAndLargeBatch) {
  ASSERT_TRUE(db.Apply(kSchema, Events{}));
  Events big;
  for (int i = 0; i < 2000; ++i) {
    const std::string id = "c" + std::to_string(i);
    big.push_back(ev.CustomerCreated("t_a", id, "Customer " + std::to_string(i), "+1555" + std::to_string(1000000 + i)));
    if (i % 2 == 0) big.push_back(ev.CustomerTagged("t_a", id, "even"));
  }
  ASSERT_TRUE(db.Apply(kSchema, big));
  EXPECT_EQ(Col("SELECT count(*) FROM crm_v1.customers"), "2000");
  EXPECT_EQ(Col("SELECT count(*) FROM crm_v1.customers WHERE 'even' = ANY(tags)"), "1000");
}

}  // namespace
}  // namespace switchboard::projections::crm::testing
