// EncodedEvent: an event as its envelope stores it: type name, schema version and JSON data
// (domain/EVENTS.md). Encode never fails; DecodeXEvent never throws.
#pragma once

#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

#include <nlohmann/json.hpp>

namespace switchboard::domain {

struct EncodedEvent {
  std::string type;
  int schema_version = 1;
  nlohmann::json data;
  friend bool operator==(const EncodedEvent&, const EncodedEvent&) = default;
};

// The envelope type name of any event of an aggregate's event variant, e.g. "TenantCreated".
template <class EventVariant>
std::string_view EventType(const EventVariant& event) {
  return std::visit([](const auto& e) { return std::decay_t<decltype(e)>::kType; }, event);
}

}  // namespace switchboard::domain
