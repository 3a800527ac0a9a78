// JSON codec of the event envelope.
#include "commands/recorded_event.h"

namespace switchboard::commands {

std::string EncodeEnvelope(const RecordedEvent& e) {
  nlohmann::json j = {
      {"event_id", e.event_id},
      {"type", e.type},
      {"schema_version", e.schema_version},
      {"tenant_id", e.tenant_id},
      {"stream", e.stream},
      {"stream_version", e.stream_version},
      {"partition", e.partition},
      {"offset", e.offset},
      {"occurred_at", e.occurred_at},
      {"recorded_at", e.recorded_at},
      {"actor", {{"kind", e.actor.kind}, {"id", e.actor.id}}},
      {"correlation_id", e.correlation_id},
      {"causation_id", e.causation_id},
      {"idempotency_key", e.idempotency_key},
      {"data", e.data},
  };
  return j.dump();
}

RecordedEvent DecodeEnvelope(std::string_view bytes) {
  const auto j = nlohmann::json::parse(bytes);
  RecordedEvent e;
  e.event_id = j.at("event_id").get<std::string>();
  e.type = j.at("type").get<std::string>();
  e.schema_version = j.at("schema_version").get<int>();
  e.tenant_id = j.at("tenant_id").get<std::string>();
  e.stream = j.at("stream").get<std::string>();
  e.stream_version = j.at("stream_version").get<std::int64_t>();
  e.partition = j.at("partition").get<int>();
  e.offset = j.at("offset").get<std::int64_t>();
  e.occurred_at = j.at("occurred_at").get<std::string>();
  e.recorded_at = j.at("recorded_at").get<std::string>();
  e.actor.kind = j.at("actor").at("kind").get<std::string>();
  e.actor.id = j.at("actor").at("id").get<std::string>();
  e.correlation_id = j.value("correlation_id", "");
  e.causation_id = j.value("causation_id", "");
  e.idempotency_key = j.value("idempotency_key", "");
  e.data = j.at("data");
  return e;
}

}  // namespace switchboard::commands
