// JSON codec of the Tenant aggregate: its events (domain/EVENTS.md) and its snapshot.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "domain/codec/encoded_event.h"
#include "domain/codec/snapshot.h"
#include "domain/tenant.h"

namespace switchboard::domain {

EncodedEvent Encode(const TenantEvent& event);
// kInvalid for an unknown type ("type"), an unsupported schema_version ("schema_version") or a
// malformed data field (named). Checks shapes only: stored events stay readable forever.
Result<TenantEvent, Rejection> DecodeTenantEvent(std::string_view type, int schema_version, const nlohmann::json& data);

nlohmann::json ToSnapshot(const Tenant& state);
Result<Tenant, Rejection> TenantFromSnapshot(const nlohmann::json& snapshot);
template <>
Tenant FromSnapshot<Tenant>(const nlohmann::json& snapshot);

}  // namespace switchboard::domain
