// JSON codec of the PhoneClaim aggregate: its events (domain/EVENTS.md) and its snapshot.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "domain/codec/encoded_event.h"
#include "domain/codec/snapshot.h"
#include "domain/phone_claim.h"

namespace switchboard::domain {

EncodedEvent Encode(const PhoneClaimEvent& event);
// kInvalid for an unknown type, an unsupported schema_version or malformed data; shapes only.
Result<PhoneClaimEvent, Rejection> DecodePhoneClaimEvent(std::string_view type, int schema_version,
                                                         const nlohmann::json& data);

nlohmann::json ToSnapshot(const PhoneClaim& state);
Result<PhoneClaim, Rejection> PhoneClaimFromSnapshot(const nlohmann::json& snapshot);
template <>
PhoneClaim FromSnapshot<PhoneClaim>(const nlohmann::json& snapshot);

}  // namespace switchboard::domain
