// JSON codec of the Customer aggregate: its events (domain/EVENTS.md) and its snapshot.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "domain/codec/encoded_event.h"
#include "domain/codec/snapshot.h"
#include "domain/customer.h"

namespace switchboard::domain {

EncodedEvent Encode(const CustomerEvent& event);
// kInvalid for an unknown type, an unsupported schema_version or malformed data; shapes only.
Result<CustomerEvent, Rejection> DecodeCustomerEvent(std::string_view type, int schema_version,
                                                     const nlohmann::json& data);

nlohmann::json ToSnapshot(const Customer& state);
Result<Customer, Rejection> CustomerFromSnapshot(const nlohmann::json& snapshot);
template <>
Customer FromSnapshot<Customer>(const nlohmann::json& snapshot);

}  // namespace switchboard::domain
