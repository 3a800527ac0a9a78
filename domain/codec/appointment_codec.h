// JSON codec of the Appointment aggregate: its events (domain/EVENTS.md) and its snapshot.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "domain/appointment.h"
#include "domain/codec/encoded_event.h"
#include "domain/codec/snapshot.h"

namespace switchboard::domain {

EncodedEvent Encode(const AppointmentEvent& event);
// kInvalid for an unknown type, an unsupported schema_version or malformed data; shapes only.
Result<AppointmentEvent, Rejection> DecodeAppointmentEvent(std::string_view type, int schema_version,
                                                           const nlohmann::json& data);

nlohmann::json ToSnapshot(const Appointment& state);
Result<Appointment, Rejection> AppointmentFromSnapshot(const nlohmann::json& snapshot);
template <>
Appointment FromSnapshot<Appointment>(const nlohmann::json& snapshot);

}  // namespace switchboard::domain
