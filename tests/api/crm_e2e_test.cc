// The README walkthrough and the CRM lifecycle over real HTTP, PostgreSQL and RocksDB.
#include "tests/api/e2e_fixture.h"

namespace switchboard::testing {
namespace {

class CrmEndToEnd : public EndToEnd {};

TEST_F(CrmEndToEnd, CreatesTenantCustomerAndAppointmentAndReadsThemBack) {
  const auto tenant = CreateTenant("Acme Plumbing", {{"timezone", "UTC"},
                                                     {"services", {{{"name", "Drain cleaning"},
                                                                    {"price_cents", 15000},
                                                                    {"duration_minutes", 90}}}}});
  ASSERT_FALSE(tenant.api_key.empty());
  auto crm = Client(tenant.api_key);

  auto customer = crm->Post("/v1/crm/customers", {{"name", "Jane Doe"},
                                                  {"phone", "(555) 123-4567"},
                                                  {"email", "jane@example.com"},
                                                  {"address", "1 Main St"},
                                                  {"zip", "10001"},
                                                  {"tags", {"vip"}}});
  ASSERT_EQ(customer.status, 201) << customer.body;
  const auto c = customer.Json();
  EXPECT_EQ(c["phone"], "+15551234567");
  EXPECT_EQ(c["tags"], nlohmann::json({"vip"}));
  EXPECT_EQ(c["sms_opt_out"], false);
  EXPECT_FALSE(customer.Header("x-consistency-token").empty());

  const std::string start = FutureTime(1, 15);
  auto booked = crm->Post("/v1/crm/appointments", {{"customer_id", c["id"]},
                                                   {"service_type", "Drain cleaning"},
                                                   {"start_time", start},
                                                   {"technician", "Mike"},
                                                   {"tags", {"first-visit"}},
                                                   {"notes", "gate code 1234"}});
  ASSERT_EQ(booked.status, 201) << booked.body;
  const auto a = booked.Json();
  EXPECT_EQ(a["status"], "scheduled");
  EXPECT_EQ(a["customer_id"], c["id"]);
  EXPECT_EQ(a["estimated_value_cents"], 15000) << "defaults to the service's price";
  EXPECT_EQ(a["end_time"], FutureTime(1, 16, 30).substr(0, 19) + ".000Z") << "defaults to the service's duration";

  auto read = crm->Get("/v1/crm/appointments/" + a["id"].get<std::string>());
  ASSERT_EQ(read.status, 200);
  EXPECT_EQ(read.Json(), a);

  auto list = crm->Get("/v1/crm/customers/" + c["id"].get<std::string>() + "/appointments");
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.Json()["total"], 1);
  EXPECT_EQ(list.Json()["data"][0]["id"], a["id"]);

  auto timeline = crm->Get("/v1/crm/customers/" + c["id"].get<std::string>() + "/timeline").Json();
  ASSERT_EQ(timeline["total"], 2);
  EXPECT_EQ(timeline["data"][0]["kind"], "appointment_booked");
  EXPECT_EQ(timeline["data"][1]["kind"], "customer_created");
}

TEST_F(CrmEndToEnd, AppointmentLifecycleThroughPatch) {
  const auto tenant = CreateTenant("Lifecycle Co");
  auto crm = Client(tenant.api_key);
  const auto c = crm->Post("/v1/crm/customers", {{"name", "Sam"}}).Json();
  const auto a = crm->Post("/v1/crm/appointments", {{"customer_id", c["id"]},
                                                    {"service_type", "Tune-up"},
                                                    {"start_time", FutureTime(2, 10)},
                                                    {"end_time", FutureTime(2, 11)}})
                     .Json();
  const std::string path = "/v1/crm/appointments/" + a["id"].get<std::string>();

  auto moved = crm->Patch(path, {{"start_time", FutureTime(3, 12)}, {"end_time", FutureTime(3, 13)},
                                 {"technician", "Ana"}, {"status", "confirmed"}});
  ASSERT_EQ(moved.status, 200) << moved.body;
  EXPECT_EQ(moved.Json()["status"], "confirmed");
  EXPECT_EQ(moved.Json()["technician"], "Ana");
  EXPECT_EQ(moved.Json()["start_time"], FutureTime(3, 12).substr(0, 19) + ".000Z");

  auto completed = crm->Patch(path, {{"status", "completed"}, {"actual_value_cents", 32000}});
  ASSERT_EQ(completed.status, 200) << completed.body;
  EXPECT_EQ(completed.Json()["status"], "completed");
  EXPECT_EQ(completed.Json()["actual_value_cents"], 32000);

  auto cancel = crm->Patch(path, {{"status", "cancelled"}, {"cancel_reason", "too late"}});
  EXPECT_EQ(cancel.status, 409) << "a completed appointment cannot be cancelled: " << cancel.body;
  EXPECT_EQ(crm->Get(path).Json()["status"], "completed");
}

TEST_F(CrmEndToEnd, TechnicianCannotBeDoubleBookedButCancellationFreesTheSlot) {
  const auto tenant = CreateTenant("Busy Techs");
  auto crm = Client(tenant.api_key);
  const auto c = crm->Post("/v1/crm/customers", {{"name", "Kim"}}).Json();
  nlohmann::json booking = {{"customer_id", c["id"]}, {"service_type", "Repair"}, {"technician", "Mike"},
                            {"start_time", FutureTime(1, 9)}, {"end_time", FutureTime(1, 10)}};
  const auto first = crm->Post("/v1/crm/appointments", booking);
  ASSERT_EQ(first.status, 201) << first.body;
  booking["start_time"] = FutureTime(1, 9, 30);
  booking["end_time"] = FutureTime(1, 10, 30);
  const auto overlap = crm->Post("/v1/crm/appointments", booking);
  ASSERT_EQ(overlap.status, 409) << overlap.body;
  EXPECT_EQ(overlap.Json()["errors"][0]["field"], "technician");

  ASSERT_EQ(crm->Patch("/v1/crm/appointments/" + first.Json()["id"].get<std::string>(),
                       {{"status", "cancelled"}, {"cancel_reason", "customer called"}})
                .status,
            200);
  EXPECT_EQ(crm->Post("/v1/crm/appointments", booking).status, 201) << "the cancelled slot is free again";
}

TEST_F(CrmEndToEnd, DuplicatePhoneIsAConflictNamingTheExistingCustomer) {
  const auto tenant = CreateTenant("Phones");
  auto crm = Client(tenant.api_key);
  const auto first = crm->Post("/v1/crm/customers", {{"name", "A"}, {"phone", "+1 415 555 2671"}}).Json();
  const auto second = crm->Post("/v1/crm/customers", {{"name", "B"}, {"phone", "415-555-2671"}});
  ASSERT_EQ(second.status, 409) << second.body;
  EXPECT_EQ(second.Json()["existing_id"], first["id"]);
  EXPECT_EQ(second.Json()["errors"][0]["field"], "phone");

  // Changing the first customer's phone releases the number for someone else.
  ASSERT_EQ(crm->Patch("/v1/crm/customers/" + first["id"].get<std::string>(), {{"phone", "+1 415 555 0000"}}).status,
            200);
  EXPECT_EQ(crm->Post("/v1/crm/customers", {{"name", "B"}, {"phone", "415-555-2671"}}).status, 201);
}

TEST_F(CrmEndToEnd, SearchFindsByNameOrPhoneSubstringAndPaginates) {
  const auto tenant = CreateTenant("Search Co");
  auto crm = Client(tenant.api_key);
  for (int i = 0; i < 12; ++i) {
    ASSERT_EQ(crm->Post("/v1/crm/customers", {{"name", "Smith " + std::to_string(i)},
                                              {"phone", "+1212555" + std::to_string(1000 + i)}})
                  .status,
              201);
  }
  ASSERT_EQ(crm->Post("/v1/crm/customers", {{"name", "Jones"}, {"phone", "+13105550199"}}).status, 201);

  auto by_name = crm->Get("/v1/crm/customers/search?q=smi&limit=5&offset=10").Json();
  EXPECT_EQ(by_name["total"], 12);
  EXPECT_EQ(by_name["data"].size(), 2u);
  EXPECT_EQ(by_name["limit"], 5);
  EXPECT_EQ(by_name["offset"], 10);

  auto by_phone = crm->Get("/v1/crm/customers/search?q=" + UrlEncode("(310) 555")).Json();
  ASSERT_EQ(by_phone["total"], 1) << by_phone.dump();
  EXPECT_EQ(by_phone["data"][0]["name"], "Jones");

  auto all = crm->Get("/v1/crm/customers?limit=200").Json();
  EXPECT_EQ(all["total"], 13);
  EXPECT_EQ(crm->Get("/v1/crm/customers?limit=201").status, 400);
}

TEST_F(CrmEndToEnd, CustomerPatchReplacesTagsAndOptsOut) {
  const auto tenant = CreateTenant("Tags");
  auto crm = Client(tenant.api_key);
  const auto c = crm->Post("/v1/crm/customers", {{"name", "T"}, {"tags", {"a", "b"}}}).Json();
  const std::string path = "/v1/crm/customers/" + c["id"].get<std::string>();
  auto patched = crm->Patch(path, {{"tags", {"b", "c"}}, {"sms_opt_out", true}, {"email", "t@example.org"}});
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(patched.Json()["tags"], nlohmann::json({"b", "c"}));
  EXPECT_EQ(patched.Json()["sms_opt_out"], true);
  EXPECT_EQ(patched.Json()["email"], "t@example.org");
}

TEST_F(CrmEndToEnd, DataSurvivesARestart) {
  const auto tenant = CreateTenant("Durable");
  const auto id = Client(tenant.api_key)->Post("/v1/crm/customers", {{"name", "Kept"}}).Json()["id"];
  RestartServer();
  auto crm = Client(tenant.api_key);
  auto read = crm->Get("/v1/crm/customers/" + id.get<std::string>());
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(read.Json()["name"], "Kept");
  EXPECT_EQ(crm->Post("/v1/crm/customers", {{"name", "After restart"}}).status, 201);
  EXPECT_EQ(crm->Get("/v1/crm/customers").Json()["total"], 2);
}

}  // namespace
}  // namespace switchboard::testing
