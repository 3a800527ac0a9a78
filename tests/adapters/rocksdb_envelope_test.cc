// EnvelopeTemplate must produce exactly commands::EncodeEnvelope's bytes: the RocksDB and Kafka logs
// store the same envelope (DESIGN.md §2), and this is what keeps the fast path honest.
#include "adapters/rocksdb/envelope_template.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace switchboard::adapters {
namespace {

commands::RecordedEvent Placed(const commands::NewEvent& e, const std::string& tenant, const std::string& stream,
                               int partition, std::int64_t offset, std::int64_t version, const std::string& key) {
  commands::RecordedEvent r;
  r.event_id = e.event_id;
  r.type = e.type;
  r.schema_version = e.schema_version;
  r.tenant_id = tenant;
  r.stream = stream;
  r.stream_version = version;
  r.partition = partition;
  r.offset = offset;
  r.occurred_at = e.occurred_at;
  r.recorded_at = "2026-11-24T15:04:05.999Z";
  r.actor = e.actor;
  r.correlation_id = e.correlation_id;
  r.causation_id = e.causation_id;
  r.idempotency_key = key;
  r.data = e.data;
  return r;
}

TEST(EnvelopeTemplate, ProducesTheBytesOfEncodeEnvelope) {
  std::vector<commands::NewEvent> events(4);
  events[0].event_id = "e-0";
  events[0].type = "CallStarted";
  events[0].data = {{"b", 1}, {"a", {{"z", nullptr}, {"y", {1.5, "two", false}}}}};
  events[0].occurred_at = "2026-01-01T00:00:00.000Z";
  events[0].actor = {"provider", "twilio"};
  events[1].event_id = "e-\"1\"";
  events[1].type = "Caf\u00e9\tOpened\n";
  events[1].schema_version = 12;
  events[1].data = "a string payload with \\ and \x01 control";
  events[1].correlation_id = "\u65e5\u672c";
  events[2].type = "Empty";  // every string empty, data null
  events[3].event_id = "e-3";
  events[3].data = nlohmann::json::array();
  events[3].causation_id = "</script>\x7f~ {}[]";

  const std::vector<std::string> tenants = {"t_1", "t \"quoted\"", "", "t_\u00fc"};
  for (std::size_t i = 0; i < events.size(); ++i) {
    const int partition = static_cast<int>(i);
    const std::int64_t offset = i == 3 ? 9'007'199'254'740'993 : static_cast<std::int64_t>(i * 1000);
    const std::int64_t version = static_cast<std::int64_t>(i) + 1;
    const std::string stream = "stream-" + std::to_string(i) + (i == 1 ? "\\x" : "");
    const std::string key = i % 2 ? "idem-" + std::to_string(i) : "";
    const EnvelopeTemplate t = MakeEnvelopeTemplate(events[i], tenants[i], stream, partition, key);
    std::string bytes;
    FinishEnvelope(t, offset, "2026-11-24T15:04:05.999Z", version, &bytes);
    EXPECT_EQ(bytes, commands::EncodeEnvelope(Placed(events[i], tenants[i], stream, partition, offset, version, key)))
        << "event " << i;
  }
}

TEST(EnvelopeTemplate, RejectsStringsThatAreNotUtf8LikeEncodeEnvelope) {
  commands::NewEvent e;
  e.type = std::string("bad\xc3");
  EXPECT_THROW(MakeEnvelopeTemplate(e, "t", "s", 0, ""), nlohmann::json::exception);
}

}  // namespace
}  // namespace switchboard::adapters
