// Tenant isolation, key rotation, suspension, idempotency and read-your-writes over HTTP.
#include "tests/api/e2e_fixture.h"

namespace switchboard::testing {
namespace {

class TenancyEndToEnd : public EndToEnd {};

TEST_F(TenancyEndToEnd, ATenantNeverSeesAnotherTenantsData) {
  const auto a = CreateTenant("Tenant A");
  const auto b = CreateTenant("Tenant B");
  auto crm_a = Client(a.api_key);
  auto crm_b = Client(b.api_key);
  const auto cb = crm_b->Post("/v1/crm/customers", {{"name", "Bob Secret"}, {"phone", "+14155550123"}}).Json();
  const auto ab = crm_b->Post("/v1/crm/appointments", {{"customer_id", cb["id"]},
                                                      {"service_type", "Private"},
                                                      {"start_time", FutureTime(1, 10)}})
                      .Json();
  ASSERT_TRUE(ab.contains("id")) << ab.dump();
  const std::string customer = "/v1/crm/customers/" + cb["id"].get<std::string>();
  const std::string appointment = "/v1/crm/appointments/" + ab["id"].get<std::string>();

  EXPECT_EQ(crm_a->Get(customer).status, 404);
  EXPECT_EQ(crm_a->Get(customer + "/appointments").status, 404);
  EXPECT_EQ(crm_a->Get(customer + "/timeline").status, 404);
  EXPECT_EQ(crm_a->Get(appointment).status, 404);
  EXPECT_EQ(crm_a->Patch(customer, {{"name", "Stolen"}}).status, 404);
  EXPECT_EQ(crm_a->Patch(appointment, {{"status", "cancelled"}}).status, 404);
  EXPECT_EQ(crm_a->Post("/v1/crm/appointments", {{"customer_id", cb["id"]},
                                                 {"service_type", "X"},
                                                 {"start_time", FutureTime(1, 12)}})
                .status,
            422)
      << "another tenant's customer does not exist for A";
  EXPECT_EQ(crm_a->Get("/v1/crm/customers").Json()["total"], 0);
  EXPECT_EQ(crm_a->Get("/v1/crm/appointments").Json()["total"], 0);
  EXPECT_EQ(crm_a->Get("/v1/crm/customers/search?q=bob").Json()["total"], 0);
  EXPECT_EQ(crm_a->Get("/v1/crm/customers/search?q=4155550123").Json()["total"], 0);
  // The same phone is free in another tenant.
  EXPECT_EQ(crm_a->Post("/v1/crm/customers", {{"name", "Other Bob"}, {"phone", "+14155550123"}}).status, 201);
  // B's data is untouched.
  EXPECT_EQ(crm_b->Get(customer).Json()["name"], "Bob Secret");
  EXPECT_EQ(crm_b->Get(appointment).Json()["status"], "scheduled");
}

TEST_F(TenancyEndToEnd, RotatedKeyStopsWorkingAndSuspensionBlocksTheTenant) {
  const auto t = CreateTenant("Rotating");
  auto old_client = Client(t.api_key);
  ASSERT_EQ(old_client->Get("/v1/crm/customers").status, 200);
  auto rotated = admin_->Post("/v1/admin/businesses/" + t.id + "/rotate-key", nlohmann::json::object());
  ASSERT_EQ(rotated.status, 200) << rotated.body;
  const std::string new_key = rotated.Json()["api_key"];
  ASSERT_NE(new_key, t.api_key);
  EXPECT_EQ(old_client->Get("/v1/crm/customers").status, 401);
  auto new_client = Client(new_key);
  EXPECT_EQ(new_client->Get("/v1/crm/customers").status, 200);
  HttpClient owner(server_->base_url());
  owner.SetDefaultHeader("X-Owner-Token", t.owner_token);
  EXPECT_EQ(owner.Get("/v1/crm/customers").status, 200) << "the owner token also opens the CRM";

  ASSERT_EQ(admin_->Patch("/v1/admin/businesses/" + t.id, {{"status", "suspended"}}).status, 200);
  EXPECT_EQ(new_client->Get("/v1/crm/customers").status, 403);
  EXPECT_EQ(new_client->Post("/v1/crm/customers", {{"name", "Blocked"}}).status, 403);
  ASSERT_EQ(admin_->Patch("/v1/admin/businesses/" + t.id, {{"status", "active"}}).status, 200);
  EXPECT_EQ(new_client->Post("/v1/crm/customers", {{"name", "Back"}}).status, 201);
}

TEST_F(TenancyEndToEnd, AdminListsAndConfiguresBusinesses) {
  const auto t = CreateTenant("Configurable", {{"timezone", "America/New_York"}});
  auto patched = admin_->Patch("/v1/admin/businesses/" + t.id,
                               {{"name", "Configured"}, {"default_reminder_hours", 48}});
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(patched.Json()["name"], "Configured");
  EXPECT_EQ(patched.Json()["default_reminder_hours"], 48);
  EXPECT_EQ(patched.Json()["timezone"], "America/New_York");
  EXPECT_FALSE(patched.Json().contains("api_key")) << "secrets are shown only on creation and rotation";
  auto bad = admin_->Patch("/v1/admin/businesses/" + t.id, {{"timezone", "Mars/Olympus"}});
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(bad.Json()["errors"][0]["field"], "timezone");
  auto list = admin_->Get("/v1/admin/businesses").Json();
  EXPECT_EQ(list["total"], 1);
  EXPECT_EQ(list["data"][0]["name"], "Configured");
  EXPECT_EQ(admin_->Post("/v1/admin/businesses", {{"timezone", "UTC"}}).status, 422) << "name is required";
}

TEST_F(TenancyEndToEnd, IdempotencyKeyReturnsTheFirstResponse) {
  const auto t = CreateTenant("Idempotent");
  auto crm = Client(t.api_key);
  const std::map<std::string, std::string> key = {{"Idempotency-Key", "create-jane-1"}};
  auto first = crm->Post("/v1/crm/customers", {{"name", "Jane"}, {"phone", "+15551231111"}}, key);
  ASSERT_EQ(first.status, 201) << first.body;
  const double events = EventsAppended();
  auto again = crm->Post("/v1/crm/customers", {{"name", "Jane"}, {"phone", "+15551231111"}}, key);
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(EventsAppended(), events) << "a replayed request appends nothing";
  auto reused = crm->Post("/v1/crm/customers", {{"name", "Someone else"}}, key);
  EXPECT_EQ(reused.status, 422) << "the same key with another body is refused";
  EXPECT_EQ(crm->Get("/v1/crm/customers").Json()["total"], 1);
}

TEST_F(TenancyEndToEnd, ConsistencyTokenIsHonouredAndValidated) {
  const auto t = CreateTenant("Consistent");
  auto crm = Client(t.api_key);
  auto created = crm->Post("/v1/crm/customers", {{"name", "Fresh"}});
  const std::string token = created.Header("x-consistency-token");
  ASSERT_FALSE(token.empty());
  auto read = crm->Get("/v1/crm/customers/" + created.Json()["id"].get<std::string>(),
                       {{"X-Consistency-Token", token}});
  EXPECT_EQ(read.status, 200);
  EXPECT_EQ(crm->Get("/v1/crm/customers", {{"X-Consistency-Token", "garbage"}}).status, 400);
}

TEST_F(TenancyEndToEnd, OperationalEndpoints) {
  HttpClient anyone(server_->base_url());
  EXPECT_EQ(anyone.Get("/healthz").Json()["status"], "ok");
  auto ready = anyone.Get("/readyz");
  EXPECT_EQ(ready.status, 200) << ready.body;
  EXPECT_EQ(ready.Json()["checks"]["postgres"], "ok");
  CreateTenant("Metered");
  auto metrics = anyone.Get("/metrics");
  EXPECT_NE(metrics.body.find("switchboard_http_requests_total"), std::string::npos);
  EXPECT_NE(metrics.body.find("switchboard_event_append_duration_seconds"), std::string::npos);
  EXPECT_NE(metrics.body.find("switchboard_projection_lag_events"), std::string::npos);
  EXPECT_GT(EventsAppended(), 0);
  auto openapi = anyone.Get("/openapi.json").Json();
  EXPECT_EQ(openapi["openapi"], "3.1.0");
  for (const char* path : {"/v1/admin/businesses", "/v1/admin/businesses/{id}/rotate-key", "/v1/crm/customers",
                           "/v1/crm/customers/search", "/v1/crm/customers/{id}/timeline", "/v1/crm/appointments/{id}",
                           "/healthz", "/readyz", "/metrics"}) {
    EXPECT_TRUE(openapi["paths"].contains(path)) << path;
  }
  EXPECT_TRUE(openapi["paths"]["/v1/crm/appointments/{id}"].contains("patch"));
}

}  // namespace
}  // namespace switchboard::testing
