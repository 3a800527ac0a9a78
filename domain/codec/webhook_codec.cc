// WebhookEndpoint event and snapshot codec (see webhook_codec.h; field names per domain/EVENTS.md).
#include "domain/codec/webhook_codec.h"

#include <stdexcept>

#include "domain/codec/decode_support.h"
#include "domain/codec/json_reader.h"

namespace switchboard::domain {
namespace {

using nlohmann::json;

json Data(const WebhookRegistered& e) {
  return {{"webhook_id", e.webhook_id}, {"url", e.url}, {"event_types", e.event_types}, {"secret", e.secret}};
}
json Data(const WebhookDeleted& e) { return {{"webhook_id", e.webhook_id}}; }
json Data(const WebhookDeliveryAttempted& e) {
  return {{"webhook_id", e.webhook_id},   {"event_id", e.event_id}, {"event_type", e.event_type},
          {"attempt", e.attempt},         {"status_code", e.status_code}, {"error", e.error},
          {"next_attempt_at", e.next_attempt_at}};
}
json Data(const WebhookDeliverySucceeded& e) {
  return {{"webhook_id", e.webhook_id}, {"event_id", e.event_id},       {"event_type", e.event_type},
          {"attempt", e.attempt},       {"status_code", e.status_code}};
}
json Data(const WebhookDeliveryDeadLettered& e) {
  return {{"webhook_id", e.webhook_id}, {"event_id", e.event_id},       {"event_type", e.event_type},
          {"attempts", e.attempts},     {"status_code", e.status_code}, {"error", e.error}};
}

struct Reader {
  WebhookRegistered operator()(std::type_identity<WebhookRegistered>, JsonReader& r) const {
    WebhookRegistered e;
    e.webhook_id = r.String("webhook_id");
    e.url = r.String("url");
    e.event_types = r.Strings("event_types");
    e.secret = r.String("secret");
    return e;
  }
  WebhookDeleted operator()(std::type_identity<WebhookDeleted>, JsonReader& r) const {
    WebhookDeleted e;
    e.webhook_id = r.String("webhook_id");
    return e;
  }
  WebhookDeliveryAttempted operator()(std::type_identity<WebhookDeliveryAttempted>, JsonReader& r) const {
    WebhookDeliveryAttempted e;
    e.webhook_id = r.String("webhook_id");
    e.event_id = r.String("event_id");
    e.event_type = r.String("event_type");
    e.attempt = r.Int("attempt");
    e.status_code = r.Int("status_code");
    e.error = r.String("error");
    e.next_attempt_at = r.String("next_attempt_at");
    return e;
  }
  WebhookDeliverySucceeded operator()(std::type_identity<WebhookDeliverySucceeded>, JsonReader& r) const {
    WebhookDeliverySucceeded e;
    e.webhook_id = r.String("webhook_id");
    e.event_id = r.String("event_id");
    e.event_type = r.String("event_type");
    e.attempt = r.Int("attempt");
    e.status_code = r.Int("status_code");
    return e;
  }
  WebhookDeliveryDeadLettered operator()(std::type_identity<WebhookDeliveryDeadLettered>, JsonReader& r) const {
    WebhookDeliveryDeadLettered e;
    e.webhook_id = r.String("webhook_id");
    e.event_id = r.String("event_id");
    e.event_type = r.String("event_type");
    e.attempts = r.Int("attempts");
    e.status_code = r.Int("status_code");
    e.error = r.String("error");
    return e;
  }
};

std::string_view StatusName(WebhookEndpoint::Status s) {
  switch (s) {
    case WebhookEndpoint::Status::kNone: return "none";
    case WebhookEndpoint::Status::kActive: return "active";
    case WebhookEndpoint::Status::kDeleted: return "deleted";
  }
  return "none";  // unreachable: the switch is exhaustive
}

}  // namespace

EncodedEvent Encode(const WebhookEvent& event) {
  return std::visit([](const auto& e) { return EncodedEvent{std::string(e.kType), kCurrentSchemaVersion, Data(e)}; },
                    event);
}

Result<WebhookEvent, Rejection> DecodeWebhookEvent(std::string_view type, int schema_version, const json& data) {
  return DecodeByType<WebhookEvent>(type, schema_version, data, Reader{});
}

json ToSnapshot(const WebhookEndpoint& w) {
  return {{"v", kSnapshotVersion},
          {"id", w.id},
          {"status", StatusName(w.status)},
          {"url", w.url},
          {"event_types", w.event_types},
          {"secret", w.secret},
          {"deliveries_succeeded", w.deliveries_succeeded},
          {"deliveries_dead_lettered", w.deliveries_dead_lettered}};
}

Result<WebhookEndpoint, Rejection> WebhookEndpointFromSnapshot(const json& snapshot) {
  JsonReader r(snapshot, "snapshot");
  if (r.ok() && r.Int("v") != kSnapshotVersion) r.Fail(Invalid("v", "unsupported snapshot version"));
  WebhookEndpoint w;
  w.id = r.String("id");
  const std::string status = r.String("status");
  if (status == "active") {
    w.status = WebhookEndpoint::Status::kActive;
  } else if (status == "deleted") {
    w.status = WebhookEndpoint::Status::kDeleted;
  } else if (status == "none") {
    w.status = WebhookEndpoint::Status::kNone;
  } else if (r.ok()) {
    r.Fail(Invalid("status", "unknown webhook status \"" + status + "\""));
  }
  w.url = r.String("url");
  w.event_types = r.Strings("event_types");
  w.secret = r.String("secret");
  w.deliveries_succeeded = r.Int64("deliveries_succeeded");
  w.deliveries_dead_lettered = r.Int64("deliveries_dead_lettered");
  if (!r.ok()) return MakeErr(r.error());
  return w;
}

template <>
WebhookEndpoint FromSnapshot<WebhookEndpoint>(const json& snapshot) {
  auto w = WebhookEndpointFromSnapshot(snapshot);
  if (!w) throw std::invalid_argument("malformed webhook snapshot: " + w.error().message);
  return std::move(w).value();
}

}  // namespace switchboard::domain
