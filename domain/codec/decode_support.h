// DecodeByType: picks the event struct whose kType equals the envelope's type and reads its data.
// `read` is an overload set (one per event type, taking std::type_identity<E> and a JsonReader&),
// so an event without a reader fails to compile instead of decoding as "unknown".
#pragma once

#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

#include <nlohmann/json.hpp>

#include "domain/codec/json_reader.h"
#include "domain/rejection.h"
#include "domain/result.h"

namespace switchboard::domain {

// Every event is at schema_version 1 today; an upcaster goes here when a version 2 appears.
inline constexpr int kCurrentSchemaVersion = 1;

template <class Variant, class Read, std::size_t I = 0>
Result<Variant, Rejection> DecodeByType(std::string_view type, int schema_version, const nlohmann::json& data,
                                        const Read& read) {
  if constexpr (I == std::variant_size_v<Variant>) {
    return MakeErr(Invalid("type", "unknown event type \"" + std::string(type) + "\""));
  } else {
    using Event = std::variant_alternative_t<I, Variant>;
    if (Event::kType != type) return DecodeByType<Variant, Read, I + 1>(type, schema_version, data, read);
    if (schema_version != kCurrentSchemaVersion) {
      return MakeErr(Invalid("schema_version", "unsupported schema_version " + std::to_string(schema_version) +
                                                   " for " + std::string(type)));
    }
    JsonReader reader(data);
    Event event = read(std::type_identity<Event>{}, reader);
    if (!reader.ok()) return MakeErr(reader.error());
    return Variant{std::move(event)};
  }
}

}  // namespace switchboard::domain
