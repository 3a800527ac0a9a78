// JSON codec of the WebhookEndpoint aggregate: its events (domain/EVENTS.md) and its snapshot.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "domain/codec/encoded_event.h"
#include "domain/codec/snapshot.h"
#include "domain/webhook.h"

namespace switchboard::domain {

EncodedEvent Encode(const WebhookEvent& event);
// kInvalid for an unknown type, an unsupported schema_version or malformed data; shapes only.
Result<WebhookEvent, Rejection> DecodeWebhookEvent(std::string_view type, int schema_version,
                                                   const nlohmann::json& data);

nlohmann::json ToSnapshot(const WebhookEndpoint& state);
Result<WebhookEndpoint, Rejection> WebhookEndpointFromSnapshot(const nlohmann::json& snapshot);
template <>
WebhookEndpoint FromSnapshot<WebhookEndpoint>(const nlohmann::json& snapshot);

}  // namespace switchboard::domain
