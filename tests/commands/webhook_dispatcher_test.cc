// Webhook delivery, write side: backoff with full jitter (seeded, deterministic), signatures, the
// pure DeliverySchedule (per-endpoint order, retries, dead letters, persistence), and the
// dispatcher loop end to end over a real RocksDB log with a scripted fake sender.
#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <thread>

#include "adapters/rocksdb/rocksdb_event_log.h"
#include "adapters/rocksdb/rocksdb_state_store.h"
#include "commands/webhooks/delivery_schedule.h"
#include "commands/webhooks/retry_policy.h"
#include "commands/webhooks/signature.h"
#include "commands/webhooks/webhook_dispatcher.h"
#include "commands/webhooks/webhook_service.h"
#include "domain/codec/webhook_codec.h"
#include "tests/support/temp_dir.h"

namespace switchboard::commands::webhooks {
namespace {

using std::chrono::milliseconds;

TimePoint At(std::int64_t ms) { return TimePoint(milliseconds(ms)); }

// --- backoff ---

TEST(Backoff, CeilingDoublesFromTheBaseUpToTheCap) {
  const RetryPolicy p{8, milliseconds(100), milliseconds(1000)};
  EXPECT_EQ(BackoffCeiling(p, 1), milliseconds(100));
  EXPECT_EQ(BackoffCeiling(p, 2), milliseconds(200));
  EXPECT_EQ(BackoffCeiling(p, 3), milliseconds(400));
  EXPECT_EQ(BackoffCeiling(p, 4), milliseconds(800));
  EXPECT_EQ(BackoffCeiling(p, 5), milliseconds(1000));
  EXPECT_EQ(BackoffCeiling(p, 1000), milliseconds(1000)) << "no overflow for absurd attempt counts";
}

TEST(Backoff, FullJitterStaysWithinTheCeilingAndSpreads) {
  const RetryPolicy p{8, milliseconds(1000), milliseconds(60'000)};
  SeededRandom random(7);
  for (int attempt = 1; attempt <= 10; ++attempt) {
    std::int64_t lo = 1 << 30, hi = -1;
    for (int i = 0; i < 200; ++i) {
      const auto d = BackoffDelay(p, attempt, random).count();
      ASSERT_GE(d, 0);
      ASSERT_LE(d, BackoffCeiling(p, attempt).count());
      lo = std::min(lo, d);
      hi = std::max(hi, d);
    }
    // Full jitter: the draws cover most of [0, ceiling], not a narrow band around it.
    EXPECT_LT(lo, BackoffCeiling(p, attempt).count() / 4) << attempt;
    EXPECT_GT(hi, BackoffCeiling(p, attempt).count() * 3 / 4) << attempt;
  }
}

TEST(Backoff, TheSameSeedGivesTheSameSchedule) {
  const RetryPolicy p{8, milliseconds(50), milliseconds(5000)};
  SeededRandom a(42), b(42), c(43);
  std::vector<std::int64_t> da, db, dc;
  for (int attempt = 1; attempt <= 7; ++attempt) {
    da.push_back(BackoffDelay(p, attempt, a).count());
    db.push_back(BackoffDelay(p, attempt, b).count());
    dc.push_back(BackoffDelay(p, attempt, c).count());
  }
  EXPECT_EQ(da, db);
  EXPECT_NE(da, dc);
}

TEST(Backoff, RetriesUntilTheLastAttemptThenDeadLetters) {
  const RetryPolicy p{3, milliseconds(100), milliseconds(1000)};
  SeededRandom random(1);
  const auto now = At(1'000'000);
  const auto first = AfterFailure(p, 1, now, random);
  ASSERT_EQ(first.kind, RetryStep::Kind::kRetry);
  EXPECT_GE(first.next_attempt_at, now);
  EXPECT_LE(first.next_attempt_at, now + milliseconds(100));
  EXPECT_EQ(AfterFailure(p, 2, now, random).kind, RetryStep::Kind::kRetry);
  EXPECT_EQ(AfterFailure(p, 3, now, random).kind, RetryStep::Kind::kDeadLetter);
  EXPECT_EQ(AfterFailure(RetryPolicy{1, milliseconds(1), milliseconds(1)}, 1, now, random).kind,
            RetryStep::Kind::kDeadLetter);
}

// --- signatures ---

TEST(Signature, MatchesTheRfc4231TestVector) {
  // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
  EXPECT_EQ(HmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Signature, SignsTimestampDotBodyAndVerifies) {
  const std::string body = R"({"event_id":"e1"})";
  const std::string header = SignatureHeader("whsec_x", 1700000000, body);
  EXPECT_EQ(header, "t=1700000000,v1=" + HmacSha256Hex("whsec_x", "1700000000." + body));
  EXPECT_TRUE(VerifySignatureHeader(header, "whsec_x", body));
  EXPECT_FALSE(VerifySignatureHeader(header, "whsec_y", body));
  EXPECT_FALSE(VerifySignatureHeader(header, "whsec_x", body + " "));
  EXPECT_FALSE(VerifySignatureHeader("t=1700000001" + header.substr(12), "whsec_x", body));
  EXPECT_FALSE(VerifySignatureHeader("garbage", "whsec_x", body));
}

// --- schedule ---

RecordedEvent Event(std::int64_t offset, std::string tenant, std::string type, nlohmann::json data = nlohmann::json::object()) {
  RecordedEvent e;
  e.event_id = "ev-" + std::to_string(offset);
  e.offset = offset;
  e.tenant_id = std::move(tenant);
  e.type = std::move(type);
  e.data = std::move(data);
  return e;
}

RecordedEvent Registration(std::int64_t offset, const std::string& tenant, const std::string& id,
                           std::vector<std::string> types) {
  auto enc = domain::Encode(domain::WebhookEvent{domain::WebhookRegistered{id, "http://x/" + id, std::move(types), "whsec_0123456789abcdef"}});
  return Event(offset, tenant, enc.type, enc.data);
}

TEST(DeliverySchedule, QueuesMatchingEventsOfTheEndpointsTenantInOrder) {
  DeliverySchedule s;
  s.Observe(Event(0, "t1", "CustomerCreated"));  // before any endpoint: nobody wants it
  s.Observe(Registration(1, "t1", "w1", {"*"}));
  s.Observe(Registration(2, "t1", "w2", {"AppointmentBooked"}));
  s.Observe(Registration(3, "t2", "w3", {"*"}));
  s.Observe(Event(4, "t1", "CustomerCreated"));
  s.Observe(Event(5, "t1", "AppointmentBooked"));
  s.Observe(Event(6, "t2", "CustomerCreated"));
  s.Observe(Event(7, "t1", "WebhookDeliverySucceeded"));  // never delivered: no feedback loop
  s.Observe(Event(5, "t1", "AppointmentBooked"));         // a repeat after a restart
  EXPECT_EQ(s.Find("w1")->pending, (std::deque<std::int64_t>{4, 5}));
  EXPECT_EQ(s.Find("w2")->pending, (std::deque<std::int64_t>{5}));
  EXPECT_EQ(s.Find("w3")->pending, (std::deque<std::int64_t>{6}));
}

TEST(DeliverySchedule, ALaterEventWaitsWhileTheHeadIsRetried) {
  DeliverySchedule s;
  s.Observe(Registration(0, "t1", "w1", {"*"}));
  s.Observe(Event(1, "t1", "CustomerCreated"));
  s.Observe(Event(2, "t1", "CustomerUpdated"));
  const RetryPolicy p{3, milliseconds(100), milliseconds(1000)};
  SeededRandom random(3);
  const auto now = At(10'000);
  EXPECT_EQ(s.Due(now), std::vector<std::string>{"w1"});
  const auto step = s.Failed("w1", now, p, random);
  ASSERT_EQ(step.kind, RetryStep::Kind::kRetry);
  EXPECT_EQ(s.Find("w1")->pending.front(), 1) << "the failed head stays first";
  EXPECT_EQ(s.Find("w1")->failed_attempts, 1);
  if (step.next_attempt_at > now) {
    EXPECT_TRUE(s.Due(now).empty());
  }
  EXPECT_EQ(s.EarliestDue(), step.next_attempt_at);
  s.Succeeded("w1");
  EXPECT_EQ(s.Find("w1")->pending, (std::deque<std::int64_t>{2}));
  EXPECT_EQ(s.Find("w1")->failed_attempts, 0);
  EXPECT_EQ(s.Due(now), std::vector<std::string>{"w1"}) << "the next event is due at once";
}

TEST(DeliverySchedule, DeadLettersAfterMaxAttemptsAndMovesOn) {
  DeliverySchedule s;
  s.Observe(Registration(0, "t1", "w1", {"*"}));
  s.Observe(Event(1, "t1", "CustomerCreated"));
  s.Observe(Event(2, "t1", "CustomerUpdated"));
  const RetryPolicy p{3, milliseconds(10), milliseconds(10)};
  SeededRandom random(5);
  EXPECT_EQ(s.Failed("w1", At(0), p, random).kind, RetryStep::Kind::kRetry);
  EXPECT_EQ(s.Failed("w1", At(0), p, random).kind, RetryStep::Kind::kRetry);
  EXPECT_EQ(s.Failed("w1", At(0), p, random).kind, RetryStep::Kind::kDeadLetter);
  EXPECT_EQ(s.Find("w1")->pending, (std::deque<std::int64_t>{2}));
  EXPECT_EQ(s.Find("w1")->failed_attempts, 0);
}

TEST(DeliverySchedule, DeletionDropsTheEndpointAndItsQueue) {
  DeliverySchedule s;
  s.Observe(Registration(0, "t1", "w1", {"*"}));
  s.Observe(Event(1, "t1", "CustomerCreated"));
  const auto del = domain::Encode(domain::WebhookEvent{domain::WebhookDeleted{"w1"}});
  s.Observe(Event(2, "t1", del.type, del.data));
  s.Observe(Event(3, "t1", "CustomerCreated"));
  EXPECT_EQ(s.Find("w1"), nullptr);
  EXPECT_FALSE(s.EarliestDue().has_value());
}

TEST(DeliverySchedule, DeliversNothingBeforeDeliverFromButLearnsEndpoints) {
  DeliverySchedule s;
  s.set_deliver_from(3);
  s.Observe(Registration(0, "t1", "w1", {"*"}));
  s.Observe(Event(1, "t1", "CustomerCreated"));
  s.Observe(Event(3, "t1", "CustomerCreated"));
  EXPECT_EQ(s.Find("w1")->pending, (std::deque<std::int64_t>{3}));
}

TEST(DeliverySchedule, RoundTripsThroughJson) {
  DeliverySchedule s;
  s.Observe(Registration(0, "t1", "w1", {"*"}));
  s.Observe(Event(1, "t1", "CustomerCreated"));
  s.Observe(Event(2, "t1", "CustomerUpdated"));
  SeededRandom random(9);
  (void)s.Failed("w1", At(5000), RetryPolicy{8, milliseconds(100), milliseconds(100)}, random);
  s.set_position(3);
  auto back = DeliverySchedule::FromJson(s.ToJson());
  ASSERT_TRUE(back.ok()) << back.error();
  EXPECT_EQ(back->ToJson(), s.ToJson());
  EXPECT_EQ(back->position(), 3);
  EXPECT_EQ(back->Find("w1")->failed_attempts, 1);
  back->Observe(Event(4, "t1", "CustomerCreated"));
  EXPECT_EQ(back->Find("w1")->pending.back(), 4) << "the tenant index is restored too";
  EXPECT_FALSE(DeliverySchedule::FromJson(nlohmann::json{{"v", 1}}).ok());
}

// --- the dispatcher loop over a real log ---

// Answers per URL from a script of statuses (the last one repeats); records what it received.
class ScriptedSender final : public WebhookSender {
 public:
  struct Received {
    std::string url, body, signature, event_id;
  };
  void Script(const std::string& url, std::vector<int> statuses) {
    std::lock_guard lock(mu_);
    scripts_[url] = std::move(statuses);
  }
  Result<int, std::string> Post(const OutboundRequest& request) override {
    std::lock_guard lock(mu_);
    Received r{request.url, request.body, "", ""};
    for (const auto& [name, value] : request.headers) {
      if (name == "X-Switchboard-Signature") r.signature = value;
      if (name == "X-Switchboard-Event-Id") r.event_id = value;
    }
    received_.push_back(r);
    auto& script = scripts_[request.url];
    const int status = script.empty() ? 200 : script.front();
    if (script.size() > 1) script.erase(script.begin());
    if (status == 0) return MakeErr(std::string("connection refused"));
    return status;
  }
  std::vector<Received> received() {
    std::lock_guard lock(mu_);
    return received_;
  }

 private:
  std::mutex mu_;
  std::map<std::string, std::vector<int>> scripts_;
  std::vector<Received> received_;
};

domain::TenantConfig Config() {
  domain::TenantConfig config;
  config.name = "Hooks Co";
  for (auto& day : config.business_hours.days) day = domain::DayHours{0, 24 * 60};
  return config;
}

class DispatcherTest : public ::testing::Test {
 protected:
  static constexpr const char* kTenant = "t_hooks";
  static constexpr const char* kSecret = "whsec_0123456789abcdef";

  void SetUp() override {
    log_ = std::move(adapters::RocksDbEventLog::Open(dir_.Sub("log"), 2).value());
    state_ = std::move(adapters::RocksDbStateStore::Open(dir_.Sub("state")).value());
    pipeline_ = std::make_unique<CommandPipeline>(*log_, state_.get(), clock_);
    tenants_ = std::make_unique<TenantService>(*pipeline_);
    webhooks_ = std::make_unique<WebhookService>(*pipeline_, *tenants_);
    ASSERT_TRUE(tenants_->Create(Context(), {kTenant, Config(), "sk_a", "wt_a", "ot_a"}).ok());
  }

  void StartDispatcher(int max_attempts) {
    DispatcherOptions options;
    options.retry = {max_attempts, milliseconds(20), milliseconds(50)};
    options.idle_poll = milliseconds(20);
    options.seed = 11;
    dispatcher_ = std::make_unique<WebhookDispatcher>(*log_, *state_, *webhooks_, sender_, clock_, options);
    ASSERT_TRUE(dispatcher_->Start().ok());
  }

  CommandContext Context() const { return {kTenant, {"api_key", "test"}, "", "corr"}; }

  void Register(const std::string& id, const std::string& url) {
    ASSERT_TRUE(webhooks_->Register(Context(), {id, url, {"TenantConfigured"}, kSecret}).ok());
  }
  void Touch(const std::string& name) {
    domain::ConfigureTenant change;
    change.name = name;
    ASSERT_TRUE(tenants_->Configure(Context(), change).ok());
  }

  // The delivery facts recorded on the webhook's stream, as "type:attempt" strings.
  std::vector<std::string> Facts(const std::string& id) {
    std::vector<std::string> out;
    auto events = log_->ReadStream(kTenant, WebhookStream(id), 1, 10'000);
    EXPECT_TRUE(events.ok());
    for (const auto& e : *events) {
      if (!domain::IsWebhookDeliveryFact(e.type)) continue;
      out.push_back(e.type + ":" + std::to_string(e.data.value("attempt", e.data.value("attempts", 0))));
    }
    return out;
  }

  template <class Pred>
  bool Eventually(Pred pred, milliseconds timeout = milliseconds(10'000)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (pred()) return true;
      std::this_thread::sleep_for(milliseconds(10));
    }
    return pred();
  }

  switchboard::testing::TempDir dir_{"switchboard-webhooks-"};
  SystemClock clock_;
  std::unique_ptr<adapters::RocksDbEventLog> log_;
  std::unique_ptr<adapters::RocksDbStateStore> state_;
  std::unique_ptr<CommandPipeline> pipeline_;
  std::unique_ptr<TenantService> tenants_;
  std::unique_ptr<WebhookService> webhooks_;
  ScriptedSender sender_;
  std::unique_ptr<WebhookDispatcher> dispatcher_;
};

TEST_F(DispatcherTest, RetriesInOrderRecordsFactsAndDeadLetters) {
  StartDispatcher(3);
  sender_.Script("http://ok/", {500, 0, 200});
  sender_.Script("http://down/", {503});
  Register("w-ok", "http://ok/");
  Register("w-down", "http://down/");
  Touch("A");
  Touch("B");

  ASSERT_TRUE(Eventually([&] { return Facts("w-ok").size() == 4 && Facts("w-down").size() == 8; }))
      << Facts("w-ok").size() << " " << Facts("w-down").size();
  EXPECT_EQ(Facts("w-ok"), (std::vector<std::string>{"WebhookDeliveryAttempted:1", "WebhookDeliveryAttempted:2",
                                                     "WebhookDeliverySucceeded:3", "WebhookDeliverySucceeded:1"}));
  EXPECT_EQ(Facts("w-down"),
            (std::vector<std::string>{"WebhookDeliveryAttempted:1", "WebhookDeliveryAttempted:2",
                                      "WebhookDeliveryAttempted:3", "WebhookDeliveryDeadLettered:3",
                                      "WebhookDeliveryAttempted:1", "WebhookDeliveryAttempted:2",
                                      "WebhookDeliveryAttempted:3", "WebhookDeliveryDeadLettered:3"}));

  // The receiver saw A three times, then B: a later event waited for the earlier one.
  std::vector<std::string> names;
  for (const auto& r : sender_.received()) {
    if (r.url != "http://ok/") continue;
    const auto body = nlohmann::json::parse(r.body);
    EXPECT_EQ(body["type"], "TenantConfigured");
    EXPECT_EQ(body["tenant_id"], kTenant);
    EXPECT_EQ(body["event_id"], r.event_id);
    EXPECT_TRUE(VerifySignatureHeader(r.signature, kSecret, r.body)) << r.signature;
    names.push_back(body["data"]["name"]);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"A", "A", "A", "B"}));
}

TEST_F(DispatcherTest, ResumesAfterARestartWithoutRedeliveringSucceededEvents) {
  StartDispatcher(8);
  Register("w1", "http://ok/");
  Touch("A");
  ASSERT_TRUE(Eventually([&] { return Facts("w1").size() == 1; }));
  dispatcher_->Stop();
  Touch("B");  // appended while no dispatcher runs
  StartDispatcher(8);
  ASSERT_TRUE(Eventually([&] { return Facts("w1").size() == 2; }));
  std::this_thread::sleep_for(milliseconds(100));
  std::vector<std::string> names;
  for (const auto& r : sender_.received()) names.push_back(nlohmann::json::parse(r.body)["data"]["name"]);
  EXPECT_EQ(names, (std::vector<std::string>{"A", "B"}));
}

TEST_F(DispatcherTest, StopsDeliveringToADeletedEndpoint) {
  StartDispatcher(8);
  sender_.Script("http://ok/", {500});
  Register("w1", "http://ok/");
  Touch("A");
  ASSERT_TRUE(Eventually([&] { return !Facts("w1").empty(); }));
  ASSERT_TRUE(webhooks_->Delete(Context(), "w1").ok());
  std::this_thread::sleep_for(milliseconds(200));
  const auto count = sender_.received().size();
  std::this_thread::sleep_for(milliseconds(300));
  EXPECT_EQ(sender_.received().size(), count) << "no attempts after the deletion was observed";
}

}  // namespace
}  // namespace switchboard::commands::webhooks
