// Specification of the WebhookEndpoint decider (registration rules, deletion, delivery facts) and
// its codec round trip.
#include <gtest/gtest.h>

#include "domain/codec/webhook_codec.h"
#include "decider_spec.h"
#include "domain/webhook.h"

namespace switchboard::domain {
namespace {

using Code = Rejection::Code;
using Spec = testing::DeciderSpec<WebhookEndpoint, WebhookEvent>;
Spec Given(std::vector<WebhookEvent> history = {}) { return Spec(std::move(history)); }

constexpr const char* kSecret = "whsec_0123456789abcdef";

RegisterWebhook Register() {
  return RegisterWebhook{"w1", "https://hooks.example.com/in?x=1", {"AppointmentBooked", "CustomerCreated"}, kSecret};
}
WebhookRegistered Registered() {
  return WebhookRegistered{"w1", "https://hooks.example.com/in?x=1", {"AppointmentBooked", "CustomerCreated"}, kSecret};
}

TEST(WebhookDecider, RegistersAnEndpoint) { Given().When(Register()).Then({Registered()}); }

TEST(WebhookDecider, SortsAndDeduplicatesEventTypesAndCollapsesStar) {
  auto c = Register();
  c.event_types = {"CustomerCreated", "AppointmentBooked", "CustomerCreated"};
  auto e = Registered();
  e.event_types = {"AppointmentBooked", "CustomerCreated"};
  Given().When(c).Then({e});

  c.event_types = {"CustomerCreated", "*"};
  e.event_types = {"*"};
  Given().When(c).Then({e});
}

TEST(WebhookDecider, LowercasesTheSchemeAndTrimsTheUrl) {
  auto c = Register();
  c.url = "  HTTP://127.0.0.1:8080/hook ";
  auto e = Registered();
  e.url = "http://127.0.0.1:8080/hook";
  Given().When(c).Then({e});
}

TEST(WebhookDecider, RejectsRegisteringTwice) {
  auto spec = Given({Registered()});
  spec.When(Register()).ThenRejects(Code::kAlreadyExists, "webhook_id");
  EXPECT_EQ(spec.rejection().existing_id, "w1");
  Given({Registered(), WebhookDeleted{"w1"}}).When(Register()).ThenRejects(Code::kAlreadyExists, "webhook_id");
}

struct FieldCase {
  const char* what;
  void (*mutate)(RegisterWebhook&);
  const char* field;
};

TEST(WebhookDecider, ValidatesEveryField) {
  const FieldCase cases[] = {
      {"no id", [](RegisterWebhook& c) { c.webhook_id = ""; }, "webhook_id"},
      {"id with slash", [](RegisterWebhook& c) { c.webhook_id = "a/b"; }, "webhook_id"},
      {"empty url", [](RegisterWebhook& c) { c.url = " "; }, "url"},
      {"ftp url", [](RegisterWebhook& c) { c.url = "ftp://example.com/x"; }, "url"},
      {"relative url", [](RegisterWebhook& c) { c.url = "/hook"; }, "url"},
      {"no host", [](RegisterWebhook& c) { c.url = "https:///hook"; }, "url"},
      {"credentials", [](RegisterWebhook& c) { c.url = "https://user:pw@example.com/"; }, "url"},
      {"space", [](RegisterWebhook& c) { c.url = "https://exa mple.com/"; }, "url"},
      {"bad port", [](RegisterWebhook& c) { c.url = "https://example.com:99999/"; }, "url"},
      {"empty port", [](RegisterWebhook& c) { c.url = "https://example.com:/"; }, "url"},
      {"too long", [](RegisterWebhook& c) { c.url = "https://example.com/" + std::string(1990, 'a'); }, "url"},
      {"no event types", [](RegisterWebhook& c) { c.event_types = {}; }, "event_types"},
      {"unknown type", [](RegisterWebhook& c) { c.event_types = {"AppointmentBooked", "Nope"}; }, "event_types"},
      {"delivery facts", [](RegisterWebhook& c) { c.event_types = {"WebhookDeliverySucceeded"}; }, "event_types"},
      {"short secret", [](RegisterWebhook& c) { c.secret = "short"; }, "secret"},
      {"secret with space", [](RegisterWebhook& c) { c.secret = "whsec_0123 456789abcdef"; }, "secret"},
      {"long secret", [](RegisterWebhook& c) { c.secret = std::string(201, 'a'); }, "secret"},
  };
  for (const auto& k : cases) {
    SCOPED_TRACE(k.what);
    auto c = Register();
    k.mutate(c);
    Given().When(c).ThenRejects(Code::kInvalid, k.field);
  }
}

TEST(WebhookDecider, AcceptsAUrlOfExactly2000Characters) {
  auto c = Register();
  c.url = "https://example.com/";
  c.url += std::string(2000 - c.url.size(), 'a');
  auto e = Registered();
  e.url = c.url;
  Given().When(c).Then({e});
}

TEST(WebhookDecider, DeletesOnceThenNotFound) {
  Given({Registered()}).When(DeleteWebhook{}).Then({WebhookDeleted{"w1"}});
  Given({Registered(), WebhookDeleted{"w1"}}).When(DeleteWebhook{}).ThenRejects(Code::kNotFound, "");
  Given().When(DeleteWebhook{}).ThenRejects(Code::kNotFound, "");
}

TEST(WebhookDecider, RecordsDeliveryFacts) {
  const auto at = *ParseTime("2030-01-01T00:00:01.500Z");
  Given({Registered()})
      .When(RecordWebhookDeliveryAttempt{"e1", "CustomerCreated", 1, 500, "HTTP 500", at})
      .Then({WebhookDeliveryAttempted{"w1", "e1", "CustomerCreated", 1, 500, "HTTP 500", "2030-01-01T00:00:01.500Z"}});
  Given({Registered()})
      .When(RecordWebhookDeliverySuccess{"e1", "CustomerCreated", 2, 204})
      .Then({WebhookDeliverySucceeded{"w1", "e1", "CustomerCreated", 2, 204}});
  Given({Registered()})
      .When(RecordWebhookDeadLetter{"e1", "CustomerCreated", 8, 0, "timeout"})
      .Then({WebhookDeliveryDeadLettered{"w1", "e1", "CustomerCreated", 8, 0, "timeout"}});
}

TEST(WebhookDecider, RecordsFactsOfADeletedEndpointButNotOfAnUnknownOne) {
  Given({Registered(), WebhookDeleted{"w1"}})
      .When(RecordWebhookDeliverySuccess{"e1", "CustomerCreated", 1, 200})
      .Then({WebhookDeliverySucceeded{"w1", "e1", "CustomerCreated", 1, 200}});
  Given().When(RecordWebhookDeliverySuccess{"e1", "CustomerCreated", 1, 200}).ThenRejects(Code::kNotFound, "");
}

TEST(WebhookDecider, ValidatesFactsAndCutsLongErrors) {
  Given({Registered()}).When(RecordWebhookDeliverySuccess{"e1", "X", 0, 200}).ThenRejects(Code::kInvalid, "attempt");
  Given({Registered()}).When(RecordWebhookDeliverySuccess{"e1", "X", 1, 600}).ThenRejects(Code::kInvalid, "status_code");
  Given({Registered()}).When(RecordWebhookDeliverySuccess{"", "X", 1, 200}).ThenRejects(Code::kInvalid, "event_id");
  auto spec = Given({Registered()});
  spec.When(RecordWebhookDeliveryAttempt{"e1", "X", 1, 0, std::string(5000, 'x'), std::nullopt});
  ASSERT_EQ(spec.events().size(), 1u);
  const auto& e = std::get<WebhookDeliveryAttempted>(spec.events()[0]);
  EXPECT_EQ(e.error.size(), kMaxWebhookErrorChars);
  EXPECT_EQ(e.next_attempt_at, "");
}

TEST(WebhookDecider, FoldsState) {
  const auto s = Fold({Registered(), WebhookDeliverySucceeded{"w1", "e1", "X", 1, 200},
                       WebhookDeliveryDeadLettered{"w1", "e2", "X", 3, 500, "HTTP 500"}, WebhookDeleted{"w1"}});
  EXPECT_EQ(s.status, WebhookEndpoint::Status::kDeleted);
  EXPECT_EQ(s.secret, kSecret);
  EXPECT_EQ(s.deliveries_succeeded, 1);
  EXPECT_EQ(s.deliveries_dead_lettered, 1);
}

TEST(WebhookTypes, KnownTypesCoverTheCatalogueButNoWebhookEvents) {
  const auto& known = KnownWebhookEventTypes();
  EXPECT_TRUE(std::is_sorted(known.begin(), known.end()));
  for (const char* t : {"TenantCreated", "CustomerCreated", "CustomerPhoneClaimed", "AppointmentBooked",
                        "TechnicianSlotReserved"}) {
    EXPECT_TRUE(std::binary_search(known.begin(), known.end(), t)) << t;
  }
  for (const auto& t : known) EXPECT_FALSE(t.starts_with("Webhook")) << t;
  EXPECT_TRUE(WebhookWants({"*"}, "CustomerCreated"));
  EXPECT_FALSE(WebhookWants({"*"}, "WebhookDeliveryAttempted"));
  EXPECT_FALSE(WebhookWants({"*"}, "WebhookRegistered"));
  EXPECT_FALSE(WebhookWants({"AppointmentBooked"}, "CustomerCreated"));
  EXPECT_TRUE(IsWebhookDeliveryFact("WebhookDeliveryDeadLettered"));
  EXPECT_FALSE(IsWebhookDeliveryFact("WebhookRegistered"));
}

TEST(WebhookCodec, RoundTripsEveryEventAndTheSnapshot) {
  const std::vector<WebhookEvent> events = {
      Registered(), WebhookDeleted{"w1"},
      WebhookDeliveryAttempted{"w1", "e1", "CustomerCreated", 2, 0, "refused", "2030-01-01T00:00:00.000Z"},
      WebhookDeliverySucceeded{"w1", "e1", "CustomerCreated", 3, 201},
      WebhookDeliveryDeadLettered{"w1", "e2", "CustomerCreated", 8, 503, "HTTP 503"}};
  for (const auto& e : events) {
    const auto enc = Encode(e);
    auto back = DecodeWebhookEvent(enc.type, enc.schema_version, enc.data);
    ASSERT_TRUE(back.ok()) << enc.type << ": " << back.error().message;
    EXPECT_TRUE(*back == e) << enc.type;
  }
  EXPECT_FALSE(DecodeWebhookEvent("WebhookRegistered", 2, Encode(events[0]).data).ok());
  EXPECT_FALSE(DecodeWebhookEvent("WebhookRegistered", 1, nlohmann::json{{"webhook_id", "w1"}}).ok());

  const auto state = Fold({Registered(), WebhookDeliverySucceeded{"w1", "e1", "X", 1, 200}});
  auto restored = WebhookEndpointFromSnapshot(ToSnapshot(state));
  ASSERT_TRUE(restored.ok()) << restored.error().message;
  EXPECT_EQ(*restored, state);
  EXPECT_EQ(Encode(WebhookEvent{Registered()}).data["secret"], kSecret) << "EVENTS.md: the signer needs the secret";
}

}  // namespace
}  // namespace switchboard::domain
