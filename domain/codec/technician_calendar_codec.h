// JSON codec of the TechnicianCalendar aggregate: its events (domain/EVENTS.md) and its snapshot.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "domain/codec/encoded_event.h"
#include "domain/codec/snapshot.h"
#include "domain/technician_calendar.h"

namespace switchboard::domain {

EncodedEvent Encode(const TechnicianCalendarEvent& event);
// kInvalid for an unknown type, an unsupported schema_version or malformed data; shapes only.
Result<TechnicianCalendarEvent, Rejection> DecodeTechnicianCalendarEvent(std::string_view type, int schema_version,
                                                                         const nlohmann::json& data);

nlohmann::json ToSnapshot(const TechnicianCalendar& state);
Result<TechnicianCalendar, Rejection> TechnicianCalendarFromSnapshot(const nlohmann::json& snapshot);
template <>
TechnicianCalendar FromSnapshot<TechnicianCalendar>(const nlohmann::json& snapshot);

}  // namespace switchboard::domain
