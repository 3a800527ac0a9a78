// EnvelopeTemplate: an event's stored envelope (commands::EncodeEnvelope's exact bytes) encoded
// ahead of time, with holes for the three fields only the log's writer knows: offset, recorded_at
// and stream_version. Appenders pay the JSON cost on their own threads; the single writer thread
// only splices numbers in. Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "commands/recorded_event.h"

namespace switchboard::adapters {

struct EnvelopeTemplate {
  std::string text;           // the envelope with the three holes cut out
  std::size_t offset_at = 0;  // where the offset's digits go
  std::size_t recorded_at_at = 0;  // where the recorded_at string's characters go (inside quotes)
  std::size_t version_at = 0;      // where the stream_version's digits go
};

// Throws nlohmann::json::exception when a string is not valid UTF-8 (EncodeEnvelope would too).
EnvelopeTemplate MakeEnvelopeTemplate(const commands::NewEvent& event, std::string_view tenant_id,
                                      std::string_view stream, int partition, std::string_view idempotency_key);

// Writes the complete envelope into *out (replacing its content). recorded_at must need no JSON
// escaping (the log's own RFC 3339 timestamps never do).
void FinishEnvelope(const EnvelopeTemplate& t, std::int64_t offset, std::string_view recorded_at,
                    std::int64_t stream_version, std::string* out);

}  // namespace switchboard::adapters
