// Outbound webhooks over the real binary: registration and validation, tenant isolation, signed
// deliveries to a local receiver that fails and then recovers (retries, per-tenant order, the
// deliveries endpoint), and dead-lettering after the configured attempts. Small delays come in
// through SWITCHBOARD_WEBHOOK_* variables, which the server process inherits.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "commands/webhooks/signature.h"
#include "tests/api/e2e_fixture.h"
#include "tests/support/webhook_receiver.h"

namespace switchboard::testing {
namespace {

class WebhooksEndToEnd : public EndToEnd {
 protected:
  static constexpr int kMaxAttempts = 4;

  void SetUp() override {
    ::setenv("SWITCHBOARD_WEBHOOK_MAX_ATTEMPTS", std::to_string(kMaxAttempts).c_str(), 1);
    ::setenv("SWITCHBOARD_WEBHOOK_BASE_DELAY_MS", "50", 1);
    ::setenv("SWITCHBOARD_WEBHOOK_MAX_DELAY_MS", "200", 1);
    ::setenv("SWITCHBOARD_WEBHOOK_TIMEOUT_MS", "2000", 1);
    EndToEnd::SetUp();
  }
  void TearDown() override {
    for (const char* v : {"SWITCHBOARD_WEBHOOK_MAX_ATTEMPTS", "SWITCHBOARD_WEBHOOK_BASE_DELAY_MS",
                          "SWITCHBOARD_WEBHOOK_MAX_DELAY_MS", "SWITCHBOARD_WEBHOOK_TIMEOUT_MS"}) {
      ::unsetenv(v);
    }
  }

  template <class Pred>
  static bool Eventually(Pred pred, std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (pred()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    return pred();
  }

  WebhookReceiver receiver_;
};

std::string FirstErrorField(const HttpReply& reply) {
  const auto j = reply.Json();
  if (!j.contains("errors") || j["errors"].empty()) return "";
  return j["errors"][0].value("field", "");
}

TEST_F(WebhooksEndToEnd, RegistersListsDeletesAndValidatesWithTenantIsolation) {
  const auto a = CreateTenant("Hooks A");
  const auto b = CreateTenant("Hooks B");
  auto api_a = Client(a.api_key);
  auto api_b = Client(b.api_key);

  auto created = api_a->Post("/v1/integrations/webhooks",
                             {{"url", receiver_.Url("/a")}, {"event_types", {"CustomerCreated", "AppointmentBooked"}}});
  ASSERT_EQ(created.status, 201) << created.body;
  const auto w = created.Json();
  EXPECT_EQ(w["url"].get<std::string>(), receiver_.Url("/a"));
  EXPECT_EQ(w["event_types"], nlohmann::json({"AppointmentBooked", "CustomerCreated"}));
  EXPECT_EQ(w["status"], "active");
  EXPECT_TRUE(w["secret"].get<std::string>().starts_with("whsec_")) << "generated when not given";
  const std::string id = w["id"];

  auto given = api_a->Post("/v1/integrations/webhooks", {{"url", receiver_.Url("/b")},
                                                         {"event_types", {"*"}},
                                                         {"secret", "my-own-secret-0123456789"}});
  ASSERT_EQ(given.status, 201) << given.body;
  EXPECT_EQ(given.Json()["secret"], "my-own-secret-0123456789");

  auto list = api_a->Get("/v1/integrations/webhooks");
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(list.Json()["total"], 2);
  EXPECT_EQ(list.Json()["limit"], 50);
  const auto listed = list.Json();
  for (const auto& item : listed["data"]) EXPECT_FALSE(item.contains("secret")) << "shown only once";
  EXPECT_EQ(api_a->Get("/v1/integrations/webhooks?limit=1").Json()["data"].size(), 1u);

  // Validation names the field and leaves no trace.
  const double before = EventsAppended();
  const struct {
    nlohmann::json body;
    const char* field;
  } bad[] = {
      {{{"url", "ftp://example.com/x"}, {"event_types", {"*"}}}, "url"},
      {{{"url", "https://example.com/" + std::string(2000, 'a')}, {"event_types", {"*"}}}, "url"},
      {{{"event_types", {"*"}}}, "url"},
      {{{"url", receiver_.Url("/x")}}, "event_types"},
      {{{"url", receiver_.Url("/x")}, {"event_types", nlohmann::json::array()}}, "event_types"},
      {{{"url", receiver_.Url("/x")}, {"event_types", {"NoSuchEvent"}}}, "event_types"},
      {{{"url", receiver_.Url("/x")}, {"event_types", {"*"}}, {"secret", "short"}}, "secret"},
      {{{"url", receiver_.Url("/x")}, {"event_types", {"*"}}, {"colour", "red"}}, "colour"},
  };
  for (const auto& k : bad) {
    auto reply = api_a->Post("/v1/integrations/webhooks", k.body);
    EXPECT_EQ(reply.status, 422) << k.body.dump() << " " << reply.body;
    EXPECT_EQ(reply.Header("content-type"), "application/problem+json") << reply.body;
    EXPECT_EQ(FirstErrorField(reply), k.field) << reply.body;
  }
  EXPECT_EQ(EventsAppended(), before);

  // Isolation: B sees nothing of A's webhooks and cannot touch them.
  EXPECT_EQ(api_b->Get("/v1/integrations/webhooks").Json()["total"], 0);
  EXPECT_EQ(api_b->Get("/v1/integrations/webhooks/" + id + "/deliveries").status, 404);
  EXPECT_EQ(api_b->Send("DELETE", "/v1/integrations/webhooks/" + id).status, 404);
  HttpClient anonymous(server_->base_url());
  EXPECT_EQ(anonymous.Get("/v1/integrations/webhooks").status, 401);
  EXPECT_EQ(api_a->Get("/v1/integrations/webhooks/not-a-uuid/deliveries").status, 400);

  auto deleted = api_a->Send("DELETE", "/v1/integrations/webhooks/" + id);
  EXPECT_EQ(deleted.status, 204) << deleted.body;
  EXPECT_EQ(api_a->Send("DELETE", "/v1/integrations/webhooks/" + id).status, 404);
  auto after = api_a->Get("/v1/integrations/webhooks", {{"X-Consistency-Token", deleted.Header("x-consistency-token")}});
  EXPECT_EQ(after.Json()["total"], 1);
  EXPECT_EQ(after.Json()["data"][0]["id"], given.Json()["id"]);
  EXPECT_EQ(api_a->Get("/v1/integrations/webhooks/" + id + "/deliveries").status, 200)
      << "a deleted webhook's deliveries stay visible";

  auto spec = admin_->Get("/openapi.json").Json();
  EXPECT_TRUE(spec["paths"].contains("/v1/integrations/webhooks/{id}/deliveries"));
  EXPECT_TRUE(spec["components"]["schemas"].contains("WebhookDeliveryPage"));
}

TEST_F(WebhooksEndToEnd, DeliversSignedEventsInOrderAfterTheReceiverRecovers) {
  const auto tenant = CreateTenant("Hooks Deliver");
  auto api = Client(tenant.api_key);
  receiver_.FailFirst("/hook", 2);
  auto created = api->Post("/v1/integrations/webhooks",
                           {{"url", receiver_.Url("/hook")}, {"event_types", {"CustomerCreated", "CustomerUpdated"}}});
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = created.Json()["id"];
  const std::string secret = created.Json()["secret"];

  const auto customer = api->Post("/v1/crm/customers", {{"name", "Jane"}}).Json();
  const std::string customer_path = "/v1/crm/customers/" + customer["id"].get<std::string>();
  ASSERT_EQ(api->Patch(customer_path, {{"name", "Janet"}}).status, 200);

  ASSERT_TRUE(Eventually([&] { return receiver_.Delivered("/hook").size() >= 2; }))
      << receiver_.requests().size() << " requests received";
  const auto all = receiver_.requests();
  ASSERT_EQ(all.size(), 4u) << "two failures, then each event once";
  std::vector<std::string> sequence;
  for (const auto& r : all) {
    const auto body = nlohmann::json::parse(r.body);
    sequence.push_back(body["type"].get<std::string>() + "/" + std::to_string(r.answered));
    EXPECT_EQ(body["tenant_id"].get<std::string>(), tenant.id);
    EXPECT_EQ(r.headers.at("x-switchboard-event-id"), body["event_id"].get<std::string>());
    EXPECT_EQ(r.headers.at("x-switchboard-event-type"), body["type"].get<std::string>());
    EXPECT_EQ(r.headers.at("content-type"), "application/json");
    EXPECT_TRUE(body.contains("occurred_at") && body.contains("data"));
    const std::string signature = r.headers.at("x-switchboard-signature");
    EXPECT_TRUE(commands::webhooks::VerifySignatureHeader(signature, secret, r.body)) << signature;
    EXPECT_FALSE(commands::webhooks::VerifySignatureHeader(signature, "whsec_wrong", r.body));
    const auto t = std::stoll(signature.substr(2, signature.find(',') - 2));
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch()).count();
    EXPECT_LE(std::abs(now - t), 60) << "the timestamp is the send time";
  }
  // The update waited behind the create's retries: per-tenant order holds.
  EXPECT_EQ(sequence, (std::vector<std::string>{"CustomerCreated/500", "CustomerCreated/500", "CustomerCreated/200",
                                                "CustomerUpdated/200"}));
  const auto delivered = receiver_.Delivered("/hook");
  EXPECT_EQ(nlohmann::json::parse(delivered[0].body)["data"]["name"], "Jane");
  EXPECT_EQ(nlohmann::json::parse(delivered[1].body)["data"]["name"], "Janet");

  // The attempts are facts in the log, listed newest first.
  nlohmann::json deliveries;
  ASSERT_TRUE(Eventually([&] {
    deliveries = api->Get("/v1/integrations/webhooks/" + id + "/deliveries").Json();
    return deliveries.value("total", 0) == 4;
  })) << deliveries.dump();
  const auto& d = deliveries["data"];
  EXPECT_EQ(d[0]["event_type"], "CustomerUpdated");
  EXPECT_EQ(d[0]["status"], "succeeded");
  EXPECT_EQ(d[0]["attempt"], 1);
  EXPECT_EQ(d[0]["status_code"], 200);
  EXPECT_EQ(d[1]["event_type"], "CustomerCreated");
  EXPECT_EQ(d[1]["status"], "succeeded");
  EXPECT_EQ(d[1]["attempt"], 3);
  for (int i : {2, 3}) {
    EXPECT_EQ(d[i]["status"], "failed");
    EXPECT_EQ(d[i]["status_code"], 500);
    EXPECT_EQ(d[i]["error"], "HTTP 500");
    EXPECT_TRUE(d[i]["next_attempt_at"].is_string()) << d[i].dump();
  }
  EXPECT_EQ(d[2]["attempt"], 2);
  EXPECT_EQ(d[3]["attempt"], 1);
  EXPECT_EQ(d[1]["event_id"], d[3]["event_id"]);
  EXPECT_EQ(api->Get("/v1/integrations/webhooks/" + id + "/deliveries?limit=1&offset=3").Json()["data"][0]["attempt"], 1);
}

TEST_F(WebhooksEndToEnd, AnAlwaysFailingReceiverIsDeadLetteredAfterMaxAttempts) {
  const auto tenant = CreateTenant("Hooks Dead");
  auto api = Client(tenant.api_key);
  receiver_.FailFirst("/down", -1);
  auto created =
      api->Post("/v1/integrations/webhooks", {{"url", receiver_.Url("/down")}, {"event_types", {"CustomerCreated"}}});
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = created.Json()["id"];
  ASSERT_EQ(api->Post("/v1/crm/customers", {{"name", "First"}}).status, 201);
  ASSERT_EQ(api->Post("/v1/crm/customers", {{"name", "Second"}}).status, 201);

  nlohmann::json deliveries;
  ASSERT_TRUE(Eventually([&] {
    deliveries = api->Get("/v1/integrations/webhooks/" + id + "/deliveries").Json();
    int dead = 0;
    for (const auto& row : deliveries["data"]) dead += row["status"] == "dead_lettered";
    return dead == 2;
  })) << deliveries.dump();
  EXPECT_EQ(deliveries["total"], 2 * kMaxAttempts);
  const auto& d = deliveries["data"];
  EXPECT_EQ(d[0]["status"], "dead_lettered");
  EXPECT_EQ(d[0]["attempt"], kMaxAttempts);
  EXPECT_TRUE(d[0]["next_attempt_at"].is_null());
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const auto requests = receiver_.requests();
  EXPECT_EQ(requests.size(), 2u * kMaxAttempts) << "no attempt after the dead letter";
  // The second customer was tried only once the first was dead-lettered.
  for (std::size_t i = 0; i < requests.size(); ++i) {
    EXPECT_EQ(nlohmann::json::parse(requests[i].body)["data"]["name"],
              i < static_cast<std::size_t>(kMaxAttempts) ? "First" : "Second");
  }
}

}  // namespace
}  // namespace switchboard::testing
