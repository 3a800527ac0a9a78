// DeliverySchedule: the pure state of one partition's webhook deliveries — the endpoints known
// from WebhookRegistered/WebhookDeleted, and per endpoint a FIFO of partition offsets still to
// deliver with the head's failed attempts and next due time. No I/O: the dispatcher feeds it the
// partition's events and the outcome of each attempt, and persists ToJson() in the StateStore.
// Per-endpoint FIFO is what keeps a tenant's events in order: a later event waits while the head
// is retried. Not thread-safe: one partition worker owns it.
//
//   DeliverySchedule s;
//   for (auto& e : batch) s.Observe(e);            // registrations, deletions, enqueueing
//   for (auto& id : s.Due(now)) { ... s.Succeeded(id) or s.Failed(id, now, policy, rng) ... }
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "commands/recorded_event.h"
#include "commands/webhooks/retry_policy.h"
#include "domain/result.h"

namespace switchboard::commands::webhooks {

struct EndpointInfo {
  std::string webhook_id;
  std::string tenant_id;
  std::string url;
  std::vector<std::string> event_types;
  std::string secret;
};

class DeliverySchedule {
 public:
  struct Endpoint {
    EndpointInfo info;
    std::deque<std::int64_t> pending;  // partition offsets, oldest first
    int failed_attempts = 0;           // failed attempts of pending.front()
    TimePoint next_attempt_at{};       // when pending.front() is due; the epoch means now
  };

  // Folds one event of the partition, in offset order: WebhookRegistered adds an endpoint,
  // WebhookDeleted drops it with its queue, WebhookDelivery* facts are ignored (no feedback loop),
  // and any other event at offset >= deliver_from() joins the queue of each active endpoint of
  // its tenant that wants its type. An event already queued is not queued twice.
  void Observe(const RecordedEvent& event);

  // Endpoints whose head is due at `now`, the longest-waiting first.
  std::vector<std::string> Due(TimePoint now) const;
  // The earliest due time of any head; nullopt when nothing is pending.
  std::optional<TimePoint> EarliestDue() const;
  const Endpoint* Find(const std::string& webhook_id) const;
  // Whether some endpoint has `limit` or more pending events (the worker stops reading ahead).
  bool Backlogged(std::size_t limit) const;

  // The head of `webhook_id` was delivered: pop it; the next one is due at once.
  void Succeeded(const std::string& webhook_id);
  // The head failed (its failed_attempts-th + 1 attempt): a retry at a jittered time, or, once the
  // policy's attempts are used up, a dead letter (the head is popped). Returns what was decided.
  RetryStep Failed(const std::string& webhook_id, TimePoint now, const RetryPolicy& policy, RandomSource& random);

  // The next partition offset to read, and the first offset to deliver (events before it only
  // update the registry: the dispatcher's first start does not replay old history to receivers).
  std::int64_t position() const { return position_; }
  void set_position(std::int64_t position) { position_ = position; }
  std::int64_t deliver_from() const { return deliver_from_; }
  void set_deliver_from(std::int64_t offset) { deliver_from_ = offset; }

  nlohmann::json ToJson() const;
  static Result<DeliverySchedule, std::string> FromJson(const nlohmann::json& json);

 private:
  std::map<std::string, Endpoint> endpoints_;                 // by webhook id
  std::map<std::string, std::set<std::string>> by_tenant_;    // tenant id -> webhook ids
  std::int64_t position_ = 0;
  std::int64_t deliver_from_ = 0;
};

}  // namespace switchboard::commands::webhooks
