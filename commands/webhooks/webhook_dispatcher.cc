// The per-partition delivery loop (see webhook_dispatcher.h).
#include "commands/webhooks/webhook_dispatcher.h"

#include <algorithm>
#include <random>

#include "commands/webhooks/signature.h"

namespace switchboard::commands::webhooks {
namespace {

constexpr std::size_t kReadBatch = 500;
constexpr int kRecordTries = 5;

std::string StateKey(int partition) { return "webhooks/dispatcher/" + std::to_string(partition); }

std::int64_t UnixSeconds(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace

std::string DeliveryBody(const RecordedEvent& event) {
  return nlohmann::json{{"event_id", event.event_id},
                        {"type", event.type},
                        {"tenant_id", event.tenant_id},
                        {"occurred_at", event.occurred_at},
                        {"data", event.data}}
      .dump();
}

WebhookDispatcher::WebhookDispatcher(EventLog& log, StateStore& state, WebhookService& service,
                                     WebhookSender& sender, const Clock& clock, DispatcherOptions options)
    : log_(log), state_(state), service_(service), sender_(sender), clock_(clock), options_(std::move(options)) {}

WebhookDispatcher::~WebhookDispatcher() { Stop(); }

Result<void, std::string> WebhookDispatcher::Start() {
  std::vector<int> partitions = options_.partitions;
  if (partitions.empty()) {
    for (int p = 0; p < log_.Partitions(); ++p) partitions.push_back(p);
  }
  for (int p : partitions) {
    if (p < 0 || p >= log_.Partitions()) return MakeErr("webhook dispatcher: no partition " + std::to_string(p));
  }
  if (options_.retry.max_attempts < 1) return MakeErr(std::string("webhook dispatcher: max_attempts must be >= 1"));
  for (int p : partitions) workers_.emplace_back([this, p] { Run(p); });
  return {};
}

void WebhookDispatcher::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  for (auto& w : workers_) {
    if (w.joinable()) w.join();
  }
  workers_.clear();
}

bool WebhookDispatcher::SleepFor(std::chrono::milliseconds d) {
  std::unique_lock lock(mu_);
  wake_.wait_for(lock, d, [this] { return stop_.load(); });
  return !stop_;
}

void WebhookDispatcher::ReportError(int partition, std::string_view message) const {
  if (options_.on_error) options_.on_error(partition, message);
}

std::optional<DeliverySchedule> WebhookDispatcher::LoadSchedule(int partition) {
  auto stored = state_.Get(StateKey(partition));
  if (!stored) {
    ReportError(partition, "state store: " + stored.error().message);
    return std::nullopt;
  }
  if (*stored) {
    auto parsed = nlohmann::json::parse(**stored, nullptr, false);
    if (!parsed.is_discarded()) {
      auto schedule = DeliverySchedule::FromJson(parsed);
      if (schedule) return std::move(schedule).value();
      ReportError(partition, schedule.error() + "; starting over from the current end of the partition");
    }
  }
  // First start (or an unreadable state): learn the endpoints from the whole partition, but
  // deliver only what is appended from now on, rather than replaying old history to receivers.
  auto end = log_.EndOffset(partition);
  if (!end) {
    ReportError(partition, "event log: " + end.error().message);
    return std::nullopt;
  }
  DeliverySchedule schedule;
  schedule.set_deliver_from(*end);
  return schedule;
}

bool WebhookDispatcher::Persist(int partition, const DeliverySchedule& schedule) {
  auto r = state_.Put(StateKey(partition), schedule.ToJson().dump());
  if (!r) ReportError(partition, "state store: " + r.error().message);
  return r.ok();
}

void WebhookDispatcher::Run(int partition) {
  std::optional<DeliverySchedule> loaded;
  while (!stop_ && !(loaded = LoadSchedule(partition))) SleepFor(options_.idle_poll);
  if (!loaded) return;
  DeliverySchedule& schedule = *loaded;
  // A fresh schedule's starting point is stored at once: on Kafka the next owner of the partition
  // resumes from it rather than starting fresh at its own (later) end and skipping what is between.
  Persist(partition, schedule);
  SeededRandom random(options_.seed != 0 ? options_.seed + static_cast<std::uint64_t>(partition)
                                         : (static_cast<std::uint64_t>(std::random_device{}()) << 32) ^
                                               std::random_device{}());
  auto subscription = log_.Subscribe(partition, schedule.position());

  while (!stop_) {
    for (const auto& id : schedule.Due(clock_.Now())) {
      if (stop_) return;
      Attempt(partition, schedule, id, random);
      Persist(partition, schedule);
    }

    auto wait = options_.idle_poll;
    if (const auto earliest = schedule.EarliestDue()) {
      wait = std::clamp(std::chrono::duration_cast<std::chrono::milliseconds>(*earliest - clock_.Now()),
                        std::chrono::milliseconds(0), options_.idle_poll);
    }
    if (schedule.Backlogged(options_.max_pending_per_endpoint)) {
      SleepFor(std::max(wait, std::chrono::milliseconds(1)));
      continue;
    }
    auto batch = subscription->Next(kReadBatch, wait);
    if (!batch) {
      ReportError(partition, "event log: " + batch.error().message);
      SleepFor(options_.idle_poll);
      continue;
    }
    if (batch->empty()) continue;
    for (const auto& event : *batch) schedule.Observe(event);
    schedule.set_position(subscription->Position());
    Persist(partition, schedule);
  }
}

void WebhookDispatcher::Attempt(int partition, DeliverySchedule& schedule, const std::string& webhook_id,
                                RandomSource& random) {
  const auto* endpoint = schedule.Find(webhook_id);
  if (endpoint == nullptr || endpoint->pending.empty()) return;
  const EndpointInfo info = endpoint->info;
  const std::int64_t offset = endpoint->pending.front();
  const int attempt = endpoint->failed_attempts + 1;

  auto read = log_.ReadPartition(partition, offset, 1);
  if (!read || read->empty() || read->front().offset != offset) {
    // Without the event there is nothing to send; try again on the next pass.
    ReportError(partition, "event log: cannot read offset " + std::to_string(offset) +
                               (read ? std::string() : ": " + read.error().message));
    SleepFor(options_.idle_poll);
    return;
  }
  const RecordedEvent& event = read->front();

  OutboundRequest request;
  request.url = info.url;
  request.body = DeliveryBody(event);
  request.timeout = options_.request_timeout;
  request.headers = {{"Content-Type", "application/json"},
                     {"User-Agent", "Switchboard-Webhooks/1"},
                     {"X-Switchboard-Event-Id", event.event_id},
                     {"X-Switchboard-Event-Type", event.type},
                     {"X-Switchboard-Delivery-Attempt", std::to_string(attempt)},
                     {"X-Switchboard-Signature", SignatureHeader(info.secret, UnixSeconds(clock_.Now()), request.body)}};
  const auto sent = sender_.Post(request);
  const int status = sent ? sent.value() : 0;
  if (sent && status >= 200 && status < 300) {
    Record(partition, info, event, "succeeded", attempt,
           domain::RecordWebhookDeliverySuccess{event.event_id, event.type, attempt, status});
    schedule.Succeeded(webhook_id);
    return;
  }
  const std::string error = sent ? "HTTP " + std::to_string(status) : sent.error();
  const RetryStep step = schedule.Failed(webhook_id, clock_.Now(), options_.retry, random);
  std::optional<domain::TimePoint> next;
  if (step.kind == RetryStep::Kind::kRetry) next = step.next_attempt_at;
  Record(partition, info, event, "attempted", attempt,
         domain::RecordWebhookDeliveryAttempt{event.event_id, event.type, attempt, status, error, next});
  if (step.kind == RetryStep::Kind::kDeadLetter) {
    Record(partition, info, event, "dead_lettered", attempt,
           domain::RecordWebhookDeadLetter{event.event_id, event.type, attempt, status, error});
  }
}

void WebhookDispatcher::Record(int partition, const EndpointInfo& endpoint, const RecordedEvent& event,
                               std::string_view kind, int attempt, const domain::WebhookCommand& fact) {
  CommandContext context;
  context.tenant_id = endpoint.tenant_id;
  context.actor = {"system", "webhook-dispatcher"};
  // A repeat after a crash (same endpoint, event, attempt and outcome) lands once.
  context.idempotency_key = "webhook-delivery|" + endpoint.webhook_id + "|" + event.event_id + "|" +
                            std::to_string(attempt) + "|" + std::string(kind);
  context.correlation_id = event.correlation_id.empty() ? event.event_id : event.correlation_id;
  for (int i = 0; i < kRecordTries && !stop_; ++i) {
    auto r = service_.Record(context, endpoint.webhook_id, fact, event.event_id);
    if (r) return;
    if (r.error().kind == CommandError::Kind::kRejected) {
      ReportError(partition, "webhook " + endpoint.webhook_id + ": delivery fact rejected: " +
                                 r.error().rejection.message);
      return;
    }
    ReportError(partition, "webhook " + endpoint.webhook_id + ": cannot record delivery fact: " + r.error().message);
    SleepFor(options_.idle_poll);
  }
  // The delivery itself went ahead; only its audit record is missing.
}

}  // namespace switchboard::commands::webhooks
