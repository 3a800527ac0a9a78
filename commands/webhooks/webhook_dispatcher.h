// WebhookDispatcher: the process manager that delivers a tenant's events to its webhook endpoints.
// One worker thread per partition subscribes to the event log from its persisted DeliverySchedule
// (StateStore key "webhooks/dispatcher/<partition>"), POSTs each matching event as JSON
// {event_id, type, tenant_id, occurred_at, data} signed with X-Switchboard-Signature, and records
// every outcome as a WebhookDelivery* event through WebhookService.
//
// Guarantees: at least once (the schedule is persisted after an outcome is recorded, so a crash
// in between re-sends); per endpoint — hence per tenant — in log order (a later event waits while
// an earlier one is retried); retries with exponential backoff and full jitter; a dead letter after
// RetryPolicy::max_attempts. Deliveries of one partition run one at a time, so a receiver that hangs
// until the request timeout delays the other endpoints of its partition by that much.
// Thread-safety: Start/Stop from one owning thread.
//
//   WebhookDispatcher d(log, state, service, sender, clock, {.retry = {.max_attempts = 8}});
//   if (auto r = d.Start(); !r) ...;   ...   d.Stop();
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "commands/clock.h"
#include "commands/event_log.h"
#include "commands/state_store.h"
#include "commands/webhooks/delivery_schedule.h"
#include "commands/webhooks/retry_policy.h"
#include "commands/webhooks/webhook_sender.h"
#include "commands/webhooks/webhook_service.h"

namespace switchboard::commands::webhooks {

struct DispatcherOptions {
  RetryPolicy retry{};
  std::chrono::milliseconds request_timeout{10'000};
  // An idle worker re-checks Stop() and due retries at least this often.
  std::chrono::milliseconds idle_poll{200};
  // A worker stops reading its partition while an endpoint has this many events pending.
  std::size_t max_pending_per_endpoint = 100'000;
  std::uint64_t seed = 0;           // jitter seed (worker p uses seed + p); 0 draws one at random
  std::vector<int> partitions{};    // the partitions to run; empty means all
  // Called on worker threads; must be thread-safe. Unset means not called.
  std::function<void(int partition, std::string_view message)> on_error{};
};

// The JSON body POSTed for `event` (the delivery envelope).
std::string DeliveryBody(const RecordedEvent& event);

class WebhookDispatcher {
 public:
  // Every reference must outlive the dispatcher.
  WebhookDispatcher(EventLog& log, StateStore& state, WebhookService& service, WebhookSender& sender,
                    const Clock& clock, DispatcherOptions options = {});
  ~WebhookDispatcher();  // Stop()s
  WebhookDispatcher(const WebhookDispatcher&) = delete;
  WebhookDispatcher& operator=(const WebhookDispatcher&) = delete;

  // Starts one worker per partition. Fails on an invalid partition list. Call once.
  Result<void, std::string> Start();
  // Stops the workers after their current attempt (at most request_timeout).
  void Stop();

 private:
  void Run(int partition);
  // Loads the partition's schedule, or starts a fresh one that delivers only from the current end.
  std::optional<DeliverySchedule> LoadSchedule(int partition);
  bool Persist(int partition, const DeliverySchedule& schedule);
  // One attempt at the head of `webhook_id`; records its outcome and updates the schedule.
  void Attempt(int partition, DeliverySchedule& schedule, const std::string& webhook_id, RandomSource& random);
  // Records a delivery fact, retrying a few times on an unavailable log.
  void Record(int partition, const EndpointInfo& endpoint, const RecordedEvent& event, std::string_view kind,
              int attempt, const domain::WebhookCommand& fact);
  // Sleeps up to `d`, waking early on Stop(). False when stopping.
  bool SleepFor(std::chrono::milliseconds d);
  void ReportError(int partition, std::string_view message) const;

  EventLog& log_;
  StateStore& state_;
  WebhookService& service_;
  WebhookSender& sender_;
  const Clock& clock_;
  DispatcherOptions options_;

  std::mutex mu_;
  std::condition_variable wake_;
  std::atomic<bool> stop_{false};
  std::vector<std::thread> workers_;
};

}  // namespace switchboard::commands::webhooks
