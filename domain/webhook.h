// WebhookEndpoint aggregate (stream "webhook-<id>"): a tenant's outbound webhook subscription and
// the facts of delivering events to it (attempts, successes, dead letters). Pure Decide/Evolve.
// The secret is kept as given (the signer needs it) and travels in WebhookRegistered; the API
// shows it once, at creation, and never again.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "domain/values.h"

namespace switchboard::domain {

struct WebhookEndpoint {
  enum class Status { kNone, kActive, kDeleted };
  std::string id;
  Status status = Status::kNone;
  std::string url;
  std::vector<std::string> event_types;  // sorted, unique; {"*"} for every type
  std::string secret;
  std::int64_t deliveries_succeeded = 0;
  std::int64_t deliveries_dead_lettered = 0;
  friend bool operator==(const WebhookEndpoint&, const WebhookEndpoint&) = default;
};

// Commands. `secret` is required here: the API layer generates one ("whsec_…") when the caller
// gives none.
struct RegisterWebhook {
  std::string webhook_id;
  std::string url;
  std::vector<std::string> event_types;
  std::string secret;
};
struct DeleteWebhook {};
// Delivery facts, reported by the dispatcher (commands/webhooks/). `status_code` is 0 when no HTTP
// response arrived (connection refused, timeout); `error` then says why.
struct RecordWebhookDeliveryAttempt {
  std::string event_id, event_type;
  int attempt = 1;
  int status_code = 0;
  std::string error;
  std::optional<TimePoint> next_attempt_at;  // nullopt: no retry follows (a dead letter does)
};
struct RecordWebhookDeliverySuccess {
  std::string event_id, event_type;
  int attempt = 1;
  int status_code = 200;
};
struct RecordWebhookDeadLetter {
  std::string event_id, event_type;
  int attempts = 1;
  int status_code = 0;
  std::string error;
};

using WebhookCommand = std::variant<RegisterWebhook, DeleteWebhook, RecordWebhookDeliveryAttempt,
                                    RecordWebhookDeliverySuccess, RecordWebhookDeadLetter>;

// Events (data per domain/EVENTS.md).
struct WebhookRegistered {
  static constexpr std::string_view kType = "WebhookRegistered";
  std::string webhook_id, url;
  std::vector<std::string> event_types;
  std::string secret;
  friend bool operator==(const WebhookRegistered&, const WebhookRegistered&) = default;
};
struct WebhookDeleted {
  static constexpr std::string_view kType = "WebhookDeleted";
  std::string webhook_id;
  friend bool operator==(const WebhookDeleted&, const WebhookDeleted&) = default;
};
struct WebhookDeliveryAttempted {  // a failed attempt
  static constexpr std::string_view kType = "WebhookDeliveryAttempted";
  std::string webhook_id, event_id, event_type;
  int attempt = 1;
  int status_code = 0;
  std::string error;
  std::string next_attempt_at;  // RFC 3339, "" when no retry follows
  friend bool operator==(const WebhookDeliveryAttempted&, const WebhookDeliveryAttempted&) = default;
};
struct WebhookDeliverySucceeded {
  static constexpr std::string_view kType = "WebhookDeliverySucceeded";
  std::string webhook_id, event_id, event_type;
  int attempt = 1;
  int status_code = 200;
  friend bool operator==(const WebhookDeliverySucceeded&, const WebhookDeliverySucceeded&) = default;
};
struct WebhookDeliveryDeadLettered {
  static constexpr std::string_view kType = "WebhookDeliveryDeadLettered";
  std::string webhook_id, event_id, event_type;
  int attempts = 1;
  int status_code = 0;
  std::string error;
  friend bool operator==(const WebhookDeliveryDeadLettered&, const WebhookDeliveryDeadLettered&) = default;
};

using WebhookEvent = std::variant<WebhookRegistered, WebhookDeleted, WebhookDeliveryAttempted,
                                  WebhookDeliverySucceeded, WebhookDeliveryDeadLettered>;

// Field rules: webhook_id per ValidateId ("webhook_id"); url an absolute http:// or https:// URL
// with a host, at most 2000 characters, no whitespace or control characters ("url"); event_types
// 1..100 entries, each "*" or a name of KnownWebhookEventTypes(), returned sorted and unique, and
// just {"*"} when "*" is among them ("event_types"); secret 16..200 printable ASCII characters
// without spaces ("secret").
// Register on an existing endpoint (even deleted): kAlreadyExists. Delete on a missing or deleted
// one: kNotFound. Delivery facts need an endpoint that was registered (deleted is fine: a
// delivery in flight at deletion still happened): kNotFound otherwise; attempt(s) >= 1, status
// codes 0..599, error at most 1000 characters (longer is cut, not rejected: it is a fact), event
// ids per ValidateId ("event_id").
Result<std::vector<WebhookEvent>, Rejection> Decide(const WebhookEndpoint& state, const WebhookCommand& command);
WebhookEndpoint Evolve(WebhookEndpoint state, const WebhookEvent& event);
WebhookEndpoint Fold(const std::vector<WebhookEvent>& events);

// Every event type name a webhook may subscribe to: the catalogue of domain/EVENTS.md minus the
// Webhook* events (delivery facts would feed back into more deliveries, and WebhookRegistered
// carries a secret). Sorted. A new aggregate's events join by adding its variant in webhook.cc.
const std::vector<std::string>& KnownWebhookEventTypes();
// True for WebhookDeliveryAttempted/Succeeded/DeadLettered: never delivered to webhooks.
bool IsWebhookDeliveryFact(std::string_view event_type);
// Whether an endpoint subscribed to `event_types` (normalized) wants events of `type`; never for
// Webhook* types, even under "*".
bool WebhookWants(const std::vector<std::string>& event_types, std::string_view type);

// The single-field rules above, for the API layer.
Result<std::string, Rejection> NormalizeWebhookUrl(std::string_view url);
Result<std::vector<std::string>, Rejection> NormalizeWebhookEventTypes(const std::vector<std::string>& types);
Result<void, Rejection> ValidateWebhookSecret(std::string_view secret);

inline constexpr std::size_t kMaxWebhookUrlChars = 2000;
inline constexpr std::size_t kMaxWebhookErrorChars = 1000;

}  // namespace switchboard::domain
